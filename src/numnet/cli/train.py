"""``numnet train``: load MNIST, train a network, report its test accuracy, save it.

Each architecture is one function ``train(args, data) -> int`` in ``ARCHS``; ``--arch``
picks it.  The flags common to all (``--data``, ``--out``, ``--seed``) are declared once;
an architecture's own flags are declared in ``add_parser`` next to the others and ignored
by the architectures that do not use them.  To add one: write its function, add it to
``ARCHS``, add its flags.

``--arch twolayer`` is the classic tutorial: ``numnet.twolayer.gradient_descent`` on all
60,000 training images at once, printing the training accuracy every ``--print-every``
iterations, then the accuracy on the 10,000 test images, and the parameters saved as the
tutorial's pickle.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (0 iterations or 0 hidden units make no network)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (a learning rate)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a network on MNIST and save it",
        description=(
            "Train a network on the 60,000 MNIST training images, report its accuracy on "
            "the 10,000 test images, and save it. '--arch twolayer' is the classic tutorial: "
            "784 -> hidden (ReLU) -> 10 (softmax), full-batch gradient descent."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--arch", choices=sorted(ARCHS), default="twolayer", help="network to train")
    p.add_argument("--data", metavar="DIR", help="MNIST folder or mnist.npz (default: search)")
    p.add_argument("--out", metavar="FILE", help="where to save (default: twolayer.pkl)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the initial weights")
    tl = p.add_argument_group("twolayer (the classic tutorial)")
    tl.add_argument("--hidden", type=positive_int, default=10, help="hidden units")
    tl.add_argument("--alpha", type=positive_float, default=0.1, help="learning rate")
    tl.add_argument("--iterations", type=positive_int, default=500, help="gradient steps")
    tl.add_argument(
        "--print-every", type=positive_int, default=10, metavar="N", help="report every N steps"
    )
    p.set_defaults(run=run)


def load_mnist(path: str | None) -> Data:
    """MNIST as Keras returns it, from ``path`` or numnet's usual places; says how long."""
    from numnet.datasets import mnist

    start = time.perf_counter()
    data = mnist.load_data(path)
    print(f"loaded MNIST in {time.perf_counter() - start:.1f} s")
    return data


def train_twolayer(args: argparse.Namespace, data: Data) -> int:
    """The tutorial: preprocess, gradient_descent, test accuracy, save_params."""
    from tqdm import tqdm

    from numnet import twolayer
    from numnet.datasets.mnist import preprocess

    (x_train, y_train), (x_test, y_test) = data
    # The tutorial's columns: (784, m) is a transposed view of the (m, 784) rows, no copy.
    X_train, X_test = preprocess(x_train).T, preprocess(x_test).T
    out = args.out or "twolayer.pkl"
    print(
        f"training the two-layer network 784 -> {args.hidden} -> 10 on {X_train.shape[1]} "
        f"images: alpha {args.alpha}, {args.iterations} iterations, seed {args.seed}"
    )
    # The bar lives on stderr (only on a terminal); the tutorial's lines go to stdout.
    with tqdm(total=args.iterations, unit="it", disable=None, leave=False) as bar:

        def report(i: int, accuracy: float, loss: float) -> None:
            bar.update(i - bar.n)
            bar.set_postfix(accuracy=f"{accuracy:.4f}")
            tqdm.write(f"iteration {i:>5}  training accuracy {accuracy:.4f}  loss {loss:.4f}")

        start = time.perf_counter()
        params, _ = twolayer.gradient_descent(
            X_train,
            y_train,
            alpha=args.alpha,
            iterations=args.iterations,
            hidden=args.hidden,
            seed=args.seed,
            print_every=args.print_every,
            verbose=False,
            callback=report,
        )
        seconds = time.perf_counter() - start
    predictions = twolayer.make_predictions(X_test, **params)
    right = int((predictions == y_test).sum())
    print(f"trained in {seconds:.1f} s")
    print(f"test accuracy {right / len(y_test):.4f} ({right}/{len(y_test)} images)")
    print(f"saved {twolayer.save_params(params, out)}")
    return 0


#: --arch name -> function that trains it
ARCHS: dict[str, Callable[[argparse.Namespace, Data], int]] = {
    "twolayer": train_twolayer,
}


def run(args: argparse.Namespace) -> int:
    return ARCHS[args.arch](args, load_mnist(args.data))
