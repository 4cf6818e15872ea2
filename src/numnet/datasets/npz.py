"""Keras' ``mnist.npz``, read without trusting it.

Keras caches MNIST as one ``.npz`` file: a zip archive holding ``x_train.npy``,
``y_train.npy``, ``x_test.npy`` and ``y_test.npy``.  ``np.load`` would allocate whatever
shape an ``.npy`` header claims before reading a byte of data, so we read each member's
header first, insist on the exact MNIST shape and uint8 (no pickles, no objects), and only
then read the data, in chunks, hashing it on the way.

The arrays are the same numbers as the IDX files, so the digest of "IDX header + array
bytes" must equal the canonical SHA-256 of the IDX file: one integrity rule for both forms.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from pathlib import Path
from typing import cast

import numpy as np
from numpy.typing import NDArray

from numnet.core.errors import DataError
from numnet.datasets import checksums
from numnet.datasets.checksums import MnistFile
from numnet.datasets.idx import idx_header, read_payload

ZIP_MAGIC = b"PK\x03\x04"

#: what zipfile and numpy raise on damaged archives; zipfile says NotImplementedError for an
#: unknown version or compression method, RuntimeError for an "encrypted" member
_ZIP_ERRORS = (
    zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError, RuntimeError
)

_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def read_npz(path: str | os.PathLike[str]) -> dict[str, NDArray[np.uint8]]:
    """Read and verify a Keras ``mnist.npz``.

    Returns ``{"x_train": (60000, 28, 28) uint8, "y_train": (60000,) uint8,
    "x_test": (10000, 28, 28) uint8, "y_test": (10000,) uint8}``.
    Raises ``DataError`` naming the file if it is not exactly that.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise DataError(f"{path}: cannot open it ({e.strerror or e})") from None
    if magic != ZIP_MAGIC:
        raise DataError(
            f"{path}: not a Keras mnist.npz (not a zip archive) nor a folder of IDX files"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return {e.key: _read_member(archive, path, e) for e in checksums.MNIST_FILES}
    except _ZIP_ERRORS as e:
        raise DataError(f"{path}: corrupt .npz file ({e})") from None


def _read_member(archive: zipfile.ZipFile, path: Path, entry: MnistFile) -> NDArray[np.uint8]:
    """One ``.npy`` member: header checked against ``entry`` before its data is read."""
    try:
        # opened for reading, a member is a ZipExtFile (typeshed only promises IO[bytes])
        member = cast(zipfile.ZipExtFile, archive.open(f"{entry.key}.npy"))
    except KeyError:
        raise DataError(
            f"{path}: no array '{entry.key}' (a Keras mnist.npz holds "
            f"{', '.join(e.key for e in checksums.MNIST_FILES)})"
        ) from None
    with member:
        version = np.lib.format.read_magic(member)
        if version not in _HEADER_READERS:
            raise DataError(f"{path}: '{entry.key}' uses .npy format {version}, not 1.0 or 2.0")
        shape, fortran_order, dtype = _HEADER_READERS[version](member)
        if dtype != np.uint8 or shape != entry.shape or fortran_order:
            order = ", Fortran order" if fortran_order else ""
            raise DataError(
                f"{path}: '{entry.key}' is {dtype} {shape}{order}, expected uint8 {entry.shape}"
            )
        nbytes = int(np.prod(shape))
        hasher = hashlib.sha256(idx_header(shape))
        buf = read_payload(member, nbytes, hasher)
        # reading past the end also makes zipfile check the member's CRC
        if len(buf) < nbytes or member.read(1):
            amount = "fewer" if len(buf) < nbytes else "more"
            raise DataError(f"{path}: '{entry.key}' holds {amount} than its {nbytes} data bytes")
    if hasher.hexdigest() != entry.sha256:
        raise DataError(
            f"{path}: '{entry.key}' does not match the canonical MNIST data (SHA-256 mismatch): "
            "delete it or replace it with a good copy"
        )
    return np.frombuffer(buf, dtype=np.uint8).reshape(shape)
