"""Touching digits: the ways to cut a group of ink that may hold several digits.

Two digits written close together touch, and their ink is one component.  Such a group is
wider than a digit of its row, so a group wider than ``TRY_WIDTH`` times the row's height
(``components.row_height``: the median height of its groups, each weighed by its ink; a
single touching pair has no row of its own to go
by, then its own height is used) may hold ``k`` digits, for every ``k`` from 2 up to
``MOST``.  The cuts go through the valleys of the vertical projection of its ink (its local
minima, smoothed over ``SMOOTH`` of the height): every choice of ``k - 1`` of them that
leaves no piece narrower than ``MIN_WIDTH`` of the row's height is a way (at most
``MOST_WAYS`` of them: with 6 valleys, all 41 ways in 2, 3 or 4; a piece between the same
two cuts is an equal ``Group`` in every way it is in: it is prepared and read once).  A
column holding more than ``NECK`` of the group's median column ink is no place for a cut
(digits touch at a point, a stroke; cutting through the middle of
a wide 0 or a 4's bar crosses much ink), nor is a column crossing a hole of the ink (a
closed loop: a bold 0's two strokes are thin enough to pass for a neck, "2026" in a bold
font read "21126"; two digits touching at a point leave no hole between them), and a way
with a piece lower than ``MIN_HEIGHT`` of the row is none (a sliver is no digit).  Holes of
under ``HOLE`` of the row's height squared are left out (a speck of paper inside a stroke).

Two neighbouring groups whose boxes share columns and that together are no larger than a
digit (``joins``) may be one digit broken in two, or two digits written close: they are
proposed as one candidate, one of whose ways is the two apart.

This module only proposes: which of the ways (the group whole, in 2, in 3 ...) is right is
decided in ``numnet.data.imaging.reading`` by the network's confidence in the pieces and by
how well each piece's shape fits the digit it is read as: ``aspect_z(aspect, label)``, the
z-score of log(width / height) under a normal fitted per class to the ink boxes of
MNIST's 54,000 training digits (the validation split left out; ``ASPECT`` below).  The
network alone cannot decide it: it reads two touching digits as one at 100% as often as not
(a "14" as a wide 4, a "98" as a wide 8), but a 4 is rarely 1.7 times wider than high.
"""

from __future__ import annotations

import itertools

import numpy as np

from numnet.data.imaging.components import TALL, WIDE, Components, Group, member_mask, union
from numnet.data.imaging.verdict.shape import holes

#: a group wider than this many times its row's height may be several digits
TRY_WIDTH = 0.8
#: no piece narrower than this share of the row's height (a 1 is 0.1-0.9 as wide as high)
MIN_WIDTH = 0.2
#: every piece must be at least this share of the row's height high (a 5's flag cut off
#: its 5, or the tail of an 8, is a sliver, not a digit)
MIN_HEIGHT = 0.6
#: at most this many digits are looked for in one group
MOST = 4
#: at most this many ways are proposed for one group
MOST_WAYS = 64
#: a cut is made only where the column holds at most this share of the median column's ink
NECK = 0.8
#: the projection is smoothed over this share of the height before looking for its valleys
SMOOTH = 0.04
#: holes of the ink of at least this share of the row's height squared are loops, not cut
HOLE = 0.01

#: per digit 0-9: mean and standard deviation of log(width / height) of MNIST's training
#: digits' ink boxes (pixels above half gray), the first 54,000 images
ASPECT = np.array(
    [
        (-0.118, 0.218),
        (-1.010, 0.492),
        (-0.084, 0.243),
        (-0.261, 0.227),
        (-0.269, 0.230),
        (-0.088, 0.288),
        (-0.361, 0.231),
        (-0.293, 0.231),
        (-0.311, 0.238),
        (-0.433, 0.218),
    ]
)


def aspect_z(aspect: float, label: int) -> float:
    """(log aspect - mean) / sd of ``label``: how many standard deviations wider (> 0) or
    narrower than MNIST's ``label`` digits a digit of that shape is."""
    mean, sd = ASPECT[label]
    return float((np.log(aspect) - mean) / sd)


