"""Several rows, decimal points and a leading minus (``components.rows``, ``signs``) on made
arrays of ink strength (0 paper, 0.8 pen), and ``spell``, which keeps only the signs that
stand between or before the digits read."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.data.imaging.components import Components, label, label_ink, row, rows
from numnet.data.imaging.signs import Sign, signs, spell

PEN, HIGH = 0.8, 0.5


def _page(shape: tuple[int, int] = (400, 600)) -> np.ndarray:
    return np.zeros(shape, np.float32)


def _bars(s: np.ndarray, xs: list[int], top: int, height: int = 100, width: int = 10) -> None:
    """Vertical pen strokes ("1"s) at the columns ``xs``, ``top`` to ``top + height``."""
    for x in xs:
        s[top : top + height, x : x + width] = PEN


def _c(s: np.ndarray) -> Components:
    return label_ink(s > 0.1, s, HIGH)


def _lefts(c: Components) -> list[list[int]]:
    return [[g.box[0] for g in r.groups] for r in rows(c)]


def test_two_rows_are_read_top_to_bottom_each_on_its_own():
    s = _page()
    _bars(s, [300, 400, 500], top=260)  # the lower number, written first here
    _bars(s, [100, 200], top=40)
    assert _lefts(_c(s)) == [[100, 200], [300, 400, 500]]


def test_a_slanted_row_and_uneven_baselines_are_one_row():
    s = _page((400, 900))
    for k, x in enumerate(range(50, 850, 110)):  # each digit 18 px lower than the last
        _bars(s, [x], top=40 + 18 * k + (9 if k % 2 else -9))
    (one,) = rows(_c(s))
    assert len(one.groups) == 8


def test_a_page_of_one_row_is_read_as_before():
    s = _page((600, 400))
    _bars(s, [100, 200, 300], top=400)
    s[10:60, 350:390] = PEN  # a blot in a corner, as high as half a digit: marks, no row
    c = _c(s)
    assert rows(c) == [row(c)]
    assert [g.box[0] for g in rows(c)[0].groups] == [100, 200, 300]


def test_a_row_of_marks_only_is_no_number():
    s = _page()
    _bars(s, [100, 200, 300], top=40)
    s[300:340, 150:158] = s[300:340, 250:258] = PEN  # two strokes 0.4 of a digit high
    assert _lefts(_c(s)) == [[100, 200, 300]]


def test_ink_at_the_pictures_edge_far_from_the_number_is_no_row():
    s = _page()
    _bars(s, [100, 200, 300], top=250)
    s[0:110, 588:600] = PEN  # the edge of a shadow or of the paper, as high as a digit
    assert _lefts(_c(s)) == [[100, 200, 300]]
    s[0:110, 588:600] = 0
    s[5:115, 500:510] = PEN  # a stroke as high, clear of the edge: a number of its own
    assert _lefts(_c(s)) == [[500], [100, 200, 300]]


def test_two_digits_one_above_the_other_are_not_joined_across_the_rows():
    s = _page()
    _bars(s, [100, 200], top=40)
    _bars(s, [100, 200], top=165)  # 25 px below: a gap of a quarter of a digit
    assert _lefts(_c(s)) == [[100, 200], [100, 200]]


def _number(s: np.ndarray) -> list[Sign]:
    c = _c(s)
    (one,) = rows(c)
    return signs(c, one)


def test_a_dot_low_between_two_digits_is_a_point():
    s = _page()
    _bars(s, [100, 200], top=40)
    yy, xx = np.mgrid[0:400, 0:600]
    s[(yy - 133) ** 2 + (xx - 155) ** 2 <= 7**2] = PEN  # a dot 15 px wide on the line
    assert [(x.text, x.box) for x in _number(s)] == [(".", (148, 126, 163, 141))]


def test_a_comma_as_high_as_half_a_digit_is_a_point_and_no_digit():
    s = _page()
    _bars(s, [100, 250], top=40)
    s[120:150, 170:182] = PEN  # a dot and its tail down below the line
    s[150:170, 168:174] = PEN
    c = _c(s)
    (one,) = rows(c)
    assert len(one.groups) == 3  # the comma is a group of the row ...
    assert [x.text for x in signs(c, one)] == ["."]  # ... and a point


def test_a_dash_at_mid_height_before_the_first_digit_is_a_minus():
    s = _page()
    _bars(s, [100, 200], top=40)
    s[86:96, 40:85] = PEN  # a stroke 45 px long, as thick as the pen
    assert [(x.text, x.box) for x in _number(s)] == [("-", (40, 86, 85, 96))]


@pytest.mark.parametrize(
    "what",
    ["speck", "faint blotch", "high dot", "dot at the end", "low dash", "dash after"],
)
def test_no_false_sign(what):
    s = _page()
    _bars(s, [100, 200], top=40)
    if what == "speck":  # JPEG noise: ink smaller than the pen is wide
        s[133:137, 153:157] = PEN
    elif what == "faint blotch":  # as large as a dot, far fainter than the pen
        s[127:140, 148:161] = 0.3
    elif what == "high dot":  # a dot at mid-height is no decimal point
        s[85:98, 148:161] = PEN
    elif what == "dot at the end":  # after the last digit: a full stop
        s[127:140, 230:243] = PEN
    elif what == "low dash":  # on the line before the first digit: an underscore
        s[128:138, 40:85] = PEN
    else:  # a dash after the last digit
        s[86:96, 230:275] = PEN
    assert _number(s) == []


def test_the_stroke_width_of_a_fine_pen_lets_a_fine_dot_through():
    """A dot only 3 px wide is a point when the pen's strokes are 3 px wide, not when they
    are 10 px (then it is a speck beside them)."""
    for width, expected in [(3, ["."]), (10, [])]:
        s = _page()
        _bars(s, [100, 200], top=40, width=width)
        s[136:139, 150:153] = PEN
        c = label(s > 0.1, s, HIGH)
        (one,) = rows(c)
        assert [x.text for x in signs(c, one)] == expected


def _d(label: str, x: int) -> tuple[str, tuple[int, int, int, int]]:
    return label, (x, 0, x + 10, 100)


def test_spell_keeps_a_point_between_digits_and_a_minus_before_them():
    digits = [_d("3", 100), _d("1", 200), _d("4", 300)]
    point, minus = Sign(".", (150, 90, 160, 100)), Sign("-", (40, 45, 80, 55))
    assert spell(digits, [minus, point]) == ("-3.14", [minus, point])
    assert spell(digits, []) == ("314", [])
    late = Sign("-", (250, 45, 290, 55))  # between digits: no minus
    end = Sign(".", (350, 90, 360, 100))  # after the last digit
    first = Sign(".", (40, 90, 50, 100))  # before the first digit
    assert spell(digits, [late, end, first]) == ("314", [])
    twice = Sign(".", (170, 90, 180, 100))  # two points in one gap: the first is kept
    assert spell(digits, [point, twice]) == ("3.14", [point])
    assert spell([], [minus]) == ("", [])
