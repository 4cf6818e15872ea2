"""Model files: flat arrays plus a JSON description, in one ``.npz``; loading never runs code.

A model file is an uncompressed ``.npz`` (a zip of ``.npy`` arrays) holding exactly:

    params  : (P,) float32   the model's flat parameter buffer  (``model.flat.params``)
    buffers : (B,) float32   non-trained state, e.g. BatchNorm running statistics
    meta    : (K,) uint8     UTF-8 JSON: the description below

The description says what the numbers mean (``layout``: which slice of the flat vectors
holds which layer's array, so ``np.load(path)["params"][start:stop].reshape(shape)`` is
that array without numnet)::

    {"format": "numnet-model", "format_version": 1, "numnet_version": "0.1.0",
     "architecture": model.get_config(),            # layer types and their arguments
     "preprocessing": {"input": "pixels / 255, in [0, 1]", "input_shape": [784]},
     "arrays": {"params": {"shape": [P], "dtype": "float32"}, "buffers": {...}},
     "layout": {"params": [{"layer": 0, "type": "Dense", "name": "W", "shape": [784, 256],
                            "start": 0, "stop": 200704}, ...], "buffers": [...]},
     "training": {"epochs": ..., "seed": ..., "final": {...}, "history": {...}, ...}}

Loading opens the file with ``allow_pickle=False`` and believes nothing it has not checked:
the file must be a zip of plain numeric ``.npy`` arrays (object arrays are refused before a
byte of them is read), the description must name known layer types only, from a format
version this numnet understands, and the architecture it describes, rebuilt here, must have
exactly the parameter and buffer shapes found in the file.  Sizes are compared *before*
anything large is allocated, so a lying header cannot make numnet reserve terabytes.  Every
refusal is a one-line :class:`~numnet.core.errors.ModelFileError` naming the file.

The classic network's tutorial pickles (``numnet.tutorial.twolayer.save_params``) load too: they are
recognised by their first byte and unpickled by ``twolayer.load_params``, which allows NumPy
arrays and plain containers only.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tokenize
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet import __version__
from numnet.core.atomic import atomic_write
from numnet.core.errors import ModelFileError

FORMAT = "numnet-model"
FORMAT_VERSION = 1
PREPROCESSING = {"input": "pixels / 255, in [0, 1]", "dtype": "float32"}

#: No model numnet writes comes near this; a file claiming more is refused, not allocated.
MAX_ARRAY_BYTES = 1 << 30
MAX_META_BYTES = 16 << 20

# What a damaged or hostile zip can raise while being read; all mean "corrupt file".
_CORRUPT = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    ValueError,
    KeyError,
    TypeError,
    OverflowError,
    MemoryError,
    NotImplementedError,  # an unknown zip compression method
    RuntimeError,  # an encrypted zip member
    OSError,
    SyntaxError,  # NumPy parses an .npy header's dict as Python literals ...
    tokenize.TokenError,  # ... and, for old headers, tokenizes it first
)

_PICKLE_PREFIX = b"\x80"  # protocol >= 2 pickles start with the PROTO opcode
_ZIP_PREFIX = b"PK\x03\x04"
_EMPTY_ZIP_PREFIX = b"PK\x05\x06"


def file_error(path: str | os.PathLike[str], message: str) -> ModelFileError:
    """A one-line ModelFileError that names the file."""
    line = " ".join(f"{os.fspath(path)}: {message}".split())
    return ModelFileError(line)


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


# --------------------------------------------------------------------------- archives


def write_archive(
    path: str | os.PathLike[str], arrays: Mapping[str, NDArray], meta: Mapping[str, Any]
) -> Path:
    """Write numeric ``arrays`` plus ``meta`` (JSON, stored as a uint8 array) atomically.

    Shared by model files and training checkpoints (``numnet.files.checkpoint``).
    """
    if "meta" in arrays:
        raise ValueError("'meta' is reserved for the description")
    text = json.dumps(meta, default=_jsonable, separators=(",", ":"))
    blob = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    path = Path(path)
    with atomic_write(path) as f:
        np.savez(f, meta=blob, **arrays)
    return path


def _open_checked(path: Path) -> bytes:
    """Return the first bytes of ``path``, or a one-line error for missing/folder/unreadable."""
    if not path.exists():
        raise file_error(path, "no such file")
    if path.is_dir():
        raise file_error(path, "is a folder, not a model file")
    if not path.is_file():  # a FIFO or device would block or never end
        raise file_error(path, "is not a regular file")
    try:
        with open(path, "rb") as f:
            return f.read(8)
    except OSError as e:
        raise file_error(path, f"cannot read ({e.strerror or one_line(e)})") from None


def _inspect_members(path: Path, zf: zipfile.ZipFile) -> dict[str, tuple[tuple[int, ...], str]]:
    """Shape and dtype of every ``.npy`` member, read from the headers only.

    Refuses object arrays and arrays whose header promises more data than the member holds
    (or more than MAX_ARRAY_BYTES), before any array data is read.
    """
    found: dict[str, tuple[tuple[int, ...], str]] = {}
    for info in zf.infolist():
        name = info.filename
        if not name.endswith(".npy") or "/" in name:
            raise file_error(path, f"unexpected member {name!r}; not a numnet file")
        key = name[: -len(".npy")]
        if info.file_size > MAX_ARRAY_BYTES:
            raise file_error(path, f"array {key!r} is larger than numnet models can be")
        with zf.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            header_size = f.tell()
        if dtype.hasobject:
            raise file_error(
                path,
                f"array {key!r} holds pickled Python objects; refused "
                "(numnet files contain numbers only)",
            )
        if math.prod(shape) * dtype.itemsize > info.file_size - header_size:
            raise file_error(path, f"array {key!r} is truncated (header promises more data)")
        found[key] = (tuple(int(s) for s in shape), dtype.str)
    return found


def read_archive(
    path: str | os.PathLike[str], kind: str = "model"
) -> tuple[dict[str, NDArray], dict]:
    """Read an archive written by :func:`write_archive`: (arrays without meta, description).

    Checks that it is a zip of plain numeric arrays with a JSON description; what the
    description must say is up to the caller.  Only :class:`ModelFileError` escapes.
    """
    path = Path(path)
    head = _open_checked(path)
    if not head.startswith((_ZIP_PREFIX, _EMPTY_ZIP_PREFIX)):
        raise file_error(path, f"not a numnet {kind} file (expected a .npz archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            members = _inspect_members(path, zf)
        if "meta" not in members:
            raise file_error(
                path, f"no description ('meta' array missing); not a numnet {kind} file"
            )
        shape, dtype = members["meta"]
        if len(shape) != 1 or dtype != "|u1" or shape[0] > MAX_META_BYTES:
            raise file_error(path, "description ('meta') is not a UTF-8 JSON byte array")
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in members}
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except ModelFileError:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise file_error(path, f"description is not valid JSON ({one_line(e)})") from None
    except _CORRUPT as e:
        raise file_error(path, f"truncated or corrupt file ({one_line(e)})") from None
    if not isinstance(meta, dict):
        raise file_error(path, "description is not a JSON object")
    return arrays, meta


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
        if found == FORMAT:
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


# --------------------------------------------------------------------------- models


def description(model: Any, record: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON description saved beside a model's arrays."""
    config = model.get_config()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "numnet_version": __version__,
        "architecture": config,
        "preprocessing": {**PREPROCESSING, "input_shape": list(config["input_shape"])},
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.name}
            for name, a in (("params", model.flat.params), ("buffers", model.flat.buffers))
        },
        "layout": {
            name: [
                {"layer": s.layer, "type": type(model.layers[s.layer]).__name__, "name": s.name,
                 "shape": list(s.shape), "start": s.start, "stop": s.stop}
                for s in slots
            ]
            for name, slots in (("params", model.flat.param_spans),
                                ("buffers", model.flat.buffer_spans))
        },
        "training": dict(record or {}),
    }


