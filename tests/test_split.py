"""``numnet.data.imaging.split``: where a group of ink that holds touching digits is cut, and
``numnet read`` choosing between the group whole and its pieces.

The model is the shipped one where the choice is a network's (the template stand-in of
``test_cli_predict`` reads the halves of a ring as 1s), or none (the cuts proposed)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw

import numnet
from numnet.data.imaging import Candidate, find_digits, read_number
from numnet.data.imaging.components import groups, label, row_height
from numnet.data.imaging.reading import _choose
from numnet.data.imaging.split import aspect_z, ways
from numnet.data.imaging.verdict import MAX_FILL


def _ways(img: Image.Image) -> list[list[tuple[int, int, int, int]]]:
    """The ways (as piece boxes) of the one group of a dark-on-light drawing."""
    mask = np.asarray(img) < 128
    c = label(mask, mask.astype(np.float32), 0.5)
    (g,) = groups(c)
    return [[p.box for p in way] for way in ways(c, g, row_height(c, [g]))]


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
    # the middle of a ring is a valley of the projection too (two strokes), but it crosses
    # the ring's hole: the only cut is on the bridge
    on_bridge = [w for w in found if len(w) == 2 and 88 <= w[0][2] <= 122]
    assert on_bridge and len(found) == len(on_bridge)
    left, right = on_bridge[0]
    assert left[0] == 30 and right[2] == 181  # two pieces, between them the whole group
    assert left[1] <= 31 and right[1] <= 31 and left[3] >= 129 and right[3] >= 129
    assert all(len(w) <= 4 for w in found)


def test_a_bold_zero_is_not_cut_through_its_loop():
    """A bold, wide 0 (as a bold font draws it): its top and bottom strokes are thin beside
    its sides, a valley of the projection, but a cut there would cross its hole."""
    bold = Image.new("L", (160, 180), 255)
    d = ImageDraw.Draw(bold)
    d.ellipse([30, 30, 130, 150], fill=0)
    d.ellipse([60, 42, 100, 138], fill=255)  # sides 30 px thick, top and bottom 12
    assert _ways(bold) == []  # (cut in two halves, each read as a 1, before)


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
    # a network's, the shipped one: the template stand-in reads a ring's halves as 1s
    model = numnet.load_model()
    page = _rings(bridge=True)
    (whole,) = find_digits(page, number=True).candidates
    assert whole.splits  # proposed ...
    r = read_number(page, model, shipped=True)
    assert r.number == "00" and len(r.digits) == 2  # ... and chosen
    assert r.digits[0].box[2] <= r.digits[1].box[0] + 5
    apart = read_number(_rings(bridge=False), model, shipped=True)
    assert apart.number == "00"  # the same without the bridge: two components


def _read_as(aspect: float, label: int, confidence: float) -> tuple[Candidate, np.ndarray]:
    """A candidate of that shape and its probabilities, read as ``label`` at ``confidence``."""
    p = np.full(10, (1 - confidence) / 9, np.float32)
    p[label] = confidence
    return Candidate(np.zeros((28, 28), np.float32), (0, 0, 1, 1), aspect, 0.2), p


@pytest.mark.parametrize(
    ("halves", "chosen"), [((0.99, 1.0), [1, 2]), ((0.7, 0.6), [0]), ((0.99, 0.3), [0])]
)
def test_the_way_read_is_the_one_whose_pieces_the_network_is_surest_of(halves, chosen):
    """A "12" as one group: read whole as a 2 at 83%, or as a 1 and a 2 at ``halves``."""
    whole, p = _read_as(1.0, 2, 0.83)
    one, p1 = _read_as(0.3, 1, halves[0])
    two, p2 = _read_as(0.9, 2, halves[1])
    rows = _choose([(whole,), (one, two)], np.stack([p, p1, p2]), MAX_FILL, 1.0)
    assert list(rows) == chosen


def _piece(height: int, label: int, confidence: float, joined: bool = False):
    """A candidate ``height`` px high (aspect 0.6) read as ``label`` at ``confidence``."""
    c, p = _read_as(0.6, label, confidence)
    return replace(c, box=(0, 0, 60, height), joined=joined), p


def test_a_piece_lower_than_its_row_pays_for_it():
    """A 7 whose flag came apart: the flag (65% of the row) read as a 1 as surely as the
    whole is read as a 7 does not make the 7 two digits; a 1 as high as the row does."""
    whole, p = _piece(100, 7, 0.8)
    seven, p7 = _piece(95, 7, 0.99)
    for flag_height, chosen in [(65, [0]), (95, [1, 2])]:
        flag, p1 = _piece(flag_height, 1, 0.99)
        rows = _choose([(whole,), (flag, seven)], np.stack([p, p1, p7]), MAX_FILL, 100.0)
        assert list(rows) == chosen


@pytest.mark.parametrize(("heights", "chosen"), [((95, 90), [1, 2]), ((95, 60), [0])])
def test_two_groups_each_as_high_as_a_digit_are_read_apart(heights, chosen):
    """Two neighbouring groups joined (a "11" whose 1s share columns) read whole as a 0 a
    little surer than apart: apart wins when both are as high as the row's digits."""
    whole, p = _piece(100, 0, 0.95, joined=True)
    a, pa = _piece(heights[0], 1, 0.7)
    b, pb = _piece(heights[1], 1, 0.99)
    rows = _choose([(whole,), (a, b)], np.stack([p, pa, pb]), MAX_FILL, 100.0)
    assert list(rows) == chosen


def test_four_touching_digits_have_a_way_in_four_and_pieces_are_shared():
    img = Image.new("L", (90 * 4 + 30, 160), 255)
    d = ImageDraw.Draw(img)
    for k in range(4):  # four 0s, each joined to the next by a short stroke
        d.ellipse([30 + 90 * k, 30, 90 + 90 * k, 130], outline=0, width=9)
        if k:
            d.line([(88 + 90 * (k - 1), 80), (32 + 90 * k, 80)], fill=0, width=5)
    (whole,) = find_digits(img, number=True).candidates
    assert max(len(way) for way in whole.splits) == 4
    pieces = [piece for way in whole.splits for piece in way]
    assert len({id(p) for p in pieces}) < len(pieces)  # a segment in several ways: one object
    assert read_number(img, numnet.load_model(), shipped=True).number == "0000"


def test_aspect_z_measures_the_shapes_of_mnist():
    assert abs(aspect_z(0.35, 1)) < abs(aspect_z(1.2, 1))  # a 1 is narrow
    assert abs(aspect_z(0.85, 0)) < min(abs(aspect_z(0.2, 0)), abs(aspect_z(2.0, 0)))
    assert aspect_z(2.0, 0) > 0 > aspect_z(0.2, 0)  # wider than a 0 is > 0
