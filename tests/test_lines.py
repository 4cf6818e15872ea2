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


def test_a_page_without_lines_is_left_as_it_is():
    mask, _, _ = _page(201, 301)
    mask[:] = False
    mask[60:100, 100:108] = True
    found_rows, found_columns = paper_lines(mask)
    assert not found_rows.any() and not found_columns.any()
    clean, had_lines = remove_lines(mask)
    assert not had_lines and (clean == mask).all()
