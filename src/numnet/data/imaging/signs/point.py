"""A decimal point (a dot, or a comma hanging below the line) between two digits of a row;
the rule is in ``numnet.data.imaging.signs``."""

from __future__ import annotations

from collections.abc import Callable

from numnet.data.imaging.components import ALIKE, Components, Group, member_mask
from numnet.data.imaging.signs.blob import Blob, mean_ink

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


def is_point(
    c: Components, b: Blob, left: Group, right: Group, height: float, width: Callable[[], float]
) -> bool:
    """``b`` is a decimal point between the digits ``left`` and ``right`` of a row ``height``
    px high (``width``: the pen's stroke width, measured on first need)."""
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
    if b.ink < ALIKE * mean_ink(c, [left, right]):
        return False
    return min(w, h) >= POINT_MIN * width() and _solid(c, b)


def _solid(c: Components, b: Blob) -> bool:
    """No more than ``POINT_HOLES`` of the blob filled is holes (a small 0 or 6 is not)."""
    if b.group is None:
        return True
    from scipy import ndimage

    own = member_mask(c, b.group)
    return int(own.sum()) >= (1 - POINT_HOLES) * int(ndimage.binary_fill_holes(own).sum())
