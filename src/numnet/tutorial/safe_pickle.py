"""Unpickling with an allow-list: NumPy arrays and plain containers, nothing else.

A pickle is a small program.  Besides building lists, dicts, strings and numbers, it may
name any importable function (``os.system``, ``builtins.eval`` ...) and call it: loading
an untrusted pickle with ``pickle.load`` runs whatever its author wanted.  Every such
name passes through ``Unpickler.find_class``, so refusing all names but a few harmless
ones makes loading safe.  The ones allowed here are exactly what NumPy (1.x and 2.x)
writes for arrays, dtypes and scalars, under each protocol:

- ``numpy.ndarray``, ``numpy.dtype``;
- ``numpy[._]core.multiarray._reconstruct`` (protocols 0-4) and
  ``numpy[._]core.numeric._frombuffer`` (protocol 5): build an array;
- ``numpy[._]core.multiarray.scalar``: a NumPy scalar such as ``np.float32(0.5)``;
- ``_codecs.encode``, which protocols 0-2 use to write bytes, but only for latin-1;
- ``builtins.set`` / ``frozenset`` (``__builtin__`` in protocols 0-2) and
  ``collections.OrderedDict`` (plain containers).

Dicts, lists, tuples, str, bytes, int, float, bool and None need no names at all.
Anything else, or a file that is not a pickle, raises ModelFileError naming the file.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
from typing import Any

import numpy as np

from numnet.core.errors import ModelFileError, NumnetError

try:  # NumPy 2 moved numpy.core to numpy._core; its pickles use the new name
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # NumPy 1.x
    from numpy.core import multiarray as _multiarray  # type: ignore[no-redef]
    from numpy.core import numeric as _numeric  # type: ignore[no-redef]


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` restricted to what pickle protocols 0-2 use it for: bytes."""
    if encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"refused _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


_NUMPY_BUILDERS = {
    "multiarray": {"_reconstruct": _multiarray._reconstruct, "scalar": _multiarray.scalar},
    "numeric": {"_frombuffer": _numeric._frombuffer},
}

#: (module, name) -> the object it stands for; the modules are never imported by name
ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("__builtin__", "set"): set,  # protocols 0-2 write Python 2's module names
    ("__builtin__", "frozenset"): frozenset,
    ("collections", "OrderedDict"): collections.OrderedDict,
    **{
        (f"{core}.{module}", name): obj
        for core in ("numpy.core", "numpy._core")
        for module, names in _NUMPY_BUILDERS.items()
        for name, obj in names.items()
    },
}


class _RefusedGlobalError(Exception):
    """A global outside the allow-list (turned into ModelFileError with the file name)."""


class SafeUnpickler(pickle.Unpickler):
    """An Unpickler whose ``find_class`` returns only allow-listed objects."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[module, name]
        except KeyError:
            raise _RefusedGlobalError(f"{module}.{name}") from None


def loads(data: bytes, source: str | os.PathLike[str] = "<bytes>") -> Any:
    """Unpickle ``data`` through the allow-list; ``source`` names it in errors."""
    try:
        return SafeUnpickler(io.BytesIO(data)).load()
    except _RefusedGlobalError as e:
        raise ModelFileError(
            f"{source}: refused to load: the pickle asks for {e}, which is not a NumPy array "
            "or a plain container (only load parameter files you trust)"
        ) from None
    except NumnetError:
        raise
    except Exception as e:  # garbage can fail in any of pickle's and NumPy's checks
        raise ModelFileError(
            f"{source}: not a readable parameter pickle (truncated or corrupt?): "
            f"{type(e).__name__}: {e}"
        ) from None


def load(path: str | os.PathLike[str]) -> Any:
    """Read and unpickle the file at ``path`` through the allow-list."""
    with open(path, "rb") as f:
        return loads(f.read(), path)
