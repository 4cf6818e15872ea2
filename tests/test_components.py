"""``numnet.data.imaging.components`` on small arrays: hairlines taken off a number's ink, the
pieces of a broken digit joined against the row's height, neighbours that may be one digit.

Ink is drawn as strengths (0 paper, 0.8 pen, 0.15 a printed line's faint leftover)."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.data.imaging.components import groups, label, label_ink, row
from numnet.data.imaging.split import joins

PEN, LINE, HIGH = 0.8, 0.15, 0.5


def _bars(xs: list[int], top: int = 20, height: int = 100, width: int = 10) -> np.ndarray:
    """Strengths (160, 400) with vertical pen strokes (1s) at the columns ``xs``."""
    s = np.zeros((160, 400), np.float32)
    for x in xs:
        s[top : top + height, x : x + width] = PEN
    return s


def _boxes(s: np.ndarray, number: bool = True) -> list[tuple[int, int, int, int]]:
    mask = s > 0.1
    c = label_ink(mask, s, HIGH) if number else label(mask, s, HIGH)
    return [g.box for g in (row(c).groups if number else groups(c))]


def test_a_faint_hairline_joining_two_digits_is_taken_off():
    s = _bars([100, 200])
    s[70, 105:205] = LINE  # a printed line's 1-px leftover from one stroke to the other
    assert len(_boxes(s, number=False)) == 1  # as one component, one "digit"
    assert _boxes(s) == [(100, 20, 110, 120), (200, 20, 210, 120)]


def test_a_hairline_down_to_the_edge_does_not_make_a_digit_page_high():
    s = _bars([100, 200], top=20, height=80)
    s[20:160, 205] = LINE  # a vertical line left on the second digit, down to the edge
    assert _boxes(s) == [(100, 20, 110, 100), (200, 20, 210, 100)]


def test_a_hairline_on_a_digit_of_a_fine_pen_is_taken_off():
    s = _bars([100, 200], width=5)  # a pen 5 px wide: a 2 x 2 opening keeps its strokes
    s[0:20, 103] = LINE  # a squared page's vertical line left on the first digit, 1 px wide
    assert _boxes(s) == [(100, 20, 105, 120), (200, 20, 205, 120)]


def test_a_thin_stroke_of_the_pen_and_a_faint_bridge_stay():
    s = _bars([100])
    s[20, 60:110] = PEN  # a 7's thin bar, 1 px: as dark as the pen, not a hairline
    s[40:70, 200:210] = PEN  # a stroke broken where the pen skipped ...
    s[70:73, 204] = LINE  # ... joined by a short faint bridge
    s[73:120, 200:210] = PEN
    mask = s > 0.1
    np.testing.assert_array_equal(label_ink(mask, s, HIGH).labels, label(mask, s, HIGH).labels)


def test_a_digit_broken_into_pieces_smaller_than_a_digit_is_one_candidate():
    s = _bars([40, 120])
    # a slash broken in three, each piece under 0.4 of the row high, sharing no columns
    for k in range(3):
        s[20 + 35 * k : 50 + 35 * k, 300 + 18 * k : 315 + 18 * k] = PEN
    boxes = _boxes(s)
    assert boxes[-1] == (300, 20, 351, 120) and len(boxes) == 3
    assert len(_boxes(s, number=False)) == 2  # a page of one digit drops the pieces


def test_a_decimal_point_and_a_speck_stay_apart_and_are_dropped():
    s = _bars([100, 200])
    s[112:120, 150:158] = PEN  # a point low between the digits
    assert _boxes(s) == [(100, 20, 110, 120), (200, 20, 210, 120)]


def test_neighbours_sharing_columns_may_be_one_digit():
    s = _bars([200, 290])
    s[62:120, 100:110] = PEN  # a stem ...
    s[20:30, 60:104] = PEN  # ... and the piece left of it that it broke off (a bar and an
    s[20:60, 60:70] = PEN  # upright), sharing 4 of its 10 columns: too few to be sure they
    # are one digit
    c = label(s > 0.1, s, HIGH)
    found = row(c)
    runs = joins(found.groups, found.height)
    assert [len(r) for r in runs] == [2, 1, 1]  # the far apart ones stay alone


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (4, 4), (5, 5), (1, 6), (1, 7), (8, 1)])
def test_the_opening_is_scipys_binary_opening(shape):
    from scipy import ndimage

    from numnet.data.imaging.components import _opening

    rng = np.random.default_rng(sum(shape))
    for _ in range(10):
        mask = ndimage.binary_dilation(rng.random((50, 61)) < 0.05, np.ones((3, 3), bool))
        expected = ndimage.binary_opening(mask, structure=np.ones(shape, bool))
        np.testing.assert_array_equal(_opening(mask, shape), expected)


def test_a_haze_joining_a_row_is_taken_off_a_strokes_faint_edge_stays():
    from numnet.data.imaging.ink import without_haze

    s = _bars([100, 200])
    s[10:130, 80:230] = np.maximum(s[10:130, 80:230], 0.25)  # a haze around both, > high
    s[20:120, 98:100] = 0.2  # the first stroke's faint edge, 2 px
    mask = s > 0.1
    assert len(row(label_ink(mask, s, 0.2)).groups) == 1  # the haze joins them
    clear = without_haze(mask, s, 0.2)
    assert clear[20:120, 98:110].all() and clear[20:120, 200:210].all()  # strokes, edge kept
    assert not clear[60, 140:170].any() and not clear[10, 80:230].any()  # the haze is gone
    boxes = [g.box for g in row(label_ink(clear, s, 0.2)).groups]
    assert len(boxes) == 2  # two digits, each with what is left of the haze beside it
    for (x0, y0, x1, y1), x in zip(boxes, [98, 200], strict=True):
        assert x - 12 <= x0 <= x and x + 10 <= x1 <= x + 22 and 8 <= y0 <= 20 and y1 >= 120


def test_a_mark_far_above_the_row_is_none_of_its_digits():
    s = np.zeros((600, 400), np.float32)
    s[400:500, 100:110] = s[400:500, 200:210] = s[405:500, 300:310] = PEN  # the number
    s[10:60, 350:390] = PEN  # a blot in the page's corner
    mask = s > 0.1
    assert [g.box[0] for g in row(label_ink(mask, s, HIGH)).groups] == [100, 200, 300]
    s[300:400, 350:360] = PEN  # a stroke as high as the row and near it is one of it
    assert [g.box[0] for g in row(label_ink(s > 0.1, s, HIGH)).groups] == [100, 200, 300, 350]
