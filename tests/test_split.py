"""``numnet.data.imaging.split``: where a group of ink that holds touching digits is cut, and
``numnet read`` choosing between the group whole and its pieces.

The model is the template stand-in of ``test_cli_predict`` (it knows 0, 1 and 4)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from numnet.data.imaging import find_digits, read_number
from numnet.data.imaging.components import groups, label
from numnet.data.imaging.split import aspect_fit, row_height, ways
from test_cli_predict import TemplateModel


def _ways(img: Image.Image) -> list[list[tuple[int, int, int, int]]]:
    """The ways (as piece boxes) of the one group of a dark-on-light drawing."""
    mask = np.asarray(img) < 128
    c = label(mask, mask.astype(np.float32), 0.5)
    (g,) = groups(c)
    return [[p.box for p in way] for way in ways(c, g, row_height([g]))]


def _rings(bridge: bool, gap: int = 30) -> Image.Image:
    """Two 0s (ellipses 60 x 100, pen 9) side by side, joined by a short stroke if ``bridge``."""
    img = Image.new("L", (60 + 2 * 60 + gap, 160), 255)
    d = ImageDraw.Draw(img)
    d.ellipse([30, 30, 90, 130], outline=0, width=9)
    d.ellipse([90 + gap, 30, 150 + gap, 130], outline=0, width=9)
    if bridge:
        d.line([(88, 80), (92 + gap, 80)], fill=0, width=5)
    return img


def test_two_touching_zeros_are_cut_at_the_neck():
    found = _ways(_rings(bridge=True))
    # the middle of a ring is a valley of the projection too (two strokes): those ways are
    # proposed, and the reader turns them down (see the next tests)
    on_bridge = [w for w in found if len(w) == 2 and 88 <= w[0][2] <= 122]
    assert on_bridge
    left, right = on_bridge[0]
    assert left[0] == 30 and right[2] == 181  # two pieces, between them the whole group
    assert left[1] <= 31 and right[1] <= 31 and left[3] >= 129 and right[3] >= 129
    assert all(len(w) <= 4 for w in found)


def test_a_wide_zero_and_a_digit_with_a_flag_are_not_cut():
    wide = Image.new("L", (260, 160), 255)
    ImageDraw.Draw(wide).ellipse([30, 30, 230, 130], outline=0, width=9)  # 2 x wider than high
    assert _ways(wide) == []  # no column of it is a neck: a ring is two strokes everywhere
    flag = Image.new("L", (200, 160), 255)
    d = ImageDraw.Draw(flag)
    d.line([(50, 30), (50, 130)], fill=0, width=9)
    d.line([(50, 30), (170, 40)], fill=0, width=5)  # a long thin flag at the top
    assert _ways(flag) == []  # the flag alone is a sliver, lower than a digit of the row


def test_read_chooses_the_cut_the_network_reads_as_digits():
    model = TemplateModel()
    page = _rings(bridge=True)
    (whole,) = find_digits(page, number=True).candidates
    assert whole.splits  # proposed ...
    r = read_number(page, model)
    assert r.number == "00" and len(r.digits) == 2  # ... and chosen
    assert r.digits[0].box[2] <= r.digits[1].box[0] + 5
    apart = read_number(_rings(bridge=False), model)
    assert apart.number == "00"  # the same without the bridge: two components


def test_aspect_fit_prefers_the_shapes_of_mnist():
    assert aspect_fit(0.35, 1) > aspect_fit(1.2, 1)  # a 1 is narrow
    assert aspect_fit(0.85, 0) > aspect_fit(0.2, 0) and aspect_fit(0.85, 0) > aspect_fit(2.0, 0)
