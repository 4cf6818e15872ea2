"""What several commands share: finding MNIST and checking an output path before any work
(``check_output_file``, from ``numnet.core.atomic``: every command checks every path it
will write with it).

Commands import from here, never from each other.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from numnet.core.atomic import check_output_file

__all__ = ["Data", "check_output_file", "load_mnist"]

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_mnist(path: str | None) -> Data:
    """MNIST as Keras returns it, from ``path`` or numnet's usual places; says how long."""
    from numnet.datasets import mnist

    start = time.perf_counter()
    # A Path, so that --data mnist.npz is that file here (the string alone means Keras' cache)
    data = mnist.load_data(None if path is None else Path(path))
    print(f"loaded MNIST in {time.perf_counter() - start:.1f} s")
    return data


