"""``numnet predict IMAGE... [--model MODEL]``: read your own digits.

The model is the one numnet ships unless ``--model`` names another (the older form
``numnet predict MODEL.npz IMAGE...`` works too).
Every image is prepared the way MNIST prepared its digits (``numnet.data.imaging``: the paper's
light removed, ruled lines and specks ignored, its largest digit cropped, scaled and
centred), all of them are classified in one batch, and each gets a line
``FILE: LABEL (CONFIDENCE)``, or ``FILE: no digit (REASON)`` for a blank page, a dot, a
scribble (the rule of ``numnet.data.imaging.verdict``; ``"label": null`` and a ``"reason"`` in
``--json``).
``--json`` prints the same for programs; ``--show DIR`` draws, for each image, the 28x28
picture the network actually sees beside its probability bars.  A picture with more
digit-sized ink beside its largest digit gets a reminder that ``numnet read`` reads a
number (``"digits_beside"`` in ``--json``).

An image that cannot be read (not an image, too large, truncated, missing) gets its
one-line error on stderr, and an ``"error"`` entry in ``--json``; the others are read as
ever, and the exit status is 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from numnet.app.cli.common import (
    check_output_file,
    each_image,
    in_place,
    readable,
    say_unreadable,
)
from numnet.app.cli.model_option import add_model_option, display_name, split_model
from numnet.core.errors import NumnetError
from numnet.files.model_file import load_model

if TYPE_CHECKING:
    from numnet.data.imaging import Reading


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "predict",
        help="classify your own images of digits (PNG, JPEG ...)",
        description=(
            "Classify image files of handwritten digits with a trained model. Any size, "
            "dark ink on light paper or light on dark, transparent canvas exports too: each "
            "image is cropped, scaled and centred as MNIST's digits were."
        ),
    )
    p.add_argument(
        "images",
        metavar="IMAGE",
        nargs="+",
        help="image files of single digits (an old form, 'predict MODEL.npz IMAGE...', "
        "takes the model first)",
    )
    add_model_option(p)
    p.add_argument(
        "--top", type=int, default=1, metavar="K", help="show the K most likely digits (1-10)"
    )
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument(
        "--show",
        metavar="DIR",
        type=Path,
        help="write DIR/<image>.png: what the network sees, beside its probabilities",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from numnet.data.imaging import find_digits, read_pages

    if not 1 <= args.top <= 10:
        raise NumnetError(f"--top must be between 1 and 10, got {args.top}")
    if args.show is not None and args.show.exists() and not args.show.is_dir():
        raise NumnetError(f"--show {args.show} is a file; give a folder for the pictures")
    model_path, files = split_model(args.images, args.model)
    pictures = _picture_paths(args.show, files) if args.show is not None else []
    for path in pictures:  # never over an input image (or the model): checked before work
        check_output_file(path, "--show", [str(model_path or ""), *files])
    found = each_image(files, find_digits)  # for a file that cannot be read, its message
    pages = readable(found)
    if pictures:
        pictures = readable(in_place(found, pictures))
    model = load_model(model_path)  # a numnet.nn.Sequential or the classic two-layer network
    readings = read_pages(pages, model, shipped=model_path is None)
    answers = [_result(r, args.top) for r in readings]
    for r, page in zip(answers, pages, strict=True):
        if page.beside:
            r["digits_beside"] = page.beside
    results: list[dict[str, Any]] = [
        {"file": name, "label": None, "error": r} if isinstance(r, str) else r
        for name, r in zip(files, in_place(found, answers), strict=True)
    ]

    if args.json:
        json.dump({"model": display_name(model_path), "predictions": results}, sys.stdout, indent=2)
        print()
    else:
        for r in results:
            if "error" in r:
                continue  # said on stderr (say_unreadable)
            if r["label"] is None:
                print(f"{r['file']}: no digit here: {r['reason']}")
                continue
            guesses = "  ".join(f"{t['label']} ({t['probability']:.1%})" for t in r["top"])
            print(f"{r['file']}: {guesses}{_number_hint(r)}")
    for path in _show(pictures, readings):
        print(f"wrote {path}", file=sys.stderr)
    return say_unreadable(found)


def _number_hint(result: dict[str, Any]) -> str:
    """A reminder that ``numnet read`` reads all the digits, when the picture has more."""
    more = result.get("digits_beside", 0)
    if not more:
        return ""
    what = "another digit" if more == 1 else f"{more} more digits"
    return f"  [{what} beside it: numnet read reads numbers]"


def _result(reading: Reading, k: int) -> dict[str, Any]:
    """One image's answer: label, confidence, the top k, all ten probabilities; or label None
    and the reason (with the network's guesses, if there was ink to guess from)."""
    found = reading.digits or reading.ignored
    if not found:
        return {"file": reading.name, "label": None, "reason": reading.reason}
    digit = found[0]
    probs = digit.probabilities
    order = np.argsort(-probs, kind="stable")[:k]
    return {
        "file": reading.name,
        "label": digit.label,
        **({"reason": digit.reason} if digit.label is None else {}),
        "confidence": round(float(probs[order[0]]), 6),
        "top": [{"label": int(i), "probability": round(float(probs[i]), 6)} for i in order],
        "probabilities": [round(float(q), 6) for q in probs],
    }


def _picture_paths(folder: Path, names: list[str]) -> list[Path]:
    """``folder/<image stem>.png`` for each image; stems that clash get -2, -3 ..."""
    paths: list[Path] = []
    used: set[str] = set()
    for name in names:
        stem, n = Path(name).stem, 1
        while (f"{stem}-{n}" if n > 1 else stem) in used:
            n += 1
        stem = f"{stem}-{n}" if n > 1 else stem
        used.add(stem)
        paths.append(folder / f"{stem}.png")
    return paths


def _show(paths: list[Path], readings: list[Reading]) -> list[Path]:
    """Write one picture per image with ink to ``paths``: what the network sees, its answer."""
    from numnet.plots import digit_prediction, save_figure

    written: list[Path] = []
    for path, r in zip(paths, readings, strict=False):
        found = r.digits or r.ignored
        if not found:  # nothing the network saw
            continue
        digit = found[0]
        p = digit.probabilities
        title = f"{Path(r.name).name}, as the network sees it"
        if digit.label is None:
            title += ": not a digit"
        fig = digit_prediction(digit.pixels, int(p.argmax()), probs=p, title=title)
        written.append(save_figure(fig, path))
    return written
