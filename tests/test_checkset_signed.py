"""benchmarks/checksets.py's ``signed`` kind: each row holds what its style says, and the
labels are as ``numnet read`` prints them (a comma as ".", rows separated by a space)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import checksets  # noqa: E402

from realdata import mnist_dir  # noqa: E402


@pytest.mark.parametrize("style", checksets.SIGNED)
def test_a_row_holds_what_its_style_says(style):
    rng = np.random.default_rng(0)
    for _ in range(20):
        items = checksets._signed_row(style, rng)
        digits = items.count("d")
        assert 1 <= digits <= 5 and set(items) <= {"d", ".", ",", "-"}
        assert items.count("-") <= 1 and items.count("-") == (items[0] == "-")
        if "." in items or "," in items:  # a point stands between two digits
            k = items.index("." if "." in items else ",")
            assert items[k - 1] == "d" and items[k + 1] == "d"
        if style in ("point", "comma", "minus point"):
            assert ("," if style == "comma" else ".") in items
        if style in ("minus", "minus point"):
            assert items[0] == "-"
        if style == "two rows":
            assert items == ["d"] * digits


def test_labels_and_files():
    mnist_dir()  # the digits are MNIST's
    rows = list(checksets.signed(6, np.random.default_rng(1), "validation"))
    assert [r[3] for r in rows] == list(checksets.SIGNED)
    for name, data, label, style in rows:
        assert re.fullmatch(r"-?\d+(\.\d+)?( -?\d+(\.\d+)?)?", label)
        assert (" " in label) == ("rows" in style)
        assert label.replace(" ", "_") in name and data[:2] == b"\xff\xd8"  # a JPEG
