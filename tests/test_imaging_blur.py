"""Blurred, faint and low-resolution digits keep what MNIST would keep; sharp ones do not change.

The pictures are made here: an 8x8 digit upscaled as a thumbnail, a ring (a 0) drawn bold
and blurred as out of focus, each with one side written fainter, and a thin-pen '4'
photographed sharp under a lighting gradient and a shadow.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from numnet.data.imaging import background as bg
from numnet.data.imaging import prepare
from numnet.data.imaging.ink import fringe_px, soft_ink, with_fringe


def _blurred_ring(faint: float, side: int = 160, margin: int = 40) -> np.ndarray:
    """A bold 0 (ink alpha in [0, 1]) blurred by a Gaussian of a stroke's width, its right
    half ``faint`` times as dark; on a tight page (the ring fills 2/3 of it), uint8 gray."""
    img = Image.new("L", (side, side), 0)
    ImageDraw.Draw(img).ellipse([20, 8, side - 20, side - 8], outline=255, width=side // 7)
    ink = np.asarray(img, np.float32) / 255
    ink[:, side // 2 :] *= faint
    ink = ndimage.gaussian_filter(ink, side / 14)
    ink /= ink.max()
    page = np.full((side + 2 * margin, side + 2 * margin), 0.9, np.float32)
    page[margin:-margin, margin:-margin] -= 0.75 * ink
    rng = np.random.default_rng(0)
    page += rng.normal(0, 0.01, page.shape).astype(np.float32)
    return (np.clip(page, 0, 1) * 255).astype(np.uint8)


#: a 0 as the UCI optical digits hold it: 8x8 levels 0-16 (a 32x32 bitmap's 4x4 blocks counted)
ZERO = np.array(
    [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0],
     [0, 4, 12, 0, 0, 8, 8, 0], [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0],
     [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0]], np.float32)


def _levels(faint: float) -> np.ndarray:
    """ZERO with its right half ``faint`` times as dark, as levels in [0, 1]."""
    levels = ZERO / 16
    levels[:, 4:] *= faint
    return levels


def _thumbnail(levels: np.ndarray, side: int = 200) -> np.ndarray:
    """Low-resolution ``levels`` upscaled (bicubic) to ``side`` px: dark ink on grey paper
    with a margin of a quarter, noise; uint8 gray."""
    big = Image.fromarray((levels * 255).astype(np.uint8)).resize((side, side), Image.BICUBIC)
    m = side // 4
    page = np.full((side + 2 * m, side + 2 * m), 0.9, np.float32)
    page[m:-m, m:-m] -= 0.75 * np.asarray(big, np.float32) / 255
    page += np.random.default_rng(0).normal(0, 0.01, page.shape).astype(np.float32)
    return (np.clip(page, 0, 1) * 255).astype(np.uint8)


@pytest.mark.parametrize("faint, share", [(1.0, 0.8), (0.6, 0.6)])
def test_an_upscaled_thumbnail_keeps_its_ink(faint, share):
    """MNIST would scale the 8x8 digit into its 20x20 box; the photo pipeline must keep about
    as much ink (a 0 whose faint side is lost becomes a C, read as a 6 or a 5)."""
    levels = _levels(faint)
    mnist = np.asarray(Image.fromarray((levels * 255).astype(np.uint8)).resize(
        (20, 20), Image.BICUBIC), np.float32) / 255
    got = prepare(_thumbnail(levels))
    assert (got > 0.2).sum() >= share * (mnist > 0.2).sum()
    assert got[:, 14:].sum() > 0.5 * got[:, :14].sum()  # the faint side is there


def test_the_paper_under_a_wide_stroke_is_the_paper_around_it():
    """Strength of a blurred bold stroke is measured against the paper, not against a
    closing that sank into the stroke: its middle is as strong as it was drawn."""
    page = _blurred_ring(faint=0.6).astype(np.float32) / 255
    s = bg.ink_strength(page)
    true = (0.9 - page) / 0.9
    on = true > 0.4
    assert np.abs(s[on] - true[on]).mean() < 0.03


def _sharp_photo() -> np.ndarray:
    """A 4 in a thin pen, 600x800 gray, lit from the left with a soft shadow in a corner."""
    h, w = 800, 600
    y, x = np.mgrid[0:h, 0:w] / np.float32(h)
    light = 0.95 - 0.35 * x
    light *= 1 - 0.35 / (1 + np.exp(-(x + y - 0.9) / 0.05))
    img = Image.new("L", (w, h), 0)
    ImageDraw.Draw(img).line([(340, 240), (200, 460), (420, 460)], fill=255, width=7)
    ImageDraw.Draw(img).line([(360, 340), (360, 600)], fill=255, width=7)
    ink = np.asarray(img, np.float32) / 255
    rng = np.random.default_rng(1)
    page = light * (1 - 0.8 * ink) + rng.normal(0, 0.01, (h, w))
    return np.clip(page, 0, 1).astype(np.float32)


def test_a_sharp_photo_is_measured_as_before(monkeypatch):
    """The paper under a thin stroke was estimated right; taking it from around changes the
    strength map by little, and nowhere off the ink (the shadow stays paper)."""
    page = _sharp_photo()
    s = bg.ink_strength(page)
    monkeypatch.setattr(bg, "PASSES", 0)
    before = bg.ink_strength(page)
    assert np.abs(s - before).max() < 0.06
    assert np.percentile(s, 99.0) - np.percentile(before, 99.0) < 0.02


def test_a_sharp_digit_prepares_as_before(monkeypatch):
    """Prepared with and without the refinement of the paper, a sharp digit is the same."""
    page = _sharp_photo()
    now = prepare(page)
    monkeypatch.setattr(bg, "PASSES", 0)
    before = prepare(page)
    assert np.abs(now - before).max() < 0.1
    assert float(np.corrcoef(now.ravel(), before.ravel())[0, 1]) > 0.995


def test_the_fringe_is_the_weak_ink_next_to_the_digit_only():
    s = np.zeros((20, 30), np.float32)
    s[5:15, 5:8] = 0.6  # the digit's stroke
    s[5:15, 8:10] = 0.05  # its faint fringe, next to it
    s[5:15, 11:13] = 0.5  # a neighbour's stroke (strong, not the digit's) within reach
    s[5:15, 25:28] = 0.05  # faint ink far from the digit
    s[0, :] = -0.02  # paper darker than its estimate is no ink
    member = s >= 0.6
    got = with_fringe(s, member, low=0.08, reach=3)
    assert got[5:15, 5:10].all()
    assert not got[:, 11:13].any() and not got[:, 25:].any() and not got[0].any()
    assert (with_fringe(s, member, 0.08, 0) == member).all()
    assert fringe_px(200) > fringe_px(40)


@pytest.mark.parametrize("full", [0.3, 0.8])
def test_soft_ink_is_proportional_to_strength(full):
    s = np.linspace(0, 1, 101, dtype=np.float32).reshape(1, -1) * full
    mask = np.ones_like(s, bool)
    mask[0, :5] = False
    ink = soft_ink(s, mask)
    top = float(np.percentile(s[mask], 90))
    on = mask[0] & (s[0] < top)
    np.testing.assert_allclose(ink[0, on], s[0, on] / top, rtol=1e-5)
    assert (ink[0, ~mask[0]] == 0).all() and ink.max() == 1


def _strengths(ink_share: float, ink: float, seed: int = 0) -> np.ndarray:
    """A (200, 200) strength map: paper around 0 (noise 0.01) and ``ink_share`` of the
    pixels, a block on the left, at ``ink``."""
    rng = np.random.default_rng(seed)
    s = rng.normal(0, 0.01, (200, 200)).astype(np.float32)
    s[:, : round(200 * ink_share)] += ink
    return s


def test_the_thresholds_of_a_photo_cropped_to_its_digit_come_from_its_paper():
    """Ink of half the picture puts the median and its spread in the ink: the noise is then
    taken from the paper's side (the pixels lighter than the paper estimate), so the
    threshold stays under the ink.  A hard shadow as crowded, but fainter than a pen, is
    left above it as before."""
    from numnet.data.imaging.ink import CROWDED, threshold

    sparse = threshold(_strengths(0.1, 0.8))
    crowded = threshold(_strengths(0.55, 0.8))
    assert crowded.low < 0.2 and crowded.high < 0.8
    assert abs(crowded.low - sparse.low) < 0.05
    assert threshold(_strengths(0.55, 0.35)).low > CROWDED  # a shadow: no ink found in it
