"""The IDX file format, read without trusting the file.

MNIST ships as IDX files (http://yann.lecun.com/exdb/mnist/).  An IDX file is a tiny header
followed by one array of numbers, row-major, big-endian::

    byte 0-1   0x00 0x00
    byte 2     the type of the numbers (0x08 = unsigned byte, the only one MNIST uses)
    byte 3     the number of dimensions, d
    then       d sizes, each a big-endian uint32
    then       prod(sizes) numbers

so labels start with the "magic number" 2049 (0x00000801: ubyte, 1 dimension) and images
with 2051 (0x00000803: ubyte, 3 dimensions: count, rows, columns).

Files come gzipped or raw; we look at their first two bytes (gzip starts with 0x1f 0x8b),
never at their name.  The header is only a claim, so every size is checked *before* any
memory is given to it: a raw file must be exactly as long as its header says (we know its
length on disk), and a gzip file cannot inflate to more than about 1032 times its own size
(the limit of deflate), so a header claiming more is lying.  The data is then read straight
into the array's buffer in chunks, each chunk hashed as it arrives, so a file is read once
and a gzip bomb can never make us hold more than the header promised.

Everything that goes wrong is a ``DataError`` with one line that names the file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from numnet.core.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"

#: IDX type byte -> NumPy dtype (IDX numbers are big-endian)
DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: deflate's best case is about 1032:1, so no honest gzip file inflates beyond this
MAX_DEFLATE_RATIO = 1032

#: refuse any array larger than this unless the caller allows more (MNIST's largest: 47 MB)
MAX_BYTES = 1 << 30

CHUNK = 1 << 20


class Readable(Protocol):
    """A binary stream as read here: a file, ``io.BytesIO``, ``gzip.GzipFile``, a zip member."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readinto(self, buffer: memoryview, /) -> int | None: ...


class Seekable(Readable, Protocol):
    """A ``Readable`` that can go back to its start (a file or ``io.BytesIO``, not gzip)."""

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


