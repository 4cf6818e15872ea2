"""``numnet show FILE --index I [--index J ...]``: pictures of a model's predictions.

For each test image asked for, one PNG like the tutorial's ``show_prediction``: the digit,
titled with the predicted and the actual label, beside the network's ten probabilities.
The pictures are drawn by ``numnet.plots``; this module only picks the images.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from numnet.cli.evaluate import load_model
from numnet.cli.train import load_mnist
from numnet.errors import NumnetError


def index(text: str) -> int:
    """argparse type: an image index >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "show",
        help="draw a model's predictions for test images as PNG pictures",
        description=(
            "Draw test images with the model's prediction, the actual label and the ten "
            "probabilities: one PNG per --index, written to --out-dir."
        ),
    )
    p.add_argument("model", metavar="FILE", help="model file (.npz, or a twolayer .pkl)")
    p.add_argument(
        "--index",
        type=index,
        action="append",
        metavar="I",
        help="test image to show (repeat for more; default: 0)",
    )
    p.add_argument("--out-dir", type=Path, default=Path("."), metavar="DIR", help="default: .")
    p.add_argument("--data", metavar="DIR", help="MNIST folder or mnist.npz (default: search)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from numnet import plots

    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise NumnetError(f"--out-dir {args.out_dir} is a file; give a folder for the pictures")
    indices = args.index or [0]
    model = load_model(args.model)
    _, (x_test, y_test) = load_mnist(args.data)
    too_big = [i for i in indices if i >= len(x_test)]
    if too_big:
        raise NumnetError(
            f"--index {too_big[0]} is out of range: the test set has images 0..{len(x_test) - 1}"
        )
    probs = model.predict_proba(x_test[indices])  # (k, 10), one batch
    for i, p in zip(indices, probs, strict=True):
        predicted = int(np.argmax(p))
        fig = plots.digit_prediction(x_test[i], predicted, int(y_test[i]), probs=p)
        path = plots.save_figure(fig, args.out_dir / f"prediction_{i}.png")
        print(f"test image {i}: predicted {predicted}, actual {y_test[i]}  -> {path}")
    return 0
