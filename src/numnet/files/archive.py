"""numnet archives: numeric ``.npy`` arrays plus a JSON description in one zip (``.npz``).

Model files (``numnet.files.model_file``) and checkpoints (``numnet.files.checkpoint``) are
both archives.  Writing is ``np.savez`` into an atomic temporary file.  Reading trusts
nothing and decompresses nothing it has not bounded first:

1. the end of the zip (its last 64 KiB) says how many members there are and how large the
   central directory is: at most ``MAX_MEMBERS`` and ``MAX_DIRECTORY_BYTES``, before
   ``zipfile`` parses the directory;
2. every member, from the directory alone: a name ``<key>.npy`` of the kind allowed,
   stored or deflated (bzip2, lzma and encryption are refused), a declared size within
   ``MAX_ARRAY_BYTES`` and within what its compressed bytes can hold (deflate expands at
   most ~1032:1), so a small file cannot make numnet allocate a large model;
3. the description (``meta``, at most ``MAX_META_BYTES``) and the arrays' ``.npy`` headers
   (a few KB each) are read, and the caller decides from them exactly which arrays, shapes
   and dtypes must follow;
4. each array is then read through zipfile's size-limited stream, which never yields more
   than the member's declared size, straight into memory allocated for the expected shape:
   its declared size must be that shape's bytes plus an ``.npy`` header, its header must
   say exactly that shape and dtype (object arrays refused before a byte of data is read;
   an ``.npy`` file has no strides, so nothing is zero-stride or non-contiguous), and the
   CRC must match.

So the bytes decompressed are bounded by what the description implies, and the memory
used by what the model really needs.  Every refusal is a one-line ModelFileError naming
the file.
"""

from __future__ import annotations

import json
import os
import re
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from numnet.core.atomic import atomic_write, open_regular_file
from numnet.core.errors import ModelFileError

MAX_ARRAY_BYTES = 1 << 30  # no model numnet writes comes near this
MAX_META_BYTES = 1 << 20
MAX_MEMBERS = 64
MAX_DIRECTORY_BYTES = 1 << 16
MAX_NPY_HEADER = 1 << 12  # numpy writes 128 bytes for a 1-D array
DEFLATE_MAX_RATIO = 1100  # deflate cannot expand more than ~1032:1
_CHUNK = 1 << 20
_MEMBER = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]{0,63})\.npy")
#: the arrays numnet archives hold (models: params, buffers; checkpoints also opt_<slot>)
ARRAY_KEYS = re.compile(r"meta|params|buffers|opt_[A-Za-z0-9_]{1,32}")
_ZIP_PREFIXES = (b"PK\x03\x04", b"PK\x05\x06")
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")

# What a damaged or hostile zip can raise while being read; all mean "corrupt file".
CORRUPT = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    ValueError,
    KeyError,
    TypeError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    OSError,
    SyntaxError,  # NumPy parses an .npy header's dict as Python literals ...
    tokenize.TokenError,  # ... and, for old headers, tokenizes it first
)


def file_error(path: str | os.PathLike[str], message: str) -> ModelFileError:
    """A one-line ModelFileError that names the file."""
    return ModelFileError(" ".join(f"{os.fspath(path)}: {message}".split()))


def one_line(e: BaseException) -> str:
    """An exception's message on one line, at most 120 characters (for error details)."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _jsonable(value: Any) -> Any:
    """json.dumps fallback for NumPy scalars and arrays inside a training record."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_archive(
    path: str | os.PathLike[str], arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]
) -> Path:
    """Write numeric ``arrays`` plus ``meta`` (JSON, stored as a uint8 array) atomically."""
    if "meta" in arrays:
        raise ValueError("'meta' is reserved for the description")
    text = json.dumps(meta, default=_jsonable, separators=(",", ":"))
    blob = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    path = Path(path)
    with atomic_write(path) as f:
        np.savez(f, meta=blob, **arrays)  # type: ignore[arg-type]  # numpy's stub: allow_pickle
    return path


def _directory_size(f: BinaryIO, size: int) -> tuple[int, int]:
    """(number of members, central directory bytes) from the end of a zip file."""
    tail_size = min(size, _END.size + 0xFFFF)
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        raise zipfile.BadZipFile("File is not a zip file")
    _, _, _, _, members, directory, _, _ = _END.unpack_from(tail, at)
    locator = at - _END64_LOCATOR.size
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":  # zip64: use its record
        start = size - tail_size + locator - _END64.size
        if start < 0:
            raise zipfile.BadZipFile("truncated zip64 end record")
        f.seek(start)
        record = _END64.unpack(f.read(_END64.size))
        members, directory = record[7], record[8]
    return members, directory


