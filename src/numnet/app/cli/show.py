"""``numnet show [--model MODEL] --index I [--index J ...]``: pictures of a model's predictions.

For each test image asked for, one PNG like the tutorial's ``show_prediction``: the digit,
titled with the predicted and the actual label, beside the network's ten probabilities.
The pictures are drawn by ``numnet.plots``; this module only picks the images.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.app.cli.common import check_output_file, load_mnist
from numnet.app.cli.model_option import add_model_option, display_name, pick
from numnet.app.cli.numbers import non_negative_int, positive_int
from numnet.core.errors import NumnetError
from numnet.nn.functional import confusion_counts


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "show",
        help="draw a model's predictions for test images as PNG pictures",
        description=(
            "Draw test images with the model's prediction, the actual label and the ten "
            "probabilities: one PNG per --index, written to --out-dir."
        ),
    )
    p.add_argument(
        "file",
        metavar="MODEL",
        nargs="?",
        help="model file (.npz, or a twolayer .pkl); the same as --model MODEL",
    )
    add_model_option(p)
    p.add_argument(
        "--index",
        type=non_negative_int,
        action="append",
        metavar="I",
        help="test image to show (repeat for more; default: 0)",
    )
    p.add_argument("--out-dir", type=Path, default=Path("."), metavar="DIR", help="default: .")
    p.add_argument("--data", metavar="DIR", help="MNIST folder or mnist.npz (default: search)")
    pics = p.add_argument_group("pictures of the whole test set (instead of --index)")
    count = {"type": positive_int}  # --grid 0 is refused, not quietly ignored
    pics.add_argument("--grid", **count, metavar="N", help="grid.png: the first N predictions")
    pics.add_argument(
        "--mistakes", **count, metavar="K", help="mistakes.png: the K most confident mistakes"
    )
    pics.add_argument("--confusion", action="store_true", help="confusion.png: confusion matrix")
    pics.add_argument("--weights", action="store_true", help="weights.png: first-layer weights")
    pics.add_argument("--curves", action="store_true", help="curves.png: the training curves")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from numnet import plots
    from numnet.files.model_file import load_model

    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise NumnetError(f"--out-dir {args.out_dir} is a file; give a folder for the pictures")
    extra = args.grid or args.mistakes or args.confusion or args.weights or args.curves
    indices = args.index or ([] if extra else [0])
    args.model = pick(args.file, args.model)  # None: the shipped model
    pictures = [f"prediction_{i}" for i in indices] + [
        name for name in _PICTURES if getattr(args, name)
    ]
    for name in pictures:  # never over the model or the data: checked before any work
        check_output_file(
            args.out_dir / f"{name}.png", "--out-dir", [args.model or "", args.data or ""]
        )
    model = load_model(args.model)
    _, (x_test, y_test) = load_mnist(args.data)
    too_big = [i for i in indices if i >= len(x_test)]
    if too_big:
        raise NumnetError(
            f"--index {too_big[0]} is out of range: the test set has images 0..{len(x_test) - 1}"
        )
    if extra:
        _test_set_pictures(args, model, x_test, y_test)
    probs = model.predict_proba(x_test[indices])  # (k, 10), one batch
    for i, p in zip(indices, probs, strict=True):
        predicted = int(np.argmax(p))
        fig = plots.digit_prediction(x_test[i], predicted, int(y_test[i]), probs=p)
        path = plots.save_figure(fig, args.out_dir / f"prediction_{i}.png")
        print(f"test image {i}: predicted {predicted}, actual {y_test[i]}  -> {path}")
    return 0


#: the pictures of the whole test set, each written by its own flag to <name>.png
_PICTURES = ("curves", "weights", "grid", "mistakes", "confusion")


def _test_set_pictures(args: argparse.Namespace, model: Any, x: np.ndarray, y: np.ndarray) -> None:
    """--grid, --mistakes, --confusion, --weights, --curves: one PNG each in --out-dir."""
    from numnet import plots

    figures: dict[str, Callable[[], Any]] = {}
    if args.curves:
        history = getattr(model, "description", {}).get("training", {}).get("history")
        if not history:
            raise NumnetError(
                f"{display_name(args.model)} holds no training history to draw (--curves)"
            )
        figures["curves"] = lambda: plots.training_curves(history)
    if args.weights:
        figures["weights"] = lambda: plots.first_layer_weights(_first_layer_weights(model, args))
    if args.grid or args.mistakes or args.confusion:
        probs = model.predict_proba(x)  # (10000, 10)
        predicted = probs.argmax(axis=1)
        if args.grid:
            n = args.grid
            figures["grid"] = lambda: plots.prediction_grid(x[:n], predicted[:n], y[:n])
        if args.mistakes:
            figures["mistakes"] = lambda: plots.confident_mistakes(x, probs, y, k=args.mistakes)
        if args.confusion:
            cm = confusion_counts(y, predicted)  # rows actual, columns predicted
            figures["confusion"] = lambda: plots.confusion_matrix(cm)
    for name, draw in figures.items():
        print(f"{name}: {plots.save_figure(draw(), args.out_dir / f'{name}.png')}")


def _first_layer_weights(model: Any, args: argparse.Namespace) -> NDArray[Any]:
    """W1 (h, 784) of the classic network, or the first Dense layer's W (784, units)."""
    params = getattr(model, "params", None)
    if isinstance(params, dict) and "W1" in params:
        W1: NDArray[Any] = params["W1"]
        return W1
    first = next((layer for layer in getattr(model, "layers", []) if hasattr(layer, "W")), None)
    if first is None or 784 not in first.W.shape:
        raise NumnetError(
            f"{display_name(args.model)}: --weights draws a first Dense layer on the 784 "
            "pixels; this model starts differently (a convolution?)"
        )
    W: NDArray[Any] = first.W
    return W
