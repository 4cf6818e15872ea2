"""A number's signs: a decimal point (or comma) between two digits, a minus before the first.

The candidates are a row's groups lower than ``SMALL`` of its height (``Row.small``) and the
ink too small to be labelled at all (``Components.specks``: a pen's dot is a speck beside a
wide digit).  With H the row's height, w and h a candidate's width and height, sw the pen's
stroke width (``mnist_box.stroke_width`` of the row's digits, their median) and ink its mean
strength beside its neighbours' (at least ``ALIKE`` of it: one pen wrote them):

- a **decimal point** (a dot, or a comma hanging below the line; both read ".") lies in the
  gap between two neighbouring digits L and R (its middle right of L's box and left of R's),
  low in the row: its middle at most ``POINT_HIGH`` and its top at most ``POINT_TOP`` of
  their height (their mean) above their bottom line (the mean of their lower edges), its
  bottom at most ``POINT_LOW`` of it below (a digit's top is near the row's top); it is
  small and compact: w <= ``POINT_WIDE`` H, h <= ``POINT_TALL`` H, w and h >= ``POINT_MIN``
  sw (a speck of JPEG noise is smaller than the pen), h / w at most ``POINT_ASPECT`` and
  w / h at most ``POINT_FLAT``, fills at least ``POINT_FILL`` of its box and is solid (at
  most ``POINT_HOLES`` of it filled is holes: a small 0 is not);
- a **minus** lies before the first digit F (its middle left of F's box, at most
  ``MINUS_GAP`` H from it) at mid-height (its middle at most ``MINUS_MID`` of the first two
  digits' mean height from their mean middle); it is a short straight stroke:
  ``MINUS_SHORT`` H <= w <= ``MINUS_LONG`` H, w >= ``MINUS_ASPECT`` h, h <= ``MINUS_THICK``
  sw + ``MINUS_SLANT`` w (a dash written slanting is higher), and solid (its area at least
  ``MINUS_FILL`` of w sw).

A group of the row may be a point (a comma can be as high as a small digit): it is then no
digit of the row.  The limits were set on the ``signed`` validation set
(``benchmarks/checksets.py signed --split validation --seed 1``) and checked on the numbers
validation set, where no sign may be read (none is written there).

Whether a sign stays in the number is decided once the digits are read (``spell``): a point
between two digits read, a minus before every digit read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from numnet.data.imaging.components import ALIKE, Components, Group, Row, is_mark, member_mask
from numnet.data.imaging.mnist_box import stroke_width

#: a point's middle at most this share of its neighbours' height above their bottom line,
#: and its top at most ``POINT_TOP`` (a digit's top is near the row's top) ...
POINT_HIGH = 0.3
POINT_TOP = 0.5
#: ... and its bottom at most this share below it (a comma hangs below the line)
POINT_LOW = 0.45
#: a point at most this share of the row's height wide ...
POINT_WIDE = 0.5
#: ... and this share high (a comma: a dot with a tail)
POINT_TALL = 0.7
#: ... and at least this share of the pen's stroke width wide and high (no speck)
POINT_MIN = 0.6
#: ... at most this many times higher than wide (a comma) ...
POINT_ASPECT = 5.0
#: ... or wider than high
POINT_FLAT = 2.0
#: ... filling at least this share of its box (a dot fills 0.79, a comma's stroke half)
POINT_FILL = 0.35
#: ... and no more than this share of it filled is holes (a small 0 is no point)
POINT_HOLES = 0.1
#: a minus at most this many row heights left of the first digit ...
MINUS_GAP = 0.6
#: ... its middle at most this share of the first two digits' height (their mean) from their
#: middle (the mean of their middles; digits' baselines differ) ...
MINUS_MID = 0.35
#: ... at least this share of the row's height long ...
MINUS_SHORT = 0.2
#: ... and at most this share
MINUS_LONG = 1.0
#: ... at least this many times wider than high, and at most this many pen widths high ...
MINUS_ASPECT = 1.8
MINUS_THICK = 2.5
#: ... and as much higher as this share of its length (a dash written slanting)
MINUS_SLANT = 0.2
#: ... and solid: its area at least this share of (its width x the pen's stroke width)
MINUS_FILL = 0.3

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Sign:
    """A sign of a number: ``text`` "." or "-", ``box`` (x0, y0, x1, y1; ends exclusive),
    ``row``: which of the page's numbers it is of (``Reading.numbers``)."""

    text: str
    box: Box
    row: int = 0


@dataclass(frozen=True)
class _Blob:
    box: Box
    area: float
    ink: float  # mean strength
    group: Group | None = None  # None: a speck (no hole in it to look for)


