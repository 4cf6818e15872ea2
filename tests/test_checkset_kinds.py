"""benchmarks/checksets.py's kinds of pictures made on a computer (``files``,
``foreign-files``, ``drawn``), ``crops``, ``sent``, ``symbols``, ``desk``, ``askew`` and
``marked``: what each file holds is what its name and style say, and the pictures made on a
computer have flat paper (the photos, sent through a messenger too, have not)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import checksets  # noqa: E402

from numnet.data.imaging.flat import flat_paper  # noqa: E402
from realdata import mnist_dir  # noqa: E402


def _gray(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), np.float32) / 255


def test_mnist_files():
    mnist_dir()
    rows = list(checksets.files(8, np.random.default_rng(2), "validation"))
    assert [r[3].split("-")[0] for r in rows] == ["none", "nearest", "bilinear", "bicubic"] * 2
    for name, data, label, style in rows:
        gray = _gray(data)
        assert f"label{label}" in name and gray.shape[0] == gray.shape[1]
        assert gray.shape[0] == 28 if style.startswith("none") else gray.shape[0] % 28 == 0
        if name.endswith(".png"):
            assert flat_paper(gray) == (1.0 if "inverted" in style else 0.0)


def test_foreign_files_and_drawings():
    rows = list(checksets.foreign_files(5, np.random.default_rng(0), "validation"))
    assert [r[3] for r in rows] == ["none", *checksets.RESAMPLING]
    assert _gray(rows[0][1]).shape == (8, 8)
    drawn = list(checksets.drawn(len(checksets.DRAWN), np.random.default_rng(0), "test"))
    assert [r[3] for r in drawn] == list(checksets.DRAWN) and {r[2] for r in drawn} == {"-"}
    for _, data, _, _ in rows + drawn:
        assert flat_paper(_gray(data)) is not None


def test_crops_are_photos_of_a_digit_filling_most_of_them():
    mnist_dir()
    for name, data, label, style in checksets.crops(3, np.random.default_rng(0), "validation"):
        assert data[:2] == b"\xff\xd8" and f"label{label}" in name and style in name
        gray = _gray(data)
        assert flat_paper(gray) is None  # a photo: noise, light
        assert (gray < np.median(gray) - 0.2).mean() > 0.02  # ink in a good part of it


def test_photos_sent_through_a_messenger_are_small_low_quality_jpegs_and_no_flat_paper():
    # At quality 10-30 the 8x8 blocks flatten a photo's gray paper into one exact level
    # where the light varies little (the fourth of these was taken for flat paper, its
    # light's gradient read as ink), but the rest of its paper lies in the haze around it.
    mnist_dir()
    rows = list(checksets.sent(12, np.random.default_rng(0), "validation"))
    for name, data, label, style in rows:
        assert data[:2] == b"\xff\xd8" and f"label{label}" in name and style in name
        img = Image.open(io.BytesIO(data))
        assert 640 <= max(img.size) <= 1600 and 0x0112 not in img.getexif()
        assert flat_paper(_gray(data)) is None
    assert {r[3] for r in rows} <= {"q10", "q20", "q30"}


def test_symbols_are_photos_of_each_mark_in_turn_with_no_digit():
    rows = list(checksets.symbols(len(checksets.SYMBOLS), np.random.default_rng(0), "test"))
    assert [r[3] for r in rows] == list(checksets.SYMBOLS) and {r[2] for r in rows} == {"-"}
    for name, data, _, style in rows:
        gray = _gray(data)
        assert data[:2] == b"\xff\xd8" and style in name and flat_paper(gray) is None
        assert (gray < np.median(gray) - 0.2).mean() > 0.0005  # a mark's ink is on the page


def test_desk_photos_show_the_desk_along_the_border():
    mnist_dir()
    rows = list(checksets.desk(4, np.random.default_rng(0), "validation"))
    assert [r[3].split("-")[1] for r in rows] == [*checksets.PAPERS, checksets.PAPERS[0]]
    for name, data, label, style in rows:
        assert data[:2] == b"\xff\xd8" and f"label{label}" in name and style in name
        gray = _gray(data)  # (stored sideways or not: the border is the border)
        edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
        # a wood desk around part of the page: much of the border is far darker than the page
        paper = np.percentile(gray, 95)
        assert flat_paper(gray) is None and (edge < paper - 0.2).mean() > 0.1


def test_askew_photos_turn_the_lines_and_the_digit_alike():
    mnist_dir()
    rows = list(checksets.askew(2, np.random.default_rng(0), "validation"))
    assert [r[3].split("-")[0] for r in rows] == ["ruled", "squared"]
    for name, data, label, style in rows:
        assert data[:2] == b"\xff\xd8" and f"label{label}" in name and style in name
        degrees = int(style.split("-")[1].removesuffix("deg"))
        assert checksets.ASKEW[0] <= degrees <= checksets.ASKEW[1]


def test_marked_photos_draw_a_circle_box_or_underline_around_a_digit_or_a_number():
    mnist_dir()
    rows = list(checksets.marked(6, np.random.default_rng(0), "validation"))
    assert [r[3] for r in rows] == ["circle", "box number", "underline", "circle number",
                                    "box", "underline number"]
    for name, data, label, style in rows:
        assert data[:2] == b"\xff\xd8" and style.split()[0] in name and label in name
        assert (len(label) == 1) == ("number" not in style)
