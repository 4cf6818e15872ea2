"""MNIST as Keras hands it over: ``((x_train, y_train), (x_test, y_test))``, uint8.

``load_data`` looks for the data in this order and takes the first that answers:

1. the ``path`` argument (the CLI's ``--data DIR``): a folder with the four IDX files
   (gzipped or not) or a Keras ``mnist.npz``, or that ``.npz`` file itself;
2. ``$NUMNET_DATA``, the same kinds of path;
3. numnet's cache, ``$XDG_CACHE_HOME/numnet/mnist`` (else ``~/.cache/numnet/mnist``);
4. Keras' cache, ``~/.keras/datasets/mnist.npz``;
5. the public mirrors: the missing files are downloaded, verified, and written to the cache
   atomically (a cached file that fails verification is replaced the same way).

A path the user gave (1 or 2) is used or refused, never silently skipped: if it is bad
the error names it.  Every file, wherever it comes from, must match the canonical SHA-256
of MNIST (``checksums.py``); a file that does not is never used, and nothing is written to
the cache except a verified download.

``preprocess`` then turns images into what the networks eat, as the tutorial does:
``X = x.reshape(n, 784) / 255``.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from numnet.core.atomic import write_bytes
from numnet.core.errors import DataError
from numnet.datasets import checksums
from numnet.datasets import download as _download
from numnet.datasets.idx import read_idx
from numnet.datasets.locations import cache_dir, find_idx_files, keras_npz
from numnet.datasets.npz import read_npz

Images = NDArray[np.uint8]  # (n, 28, 28)
Labels = NDArray[np.uint8]  # (n,)
KerasTuple = tuple[tuple[Images, Labels], tuple[Images, Labels]]

HOW_TO_POINT = (
    "pass --data DIR (a folder with the four MNIST IDX files, or a Keras mnist.npz) "
    "or set NUMNET_DATA=DIR"
)


#: Keras' default argument: the name of the file in its cache, not a file in this folder
KERAS_NAME = "mnist.npz"


def load_data(
    path: str | os.PathLike[str] | None = KERAS_NAME,
    *,
    download: bool = True,
    progress: bool = True,
) -> KerasTuple:
    """Load MNIST: ``((x_train, y_train), (x_test, y_test))``.

    x_train : (60000, 28, 28) uint8    y_train : (60000,) uint8
    x_test  : (10000, 28, 28) uint8    y_test  : (10000,) uint8

    path     : a folder of IDX files, a folder holding mnist.npz, or an .npz file; if
               given, it is the only place looked at.  The string ``"mnist.npz"`` (the
               default, as in Keras, where it names the file in Keras' cache) or None
               means: search, steps 2-5 of the order above; ``Path("mnist.npz")`` is the file here.
    download : fetch from the mirrors when no local copy is found
    progress : show a progress bar while downloading

    Raises ``DataError`` (one line, naming the file or the places looked at).
    """
    if path is not None and path != KERAS_NAME:
        arrays = read_source(Path(path))
    elif os.environ.get("NUMNET_DATA"):
        arrays = read_source(Path(os.environ["NUMNET_DATA"]), origin="$NUMNET_DATA")
    else:
        arrays = _from_caches_or_mirrors(download=download, progress=progress)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def read_source(path: Path, origin: str | None = None) -> dict[str, NDArray[np.uint8]]:
    """Read the four arrays from a place the user chose; refuse it (naming it) if bad."""
    where = f" (from {origin})" if origin else ""
    files = checksums.MNIST_FILES
    if path.is_dir():
        found = find_idx_files(path)
        if len(found) == len(files):
            return {e.key: read_idx(found[e.key], shape=e.shape, sha256=e.sha256) for e in files}
        if not found and (path / "mnist.npz").is_file():
            return read_npz(path / "mnist.npz")
        missing = ", ".join(f"{e.filename}[.gz]" for e in files if e.key not in found)
        raise DataError(
            f"{path}{where}: folder lacks {missing}; it needs the four MNIST IDX files "
            "or a Keras mnist.npz"
        )
    if path.is_file():
        return read_npz(path)
    raise DataError(f"{path}{where}: no such file or folder")


def _from_caches_or_mirrors(*, download: bool, progress: bool) -> dict[str, NDArray[np.uint8]]:
    """Steps 3-5: numnet's cache, Keras' cache, then the mirrors (filling numnet's cache)."""
    looked = ["$NUMNET_DATA (not set)"]
    cache = cache_dir()
    arrays, problems = _read_cache(cache)
    if len(arrays) == len(checksums.MNIST_FILES):
        return arrays
    empty = not arrays and all(p.startswith("no ") for p in problems)
    looked.append(f"{cache} ({'empty' if empty else '; '.join(problems)})")

    keras = keras_npz()
    if keras.is_file():
        try:
            return read_npz(keras)
        except DataError as e:
            looked.append(str(e))
    else:
        looked.append(f"{keras} (absent)")

    if not download:
        raise DataError(
            f"MNIST not found; looked at {', '.join(looked)}; downloading is off: {HOW_TO_POINT}"
        )
    try:
        for entry in checksums.MNIST_FILES:
            if entry.key not in arrays:
                arrays[entry.key], data = _download.download(entry, progress=progress)
                _store(cache / f"{entry.filename}.gz", data)
    except DataError as e:
        raise DataError(
            f"MNIST not found; looked at {', '.join(looked)}; {e}; {HOW_TO_POINT}"
        ) from None
    return arrays


def _store(path: Path, data: bytes) -> None:
    """Cache a verified download; a cache we cannot write costs a download next time, no more."""
    try:
        write_bytes(path, data)
    except OSError as e:
        warnings.warn(f"numnet: could not cache {path}: {e.strerror or e}", stacklevel=3)


def _read_cache(cache: Path) -> tuple[dict[str, NDArray[np.uint8]], list[str]]:
    """The verified arrays in numnet's cache, and what is wrong with the rest."""
    arrays: dict[str, NDArray[np.uint8]] = {}
    problems: list[str] = []
    for entry in checksums.MNIST_FILES:
        path = cache / f"{entry.filename}.gz"
        if not path.is_file():
            problems.append(f"no {path.name}")
            continue
        try:
            arrays[entry.key] = read_idx(path, shape=entry.shape, sha256=entry.sha256)
        except DataError as e:  # corrupt: reported if nothing else works, else replaced
            problems.append(str(e))
    return arrays, problems


def preprocess(x: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Flatten and scale images, the tutorial's ``X = x.reshape(n, 784) / 255``.

    x : (n, 28, 28) or (n, 784) uint8  ->  (n, 784) float32 in [0, 1]

    One allocation: the division writes straight into the float32 result.
    """
    x = np.asarray(x)
    if x.dtype != np.uint8 or x.ndim not in (2, 3) or math.prod(x.shape[1:]) != 784:
        raise ValueError(f"preprocess wants (n, 28, 28) or (n, 784) uint8: got {x.dtype} {x.shape}")
    out = np.empty((len(x), 784), dtype=np.float32)
    np.divide(x.reshape(len(x), 784), np.float32(255), out=out)
    return out
