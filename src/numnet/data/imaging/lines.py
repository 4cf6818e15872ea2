"""Ruled and squared paper: find the printed lines so that they are not taken for ink.

A ruled line crosses the page; a pen stroke spans a digit at most.  Lines of a photo are
tilted (a phone held at an angle turns the page by degrees) and are crossed by the digit, so
they are found in three steps, per direction (horizontal, then vertical for squared paper):

0. *tilt*: the slope m of the lines, up to ``MAX_TILT`` degrees either way, as the one that
   makes the ink's profile across the lines most peaked: the sum of squares of the counts
   of ink pixels at each offset y - round(m x) (for rows), searched in steps of 1 degree,
   then of ``TILT_STEP`` around the best; kept if it beats m = 0 by ``TILT_GAIN`` and is
   ``MIN_TILT`` or more (else the lines, if any, are near enough level for step 1).  The
   mask is then sheared, each column shifted by -round(m x) rows, which makes the lines
   level without resampling a pixel; steps 1-2 run on the sheared mask (a sheared 1-px
   line steps between two rows, so a run there is of a pixel or the one before it) and
   what they find is shifted back.
1. *runs*: the pixels of the ink mask that lie in a straight run of at least ``SEGMENT``
   of the page's width (a 1-D morphological opening: a minimum filter then a maximum filter
   of that length along the rows, both O(pixels)).  A tilted line is a staircase of such
   runs, joined at their corners; where a stroke crosses the line, only the line's rows are
   in a run.
2. *lines*: connected sets of runs that together span at least ``SPAN`` of the page (and
   ``MIN_LENGTH`` px), are straight (a fitted line within ``STRAIGHT`` px of the pixels
   near it) and thin (at most ``THIN`` of the page thick, 2 px allowed); of such a set only
   the pixels on the fitted line are the line's (a stroke touching it is not).  Two lines
   that a smear or a stroke joins are one such set, and no straight line fits it: then the
   bands across the set that hold a line's worth of pixels are tried each alone.

``paper_lines(mask)`` returns those pixels.  ``remove_lines(mask)`` takes them out of the
ink and then bridges the gaps they leave in strokes that cross them: a line pixel is ink
again if there is ink within ``BRIDGE`` px on both sides of it, along a row or a column
(a vertical line through a digit would otherwise cut it into slices).  Where a row and a
column of squared paper cross inside a stroke, the pixels they share have only line pixels
on every side: they are bridged in a second pass, once the lines' other pixels in the stroke
are ink again (a hole at every crossing made a stroke look like a tangle of loops).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: least length of a line in px of the halved copy (a digit's stroke in a small picture
#: is longer than a fifth of it)
MIN_LENGTH = 60
#: least run length, as a share of the page's side along the line
SEGMENT = 0.08
#: least length of a line, as a share of the page's side along it (a shadow can break a
#: line into pieces)
SPAN = 0.2
#: px (on the halved copy): a line's pixels are this close to its fit (median); a pen
#: stroke 3 px wide there is not
STRAIGHT = 0.75
#: px: a line's gap in a stroke is bridged if the stroke is this close on both sides
BRIDGE = 12
#: px (on the halved copy) marked on each side of a line beyond its thickness
HALO = 1
#: greatest mean thickness of a line, as a share of the page's side across it
THIN = 0.012
#: degrees: the steepest tilt of a page's lines looked for, and the step of the search
MAX_TILT = 12.0
TILT_STEP = 0.25
#: degrees: lines tilted less are searched level (a 1-px line keeps to one row for 57 px
#: or more, and the runs of step 1 follow it)
MIN_TILT = 1.0
#: a tilt is taken if its profile's sum of squares is this many times that of level lines
TILT_GAIN = 1.5
#: ink pixels the tilt is measured on, at most (every k-th of a mask with more)
TILT_POINTS = 20_000


def remove_lines(mask: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], bool]:
    """(h, w) ink mask -> (the mask without paper lines, whether there were any)."""
    rows, columns = paper_lines(mask)
    if not (rows.any() or columns.any()):
        return mask, False
    clean = mask & ~rows & ~columns
    # a stroke crosses a horizontal line from above to below, a vertical one left to right
    out = clean | _bridged(clean, rows, 0) | _bridged(clean, columns, 1)
    # where two lines cross inside a stroke, each one's pixels there have only the other's
    # beside them: bridged once the other's are ink again
    nodes = rows & columns & ~out
    if nodes.any():
        out |= _bridged(out, nodes, 0) | _bridged(out, nodes, 1)
    return out, True


def _bridged(clean: NDArray[np.bool_], lines: NDArray[np.bool_], axis: int) -> NDArray[np.bool_]:
    """Line pixels with ink of ``clean`` within ``BRIDGE`` px before and after along ``axis``."""
    n = clean.shape[axis]
    pos = np.arange(n, dtype=np.int32).reshape((1, -1) if axis == 1 else (-1, 1))
    before = np.where(clean, pos, -n)
    np.maximum.accumulate(before, axis=axis, out=before)
    after = np.flip(np.where(clean, pos, 2 * n), axis)
    after = np.flip(np.minimum.accumulate(after, axis=axis), axis)
    return lines & (pos - before <= BRIDGE) & (after - pos <= BRIDGE)


def paper_lines(mask: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """(h, w) ink mask -> two (h, w) masks: pixels of horizontal lines, of vertical lines.

    The search runs on a copy halved in each direction (a pixel is ink if any of its 2x2
    block is: a 1-px line stays connected), four times fewer pixels to filter and label."""
    h, w = mask.shape
    padded = np.pad(mask, ((0, h % 2), (0, w % 2)))
    small = padded[0::2, 0::2] | padded[1::2, 0::2] | padded[0::2, 1::2] | padded[1::2, 1::2]
    found = []
    ink = np.nonzero(small)
    for axis in (1, 0):
        lines = _lines_along(small, axis, ink)
        if lines.any():  # each pixel of the copy back to its 2x2 block
            hh, ww = lines.shape
            block = np.broadcast_to(lines[:, None, :, None], (hh, 2, ww, 2))
            found.append(block.reshape(2 * hh, 2 * ww)[:h, :w] & mask)
        else:
            found.append(np.zeros_like(mask))
    return found[0], found[1]


def _tilt(mask: NDArray[np.bool_], axis: int, ink: tuple[NDArray[np.intp], ...]) -> float:
    """The slope (px across per px along) of ``mask``'s lines along ``axis`` (step 0), 0 if
    they are level or nearly; ``ink`` is ``np.nonzero(mask)``."""
    rows, cols = ink
    step = -(-len(rows) // TILT_POINTS) or 1  # every step-th ink pixel: enough for a profile
    along, across = (cols[::step], rows[::step]) if axis == 1 else (rows[::step], cols[::step])
    if len(along) == 0:
        return 0.0
    size = int(across.max()) + 2 * mask.shape[axis] + 1  # room for any shift up to 45 degrees

    def peaked(degrees: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of squares of the profile at each tilt: one bincount for all of them."""
        slopes = np.tan(np.deg2rad(degrees))[:, None]
        at = across - np.rint(slopes * along).astype(np.intp) + mask.shape[axis]
        at += size * np.arange(len(degrees))[:, None]
        counts = np.bincount(at.ravel(), minlength=size * len(degrees)).astype(np.float64)
        sums: NDArray[np.float64] = np.square(counts).reshape(len(degrees), size).sum(axis=1)
        return sums

    coarse = np.arange(-MAX_TILT, MAX_TILT + 1e-9, 1.0)
    scores = peaked(coarse)
    level = scores[np.argmin(np.abs(coarse))]
    fine = coarse[np.argmax(scores)] + TILT_STEP * np.arange(-3, 4)
    fine = fine[np.abs(fine) <= MAX_TILT]
    fine_scores = peaked(fine)
    best = float(fine[np.argmax(fine_scores)])
    if abs(best) < MIN_TILT or fine_scores.max() < TILT_GAIN * level:
        return 0.0
    return float(np.tan(np.deg2rad(best)))


