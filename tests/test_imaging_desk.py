"""A page photographed lying on a desk: the desk is no ink; a page in a shadow stays as it is.

The pictures are made here: a light page with a thin-pen 7 on a darker desk that shows along
the photo's edges, and the same page under a soft shadow, filling the frame or on the desk.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from numnet.data.imaging import find_digits
from numnet.data.imaging.desk import without_desk


def _seven(page: np.ndarray, x: int, y: int, side: int, width: int = 8) -> None:
    """Draws a 7 of ``side`` px with its top left at (x, y) into ``page`` (dark ink)."""
    img = Image.new("L", (page.shape[1], page.shape[0]), 0)
    draw = ImageDraw.Draw(img)
    draw.line([(x, y), (x + side * 0.7, y)], fill=255, width=width)
    draw.line([(x + side * 0.7, y), (x + side * 0.3, y + side)], fill=255, width=width)
    ink = np.asarray(img, np.float32) / 255
    page -= 0.7 * ndimage.gaussian_filter(ink, 1.0)


def _photo(desk: float | None, shadow: bool = False, seed: int = 0) -> np.ndarray:
    """A 900x1200 gray photo: a page (0.88) with a 7, lit with a gradient; on a desk of
    level ``desk`` showing along the left and bottom edges (None: the page fills the
    frame); ``shadow``: a soft shadow over the page's lower part."""
    rng = np.random.default_rng(seed)
    h, w = 1200, 900
    g = np.full((h, w), 0.88, np.float32)
    _seven(g, 450, 300, 220)
    if desk is not None:  # the page's left edge at x = 140, its bottom at y = 1000
        y, x = np.mgrid[0:h, 0:w]
        off = (x < 140 + 0.01 * y) | (y > 1000)
        g[off] = desk * (1 + 0.05 * np.sin(y[off] / 40.0))
    g *= np.linspace(1.0, 0.85, w, dtype=np.float32)[None, :]  # the window's gradient
    if shadow:
        rows = np.arange(h, dtype=np.float32)[:, None]
        g *= 1 - 0.4 / (1 + np.exp(-(rows - 800) / 60))
    g += rng.normal(0, 0.01, g.shape).astype(np.float32)
    return (np.clip(g, 0, 1) * 255).astype(np.uint8)


@pytest.mark.parametrize("level", [0.15, 0.35, 0.5])
def test_the_desk_around_a_page_is_no_ink(level):
    photo = _photo(desk=level)
    gray = photo.astype(np.float32) / 255
    out = without_desk(gray)
    assert out is not gray
    # the desk now has the page's light: no step at the page's edge
    assert out[1100, 50] > 0.7 and abs(float(out[1100, 50]) - float(out[950, 200])) < 0.08
    assert np.array_equal(out[250:550, 400:650], gray[250:550, 400:650])  # the 7 as it was
    page = find_digits(photo)
    (digit,) = page.candidates
    x0, y0, x1, y1 = digit.box
    assert 430 <= x0 and x1 <= 640 and 280 <= y0 and y1 <= 540  # the 7, not the page's frame


def test_the_same_page_without_a_desk_reads_alike():
    with_desk = find_digits(_photo(desk=0.3)).candidates[0]
    alone = find_digits(_photo(desk=None)).candidates[0]
    assert np.corrcoef(with_desk.pixels.ravel(), alone.pixels.ravel())[0, 1] > 0.95


@pytest.mark.parametrize("desk", [None, 0.3])
def test_a_soft_shadow_is_no_desk(desk):
    """The page filling the frame under a soft shadow is left as it is; on a desk, the
    shadowed part of the page (where the 7 might be) is never replaced."""
    photo = _photo(desk=desk, shadow=True)
    gray = photo.astype(np.float32) / 255
    out = without_desk(gray)
    if desk is None:
        assert out is gray
    assert np.array_equal(out[850:990, 400:700], gray[850:990, 400:700])


def test_a_plain_page_and_tiny_pictures_are_left_alone():
    photo = _photo(desk=None).astype(np.float32) / 255
    assert without_desk(photo) is photo
    tiny = np.zeros((5, 7), np.float32)
    assert without_desk(tiny) is tiny
