"""``numnet evaluate FILE``: the accuracy of a saved model on the 10,000 MNIST test images.

FILE is anything ``numnet.io.load`` reads: a ``.npz`` model or the classic network's
tutorial pickle.  The test images go through the model in one batch.
"""

from __future__ import annotations

import argparse
from typing import Any

from numnet.cli.train import load_mnist


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="report a saved model's accuracy on the MNIST test set",
        description="Report the accuracy of a saved model on the 10,000 MNIST test images.",
    )
    p.add_argument("model", metavar="FILE", help="model file (.npz, or a twolayer .pkl)")
    p.add_argument("--data", metavar="DIR", help="MNIST folder or mnist.npz (default: search)")
    p.set_defaults(run=run)


def load_model(path: str) -> Any:
    """The model in ``path``: it has ``predict(x)`` and ``predict_proba(x)`` on image rows."""
    from numnet.io import load

    return load(path)


def run(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    _, (x_test, y_test) = load_mnist(args.data)
    right = int((model.predict(x_test) == y_test).sum())
    print(f"{args.model}: test accuracy {right / len(y_test):.4f} ({right}/{len(y_test)} images)")
    return 0
