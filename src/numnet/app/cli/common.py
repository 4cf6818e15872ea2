"""What several commands share: finding MNIST and checking an output path before any work
(``check_output_file``, from ``numnet.core.atomic``: every command checks every path it
will write with it).

Commands import from here, never from each other.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np

from numnet.core.atomic import check_output_file
from numnet.core.errors import ImageError

__all__ = [
    "Data", "check_output_file", "each_image", "in_place", "load_mnist", "readable",
    "say_unreadable",
]

T = TypeVar("T")
U = TypeVar("U")

Data = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_mnist(path: str | None) -> Data:
    """MNIST as Keras returns it, from ``path`` or numnet's usual places; says how long."""
    from numnet.datasets import mnist

    start = time.perf_counter()
    # A Path, so that --data mnist.npz is that file here (the string alone means Keras' cache)
    data = mnist.load_data(None if path is None else Path(path))
    print(f"loaded MNIST in {time.perf_counter() - start:.1f} s")
    return data



def each_image(files: list[str], find: Callable[[str], T]) -> list[T | str]:
    """``find(file)`` for each image file, or, for one that cannot be read (an
    ``ImageError``: not an image, too large, truncated, missing), its one-line message: one
    bad file among many keeps none of the others from being read."""
    out: list[T | str] = []
    for name in files:
        try:
            out.append(find(name))
        except ImageError as e:
            out.append(str(e))
    return out


def readable(found: list[T | str]) -> list[T]:
    """What ``each_image`` found, without the messages of the files it could not read."""
    return [f for f in found if not isinstance(f, str)]


def in_place(found: list[T | str], answers: Iterable[U]) -> list[U | str]:
    """``found`` with what was read (each ``readable`` item) replaced, in order, by the next
    of ``answers``; the messages of the unreadable files stay where they were."""
    given = iter(answers)
    return [f if isinstance(f, str) else next(given) for f in found]


def say_unreadable(found: list[T | str]) -> int:
    """Print the message of each image ``each_image`` could not read, one line each on
    stderr as every error is printed; the exit status: 2 if there was one, else 0."""
    bad = [m for m in found if isinstance(m, str)]
    for message in bad:
        print(f"numnet: error: {message}", file=sys.stderr)
    return 2 if bad else 0