def save(model: Any, path: str | os.PathLike[str], record: Mapping[str, Any] | None = None) -> Path:
    """Save ``model`` to ``path`` atomically; return the path.

    A ``numnet.nn.Sequential`` becomes a ``.npz`` model file (``record``: epochs, seed,
    final metrics, wall time, history ... goes into the description); a
    ``numnet.tutorial.twolayer.TwoLayerClassifier`` becomes the tutorial's pickle.  A model whose
    weights hold NaN or Inf is refused, so a diverged run never replaces a good file.
    """
    from numnet.tutorial.twolayer import TwoLayerClassifier

    if isinstance(model, TwoLayerClassifier):
        return Path(model.save(path))
    b = model.flat
    if not (np.isfinite(b.params).all() and np.isfinite(b.buffers).all()):
        raise file_error(path, "not saved, the model's weights hold NaN or Inf")
    return write_archive(
        path, {"params": b.params, "buffers": b.buffers}, description(model, record)
    )


def load(path: str | os.PathLike[str]) -> Any:
    """Load a model: ``.npz`` -> ``nn.Sequential``; tutorial pickle -> ``TwoLayerClassifier``.

    Raises :class:`ModelFileError` (one line, naming the file) for anything that is not a
    sound numnet model; never unpickles arbitrary objects and never runs code from the file.
    """
    path = Path(path)
    if _open_checked(path).startswith(_PICKLE_PREFIX):
        from numnet.tutorial.twolayer import TwoLayerClassifier

        try:
            return TwoLayerClassifier.load(path)
        except ModelFileError as e:  # pickle's own messages may span lines
            raise ModelFileError(" ".join(str(e).split())) from None
    arrays, meta = read_archive(path)
    check_format(path, meta, FORMAT, FORMAT_VERSION)
    extra = sorted(set(arrays) - {"params", "buffers"})
    if extra:
        raise file_error(path, f"unexpected array {extra[0]!r}; not a numnet model")
    declared = meta.get("arrays")
    for name, a in arrays.items():
        entry = declared.get(name) if isinstance(declared, dict) else None
        if entry != {"shape": list(a.shape), "dtype": a.dtype.name}:
            raise file_error(
                path,
                f"array {name!r} is {a.dtype.name}{list(a.shape)} but the description says "
                f"{entry}; the file was altered or is damaged",
            )
    model = build_model(path, meta.get("architecture"), arrays)
    model.description = meta
    return model


