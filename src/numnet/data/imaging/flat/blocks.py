"""Small and blocky pictures made on a computer -> enlarged smoothly, as a photo would show them.

A small digit (an 8x8 thumbnail, a 28x28 MNIST digit) is often enlarged by repeating each
pixel k times along each axis (nearest neighbour: ``np.kron``, ``.repeat``, Pillow's
``NEAREST``).  Its strokes then have staircase edges that neither a pen nor MNIST's
anti-aliased scaling makes, and the network reads them worse.  Such a picture is recognised
by its runs: along each axis, neighbouring rows (columns) that are identical come in runs,
and in a repeated picture the runs start on a grid of the repetition's step f (the picture's
n rows enlarged to N: f = N / n, the run of small row j starting within half a pixel of
j f), so every run but the first and the last (the margins, which may be several of the
small picture's rows) is about f long, or a few times f where neighbouring small rows are
alike.  So: at least ``MIN_RUNS`` runs besides those two, a step f (the picture's size
over a whole number of steps, or the shortest run from the first run's start) at least
``MIN_RUN``, and every run's start within ``GRID_SLACK`` px of the grid.  A drawing made
without anti-aliasing has runs too (the flat top of a disc), and a picture of few gray
levels (a palette PNG), but not on a grid.  A repeated picture is taken back to one pixel
per step of the grid, the small picture itself (its pixel k the one at the middle of step
k: margins and alike rows keep their size).

A picture that small (under ``MIN_SIDE`` px along its longer side) is too coarse for the
steps that follow (a threshold per pixel, a stroke's fringe of a pixel, the shape of its
ink), so it is enlarged bicubically by a whole factor to at least ``MIN_SIDE``; a repeated
one goes back to its own size at least.  Only pictures of flat paper
(``numnet.data.imaging.flat.paper``: made on a computer) are looked at: a photo's noise
makes every row differ, and a photo is never that small.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

#: the least step of a repeated picture's grid (an enlargement by 2 has mild stairs) ...
MIN_RUN = 3
#: ... how many runs it has at least, besides the first and the last ...
MIN_RUNS = 3
#: ... and how far from the grid, in px, a run may start
GRID_SLACK = 0.51
#: pictures shorter than this along their longer side are enlarged to it at least
MIN_SIDE = 64


def _run_starts(a: NDArray[np.float32], axis: int) -> NDArray[np.intp]:
    """Indices along ``axis`` where a run of identical rows (axis 0) or columns starts."""
    differs = np.any(np.diff(a, axis=axis) != 0, axis=1 - axis)
    return np.concatenate([[0], np.flatnonzero(differs) + 1]).astype(np.intp)


def _grid(starts: NDArray[np.intp], n: int) -> NDArray[np.intp] | None:
    """The middles of the grid's steps along an axis of ``n`` px, if the run starts
    ``starts`` (without the first run's, 0; the last start begins the last run) are those of
    a repeated picture (see the module docstring); else None."""
    inner = np.diff(starts)  # the runs but the first and the last
    if len(inner) < MIN_RUNS:
        return None
    shortest = int(inner.min())  # a step or less (longer runs are alike rows: several steps)
    # the whole picture enlarged: n / k for the counts of steps k the runs allow, the
    # longest step first; or a whole-number step from the first run's start (a margin added
    # around a picture enlarged by np.kron or .repeat)
    counts = range(max(1, n // (shortest + 1)), n // shortest + 1)
    for f, origin in [(n / k, 0.0) for k in counts] + [(float(shortest), float(starts[0]))]:
        at = (starts - origin) / f
        if f >= MIN_RUN and np.all(np.abs(at - np.rint(at)) * f <= GRID_SLACK):
            first = origin % f  # where the grid's first whole step starts
            middles = np.arange(first - f * math.ceil(first / f), n, f) + f / 2
            return np.clip(np.floor(middles), 0, n - 1).astype(np.intp)
    return None


def unrepeated(gray: NDArray[np.float32]) -> NDArray[np.float32]:
    """(h, w) -> one pixel per step of the grid of identical rows and columns if ``gray`` is
    a repeated picture (see the module docstring), else ``gray`` itself."""
    rows = _grid(_run_starts(gray, 0)[1:], gray.shape[0])
    cols = _grid(_run_starts(gray, 1)[1:], gray.shape[1])
    if rows is None or cols is None:
        return gray
    return np.ascontiguousarray(gray[np.ix_(rows, cols)])


def smoothed(gray: NDArray[np.float32]) -> tuple[NDArray[np.float32], int]:
    """(h, w) gray in [0, 1] of flat paper -> (gray enlarged smoothly, the factor e >= 1 of
    its size against ``gray``'s: boxes found on it are e times ``gray``'s)."""
    from PIL import Image

    small = unrepeated(gray)
    e = max(1, math.ceil(MIN_SIDE / max(gray.shape)))
    if small is gray and e == 1:
        return gray, 1
    h, w = gray.shape[0] * e, gray.shape[1] * e
    image = Image.fromarray(np.ascontiguousarray(small, np.float32), mode="F")
    out = np.asarray(image.resize((w, h), Image.Resampling.BICUBIC), np.float32)
    return np.clip(out, 0, 1), e
