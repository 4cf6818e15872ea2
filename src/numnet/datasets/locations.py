"""Where MNIST may already be on this machine, and how its files may be named.

- numnet's own cache: ``$XDG_CACHE_HOME/numnet/mnist`` (else ``~/.cache/numnet/mnist``),
  holding the four files as the mirrors serve them, ``<name>.gz``;
- Keras' cache: ``~/.keras/datasets/mnist.npz``;
- any folder a user points at, with the IDX files named as on the mirrors
  (``train-images-idx3-ubyte``, gzipped or not) or as some unpackers write them
  (``train-images.idx3-ubyte``).
"""

from __future__ import annotations

import os
from pathlib import Path

from numnet.datasets import checksums


def cache_dir() -> Path:
    """numnet's MNIST cache folder (it may not exist yet)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # XDG: ignore relative
    return root / "numnet" / "mnist"


def keras_npz() -> Path:
    """Where Keras keeps its MNIST download."""
    return Path.home() / ".keras" / "datasets" / "mnist.npz"


def find_idx_files(folder: Path) -> dict[str, Path]:
    """The MNIST IDX files present in ``folder``: ``{"x_train": path, ...}`` (maybe fewer)."""
    found = {}
    for entry in checksums.MNIST_FILES:
        dotted = entry.filename.replace("-idx", ".idx")  # train-images.idx3-ubyte
        for name in (entry.filename, f"{entry.filename}.gz", dotted, f"{dotted}.gz"):
            if (folder / name).is_file():
                found[entry.key] = folder / name
                break
    return found
