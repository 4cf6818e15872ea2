"""``numnet.data.imaging.components`` on small arrays: hairlines taken off a number's ink, the
pieces of a broken digit joined against the row's height, neighbours that may be one digit.

Ink is drawn as strengths (0 paper, 0.8 pen, 0.15 a printed line's faint leftover)."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.data.imaging.components import groups, label, label_ink, row, without_marks
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


def _five(flag_x0: int, flag_x1: int, flag_top: int = 12) -> np.ndarray:
    """A 5 as strengths: a stem and a bowl (x 100-160, y 20-120) and a flag written apart,
    a 12 px stroke from ``flag_x0`` to ``flag_x1``, its top at ``flag_top``."""
    s = np.zeros((160, 400), np.float32)
    s[20:70, 100:110] = PEN  # the stem
    s[60:70, 100:160] = PEN  # the bowl's top ...
    s[60:120, 150:160] = PEN  # ... its right side ...
    s[110:120, 100:160] = PEN  # ... and its foot
    s[flag_top : flag_top + 12, flag_x0:flag_x1] = PEN
    return s


@pytest.mark.parametrize("number", [False, True])
def test_a_flag_written_apart_beside_the_stem_is_part_of_its_digit(number: bool):
    # the flag starts past the stem, sharing 5 of its 85 columns with the digit: too few for
    # a broken stroke, but it is at the digit's top
    assert _boxes(_five(155, 240), number) == [(100, 12, 240, 120)]


def test_a_flag_as_large_as_its_bowl_written_above_it_is_part_of_its_digit():
    s = np.zeros((160, 400), np.float32)
    s[60:70, 100:160] = PEN  # the bowl: its top, right side and foot
    s[60:120, 150:160] = PEN
    s[110:120, 100:160] = PEN
    s[10:56, 140:150] = PEN  # the stem and the flag, above it and apart, sharing 20 of the
    s[10:20, 140:200] = PEN  # bowl's 60 columns: too few for a broken stroke beside another
    assert _boxes(s, number=False) == _boxes(s) == [(100, 10, 200, 120)]


def test_a_minus_or_a_mark_beside_a_digit_is_no_flag():
    # a minus at the middle of the digit's height, to its left
    assert _boxes(_five(60, 95, flag_top=64)) == [(100, 20, 160, 120)]
    # a flag's stroke so long that the two would be much wider than high: a line, not a flag
    assert _boxes(_five(155, 320), number=False) == [(100, 20, 160, 120)]


def test_a_decimal_point_and_a_speck_stay_apart_and_are_dropped():
    s = _bars([100, 200])
    s[112:120, 150:158] = PEN  # a point low between the digits
    assert _boxes(s) == [(100, 20, 110, 120), (200, 20, 210, 120)]


def test_a_small_digit_beside_a_shadow_band_at_the_frame_is_chosen():
    # The band along the picture's left edge is 140 px high, the digit 40: measured against
    # the band (SMALL of the tallest) the digit was dropped before ``largest`` could let
    # the band yield to it; the digits' heights are weighed against the groups inside.
    from numnet.data.imaging.components import largest

    s = np.zeros((160, 400), np.float32)
    s[0:140, 0:20] = 0.6  # a dark band the paper's estimate left, at the frame
    s[60:100, 200:208] = PEN  # a 1, 40 px high, with more than a tenth of the band's ink
    s[60:64, 192:200] = PEN
    c = label(s > 0.1, s, HIGH)
    found = groups(c)
    assert [g.box for g in found] == [(0, 0, 20, 140), (192, 60, 208, 100)]
    assert largest(c, found).box == (192, 60, 208, 100)


def test_neighbours_sharing_columns_may_be_one_digit():
    s = _bars([200, 290])
    s[62:120, 100:110] = PEN  # a stem ...
    s[20:30, 60:104] = PEN  # ... and the piece left of it that it broke off (a bar and an
    s[20:66, 60:70] = PEN  # upright), sharing 4 of its 10 columns and a few of its rows: too
    # few to be sure they are one digit
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


def _ink_page(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A page of random strokes with faint 1-px lines on them, and specks: (mask, strengths)
    (120, 170)."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    s = np.where(rng.random((120, 170)) < 0.004, PEN, 0).astype(np.float32)  # specks
    s = ndimage.grey_dilation(s, size=(2, 2))
    for _ in range(4):  # strokes 8-13 px wide, some touching the edge
        y, x = rng.integers(0, 100), rng.integers(0, 160)
        s[y : y + rng.integers(20, 60), x : x + rng.integers(8, 14)] = PEN
        # a printed line's leftover on the stroke, along a row or a column
        if rng.random() < 0.5:
            s[y + rng.integers(0, 20), max(0, x - 40) : x + 50] = LINE
        else:
            s[max(0, y - 40) : y + 70, x + rng.integers(0, 8)] = LINE
    return s > 0.1, s


@pytest.mark.parametrize("seed", range(6))
def test_label_keeps_boxes_areas_and_ink_of_its_components(seed):
    from scipy import ndimage

    mask, s = _ink_page(seed)
    for c in (label(mask, s, HIGH), label_ink(mask, s, HIGH)):
        n = len(c.boxes)
        assert c.labels.dtype == np.int32 and set(np.unique(c.labels)) <= set(range(n + 1))
        found = ndimage.find_objects(c.labels)
        boxes = [(b[1].start, b[0].start, b[1].stop, b[0].stop) for b in found]
        np.testing.assert_array_equal(c.boxes, np.array(boxes).reshape(-1, 4))
        index = np.arange(1, n + 1)
        np.testing.assert_array_equal(c.area, ndimage.sum_labels(mask, c.labels, index))
        np.testing.assert_allclose(c.mass, ndimage.sum_labels(s, c.labels, index), rtol=1e-6)
        assert ((c.labels > 0) <= mask).all()


@pytest.mark.parametrize("seed", range(6))
def test_hairlines_are_those_an_opening_of_the_whole_page_finds(seed):
    """label_ink looks for hairlines in the box of the components long enough to hold one:
    the ink it labels is the mask without the hairlines of the whole page."""
    from numnet.data.imaging.components import FAINT, HAIR_LENGTH, HAIRLINE, _opening
    from numnet.data.imaging.mnist_box import stroke_width

    mask, s = _ink_page(seed)
    kept = label(mask, s, HIGH).labels > 0
    width = stroke_width(kept)
    k = round(HAIRLINE * width)
    thin = mask & ~_opening(mask, (k, k)) & (s < FAINT * np.median(s[kept]))
    run = max(k + 1, round(HAIR_LENGTH * width))
    hair = _opening(thin, (1, run)) | _opening(thin, (run, 1))
    assert k >= 2 and hair.any()
    expected = label(mask & ~hair, s, HIGH).labels
    np.testing.assert_array_equal(label_ink(mask, s, HIGH).labels, expected)


def test_stroke_width_of_ink_at_the_edge_counts_the_edge_as_paper():
    from scipy import ndimage

    from numnet.data.imaging.mnist_box import stroke_width

    mask, _ = _ink_page(0)
    mask[:, :8] = True  # a stroke along the left edge
    inner = ndimage.binary_erosion(mask, structure=np.ones((3, 3), bool))
    assert stroke_width(mask) == 2 * mask.sum() / (mask.sum() - inner.sum())
    assert stroke_width(np.zeros((5, 5), bool)) == 0.0


def _marked(s: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The boxes of the components ``without_marks`` keeps."""
    c = without_marks(label(s > 0.1, s, HIGH))
    return [tuple(int(v) for v in b) for b in c.boxes]