def read_idx(
    path: str | os.PathLike[str],
    *,
    shape: tuple[int, ...] | None = None,
    sha256: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> NDArray[Any]:
    """Read one IDX file, gzipped or raw, into a writable array of the header's shape.

    shape     : if given, the header must claim exactly this shape (checked before reading)
    sha256    : if given, the SHA-256 of the decompressed file (header + data) must match
    max_bytes : refuse headers claiming a larger array

    Returns an array of the header's dtype and shape, e.g. ``(60000, 28, 28) uint8``.
    Raises ``DataError`` naming the file for anything but a well-formed IDX file.
    """
    path = Path(path)
    try:
        f = open(path, "rb")
    except OSError as e:
        raise DataError(f"{path}: cannot open it ({e.strerror or e})") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        return _read(f, size, str(path), shape, sha256, max_bytes)


def parse_idx(
    data: bytes,
    name: str,
    *,
    shape: tuple[int, ...] | None = None,
    sha256: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> NDArray[Any]:
    """Read an IDX file held in memory (e.g. a download); ``name`` is used in errors.

    Same checks and result as ``read_idx``.
    """
    return _read(io.BytesIO(data), len(data), name, shape, sha256, max_bytes)


def idx_header(shape: tuple[int, ...]) -> bytes:
    """The header of a uint8 IDX file of this shape (e.g. b'\\0\\0\\x08\\x01' + size)."""
    return struct.pack(f">2xBB{len(shape)}I", 0x08, len(shape), *shape)


def read_payload(stream: Readable, nbytes: int, hasher: hashlib._Hash) -> bytearray:
    """Read exactly ``nbytes`` from ``stream`` into one new buffer, hashing each chunk.

    Returns fewer bytes if the stream ends early (the caller reports the truncation).
    One allocation of ``nbytes``; the loop runs over 1 MiB chunks, not over samples.
    """
    buf = bytearray(nbytes)
    view = memoryview(buf)
    got = 0
    while got < nbytes:
        n = stream.readinto(view[got : got + CHUNK])
        if not n:
            break
        hasher.update(view[got : got + n])
        got += n
    view.release()
    if got < nbytes:
        del buf[got:]
    return buf


def _read(
    f: Seekable,
    size: int,
    name: str,
    shape: tuple[int, ...] | None,
    sha256: str | None,
    max_bytes: int,
) -> NDArray[Any]:
    """Dispatch on content: gzip streams are inflated on the fly, raw files read directly."""
    compressed = f.read(2) == GZIP_MAGIC
    f.seek(0)
    if not compressed:
        return _read_stream(f, name, size, False, shape, sha256, max_bytes)
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as stream:
            limit = min(max_bytes, MAX_DEFLATE_RATIO * size)
            return _read_stream(stream, name, None, True, shape, sha256, limit)
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise DataError(f"{name}: corrupt gzip data ({e})") from None


def _read_stream(
    stream: Readable,
    name: str,
    size: int | None,
    compressed: bool,
    shape: tuple[int, ...] | None,
    sha256: str | None,
    max_bytes: int,
) -> NDArray[Any]:
    """Parse header + data from a (decompressed) stream; ``size`` is its length when known."""
    magic = stream.read(4)
    if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in DTYPES:
        looks = f"only {len(magic)} bytes" if len(magic) < 4 else f"magic 0x{magic.hex()}"
        gz = " and not gzip despite its .gz name" if name.endswith(".gz") and not compressed else ""
        raise DataError(
            f"{name}: not an IDX file ({looks}{gz}; MNIST labels start with 0x00000801, "
            "images with 0x00000803)"
        )
    dtype, ndim = DTYPES[magic[2]], magic[3]
    if ndim == 0 or (shape is not None and ndim != len(shape)):
        want = f", expected {len(shape)}" if shape is not None else ""
        raise DataError(f"{name}: IDX header has {ndim} dimensions{want} (magic 0x{magic.hex()})")

    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise DataError(f"{name}: truncated IDX header ({4 + len(sizes)} of {4 + 4 * ndim} bytes)")
    dims = struct.unpack(f">{ndim}I", sizes)
    if 0 in dims:
        raise DataError(f"{name}: IDX header claims shape {dims}: a size of 0 holds no data")
    if shape is not None and dims != tuple(shape):
        raise DataError(f"{name}: IDX header claims shape {dims}, expected {tuple(shape)}")

    # The header is a claim: weigh it against what the file can hold before allocating.
    nbytes = math.prod(dims) * dtype.itemsize  # Python int: no overflow
    header_len = 4 + 4 * ndim
    if size is not None and header_len + nbytes != size:
        which = "shorter" if header_len + nbytes > size else "longer"
        raise DataError(
            f"{name}: file is {which} than its IDX header says "
            f"({size} bytes, header claims {header_len + nbytes})"
        )
    if nbytes > max_bytes:
        why = "more than its gzip size can inflate to" if compressed else "over the limit"
        raise DataError(f"{name}: IDX header claims {nbytes} bytes of data, {why} ({max_bytes})")

    hasher = hashlib.sha256(magic + sizes)
    buf = read_payload(stream, nbytes, hasher)
    if len(buf) < nbytes:
        raise DataError(f"{name}: file is truncated ({len(buf)} of {nbytes} data bytes)")
    if stream.read(1):  # for gzip this also reaches the end of the stream and checks its CRC
        raise DataError(f"{name}: file is longer than its IDX header says ({nbytes} data bytes)")
    if sha256 is not None and hasher.hexdigest() != sha256:
        raise DataError(
            f"{name}: SHA-256 {hasher.hexdigest()[:16]}... does not match the canonical file "
            "(corrupt or modified): delete it or replace it with a good copy"
        )
    return np.frombuffer(buf, dtype=dtype).reshape(dims)