def signs(c: Components, r: Row) -> list[Sign]:
    """The decimal points and the minus of the row ``r`` of ``c``, left to right (boxes in
    pixels of ``c``); see the module docstring.  A group of ``r.groups`` may be a point (a
    comma is as high as a small digit): it is then no digit of the row."""
    digits = [g for g in r.groups if not is_mark(g, r.height)]
    small = [_blob(c, g) for g in r.small] + [
        _Blob((int(b[0]), int(b[1]), int(b[2]), int(b[3])), float(b[4]), float(b[5] / b[4]))
        for b in c.specks
    ]
    if not digits:
        return []
    pen: list[float] = []  # the stroke width, measured on first need

    def width() -> float:
        if not pen:
            pen.append(float(np.median([stroke_width(member_mask(c, g)) for g in digits])))
        return pen[0]

    out = []
    for b in small + [_blob(c, g) for g in r.groups]:
        if b in small and _minus(c, b, digits[:2], r.height, width):
            out.append(Sign("-", b.box))
            continue
        others = [g for g in digits if g.box != b.box]
        middle = (b.box[0] + b.box[2]) / 2
        left = [g for g in others if (g.box[0] + g.box[2]) / 2 < middle]
        right = [g for g in others if (g.box[0] + g.box[2]) / 2 > middle]
        if left and right and _point(c, b, left[-1], right[0], r.height, width):
            out.append(Sign(".", b.box))
    return sorted(out, key=lambda s: s.box[0])


def spell(digits: Sequence[tuple[str, Box]], found: Sequence[Sign]) -> tuple[str, list[Sign]]:
    """A row's text from its digits read (label, box; left to right) and its signs: a point
    kept between two digits (one per gap), a minus before all of them; and the signs kept.
    A sign goes in before the digits whose middles are right of its middle."""
    middle = [(b[0] + b[2]) / 2 for _, b in digits]
    at: dict[int, Sign] = {}  # sign before digit i
    for s in found:
        x = (s.box[0] + s.box[2]) / 2
        i = sum(m < x for m in middle)  # digits left of the sign
        if i not in at and ((s.text == "-" and i == 0) or (s.text == "." and 0 < i < len(digits))):
            at[i] = s
    if not digits:
        return "", []
    text = "".join(at[i].text + d if i in at else d for i, (d, _) in enumerate(digits))
    return text, [at[i] for i in sorted(at)]


def _blob(c: Components, g: Group) -> _Blob:
    i = [k - 1 for k in g.labels]
    area = float(c.area[i].sum())
    return _Blob(g.box, area, float(c.mass[i].sum()) / area, g)


def _solid(c: Components, b: _Blob) -> bool:
    """No more than ``POINT_HOLES`` of the blob filled is holes (a small 0 or 6 is not)."""
    if b.group is None:
        return True
    from scipy import ndimage

    own = member_mask(c, b.group)
    return int(own.sum()) >= (1 - POINT_HOLES) * int(ndimage.binary_fill_holes(own).sum())


def _ink(c: Components, groups: Sequence[Group]) -> float:
    """The mean strength of the components of ``groups``."""
    i = [k - 1 for g in groups for k in g.labels]
    return float(c.mass[i].sum() / c.area[i].sum())


def _point(
    c: Components, b: _Blob, left: Group, right: Group, height: float, width: Callable[[], float]
) -> bool:
    x0, y0, x1, y1 = b.box
    w, h = x1 - x0, y1 - y0
    middle = (x0 + x1) / 2
    if not left.box[2] <= middle <= right.box[0]:
        return False
    bottom = (left.box[3] + right.box[3]) / 2
    local = (left.box[3] - left.box[1] + right.box[3] - right.box[1]) / 2
    if (y0 + y1) / 2 < bottom - POINT_HIGH * local or y0 < bottom - POINT_TOP * local:
        return False
    if y1 > bottom + POINT_LOW * local:
        return False
    if w > POINT_WIDE * height or h > POINT_TALL * height:
        return False
    if h > POINT_ASPECT * w or w > POINT_FLAT * h or b.area < POINT_FILL * w * h:
        return False
    if b.ink < ALIKE * _ink(c, [left, right]):
        return False
    return min(w, h) >= POINT_MIN * width() and _solid(c, b)


def _minus(
    c: Components, b: _Blob, first: Sequence[Group], height: float, width: Callable[[], float]
) -> bool:
    """``first``: the row's first digit and the next (if any): the minus is before the first,
    at their mid-height."""
    x0, y0, x1, y1 = b.box
    w, h = x1 - x0, y1 - y0
    if not (x0 + x1) / 2 < first[0].box[0] or first[0].box[0] - x1 > MINUS_GAP * height:
        return False
    middle = np.mean([(g.box[1] + g.box[3]) / 2 for g in first])
    tall = np.mean([g.box[3] - g.box[1] for g in first])
    if abs((y0 + y1) / 2 - middle) > MINUS_MID * tall:
        return False
    if not MINUS_SHORT * height <= w <= MINUS_LONG * height or w < MINUS_ASPECT * h:
        return False
    if b.ink < ALIKE * _ink(c, first[:1]):
        return False
    return h <= MINUS_THICK * width() + MINUS_SLANT * w and b.area >= MINUS_FILL * w * width()
