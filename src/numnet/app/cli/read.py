"""``numnet read IMAGE... [--model MODEL]``: read the whole number written in each image.

The model is the one numnet ships unless ``--model`` names another (``numnet read
MODEL.npz IMAGE...`` works too, as for ``predict``).

Every digit of an image is found (connected ink, broken strokes joined, touching digits
split; ``numnet.data.imaging.find_digits(number=True)``), all digits of all images are classified
in one batch, and each image gets a line ``FILE: 2026``, or ``FILE: no number here: REASON``.
A decimal point or comma between two digits is read as ".", a minus before the first as "-"
(``FILE: -3.14``); several numbers one above the other are read top to bottom, separated by
a space (``FILE: 2026 1984``).  Candidates the digit rule refuses (a speck, a stray stroke)
are left out of the number.

``--json`` prints, per file, ``{"file", "number", "numbers", "digits": [{"label",
"confidence", "box": [x0, y0, x1, y1], "row"}, ...], "signs": [{"sign", "box", "row"},
...]}`` (``"number"`` the line's text, a string: "-3.14" and "007" stay as written;
``"numbers"`` one string per row, top to bottom; ``"row"`` the index of a digit's or
sign's number in it; boxes in pixels of the upright image, ends exclusive), with
``"reason"`` when there is no number and ``"ignored"`` for refused candidates.

An image that cannot be read (not an image, too large, truncated, missing) gets its
one-line error on stderr, and ``{"file", "number": null, "error"}`` in ``--json``; the
others are read as ever, and the exit status is 2.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from typing import TYPE_CHECKING, Any

from numnet.app.cli.common import each_image, in_place, readable, say_unreadable
from numnet.app.cli.model_option import add_model_option, display_name, split_model
from numnet.files.model_file import load_model

if TYPE_CHECKING:
    from numnet.data.imaging import Digit, Reading


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "read",
        help="read whole numbers written in images (several digits side by side)",
        description=(
            "Read the number written in each image file: every digit is found, ordered "
            "left to right and classified (by the model that ships with numnet, or --model); "
            "a decimal point, a leading minus and several rows (top to bottom) are read too."
        ),
    )
    p.add_argument(
        "images",
        metavar="IMAGE",
        nargs="+",
        help="image files of written numbers (an old form, 'read MODEL.npz IMAGE...', takes "
        "the model first)",
    )
    add_model_option(p)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from numnet.data.imaging import find_digits, read_pages

    model_path, files = split_model(args.images, args.model)
    # for a file that cannot be read, its message
    found = each_image(files, functools.partial(find_digits, number=True))
    model = load_model(model_path)
    readings = read_pages(readable(found), model, number=True, shipped=model_path is None)
    answers = in_place(found, readings)
    if args.json:
        results = [
            {"file": name, "number": None, "error": a} if isinstance(a, str) else _result(a)
            for name, a in zip(files, answers, strict=True)
        ]
        json.dump({"model": display_name(model_path), "readings": results}, sys.stdout, indent=2)
        print()
    else:
        for r in answers:
            if isinstance(r, str):
                continue  # said on stderr (say_unreadable)
            print(f"{r.name}: {r.number}" if r.number else f"{r.name}: no number here: {r.reason}")
    return say_unreadable(found)


def _result(r: Reading) -> dict[str, Any]:
    digits = [_digit(d) for d in r.digits]
    out: dict[str, Any] = {
        "file": r.name,
        "number": r.number,
        "numbers": list(r.numbers),
        "digits": digits,
        "signs": [{"sign": s.text, "box": list(s.box), "row": s.row} for s in r.signs],
    }
    if r.reason:
        out["reason"] = r.reason
    if r.ignored:
        out["ignored"] = [{"box": list(d.box), "reason": d.reason} for d in r.ignored]
    return out


def _digit(d: Digit) -> dict[str, Any]:
    return {
        "label": d.label,
        "confidence": round(d.confidence, 6),
        "box": list(d.box),
        "row": d.row,
    }
