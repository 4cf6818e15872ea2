"""Draw the documentation's pictures with numnet itself: ``python docs/make_pictures.py``.

Trains the default MLP (``numnet train``, 10 epochs) and the classic two-layer network
(``numnet train --arch twolayer``) on the real MNIST, then lets ``numnet show`` draw what the
pages show into ``docs/pictures/mlp/`` and ``docs/pictures/twolayer/``.  The models go to a
temporary folder; only the pictures are kept (and committed: ``.gitignore`` lets
``docs/**/*.png`` through).  About a minute of CPU time, one core.

    python docs/make_pictures.py [--data DIR]     # DIR: MNIST folder (default: numnet's search)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from numnet.app.cli import main

PICTURES = Path(__file__).resolve().parent / "pictures"


def numnet(*argv: str) -> None:
    """Run one ``numnet`` command in this process; stop at its first failure."""
    status = main(list(argv))
    if status != 0:
        sys.exit(status)


def draw(data: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mlp, classic = Path(tmp) / "mlp.npz", Path(tmp) / "twolayer.pkl"
        numnet("train", "--seed", "0", "--out", str(mlp), *data)
        numnet(
            "show", str(mlp), "--index", "0", "--grid", "36", "--mistakes", "16", "--confusion",
            "--weights", "--curves", "--out-dir", str(PICTURES / "mlp"), *data,
        )
        numnet("train", "--arch", "twolayer", "--print-every", "100", "--out", str(classic), *data)
        numnet(
            "show", str(classic), "--index", "0", "--weights", "--out-dir",
            str(PICTURES / "twolayer"), *data,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", metavar="DIR", help="MNIST folder or mnist.npz")
    args = parser.parse_args()
    draw(["--data", args.data] if args.data else [])