def _ring(s: np.ndarray, box: tuple[int, int, int, int], width: int = 4) -> None:
    x0, y0, x1, y1 = box
    s[y0:y1, x0:x1] = PEN
    s[y0 + width : y1 - width, x0 + width : x1 - width] = 0


def test_a_box_or_a_circle_drawn_around_a_digit_is_taken_off():
    s = np.zeros((160, 400), np.float32)
    _ring(s, (70, 5, 140, 140))
    s += _bars([100])  # a 1 at (100, 20, 110, 120)
    assert _marked(s) == [(100, 20, 110, 120)]
    numbers = np.zeros((160, 400), np.float32)
    _ring(numbers, (80, 5, 230, 140))  # a box around a number
    numbers += _bars([100, 150, 200])
    assert _marked(numbers) == [(100, 20, 110, 120), (150, 20, 160, 120), (200, 20, 210, 120)]


def test_a_zero_with_a_speck_inside_or_a_digit_in_pieces_is_no_frame():
    s = np.zeros((160, 400), np.float32)
    _ring(s, (100, 20, 160, 120), width=8)  # a 0 ...
    s[60:70, 125:135] = PEN  # ... with a speck inside, lower than ENCLOSED of it
    assert len(_marked(s)) == 2
    t = np.zeros((160, 400), np.float32)
    t[20:120, 100:108] = PEN  # a 6 whose loop broke off: its stem ...
    t[112:120, 100:140] = PEN
    t[70:110, 130:140] = PEN  # ... and the loop's side, reaching to the right of the stem's box
    t[70:78, 112:140] = PEN
    assert len(_marked(t)) == 2


