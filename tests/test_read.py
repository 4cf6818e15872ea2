"""``numnet read`` and ``numnet.data.imaging.read_number``: whole numbers, boxes, no-number reasons.

The model is the template stand-in of ``test_cli_predict`` (it knows 0, 1 and 4), so these
tests exercise finding, splitting and ordering the digits and the command, not a network.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from numnet.app.cli import main
from numnet.app.cli import read as cli_read
from numnet.data.imaging import find_digits, read_number
from numnet.data.imaging.verdict import MAX_FILL
from test_cli_predict import TemplateModel, _draw


def _row(labels: list[int], gaps: list[int], size: int = 100) -> Image.Image:
    """Digits drawn side by side (dark on light), with the given gaps in px between them."""
    width = size * len(labels) + sum(gaps) + 80
    page = Image.new("L", (width, size + 80), 255)
    x = 40
    for label, gap in zip(labels, [0, *gaps], strict=True):
        x += gap
        page.paste(_draw(label, size, True), (x, 40))
        x += size
    return page


@pytest.fixture
def model(monkeypatch):
    m = TemplateModel()
    monkeypatch.setattr(cli_read, "load_model", lambda path: m)
    return m


def test_read_number_orders_digits_left_to_right(model):
    page = _row([4, 1, 0, 4], [10, 30, 5])
    r = read_number(page, model)
    assert r.number == "4104" and r.reason is None
    xs = [d.box[0] for d in r.digits]
    assert xs == sorted(xs)
    for d in r.digits:  # boxes are on the page, around the ink of each drawn digit
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= page.size[0] and 40 <= y0 < y1 <= 140


def test_boxes_are_in_pixels_of_the_upright_photo(model):
    """A large image is worked on reduced; the boxes still refer to its own pixels."""
    big = _row([1, 4], [60], size=1000)  # 2140 x 1080, worked on at 1000 x 505
    r = read_number(big, model)
    assert r.number == "14"
    ink = np.asarray(big) < 128
    for d, (lo, hi) in zip(r.digits, [(0, 1070), (1070, 2140)], strict=True):
        rows, cols = np.nonzero(ink[:, lo:hi])
        expected = (lo + cols.min(), rows.min(), lo + cols.max() + 1, rows.max() + 1)
        assert np.abs(np.subtract(d.box, expected)).max() <= 6  # 2.14 px per worked pixel


def test_touching_digits_are_split(model):
    page = _row([0, 0, 4], [-22, 15])  # the two zeros' boxes overlap: their rings touch
    groups = find_digits(page, number=True).candidates
    assert len(groups) == 3
    assert read_number(page, model).number == "004"


def test_a_broken_stroke_stays_one_digit(model):
    img = _draw(4, 100, True)
    ImageDraw.Draw(img).rectangle([55, 55, 70, 68], fill=255)  # a gap across the 4's stem
    assert len(find_digits(img, number=True).candidates) == 1


def test_specks_are_not_digits_a_decimal_point_is_a_point(model):
    page = _row([1, 4], [40])
    d = ImageDraw.Draw(page)
    d.point([(5, 5), (page.size[0] - 3, 10)], fill=0)
    assert read_number(page, model).number == "14"
    d.ellipse([155, 122, 167, 134], fill=0)  # a point on the line between the digits
    r = read_number(page, model)
    assert r.number == "1.4" and r.numbers == ("1.4",) and [d.label for d in r.digits] == [1, 4]
    (point,) = r.signs
    assert point.text == "." and 150 <= point.box[0] < point.box[2] <= 172


def test_a_minus_before_the_first_digit(model):
    page = _row([4, 0], [30])
    ImageDraw.Draw(page).line([(5, 90), (40, 90)], fill=0, width=9)  # at mid-height
    r = read_number(page, model)
    assert r.number == "-40" and [s.text for s in r.signs] == ["-"]


def test_two_rows_are_two_numbers_top_to_bottom(model):
    top, bottom = _row([1, 0, 4], [20, 20]), _row([4, 1], [30])
    page = Image.new("L", (top.size[0], 2 * top.size[1]), 255)
    page.paste(top, (0, 0))
    page.paste(bottom, (60, top.size[1] - 20))
    r = read_number(page, model)
    assert r.number == "104 41" and r.numbers == ("104", "41")
    assert [(d.label, d.row) for d in r.digits] == [(1, 0), (0, 0), (4, 0), (4, 1), (1, 1)]


def test_a_stray_mark_beside_the_digits_is_no_digit_a_small_ring_is_one(model):
    page = _row([1, 4], [80])  # digits about 78 px high
    d = ImageDraw.Draw(page)
    d.line([(170, 90), (170, 130)], fill=0, width=5)  # a thin stroke half as high
    assert read_number(page, model).number == "14"
    d.ellipse([200, 95, 230, 135], outline=0, width=5)  # as low, but as wide as a digit
    boxes = [c.box for c in find_digits(page, number=True).candidates]
    assert len(boxes) == 3 and boxes[1][0] >= 195  # the ring stands among them, not the mark


def test_cli_plain_and_json(model, tmp_path, capsys):
    number, blank = tmp_path / "meter.jpg", tmp_path / "blank.png"
    _row([1, 0, 4], [20, 20]).convert("RGB").save(number)
    Image.new("L", (90, 90), 250).save(blank)
    assert main(["read", "m.npz", str(number), str(blank)]) == 0
    out = capsys.readouterr().out.splitlines()
    why = "the image is blank (no ink on the paper)"
    assert out == [f"{number}: 104", f"{blank}: no number here: {why}"]
    assert main(["read", "m.npz", str(number), str(blank), "--json"]) == 0
    first, second = json.loads(capsys.readouterr().out)["readings"]
    assert first["file"] == str(number) and first["number"] == "104"
    assert [d["label"] for d in first["digits"]] == [1, 0, 4]
    for d in first["digits"]:
        assert len(d["box"]) == 4 and 0 < d["confidence"] <= 1
    assert second["number"] is None and second["digits"] == [] and "blank" in second["reason"]
    assert first["numbers"] == ["104"] and first["signs"] == [] and second["numbers"] == []


def test_cli_reads_the_others_when_one_image_is_bad(model, tmp_path, capsys):
    number, bad = tmp_path / "meter.jpg", tmp_path / "meter.heic"
    _row([1, 0, 4], [20, 20]).convert("RGB").save(number)
    bad.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(64))  # Pillow reads no HEIC
    assert main(["read", "m.npz", str(bad), str(number)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{number}: 104"]
    assert captured.err.startswith("numnet: error: ") and captured.err.count("\n") == 1
    assert main(["read", "m.npz", str(bad), str(number), "--json"]) == 2
    first, second = json.loads(capsys.readouterr().out)["readings"]
    assert first == {"file": str(bad), "number": None, "error": first["error"]}
    assert "not an image" in first["error"] and second["number"] == "104"


def test_cli_json_of_rows_and_signs(model, tmp_path, capsys):
    top, bottom = _row([1, 0], [20]), _row([4, 1], [40])
    ImageDraw.Draw(top).line([(50, 90), (78, 90)], fill=0, width=9)  # a minus before the 1
    ImageDraw.Draw(bottom).ellipse([155, 122, 167, 134], fill=0)  # a point after the 4
    page = Image.new("L", (top.size[0] + 100, 2 * top.size[1]), 255)
    page.paste(top, (0, 0))
    page.paste(bottom, (20, top.size[1]))
    path = tmp_path / "form.png"
    page.save(path)
    assert main(["read", "m.npz", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: -10 4.1\n"
    assert main(["read", "m.npz", str(path), "--json"]) == 0
    (got,) = json.loads(capsys.readouterr().out)["readings"]
    assert got["number"] == "-10 4.1" and got["numbers"] == ["-10", "4.1"]
    assert [(d["label"], d["row"]) for d in got["digits"]] == [(1, 0), (0, 0), (4, 1), (1, 1)]
    assert [(s["sign"], s["row"]) for s in got["signs"]] == [("-", 0), (".", 1)]
    minus, point = (s["box"] for s in got["signs"])
    assert minus[2] <= got["digits"][0]["box"][0]  # before the first digit
    assert got["digits"][2]["box"][2] <= point[0] < point[2] <= got["digits"][3]["box"][0]


@pytest.mark.parametrize("content", [b"", b"not a picture at all"])
def test_cli_bad_file_is_one_line_exit_2(model, tmp_path, capsys, content):
    bad = tmp_path / "scan.png"
    bad.write_bytes(content)
    assert main(["read", "m.npz", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and str(bad) in captured.err


def test_read_number_on_an_array_and_a_pil_image_agree(model):
    page = _row([4, 0], [25])
    a, b = read_number(page, model), read_number(np.asarray(page), model)
    assert a.number == b.number == "40"
    assert [d.box for d in a.digits] == [d.box for d in b.digits]


def test_a_bold_digit_in_a_row_is_kept_a_smaller_blot_is_not(model):
    page = _row([1, 4], [140])
    ImageDraw.Draw(page).ellipse([170, 52, 250, 128], fill=0)  # as high as the 1 and the 4
    bold = find_digits(page, number=True).candidates[1]
    assert bold.fill > MAX_FILL  # it fills its box as a bold 0 does, and as a blot does ...
    r = read_number(page, model)
    assert len(r.digits) == 3 and r.ignored == []  # ... but it stands among the digits
    small = _row([1, 4], [140])  # a blot lower than the row is no digit of it
    ImageDraw.Draw(small).ellipse([190, 85, 230, 125], fill=0)
    r = read_number(small, model)
    assert r.number == "14" and len(r.ignored) == 1 and "blot" in str(r.ignored[0].reason)


def test_a_digit_with_a_stem_broken_off_is_read_whole(model):
    img = _draw(4, 100, True)
    ImageDraw.Draw(img).rectangle([55, 55, 70, 68], fill=255)  # stem and bar cut across
    # the two pieces, one wholly above the other, share part of the stem's columns: one
    # candidate (digits of a number stand side by side, not one on the other)
    (whole,) = find_digits(img, number=True).candidates
    assert whole.box == (17, 8, 65, 91)
    r = read_number(img, model)
    assert r.number == "4" and r.digits[0].box == (17, 8, 65, 91)


def test_in_a_number_a_sliver_read_as_a_wide_digit_is_refused():
    from numnet.data.imaging.find import Candidate
    from numnet.data.imaging.reading import _digit

    sliver = Candidate(np.zeros((28, 28), np.float32), (0, 0, 12, 100), 0.12, 0.05)
    five, one = np.eye(10, dtype=np.float32)[5], np.eye(10, dtype=np.float32)[1]
    refused = _digit(sliver, five, 0.0, float("nan"), MAX_FILL, False, shape=True)
    assert refused.label is None and "shape" in str(refused.reason)
    assert _digit(sliver, one, 0.0, float("nan"), MAX_FILL, False, shape=True).label == 1  # a 1 is
    assert _digit(sliver, five, 0.0, float("nan"), MAX_FILL, False, shape=False).label == 5  # alone


def test_a_wide_digit_as_high_as_the_row_is_kept_a_dash_is_not(model):
    page = _row([1, 4], [260])  # digits 83 px high, 260 px apart
    ImageDraw.Draw(page).ellipse([160, 45, 350, 133], outline=0, width=9)  # 2.2 x wider
    r = read_number(page, model)
    assert len(r.digits) == 3 and r.ignored == []  # a digit with a long tail is that wide
    dash = _row([1, 4], [260])
    ImageDraw.Draw(dash).line([(170, 125), (340, 80)], fill=0, width=8)  # as wide, lower
    r = read_number(dash, model)
    assert r.number == "14" and "line" in str(r.ignored[0].reason)


def test_a_page_knows_its_rows_height_in_pixels_of_the_image(model):
    big = _row([1, 4, 0], [60, 60], size=1000)  # worked on reduced, the height is the image's
    page = find_digits(big, number=True)
    heights = [c.box[3] - c.box[1] for c in page.candidates]
    assert min(heights) - 3 <= page.height <= max(heights) + 3
    assert find_digits(big).height == 0.0  # a page of one digit has no row
