"""A number's signs: a decimal point (or comma) between two digits, a minus before the first.

Modules: ``blob`` (a candidate), ``point`` and ``minus`` (each rule and its limits),
``spell`` (a row's text from its digits read and its signs).

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

import numpy as np

from numnet.data.imaging.components import Components, Row, is_mark, member_mask
from numnet.data.imaging.mnist_box import stroke_width
from numnet.data.imaging.signs.blob import Box, of_group, specks
from numnet.data.imaging.signs.minus import is_minus
from numnet.data.imaging.signs.point import is_point
from numnet.data.imaging.signs.spell import Sign, spell

__all__ = ["Box", "Sign", "signs", "spell"]


def signs(c: Components, r: Row) -> list[Sign]:
    """The decimal points and the minus of the row ``r`` of ``c``, left to right (boxes in
    pixels of ``c``); see the module docstring.  A group of ``r.groups`` may be a point (a
    comma is as high as a small digit): it is then no digit of the row."""
    digits = [g for g in r.groups if not is_mark(g, r.height)]
    small = [of_group(c, g) for g in r.small] + specks(c)
    if not digits:
        return []
    pen: list[float] = []  # the stroke width, measured on first need

    def width() -> float:
        if not pen:
            pen.append(float(np.median([stroke_width(member_mask(c, g)) for g in digits])))
        return pen[0]

    out = []
    for b in small + [of_group(c, g) for g in r.groups]:
        if b in small and is_minus(c, b, digits[:2], r.height, width):
            out.append(Sign("-", b.box))
            continue
        others = [g for g in digits if g.box != b.box]
        middle = (b.box[0] + b.box[2]) / 2
        left = [g for g in others if (g.box[0] + g.box[2]) / 2 < middle]
        right = [g for g in others if (g.box[0] + g.box[2]) / 2 > middle]
        if left and right and is_point(c, b, left[-1], right[0], r.height, width):
            out.append(Sign(".", b.box))
    return sorted(out, key=lambda s: s.box[0])