def _lines_along(
    mask: NDArray[np.bool_], axis: int, ink: tuple[NDArray[np.intp], ...]
) -> NDArray[np.bool_]:
    """(h, w) mask -> its pixels on lines along ``axis``, found on the mask made level
    (``ink``: ``np.nonzero(mask)``)."""
    slope = _tilt(mask, axis, ink)
    if slope == 0:
        lines = np.zeros_like(mask)
        _mark_lines(mask, axis, lines)
        return lines
    where = _shear(mask.shape, axis, slope)
    sheared = np.zeros(tuple(int(i.max()) + 1 for i in where), bool)
    sheared[where] = mask
    marked = np.zeros_like(sheared)
    _mark_lines(sheared, axis, marked, sheared=True)
    back: NDArray[np.bool_] = marked[where]  # each pixel back where it was
    return back


def _shear(
    shape: tuple[int, ...], axis: int, slope: float
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(row, column) (each (h, w)) of each pixel of an (h, w) mask in the mask sheared so
    that lines of ``slope`` along ``axis`` are level: its offset across the lines less
    round(slope * its position along them), from 0."""
    r, c = np.indices(shape[:2])
    along, across = (c, r) if axis == 1 else (r, c)
    across -= np.rint(slope * along).astype(np.intp)
    across -= across.min()
    return r, c


def _mark_lines(
    mask: NDArray[np.bool_], axis: int, lines: NDArray[np.bool_], sheared: bool = False
) -> None:
    """Set ``lines`` where ``mask`` has lines along ``axis`` (1: horizontal, 0: vertical);
    ``sheared``: the mask was sheared to make its lines level (step 0)."""
    from scipy import ndimage

    length, across = mask.shape[axis], mask.shape[1 - axis]
    segment = max(4, round(SEGMENT * length))
    if segment > length:
        return
    m = mask.view(np.uint8)
    if sheared:  # a sheared 1-px line steps between two rows: runs of a pixel or the one before
        m = ndimage.maximum_filter1d(m, 2, axis=1 - axis)
    runs = ndimage.maximum_filter1d(ndimage.minimum_filter1d(m, segment, axis=axis), segment, axis)
    if sheared:  # back to the mask's pixels: a run of the pair is in its row or the next
        runs = ndimage.maximum_filter1d(runs, 2, axis=1 - axis, origin=-1) & mask
    runs = runs.view(np.bool_)
    if not runs.any():
        return
    labels, n = ndimage.label(runs, structure=np.ones((3, 3), bool))
    for i, box in enumerate(ndimage.find_objects(labels), start=1):  # a few dozen runs
        extent = box[axis].stop - box[axis].start
        span = max(SPAN * length, MIN_LENGTH)
        if extent >= span:
            _mark_straight(labels[box] == i, axis, span, max(2.0, THIN * across), box, lines)


def _mark_straight(
    pixels: NDArray[np.bool_],
    axis: int,
    span: float,
    thin: float,
    box: tuple[slice, slice],
    lines: NDArray[np.bool_],
) -> None:
    """Mark the band of the straight line through ``pixels`` (the runs inside ``box``).

    A digit's stroke that touches a line and runs the same way is in the same set of runs;
    a straight line is fitted to the positions where the set is thin (least squares, then
    again on the pixels within twice the median distance).  The set is a line only if the
    pixels kept are within ``STRAIGHT`` px of it (median), still span ``span`` and are at
    most ``thin`` thick: a long pen stroke is never that straight.  Then every pixel of the
    box, widened by ``HALO`` px, within half the line's thickness + ``HALO`` of it is marked:
    the blurred fringe of a printed line is not in the runs but would still join the digit
    to the rest of the line."""
    rows, cols = np.nonzero(pixels)
    along, off = (cols, rows) if axis == 1 else (rows, cols)
    # positions along the line where the set is thin are the line alone; where a stroke
    # touches it the set is thick there, and those positions are left out of the fit
    thickness = np.bincount(along, minlength=pixels.shape[axis])
    keep = thickness[along] <= max(2, 2 * np.median(thickness[thickness > 0]))
    for _ in range(2):
        slope, intercept = np.polyfit(along[keep], off[keep], 1)
        distance = np.abs(off - (slope * along + intercept))
        keep &= distance <= 2 * np.median(distance[keep]) + 1
    if np.median(distance[keep]) > STRAIGHT:
        # two lines a smear or a stroke joins are one set: try each band alone
        bands = _bands(off, span)
        if len(bands) > 1:
            for low, high in bands:
                _mark_straight(
                    pixels & _across(pixels.shape, axis, low, high), axis, span, thin, box, lines
                )
        return
    if np.ptp(along[keep]) < span:
        return
    half = keep.sum() / max(1, np.ptp(along[keep]) + 1) / 2
    if 2 * half > thin:
        return
    r0 = max(0, box[0].start - HALO)
    c0 = max(0, box[1].start - HALO)
    window = lines[r0 : box[0].stop + HALO, c0 : box[1].stop + HALO]
    r, c = np.indices(window.shape)
    r += r0 - box[0].start  # coordinates relative to the box, as the fit's
    c += c0 - box[1].start
    a, o = (c, r) if axis == 1 else (r, c)
    window |= np.abs(o - (slope * a + intercept)) <= half + HALO


def _bands(off: NDArray[np.intp], span: float) -> list[tuple[int, int]]:
    """The bands (first, last offset across) where a set of runs holds a line: offsets
    whose pixels and the next offset's (a sheared line steps between two) number ``span``
    or more and half the most of any offset (a stroke along the lines, between two, is
    shorter than they), each widened by one, touching ones joined."""
    from scipy import ndimage

    profile = np.bincount(off, minlength=int(off.max()) + 2)
    pairs = profile[:-1] + profile[1:]
    full = pairs >= max(span, pairs.max() / 2)
    full[1:] |= full[:-1].copy()  # offset i holds the line with i + 1
    labels, _ = ndimage.label(full)
    return [(band.start - 1, band.stop) for (band,) in ndimage.find_objects(labels)]


def _across(shape: tuple[int, ...], axis: int, low: int, high: int) -> NDArray[np.bool_]:
    """(h, w) mask of the offsets across the lines from ``low`` to ``high``."""
    offsets = np.arange(shape[1 - axis])
    inside = (offsets >= low) & (offsets <= high)
    return inside[:, None] if axis == 1 else inside[None, :]
