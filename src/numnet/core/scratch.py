"""Reusable per-batch-size work arrays, so the hot loop allocates nothing.

A layer asks for ``scratch(self, "out", shape, dtype)`` on every call; the first call for a
given (name, shape, dtype) allocates, later calls return the same array.  Training uses two
or three batch sizes (the full batch, the last partial batch, the prediction batch), so the
cache stays tiny; it is dropped if it ever grows past a few entries.

The price of reuse: an array a layer returns is overwritten by its next call with the
same batch size.  Callers that keep results (``predict_proba``) copy them out.
"""

from __future__ import annotations

from typing import Any, TypeVar, overload

import numpy as np
from numpy.typing import DTypeLike, NDArray

_MAX_ENTRIES = 16

_S = TypeVar("_S", bound=np.generic)
_Key = tuple[str, tuple[int, ...], "np.dtype[Any]"]


@overload
def scratch(
    owner: object, name: str, shape: tuple[int, ...], dtype: np.dtype[_S] | type[_S]
) -> NDArray[_S]: ...
@overload
def scratch(owner: object, name: str, shape: tuple[int, ...], dtype: DTypeLike) -> NDArray[Any]: ...
def scratch(owner: object, name: str, shape: tuple[int, ...], dtype: DTypeLike) -> NDArray[Any]:
    """An uninitialised array of ``shape`` and ``dtype`` owned by ``owner``, reused across calls."""
    cache: dict[_Key, NDArray[Any]] = owner.__dict__.setdefault("_scratch", {})
    key = (name, shape, np.dtype(dtype))
    buf = cache.get(key)
    if buf is None:
        if len(cache) >= _MAX_ENTRIES:
            cache.clear()
        buf = cache[key] = np.empty(shape, dtype)
    return buf


@overload
def scratch_like(owner: object, name: str, x: NDArray[_S], dtype: None = None) -> NDArray[_S]: ...
@overload
def scratch_like(
    owner: object, name: str, x: NDArray[Any], dtype: np.dtype[_S] | type[_S]
) -> NDArray[_S]: ...
@overload
def scratch_like(owner: object, name: str, x: NDArray[Any], dtype: DTypeLike) -> NDArray[Any]: ...
def scratch_like(
    owner: object, name: str, x: NDArray[Any], dtype: DTypeLike | None = None
) -> NDArray[Any]:
    """A reused array shaped like ``x`` and laid out in memory like it.

    Elementwise work between arrays of the same memory order runs at full speed; feature
    maps (n, c, h, w) stored channels-last (as ``Conv2D`` produces them) get a channels-last
    buffer seen through the same transpose.  ``dtype`` defaults to ``x.dtype``.
    """
    dtype = x.dtype if dtype is None else dtype
    if x.ndim == 4 and not x.flags.c_contiguous and x.transpose(0, 2, 3, 1).flags.c_contiguous:
        n, c, h, w = x.shape
        return np.transpose(scratch(owner, name + "/nhwc", (n, h, w, c), dtype), (0, 3, 1, 2))
    return scratch(owner, name, x.shape, dtype)