def joins(found: list[Group], height: float) -> list[tuple[Group, ...]]:
    """``found`` (left to right) in runs: one group, or two neighbours whose boxes share
    columns and whose union is digit-sized (at most ``WIDE`` x ``TALL`` of the row ``height``):
    the pieces of one digit that share too few columns to be joined for sure (a 4 whose stem
    broke off), or two digits written close together.  The reader decides which."""
    out: list[tuple[Group, ...]] = []
    i = 0
    while i < len(found):
        a = found[i]
        if i + 1 < len(found):
            b = found[i + 1]
            u = union(a, b).box
            if (
                b.box[0] < a.box[2]
                and u[2] - u[0] <= WIDE * height
                and u[3] - u[1] <= TALL * height
            ):
                out.append((a, b))
                i += 2
                continue
        out.append((a,))
        i += 1
    return out


def ways(c: Components, g: Group, height: float) -> list[list[Group]]:
    """The ways to cut ``g`` into 2 .. ``MOST`` digits for a row ``height`` px high (none if
    it is not wide enough to hold two); each way is its pieces left to right."""
    x0, y0, x1, y1 = g.box
    w = x1 - x0
    if w <= TRY_WIDTH * height:
        return []
    member = member_mask(c, g)
    profile = member.sum(axis=0).astype(np.float64)
    size = max(1, round(SMOOTH * height)) | 1
    profile = np.convolve(profile, np.ones(size) / size, mode="same")
    narrow = MIN_WIDTH * height
    looped = _loop_columns(member, HOLE * height**2)
    valleys = _valleys(profile, NECK * float(np.median(profile[profile > 0])), narrow)
    valleys = [v for v in valleys if not looped[v]]
    out = []
    for k in range(2, MOST + 1):
        for cuts in itertools.combinations(valleys, k - 1):
            edges = [0, *cuts, w]
            if min(np.diff(edges)) < narrow:
                continue
            pieces = _pieces(member, g, edges)
            if len(pieces) == k and all(p.box[3] - p.box[1] >= MIN_HEIGHT * height for p in pieces):
                out.append(pieces)
            if len(out) == MOST_WAYS:
                return out
    return out


def _loop_columns(member: np.ndarray, least: float) -> np.ndarray:
    """(w,) bool: the columns of ``member`` (h, w) crossing a hole of at least ``least``
    pixels (background enclosed by the ink)."""
    labels, areas = holes(member)
    big = np.flatnonzero(areas >= least) + 1
    return np.asarray(np.isin(labels, big).any(axis=0), bool)


def _valleys(profile: np.ndarray, neck: float, narrow: float) -> list[int]:
    """The columns where a cut may go: the projection's local minima at most ``neck`` high,
    at least ``narrow`` from either end; of minima closer than ``narrow``, the lowest."""
    w = profile.size
    left = np.r_[np.inf, profile[:-1]]
    right = np.r_[profile[1:], np.inf]
    cols = np.flatnonzero((profile <= left) & (profile <= right) & (profile <= neck))
    cols = cols[(cols >= narrow) & (cols <= w - narrow)]
    chosen: list[int] = []
    for col in cols[np.argsort(profile[cols], kind="stable")]:
        if all(abs(int(col) - k) >= narrow for k in chosen):
            chosen.append(int(col))
    return sorted(chosen)


def _pieces(member: np.ndarray, g: Group, cuts: list[int]) -> list[Group]:
    """The groups between consecutive ``cuts`` (columns of ``g``'s box), cropped to ink."""
    x0, y0 = g.box[0], g.box[1]
    out = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=False):
        rows = np.flatnonzero(member[:, a:b].any(axis=1))
        cols = np.flatnonzero(member[:, a:b].any(axis=0))
        if rows.size:
            box = (
                x0 + a + int(cols[0]),
                y0 + int(rows[0]),
                x0 + a + int(cols[-1]) + 1,
                y0 + int(rows[-1]) + 1,
            )
            out.append(Group(box, g.labels))
    return out
