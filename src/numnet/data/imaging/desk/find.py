"""Where is the desk?  Steps 1-3 of ``numnet.data.imaging.desk``, on the copy."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage.filters import threshold_otsu
from skimage.morphology import convex_hull_image

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


def find_desk(q: NDArray[np.float32]) -> NDArray[np.bool_] | None:
    """The desk's pixels (h, w) bool of ``q``, a gray copy (h, w) float32 in [0, 1] of at
    most ``fill.COARSE`` px a side, or None (steps 1-3 of ``numnet.data.imaging.desk``)."""
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
