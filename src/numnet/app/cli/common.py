"""What several commands share: finding MNIST and checking an output path before any work.

Commands import from here, never from each other.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from numnet.core.errors import NumnetError

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_mnist(path: str | None) -> Data:
    """MNIST as Keras returns it, from ``path`` or numnet's usual places; says how long."""
    from numnet.datasets import mnist

    start = time.perf_counter()
    # A Path, so that --data mnist.npz is that file here (the string alone means Keras' cache)
    data = mnist.load_data(None if path is None else Path(path))
    print(f"loaded MNIST in {time.perf_counter() - start:.1f} s")
    return data


def check_output_file(path: Path, flag: str) -> None:
    """Refuse an output path that is a folder, before any work is done."""
    if path.is_dir():
        raise NumnetError(
            f"{flag} {path} is a folder; give a file name such as {path / 'model.npz'}"
        )
