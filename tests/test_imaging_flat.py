"""Pictures made on a computer (flat paper): MNIST digits saved as files, thumbnails enlarged
by repeating pixels, digits filling their frame, and drawn blots and dots.

The pictures are made here: a bold 8 drawn into a 28x28 square as MNIST holds its digits
(white on black) and inverted, UCI's 8x8 zero enlarged by repeating its pixels, and discs,
squares and dots drawn with Pillow.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from numnet.data.imaging import find_digits, prepare
from numnet.data.imaging.flat import MIN_SIDE, flat_paper, smoothed, unrepeated
from numnet.data.imaging.verdict import FLAT_MAX_FILL, MAX_FILL, flat_blot, solidity

#: a 0 as the UCI optical digits hold it: 8x8 levels 0-16
ZERO = np.array(
    [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0],
     [0, 4, 12, 0, 0, 8, 8, 0], [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0],
     [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0]], np.float32)


def _bold_eight() -> np.ndarray:
    """A bold 8 in a 20x20 box of a 28x28 black square, white ink (MNIST's layout), uint8:
    its strokes fill about half of the box."""
    img = Image.new("L", (28, 28), 0)
    draw = ImageDraw.Draw(img)
    draw.ellipse([8, 4, 20, 14], outline=255, width=4)
    draw.ellipse([7, 13, 21, 24], outline=255, width=4)
    return np.asarray(img)


def test_flat_paper_is_one_exact_gray_level():
    eight = _bold_eight().astype(np.float32) / 255
    assert flat_paper(eight) == 0.0
    assert flat_paper(1 - eight) == 1.0
    rng = np.random.default_rng(0)
    photo = np.clip(0.85 + rng.normal(0, 0.01, (200, 200)), 0, 1).astype(np.float32)
    assert flat_paper(photo) is None
    # half the page clipped to white, the rest noisy paper just below: a photo, not flat
    photo[:, :100] = 1.0
    photo[:, 100:] = np.clip(0.985 + rng.normal(0, 0.01, (200, 100)), 0, 1)
    assert flat_paper(photo) is None


def test_a_computer_s_gray_paper_is_flat():
    eight = Image.fromarray(_bold_eight()).resize((280, 280), Image.Resampling.BICUBIC)
    gray = 0.5 * (1 - np.asarray(eight, np.float32) / 255)  # dark ink on gray paper
    assert flat_paper(gray) == pytest.approx(0.5, abs=1 / 255)


@pytest.mark.parametrize("invert", [False, True])
def test_a_bold_digit_filling_its_picture_is_taken_as_it_is(invert):
    """A 28x28 MNIST-style digit is already what the network reads: prepared, it comes back
    nearly unchanged, its loops dark (a photo's paper estimate sinks into such bold ink and
    takes the paper for the ink)."""
    eight = _bold_eight()
    got = prepare(255 - eight if invert else eight)
    want = eight.astype(np.float32) / 255
    assert float(np.corrcoef(got.ravel(), want.ravel())[0, 1]) > 0.8
    assert got[9, 14] < 0.2 and got[18, 14] < 0.2  # the two holes of the 8
    assert abs(got.sum() - want.sum()) < 0.25 * want.sum()  # 21 px high, scaled to 20


def test_repeated_pixels_are_taken_back_to_the_small_picture():
    a = np.random.default_rng(1).random((8, 8)).astype(np.float32)
    big = np.kron(a, np.ones((4, 4), np.float32))
    np.testing.assert_array_equal(unrepeated(big), a)
    framed = unrepeated(np.pad(big, 8))  # a margin of two steps on each side keeps them
    assert framed.shape == (12, 12)
    np.testing.assert_array_equal(framed[2:-2, 2:-2], a)
    assert not framed[:2].any() and not framed[:, -2:].any()
    # Pillow's nearest enlargement by 12.5: steps of 12 and 13 px
    odd = np.asarray(Image.fromarray(a).resize((100, 100), Image.Resampling.NEAREST))
    np.testing.assert_array_equal(unrepeated(odd), a)
    # a disc drawn without anti-aliasing has runs of equal rows, and rows of one too
    img = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(img).ellipse([10, 10, 54, 54], fill=255)
    disc = np.asarray(img, np.float32) / 255
    assert unrepeated(disc) is disc


def test_a_small_picture_is_enlarged_and_its_boxes_stay_in_it():
    levels = ZERO / 16
    gray, e = smoothed(levels)
    assert e == MIN_SIDE // 8 and gray.shape == (MIN_SIDE, MIN_SIDE)
    assert gray.min() >= 0 and gray.max() <= 1
    (c,) = find_digits((levels * 255).astype(np.uint8)).candidates
    x0, y0, x1, y1 = c.box
    assert 0 <= x0 < x1 <= 8 and 0 <= y0 < y1 <= 8 and y1 - y0 >= 7


def test_repeated_and_small_thumbnails_prepare_alike():
    """The 8x8 zero as it is, and enlarged 8 times by repeating its pixels, become the same
    digit: the staircase of the repeated pixels is gone."""
    level = (ZERO * 255 / 16).astype(np.uint8)
    small = prepare(level)
    repeated = prepare(np.kron(level, np.ones((8, 8), np.uint8)))
    assert float(np.corrcoef(small.ravel(), repeated.ravel())[0, 1]) > 0.97


def test_flat_blots_and_dots():
    digit_like, solid = 0.6, 0.97
    assert flat_blot(digit_like, 0.5, 0.9, 0.7) is None
    assert flat_blot(solid, 0.7, 1.0, 0.5) is not None  # a disc
    assert flat_blot(0.88, 0.5, 1.0, 0.1) is not None  # a dot
    assert flat_blot(0.88, 0.5, 1.0, 0.7) is None  # bold 0
    assert flat_blot(solid, 0.7, 0.3, 0.5) is None  # a thick upright stroke: a 1
    assert FLAT_MAX_FILL > MAX_FILL


def test_solidity_of_a_disc_and_a_ring():
    img = Image.new("L", (100, 100), 0)
    ImageDraw.Draw(img).ellipse([10, 10, 90, 90], fill=255)
    disc = np.asarray(img) > 0
    ImageDraw.Draw(img).ellipse([25, 25, 75, 75], fill=0)
    assert solidity(disc) > 0.95 and solidity(np.asarray(img) > 0) < 0.7


def _drawn(kind: str, invert: bool) -> np.ndarray:
    img = Image.new("L", (128, 128), 255)
    draw = ImageDraw.Draw(img)
    if kind == "disc":
        draw.ellipse([34, 34, 94, 94], fill=0)
    elif kind == "square":
        draw.rectangle([40, 40, 88, 88], fill=0)
    else:  # a dot
        draw.ellipse([60, 60, 67, 67], fill=0)
    a = np.asarray(img)
    return 255 - a if invert else a


@pytest.mark.parametrize("kind", ["disc", "square", "dot"])
@pytest.mark.parametrize("invert", [False, True])
def test_drawn_blots_and_dots_are_no_digit(kind, invert):
    from numnet import load_model
    from numnet.data.imaging import read_digit

    reading = read_digit(_drawn(kind, invert), load_model(), shipped=True)
    assert reading.number is None and "blot or a dot" in reading.reason


@pytest.mark.parametrize("how", ["repeated", "bicubic"])
@pytest.mark.parametrize("invert", [False, True])
def test_an_enlarged_thumbnail_is_read(how, invert):
    from numnet import load_model
    from numnet.data.imaging import read_digit

    level = (ZERO * 255 / 16).astype(np.uint8)
    if how == "repeated":
        big = np.kron(level, np.ones((16, 16), np.uint8))
    else:
        big = np.asarray(Image.fromarray(level).resize((128, 128), Image.Resampling.BICUBIC))
    reading = read_digit(255 - big if invert else big, load_model(), shipped=True)
    assert reading.number == "0"
