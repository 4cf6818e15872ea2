"""``numnet.data.imaging.lines`` on small masks: printed lines found to the pixel, pen strokes
left alone, also on a page of odd size (the search runs on a halved copy)."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.data.imaging.lines import paper_lines, remove_lines


def _page(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask, its horizontal lines, its vertical lines): ruled rows, one squared column on
    the last one, and a pen stroke away from them."""
    rows = np.zeros((h, w), bool)
    rows[[40, 41, 120, h - 1]] = True
    columns = np.zeros((h, w), bool)
    columns[:, w - 1] = True
    mask = rows | columns
    mask[60:100, 100:108] = True  # a stroke, 40 px: shorter than a fifth of the page
    return mask, rows, columns


@pytest.mark.parametrize("shape", [(200, 300), (201, 301), (199, 250)])
def test_lines_are_found_to_the_pixel_and_strokes_stay(shape):
    mask, rows, columns = _page(*shape)
    found_rows, found_columns = paper_lines(mask)
    assert (found_rows <= mask).all() and (found_columns <= mask).all()
    # where the lines cross, each line's halo takes the other's pixels too
    np.testing.assert_array_equal(found_rows[:, :-1], rows[:, :-1])
    between = ~rows.any(axis=1)
    np.testing.assert_array_equal(found_columns[between], columns[between])
    clean, had_lines = remove_lines(mask)
    assert had_lines and clean[60:100, 100:108].all() and not clean[[40, 41, 120]].any()


def test_a_stroke_over_a_crossing_of_squared_paper_keeps_no_hole():
    # Where a row and a column cross inside a stroke, the pixels they share have only line
    # pixels beside them; they were left out, a hole at every crossing (a tangle of loops).
    from scipy import ndimage

    mask = np.zeros((300, 400), bool)
    mask[[60, 61, 150, 151, 240, 241]] = True  # the squares' rows and columns, 2 px thick
    mask[:, [80, 81, 200, 201, 320, 321]] = True
    mask[110:200, 170:230] = True  # a broad stroke over the crossing of row 150, column 200
    clean, had_lines = remove_lines(mask)
    assert had_lines and clean[110:200, 170:230].all()
    assert not (ndimage.binary_fill_holes(clean) & ~clean).any()
    assert not clean[60, :150].any() and not clean[:100, 320].any()  # the lines elsewhere go


def test_a_page_without_lines_is_left_as_it_is():
    mask, _, _ = _page(201, 301)
    mask[:] = False
    mask[60:100, 100:108] = True
    found_rows, found_columns = paper_lines(mask)
    assert not found_rows.any() and not found_columns.any()
    clean, had_lines = remove_lines(mask)
    assert not had_lines and (clean == mask).all()


def _turned_page(h: int, w: int, degrees: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask, its rows, its columns) of squared paper turned ``degrees`` clockwise: 1-px
    lines every 40 px as a rasteriser draws them (rows down to the right, columns leaning
    left), and a pen stroke 7 px wide and 61 px long turned alike, between two columns."""
    m = np.tan(np.deg2rad(degrees))
    r, c = np.indices((h, w))
    rows = np.zeros((h, w), bool)
    columns = np.zeros((h, w), bool)
    for start in range(-w, h + w, 40):
        rows |= r == np.rint(start + 0.3 + m * c)
        columns |= c == np.rint(start + 0.7 - m * r)
    # between two columns (at its middle row 80 a column is at 40 k + 0.7 - 80 m)
    x0 = 40 * round((150 - 0.7 + 80 * m) / 40) + 0.7 - 80 * m + 20
    stroke = (np.abs((c - x0) + m * (r - 80)) <= 3) & (np.abs(r - 80) <= 30)
    return rows | columns | stroke, rows & ~stroke, columns & ~stroke


@pytest.mark.parametrize("degrees", [-10.0, -4.5, 3.0, 7.0])
def test_lines_of_a_turned_page_are_found(degrees):
    mask, rows, columns = _turned_page(300, 400, degrees)
    found_rows, found_columns = paper_lines(mask)
    lines = found_rows | found_columns
    assert lines[rows | columns].mean() > 0.97  # the lines, all but where they cross the stroke
    clean, had_lines = remove_lines(mask)
    assert had_lines and clean[rows | columns].mean() < 0.03
    # the pen stroke stays, bridged over the lines it crosses (but for its ends: a stroke
    # that ends on a line loses the part of it on the line)
    r = np.indices(mask.shape)[0]
    stroke = mask & ~(rows | columns) & (np.abs(r - 80) <= 22)
    assert clean[stroke].mean() > 0.95


def test_a_turned_pen_stroke_is_no_line():
    """A long straight stroke of a 1, turned 8 degrees, on plain paper: no line is found,
    although the search turns the mask to follow it."""
    h, w = 300, 400
    r, c = np.indices((h, w))
    m = np.tan(np.deg2rad(8.0))
    mask = (np.abs((c - 200) + m * (r - 150)) <= 4) & (np.abs(r - 150) <= 100)
    found_rows, found_columns = paper_lines(mask)
    assert not found_rows.any() and not found_columns.any()


def test_two_lines_a_smear_joins_are_found_each():
    """Two ruled lines joined by a smear across both (the dark side of a shadow's edge at
    the page's side, a blot) are one set of runs, and a line fitted through both is no
    line; each is found alone, and the smear stays ink."""
    h, w = 200, 400
    rows = np.zeros((h, w), bool)
    rows[[64, 65, 96, 97]] = True
    mask = rows.copy()
    mask[56:106, w - 44 :] = True  # the smear: wider than a run, narrower than a line
    mask[120:160, 100:108] = True  # a pen stroke
    found_rows, _ = paper_lines(mask)
    np.testing.assert_array_equal(found_rows[:, : w - 46], rows[:, : w - 46])
    clean, had_lines = remove_lines(mask)
    assert had_lines and not clean[[64, 65, 96, 97], : w - 46].any()
    assert clean[120:160, 100:108].all() and clean[70:90, w - 40 :].all()


def test_two_lines_a_stroke_between_them_joins_are_found_each():
    """Squared paper's columns close together, a pen stroke along them filling the space
    between (a 4's stem): each column is found, the stroke stays."""
    h, w = 400, 300
    columns = np.zeros((h, w), bool)
    columns[:, [100, 101, 124, 125]] = True
    mask = columns.copy()
    mask[150:240, 102:124] = True
    _, found_columns = paper_lines(mask)
    outside = np.ones(h, bool)
    outside[146:244] = False
    np.testing.assert_array_equal(found_columns[outside], columns[outside])
    clean, _ = remove_lines(mask)
    assert clean[150:240, 104:122].all() and not clean[outside][:, [100, 101, 124, 125]].any()