def test_a_line_drawn_under_a_digit_or_a_number_is_taken_off():
    s = _bars([100, 150])
    s[130:136, 90:170] = PEN  # an underline 10 px below, wider than the number
    assert _marked(s) == [(100, 20, 110, 120), (150, 20, 160, 120)]


def test_a_flat_stroke_that_is_part_of_a_digit_stays():
    s = _bars([100], top=30, height=90)
    s[20:26, 95:130] = PEN  # a 5's flag, written apart, above its body
    assert len(_marked(s)) == 2
    t = _bars([100])
    t[121:127, 90:130] = PEN  # a 2's base that broke off at its foot: no gap
    assert len(_marked(t)) == 2
    u = _bars([100])
    u[130:136, 102:108] = PEN  # a short dash under a digit is narrower than it: no underline
    u[130:133, 98:112] = PEN
    assert len(_marked(u)) == 2


def test_a_faint_box_drawn_tight_around_a_number_is_taken_off_a_pen_s_1s_are_not():
    s = _bars([100, 150, 200], top=30, height=80)  # three digits, 80 px
    s[27:113, 80:83] = 0.5  # a printed box's sides, fainter than the pen, 86 px: the ink
    s[27:113, 226:229] = 0.5  # between is 0.93 of their height
    assert _marked(s) == [(100, 30, 110, 110), (150, 30, 160, 110), (200, 30, 210, 110)]
    ones = _bars([100, 150, 200], top=30, height=80)
    ones[27:113, 80:83] = PEN  # 1s of the pen, as tight, are digits
    ones[27:113, 226:229] = PEN
    assert len(_marked(ones)) == 5


def test_the_upright_sides_left_of_a_box_around_a_number_are_taken_off():
    s = _bars([100, 150, 200], top=30, height=80)  # three 1s, 80 px
    s[15:125, 80:84] = PEN  # the box's sides, 110 px: its top and bottom went as paper lines
    s[15:125, 226:230] = PEN
    assert _marked(s) == [(100, 30, 110, 110), (150, 30, 160, 110), (200, 30, 210, 110)]
    ones = _bars([100, 150, 200], top=30, height=80)  # 1s at both ends as tall as the rest
    ones[30:110, 80:84] = PEN
    ones[30:110, 226:230] = PEN
    assert len(_marked(ones)) == 5
