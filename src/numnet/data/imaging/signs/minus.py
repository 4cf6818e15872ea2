"""A leading minus: a short dash at mid-height before a row's first digit; the rule is in
``numnet.data.imaging.signs``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from numnet.data.imaging.components import ALIKE, Components, Group
from numnet.data.imaging.signs.blob import Blob, mean_ink

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


def is_minus(
    c: Components, b: Blob, first: Sequence[Group], height: float, width: Callable[[], float]
) -> bool:
    """``b`` is a minus of a row ``height`` px high whose first digit and the next (if any)
    are ``first`` (``width``: the pen's stroke width, measured on first need)."""
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
    if b.ink < ALIKE * mean_ink(c, first[:1]):
        return False
    return h <= MINUS_THICK * width() + MINUS_SLANT * w and b.area >= MINUS_FILL * w * width()
