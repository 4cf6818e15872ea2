"""A photo of a sheet lying on a desk: the desk around the page is not ink.

A page that does not fill the frame leaves a band of desk (a table, a lap, the floor) along
the photo's edges.  Against the page's light the desk is a wide dark area, and the ink
strength (``numnet.data.imaging.background``) takes it for ink: the page's edge becomes a
frame the network reads as a 0.  So the desk is found and replaced by the paper beside it
before anything looks at the light.

What tells a desk from a shadow, the light's gradient or a digit is its *edge*: the page's
edge is a step (from paper to desk within a few pixels), a shadow's or a gradient's a slope
tens of pixels wide; and the desk lies along the picture's border, as a digit does not.  On
a copy of at most ``COARSE`` px a side (block means of the gray image):

1. *dark*: below an Otsu threshold of the copy's levels, opened by 3x3 (pen strokes and
   ruled lines, under 3 px of the copy wide, go); the dark components that touch the
   picture's border, each at least ``MIN_PIECE`` of the picture, are the desk if together
   they cover at least ``MIN_AREA`` of it and ``MIN_CONTACT`` of its border, leave at
   least ``MIN_PAGE`` of it as the page and are ``MIN_STEP`` darker than the page (their
   medians: the *step*);
2. *a step, not a slope*: ``EDGE`` px of the copy from the desk's edge on either side, the
   desk and the page are ``SHARP`` to ``BOLD`` times the step apart (a slope has not got
   that far yet; much more than the step is ink along the edge, a bold digit joined to a
   shadow), and 2-3 ``EDGE`` px into the desk its level is within ``LEVEL`` of the step of
   its level at the edge (a shadow is still getting darker there);
3. *the page*: the lit paper, what it reaches without crossing a step (a 3x3 range of
   ``BARRIER`` of the step: its part in a soft shadow, dark as it may be, and the ink on
   it), unless that reaches along the border too (through a weak stretch of the page's
   edge), and the convex hull of that: a sheet is convex.  Everything else is desk, the
   slivers between the page and the border too.

The desk, grown by a pixel of the copy to take the page's blurred edge, then takes the
page's light beside it: the page's gray levels (at least two pixels of the copy inside it)
averaged with a Gaussian of ``SMOOTH`` of the copy's side, a normalised convolution
(``G * (q m) / G * m``, ``m`` 1 on the page), which smooths the ruled lines and the ink away;
farther from the page, the nearest such value (a distance transform).  So the paper and its
light run on to the border, and the page's edge is no stroke.

Chosen on validation pictures only (``benchmarks/checksets.py desk --split validation``,
and every other validation set: none reads differently but one of the 400 crops).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage.filters import threshold_otsu
from skimage.morphology import convex_hull_image

#: the longer side of the copy the desk is found on
COARSE = 256
#: a piece of the desk covers at least this share of the picture (a speck at the border not)
MIN_PIECE = 0.005
#: the desk covers at least this share of the picture ...
MIN_AREA = 0.03
#: ... along at least this share of its border ...
MIN_CONTACT = 0.15
#: ... and leaves at least this share of it as the page
MIN_PAGE = 0.1
#: the desk is at least this much darker than the page (gray levels, medians) ...
MIN_STEP = 0.1
#: ... and EDGE px of the copy on either side of its edge they are SHARP to BOLD steps apart
EDGE = 3
SHARP = 0.6
BOLD = 1.3
#: 2-3 EDGE px into the desk its level is within this share of the step of its level at the edge
LEVEL = 0.25
#: a 3x3 range of at least this share of the step is an edge the page does not reach across
BARRIER = 0.25
#: the page's light is followed onto the desk at this scale (Gaussian sigma / the copy's side)
SMOOTH = 0.03


def without_desk(gray: NDArray[np.float32]) -> NDArray[np.float32]:
    """``gray`` (h, w) float32 in [0, 1] with the desk around the page replaced by the
    page's paper; ``gray`` itself (not a copy) when there is no desk."""
    f = max(1, -(-max(gray.shape) // COARSE))
    h, w = gray.shape[0] // f, gray.shape[1] // f
    if min(h, w) < 8:
        return gray
    q = gray[: h * f, : w * f].reshape(h, f, w, f).mean(axis=(1, 3))
    desk = _desk(q)
    if desk is None:
        return gray
    # the paper's light near the desk: the page (two pixels of the copy inside it: its
    # blurred edge is no paper) smoothed by a normalised convolution, which averages the
    # ruled lines and the ink away; farther out, the nearest such value
    page = ~ndimage.binary_dilation(desk, iterations=2)
    weight = ndimage.gaussian_filter(page.astype(np.float32), SMOOTH * COARSE)
    light = ndimage.gaussian_filter(np.where(page, q, 0).astype(np.float32), SMOOTH * COARSE)
    known = weight > 0.1
    light[known] /= weight[known]
    _, (iy, ix) = ndimage.distance_transform_edt(~known, return_indices=True)
    fill = light[iy, ix]
    # the desk grown by one pixel of the copy, at the gray image's size (the last partial
    # blocks of the copy's grid belong to its last row and column)
    grown = ndimage.binary_dilation(desk, iterations=1)
    out: NDArray[np.float32] = np.where(_enlarged(grown, f, gray.shape),
                                        _enlarged(fill, f, gray.shape), gray)
    return out


def _enlarged(a: NDArray[Any], f: int, shape: tuple[int, ...]) -> NDArray[Any]:
    """The copy's pixels ``a`` (h, w) as f x f blocks, the picture's last partial blocks
    of its grid taking its last row and column: (shape) like the gray image."""
    big = a.repeat(f, axis=0).repeat(f, axis=1)
    return np.pad(big, [(0, shape[0] - big.shape[0]), (0, shape[1] - big.shape[1])], "edge")


def _desk(q: NDArray[np.float32]) -> NDArray[np.bool_] | None:
    """The desk's pixels of the copy ``q``, or None (see the module docstring)."""
    found = _dark_border(q)
    if found is None:
        return None
    desk, step = found
    if not _is_step(q, desk, step):
        return None
    desk = ~_page(q, desk, step)
    return desk if float(desk.mean()) >= MIN_AREA else None


def _dark_border(q: NDArray[np.float32]) -> tuple[NDArray[np.bool_], float] | None:
    """Step 1: the dark pieces along the border and the step, or None."""
    if float(q.max() - q.min()) < MIN_STEP:
        return None
    otsu = threshold_otsu(q)  # type: ignore[no-untyped-call]
    dark = ndimage.binary_opening(q < otsu, np.ones((3, 3), bool))
    labels, n = ndimage.label(dark)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    border = border[border > 0]
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    desk = np.isin(labels, border[sizes[border] >= MIN_PIECE * q.size])
    if not MIN_AREA <= float(desk.mean()) <= 1 - MIN_PAGE:
        return None
    if float(np.concatenate([desk[0], desk[-1], desk[:, 0], desk[:, -1]]).mean()) < MIN_CONTACT:
        return None
    step = float(np.median(q[~desk]) - np.median(q[desk]))
    return (desk, step) if step >= MIN_STEP else None


def _is_step(q: NDArray[np.float32], desk: NDArray[np.bool_], step: float) -> bool:
    """Step 2: is the desk's edge a step?"""
    inside = ndimage.distance_transform_edt(desk)
    outside = ndimage.distance_transform_edt(~desk)
    near_desk = (inside > 1) & (inside <= EDGE)
    near_page = (outside > 1) & (outside <= EDGE)
    deeper = (inside > 2 * EDGE) & (inside <= 3 * EDGE)
    if not (near_desk.any() and near_page.any() and deeper.any()):
        return False
    at_edge = float(np.median(q[near_desk]))
    apart = float(np.median(q[near_page])) - at_edge
    level = abs(at_edge - float(np.median(q[deeper])))
    return SHARP * step <= apart <= BOLD * step and level <= LEVEL * step


def _page(q: NDArray[np.float32], desk: NDArray[np.bool_], step: float) -> NDArray[np.bool_]:
    """Step 3: the page's pixels of the copy."""
    # the lit paper, without its edge's blurred pixels and a sliver of desk between it and
    # the border
    lit, _ = ndimage.label(~desk)
    largest = lit == np.argmax(np.bincount(lit.ravel())[1:]) + 1
    seed = ndimage.binary_erosion(largest, iterations=2)
    spread = ndimage.maximum_filter(q, 3) - ndimage.minimum_filter(q, 3)
    regions, _ = ndimage.label(spread < BARRIER * step)
    reached = np.unique(regions[seed])
    ring = np.zeros_like(desk)
    ring[[0, -1], :] = ring[:, [0, -1]] = True
    along = np.bincount(regions[ring & desk], minlength=int(regions.max()) + 1)
    reached = reached[(reached > 0) & (along[reached] < MIN_CONTACT / 2 * ring.sum())]
    page: NDArray[np.bool_] = convex_hull_image(  # type: ignore[no-untyped-call]
        seed | np.isin(regions, reached)
    )
    return page
