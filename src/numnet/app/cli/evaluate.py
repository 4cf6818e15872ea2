"""``numnet evaluate MODEL [MODEL ...]``: how well saved models read the 10,000 MNIST test images.

MODEL is anything ``numnet.files.model_file.load`` reads: a ``.npz`` model or the classic
network's tutorial pickle.  Every file is loaded (and checked) before any work starts.  For
each model the command prints its test accuracy; with several it also scores their
*ensemble*, whose probabilities are the mean of the models' probabilities,

    p_ens(k | x) = 1/M sum_m p_m(k | x),     prediction = argmax_k p_ens(k | x).

For the last model scored (the ensemble when there are several) it prints per-digit
precision and recall and, with ``--confusion``, draws the confusion matrix into
``--out-dir`` (``MODEL.confusion.png``, or ``ensemble.confusion.png``):

    C[i, j]       = number of test images of digit i predicted as j
    precision_k   = C[k, k] / sum_i C[i, k]      (of the images called k, the share that are k)
    recall_k      = C[k, k] / sum_j C[k, j]      (of the images of k, the share called k)

``--confusion`` is a switch, as in ``numnet show``: flags say what to draw, ``--out-dir``
says where.  (It used to take the PNG's name; that form gets a one-line error saying so.)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.app.cli.common import check_output_file, load_mnist
from numnet.app.cli.model_option import add_model_option, display_name
from numnet.core.errors import NumnetError
from numnet.nn.functional import confusion_counts


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="report a saved model's accuracy on the MNIST test set",
        description="Report the accuracy of a saved model on the 10,000 MNIST test images.",
    )
    p.add_argument(
        "files",
        metavar="MODEL",
        nargs="*",
        help="model file (.npz, or a twolayer .pkl); several: each and their ensemble "
        "(default: the model that ships with numnet)",
    )
    add_model_option(p, action="append", default=[])
    p.add_argument("--data", metavar="DIR", help="MNIST folder or mnist.npz (default: search)")
    p.add_argument(
        "--confusion",
        action="store_true",
        help="draw the confusion matrix: DIR/MODEL.confusion.png (several: ensemble.confusion.png)",
    )
    p.add_argument(
        "--out-dir", type=Path, default=Path("."), metavar="DIR",
        help="folder for --confusion's picture (default: .)",
    )
    p.set_defaults(run=run, old_form=old_form)


def old_form(args: argparse.Namespace, extra: list[str]) -> str | None:
    """The message for ``--confusion PNG`` (what --confusion was), or None for other extras."""
    if args.confusion and extra[0].lower().endswith((".png", ".jpg", ".jpeg", ".svg", ".pdf")):
        return (
            f"--confusion is a switch (as in 'numnet show') and takes no file name ({extra[0]}); "
            "the picture goes into --out-dir DIR as MODEL.confusion.png"
        )
    return None



def report(name: str, probs: NDArray[Any], labels: NDArray[Any]) -> NDArray[np.intp]:
    """Print the accuracy of ``probs`` (n, 10) against ``labels``; return the predictions."""
    predicted: NDArray[np.intp] = probs.argmax(axis=1)
    right = int((predicted == labels).sum())
    print(f"{name}: test accuracy {right / len(labels):.4f} ({right}/{len(labels)} images)")
    return predicted


def run(args: argparse.Namespace) -> int:
    from numnet import plots
    from numnet.files.model_file import SHIPPED_MODEL, load_model

    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise NumnetError(f"--out-dir {args.out_dir} is a file; give a folder for the picture")
    paths = [*args.files, *args.model] or [None]  # None: the shipped model
    name = Path(paths[0] or SHIPPED_MODEL).stem if len(paths) == 1 else "ensemble"
    out = args.out_dir / f"{name}.confusion.png"
    check_output_file(out, "--out-dir", [*(str(p) for p in paths if p), args.data or ""])
    models = [load_model(path) for path in paths]
    _, (x_test, y_test) = load_mnist(args.data)
    probs = [model.predict_proba(x_test) for model in models]
    for path, p in zip(paths, probs, strict=True):
        predicted = report(display_name(path), p, y_test)
    if len(models) > 1:
        predicted = report(f"ensemble of {len(models)}", np.mean(probs, axis=0), y_test)
    cm = confusion_counts(y_test, predicted)
    diagonal = np.diag(cm)
    precision = diagonal / np.maximum(cm.sum(axis=0), 1)
    recall = diagonal / np.maximum(cm.sum(axis=1), 1)
    print("digit  precision  recall  images")
    for k in range(len(cm)):
        print(f"{k:>5}  {precision[k]:>9.4f}  {recall[k]:>6.4f}  {cm[k].sum():>6}")
    if args.confusion:
        print(f"confusion matrix -> {plots.save_figure(plots.confusion_matrix(cm), out)}")
    return 0
