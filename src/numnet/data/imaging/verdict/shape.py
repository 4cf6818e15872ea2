"""The shape of a candidate's ink: what tells a digit's strokes from a scribble, a dot or a blot.

A handwritten digit is one or two pen strokes of a few simple parts: its centre line (the
*skeleton*) is short (at most about three times the digit's longer side, an 8), has few
ends (a 1 has 2, a 4 or a 7 with a bar 3-4), few junctions where strokes meet or cross (an
8 has 1-2, a 4 2) and at most 2 closed loops (an 8).  A scribble is a tangle: its skeleton
is longer per box, crosses itself many times, ends in many places.  A dot or a blot is one
disc: its stroke is as wide as it is long.  These measures are of the ink's *geometry*, not
of how it was photographed, so they are taken on the candidate's own pixels (its member
mask at the page's resolution), brought to a fixed size first:

1. the mask is cropped to its ink and box-averaged so that its longer side is ``SIDE``
   pixels (a pixel with any ink in its block counts as ink, so a thin pen stroke of a big
   photo stays connected), then smoothed (Gaussian, ``SMOOTH`` px) and thresholded at half,
   so that ragged JPEG edges do not grow spurs;
2. ``skimage.morphology.skeletonize`` thins it to 1-pixel lines; the stroke width ``w`` is
   twice the median distance (``scipy.ndimage.distance_transform_edt``) from the skeleton
   to the paper;
3. *spurs*: a branch from an end to a junction shorter than ``SPUR`` stroke widths is a bump
   of the stroke's edge, not a stroke; it is cut (up to 3 rounds, re-thinning after each);
4. on the skeleton (8-connected neighbours ``n`` of each skeleton pixel): *ends* are the
   pixels with ``n == 1``, *junctions* the connected clusters of pixels with ``n >= 3``;
   *length* is the skeleton's pixel count / ``SIDE``; *loops* are the holes of the ink
   (``binary_fill_holes(m) & ~m``, labelled) of at least ``LOOP`` w^2 pixels; *width* is
   ``w / SIDE``.

``solidity``, measured apart (only the rule for flat paper weighs it), is the share of its
convex hull (``skimage.morphology.convex_hull_image``) the normalised ink covers: a drawn
disc, square or blot 0.9-1, a digit's strokes leave room between them (MNIST's validation
digits saved as files: median 0.61, 99th percentile 0.88; the UCI digits enlarged from 8x8:
median 0.80, 99th percentile 0.92).

The limits the digit rule puts on them are chosen on validation sets
(``numnet.data.imaging.verdict.rule``, ``benchmarks/choose_digit_rule.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: the longer side, in pixels, the ink is measured at
SIDE = 64
#: Gaussian smoothing (pixels at SIDE) before thresholding: ragged edges grow no spurs
SMOOTH = 1.0
#: a branch from an end to a junction shorter than this many stroke widths is cut
SPUR = 1.0
#: a hole of the ink counts as a loop from this many squared stroke widths
LOOP = 4.0

_EIGHT = np.ones((3, 3), bool)


@dataclass(frozen=True)
class Shape:
    """The shape measures of one candidate's ink (see the module docstring).

    length    : skeleton length / the ink's longer side
    junctions : clusters of skeleton pixels where three or more strokes meet
    ends      : skeleton end points
    loops     : holes of the ink of at least ``LOOP`` squared stroke widths
    width     : stroke width / the ink's longer side (a disc: about 1)
    """

    length: float
    junctions: int
    ends: int
    loops: int
    width: float


def measure(member: NDArray[np.bool_]) -> Shape:
    """The shape of the ink ``member`` (h, w) bool, with at least one True pixel."""
    from scipy import ndimage

    m = _normalise(member)
    skeleton = _thin(m)
    if not skeleton.any():  # a speck thinner than the smoothing: a dot
        return Shape(0.0, 0, 0, 0, 1.0)
    dist = ndimage.distance_transform_edt(m)
    width = max(1.0, 2 * float(np.median(dist[skeleton])))
    skeleton = _prune(skeleton, SPUR * width)
    n = _neighbours(skeleton)
    junctions = int(ndimage.label(skeleton & (n >= 3), _EIGHT)[1])
    _, areas = holes(m)
    return Shape(
        length=float(skeleton.sum()) / SIDE,
        junctions=junctions,
        ends=int((skeleton & (n == 1)).sum()),
        loops=int((areas >= LOOP * width**2).sum()),
        width=min(1.0, width / SIDE),
    )


def holes(mask: NDArray[np.bool_]) -> tuple[NDArray[np.int32], NDArray[np.intp]]:
    """The holes of the ink ``mask`` (h, w) bool, the paper it encloses: their labels
    (h, w), 0 elsewhere, and their areas (k,), ``areas[i]`` that of label i + 1."""
    from scipy import ndimage

    labels, count = ndimage.label(ndimage.binary_fill_holes(mask) & ~mask)
    return labels, np.bincount(labels.ravel(), minlength=count + 1)[1:]


def solidity(member: NDArray[np.bool_]) -> float:
    """The share of its convex hull the ink ``member`` (h, w) bool, with at least one True
    pixel, covers once normalised (see the module docstring)."""
    m = _normalise(member)
    return float(m.sum()) / max(1, int(_hull(m).sum()))


def _normalise(member: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Crop to the ink, bring the longer side to ``SIDE`` (any ink in a block is ink),
    smooth and threshold; padded so that the skeleton and the holes never touch the edge."""
    from scipy import ndimage

    rows, cols = np.flatnonzero(member.any(axis=1)), np.flatnonzero(member.any(axis=0))
    ink = member[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = ink.shape
    f = SIDE / max(h, w)
    out_h, out_w = max(1, round(h * f)), max(1, round(w * f))
    if f >= 1:  # enlarge: each output pixel takes the input pixel it falls in
        rows_in = np.minimum((np.arange(out_h) / f).astype(np.intp), h - 1)
        cols_in = np.minimum((np.arange(out_w) / f).astype(np.intp), w - 1)
        small = ink[np.ix_(rows_in, cols_in)]
    else:  # shrink: an output pixel is ink if any input pixel of its block is
        small = np.zeros((out_h, out_w), bool)
        r, c = np.nonzero(ink)
        small[
            np.minimum((r * f).astype(np.intp), out_h - 1),
            np.minimum((c * f).astype(np.intp), out_w - 1),
        ] = True
    padded = np.pad(small.astype(np.float32), 4)
    smooth: NDArray[np.bool_] = ndimage.gaussian_filter(padded, SMOOTH) > 0.5
    return smooth if smooth.any() else padded > 0


def _neighbours(skeleton: NDArray[np.bool_]) -> NDArray[np.int_]:
    """The number of 8-connected skeleton neighbours of each pixel."""
    from scipy import ndimage

    k = _EIGHT.astype(np.int32)
    n: NDArray[np.int_] = ndimage.convolve(skeleton.astype(np.int32), k, mode="constant") - 1
    return n


def _prune(skeleton: NDArray[np.bool_], spur: float) -> NDArray[np.bool_]:
    """Cut the branches from an end to a junction shorter than ``spur`` pixels."""
    from scipy import ndimage

    for _ in range(3):
        n = _neighbours(skeleton)
        junction = skeleton & (n >= 3)
        branches, count = ndimage.label(skeleton & ~junction, _EIGHT)
        if count == 0:
            break
        length = np.bincount(branches.ravel(), minlength=count + 1)
        has_end = np.zeros(count + 1, bool)
        has_end[branches[skeleton & (n == 1)]] = True
        at_junction = np.zeros(count + 1, bool)
        near = ndimage.binary_dilation(junction, _EIGHT) & (branches > 0)
        at_junction[branches[near]] = True
        cut = has_end & at_junction & (length < spur)
        cut[0] = False
        if not cut.any():
            break
        skeleton = _thin(skeleton & ~cut[branches])
    return skeleton


def _hull(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The convex hull of ``mask``, filled (``skimage.morphology.convex_hull_image``)."""
    from skimage.morphology import convex_hull_image

    out: NDArray[np.bool_] = convex_hull_image(mask)  # type: ignore[no-untyped-call]
    return out


def _thin(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``mask`` thinned to 1-pixel lines (``skimage.morphology.skeletonize``)."""
    from skimage.morphology import skeletonize

    out: NDArray[np.bool_] = skeletonize(mask)  # type: ignore[no-untyped-call]
    return out