class Archive:
    """An archive open for reading, its zip directory checked; nothing decompressed yet.

    ``members`` maps each key (``ARRAY_KEYS``; ``any_keys``: any name) to its zip entry.
    Use as a context manager.
    """

    def __init__(self, path: str | os.PathLike[str], kind: str, any_keys: bool = False):
        self.path, self.kind = Path(path), kind
        self.file = open_regular_file(path, ModelFileError, f"a {kind} file")
        try:
            self.zip = self._open(re.compile(r"\w+") if any_keys else ARRAY_KEYS)
        except BaseException:
            self.file.close()
            raise
        self.members = {info.filename[: -len(".npy")]: info for info in self.zip.infolist()}

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()
        self.file.close()

    def error(self, message: str) -> ModelFileError:
        return file_error(self.path, message)

    def _open(self, allowed: re.Pattern[str]) -> zipfile.ZipFile:
        if not self.file.read(4).startswith(_ZIP_PREFIXES):
            raise self.error(f"not a numnet {self.kind} file (expected a .npz archive)")
        size = os.fstat(self.file.fileno()).st_size
        try:
            members, directory = _directory_size(self.file, size)
            if members > MAX_MEMBERS or directory > MAX_DIRECTORY_BYTES:
                raise self.error(
                    f"the archive lists {members} members in {directory} bytes; a numnet "
                    f"{self.kind} file has a few"
                )
            zf = zipfile.ZipFile(self.file)
        except ModelFileError:
            raise
        except CORRUPT as e:
            raise self.error(f"truncated or corrupt file ({one_line(e)})") from None
        seen = set()
        for info in zf.infolist():
            m = _MEMBER.fullmatch(info.filename)
            key = m["key"] if m else None
            if key is None or key in seen or not allowed.fullmatch(key):
                raise self.error(
                    f"unexpected member {info.filename!r}; not a numnet {self.kind} file"
                )
            seen.add(key)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.error(
                    f"member {info.filename!r} uses compression method {info.compress_type}; "
                    "numnet reads stored or deflated members only"
                )
            if info.flag_bits & 0x1:
                raise self.error(f"member {info.filename!r} is encrypted")
            if info.file_size > MAX_ARRAY_BYTES + MAX_NPY_HEADER:
                raise self.error(f"array {key!r} is larger than numnet {self.kind}s can be")
            stored = info.compress_type == zipfile.ZIP_STORED
            if (
                stored
                and info.compress_size != info.file_size
                or info.file_size > info.compress_size * DEFLATE_MAX_RATIO + MAX_NPY_HEADER
                or info.header_offset + info.compress_size > size
            ):
                raise self.error(
                    f"member {info.filename!r} declares {info.file_size} bytes from "
                    f"{info.compress_size} compressed; truncated or corrupt file"
                )
        return zf

    def require(self, keys: set[str]) -> None:
        """Refuse unless the archive holds exactly ``keys`` besides ``meta``."""
        found = set(self.members) - {"meta"}
        if found - keys:
            raise self.error(f"unexpected array {sorted(found - keys)[0]!r}; the file was altered")
        if keys - found:
            raise self.error(f"array {sorted(keys - found)[0]!r} missing; the file is incomplete")

    def peek(self, key: str) -> tuple[tuple[int, ...], np.dtype[Any], int]:
        """(shape, dtype, header length) of member ``key`` from its ``.npy`` header alone:
        at most a few KB decompressed, object arrays refused."""
        info = self.members.get(key)
        if info is None:
            raise self.error(f"array {key!r} missing; the file is incomplete")
        try:
            with self.zip.open(info) as f:
                shape, dtype = self._header(f, key, 0)
                return shape, dtype, f.tell()
        except ModelFileError:
            raise
        except CORRUPT as e:
            raise self.error(f"truncated or corrupt file ({one_line(e)})") from None

    def flat_size(self, key: str) -> int:
        """n, for member ``key`` that must be a flat float32 array (n,) filling its member."""
        shape, dtype, header = self.peek(key)
        if dtype != np.float32 or len(shape) != 1:
            raise self.error(f"array {key!r} is {dtype}{list(shape)}, expected flat float32")
        if header + 4 * shape[0] != self.members[key].file_size:
            raise self.error(f"array {key!r} is truncated or padded (its header says {shape[0]})")
        return shape[0]

    def read_into(self, key: str, out: NDArray[Any]) -> NDArray[Any]:
        """Fill the C-contiguous ``out`` with member ``key``, which must have its shape and
        dtype exactly; nothing is decompressed beyond ``out.nbytes`` plus the header."""
        info = self.members.get(key)
        if info is None:
            raise self.error(f"array {key!r} missing; the file is incomplete")
        if info.file_size > out.nbytes + MAX_NPY_HEADER:
            raise self.error(
                f"array {key!r} holds {info.file_size} bytes, but {out.dtype}{list(out.shape)} "
                f"needs {out.nbytes}; the file was altered or is damaged"
            )
        try:
            with self.zip.open(info) as f:  # at most MAX_NPY_HEADER bytes until checked
                shape, dtype = self._header(f, key, out.ndim)
                if (shape, dtype) != (out.shape, out.dtype):
                    raise self.error(
                        f"array {key!r} is {dtype}{list(shape)} but {out.dtype}"
                        f"{list(out.shape)} was expected; the file was altered or is damaged"
                    )
                if f.tell() + out.nbytes != info.file_size:
                    raise self.error(
                        f"array {key!r} holds {info.file_size - f.tell()} bytes of data but "
                        f"{out.dtype}{list(out.shape)} needs {out.nbytes}; truncated or damaged"
                    )
                view, at = out.data.cast("B"), 0
                while at < len(view):
                    chunk = f.read(min(_CHUNK, len(view) - at))
                    if not chunk:
                        raise EOFError("member ends early")
                    view[at : at + len(chunk)] = chunk
                    at += len(chunk)
                if f.read(1):  # also where zipfile checks the CRC
                    raise ValueError("member longer than its header says")
        except ModelFileError:
            raise
        except CORRUPT as e:
            raise self.error(f"truncated or corrupt file ({one_line(e)})") from None
        return out

    def _header(self, f: IO[bytes], key: str, ndim: int) -> tuple[tuple[int, ...], np.dtype[Any]]:
        """Shape and dtype from an ``.npy`` header; object and Fortran-order arrays refused."""
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, MAX_NPY_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, MAX_NPY_HEADER)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.hasobject:
            raise self.error(
                f"array {key!r} holds pickled Python objects; refused "
                "(numnet files contain numbers only)"
            )
        if fortran and ndim > 1:
            raise self.error(f"array {key!r} is in Fortran order; numnet writes C order")
        return tuple(shape), dtype

    def meta(self) -> dict[str, Any]:
        """The JSON description (member ``meta``, UTF-8 bytes), a dict."""
        info = self.members.get("meta")
        if info is None:
            raise self.error(
                f"no description ('meta' array missing); not a numnet {self.kind} file"
            )
        if info.file_size > MAX_META_BYTES + MAX_NPY_HEADER:
            raise self.error("description ('meta') is larger than a numnet description can be")
        shape, dtype, header = self.peek("meta")
        n = info.file_size - header
        if dtype != np.uint8 or shape != (n,):
            raise self.error("description ('meta') is not a UTF-8 JSON byte array")
        blob = self.read_into("meta", np.empty(n, np.uint8))
        try:
            meta = json.loads(blob.tobytes().decode("utf-8"))
        except (ValueError, RecursionError) as e:
            raise self.error(f"description is not valid JSON ({one_line(e)})") from None
        if not isinstance(meta, dict):
            raise self.error("description is not a JSON object")
        return meta

    def read_any(self, key: str) -> NDArray[Any]:
        """Member ``key`` as the plain numeric 1-D or C-order array its header says."""
        shape, dtype, _ = self.peek(key)
        if dtype.kind not in "biuf" or not all(isinstance(s, int) for s in shape):
            raise self.error(f"array {key!r} is {dtype}, not plain numbers")
        if int(np.prod(shape, dtype=object)) * dtype.itemsize > MAX_ARRAY_BYTES:
            raise self.error(f"array {key!r} is larger than numnet {self.kind}s can be")
        return self.read_into(key, np.empty(shape, dtype))


def read_archive(
    path: str | os.PathLike[str], kind: str = "model"
) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
    """Every array of an archive and its description, checked only as arrays: for tools
    that rewrite files.  Loading a model or checkpoint uses their own, stricter readers."""
    with Archive(path, kind, any_keys=True) as archive:
        meta = archive.meta()
        return {k: archive.read_any(k) for k in archive.members if k != "meta"}, meta


def check_format(
    path: str | os.PathLike[str], meta: Mapping[str, Any], fmt: str, version: int
) -> None:
    """Refuse a description of another format or of a newer format version."""
    found = meta.get("format")
    if found != fmt:
        if found == "numnet-checkpoint":
            raise file_error(
                path, "is a training checkpoint, not a model; use 'numnet train --resume'"
            )
        if found == "numnet-model":
            raise file_error(path, f"is a model file, not a {fmt} file")
        raise file_error(path, f"not a {fmt} file (format {found!r})")
    v = meta.get("format_version")
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise file_error(path, f"invalid format version {v!r}")
    if v > version:
        raise file_error(
            path,
            f"written by a newer numnet (format version {v}, this numnet reads <= {version}); "
            "upgrade numnet to load it",
        )