def build_model(
    path: str | os.PathLike[str], architecture: Any, arrays: Mapping[str, NDArray]
) -> Any:
    """A ``Sequential`` from a file's architecture and its ``params`` / ``buffers`` arrays.

    The arrays must be flat float32 of exactly the sizes the architecture needs, and finite;
    sizes are checked before the model is allocated.  ``path`` only names the file in errors.
    """
    path = Path(path)
    for name in ("params", "buffers"):
        if name not in arrays:
            raise file_error(path, f"array {name!r} missing; the file is incomplete")
        a = arrays[name]
        if a.ndim != 1 or a.dtype != np.float32:
            raise file_error(
                path, f"array {name!r} is {a.dtype}{list(a.shape)}, expected flat float32"
            )
    if not (np.isfinite(arrays["params"]).all() and np.isfinite(arrays["buffers"]).all()):
        raise file_error(path, "weights hold NaN or Inf; the model is broken")

    from numnet.nn import Sequential

    sizes = (arrays["params"].size, arrays["buffers"].size)
    try:
        model = Sequential.from_config(architecture, initialise=False, sizes=sizes)
    except ModelFileError as e:
        raise file_error(path, str(e)) from None
    model.flat.params[...] = arrays["params"]
    model.flat.buffers[...] = arrays["buffers"]
    return model


def describe(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The description of a ``.npz`` model file (architecture, training record ...), checked."""
    _, meta = read_archive(path)
    check_format(path, meta, FORMAT, FORMAT_VERSION)
    return meta


def load_model(path: str | os.PathLike[str]) -> Any:
    """Keras' name for ``load``: the model in the file at ``path``."""
    return load(path)
