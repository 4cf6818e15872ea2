"""max(x, 0) for float arrays, the fast way: ``relu_into(x, out)``.

It computes max(x, 0) as a maximum of the floats' bit patterns read as signed integers: a
float with its sign bit set is a negative integer, any other float a non-negative one, so
max(bits, 0) keeps x > 0 (and +0) and turns x < 0 and -0 into +0.  NumPy's integer maximum
is vectorised; its float maximum (which must propagate NaN) is slower.  The one
difference: a NaN with its sign bit set becomes 0.  The 0 is an array of zeros of x's
shape, not a scalar: NumPy runs its vector loop only when both operands advance (against
a scalar, the maximum is two to four times slower).  The zeros are one read-only buffer
that is never written, so its pages are the operating system's zero page: it takes no
memory and is read from the cache.  An array stored in another axis order (a channels-last
map seen as (n, c, h, w)) is taken as the 1-D run of its memory (``memory_run``) when ``out``
has the same strides: against C-ordered zeros its loop would stride across the memory.

The ``ReLU`` layer, ``Conv2D``'s fused activation and the batched inference path
(``fastpath.run_rows``) all use it, so they compute the same bits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

_ZEROS: dict[np.dtype[Any], NDArray[Any]] = {}  # integer dtype -> read-only zeros, grown


def _integer_zeros(shape: tuple[int, ...], dtype: np.dtype[Any]) -> NDArray[Any]:
    """Read-only zeros of ``shape`` and integer ``dtype``, views of one shared buffer (see
    the module docstring)."""
    size = math.prod(shape)
    zeros = _ZEROS.get(dtype)
    if zeros is None or zeros.size < size:
        zeros = np.zeros(max(size, 1 << 20), dtype)  # 4 MB and up: mapped, never written
        zeros.flags.writeable = False
        _ZEROS[dtype] = zeros
    return zeros[:size].reshape(shape)


def memory_run(a: NDArray[Any]) -> NDArray[Any] | None:
    """``a`` as a 1-D view in memory order when its values fill one contiguous block in some
    order of its axes (C order, or channels-last seen as (n, c, h, w) ...), else None."""
    order = sorted(range(a.ndim), key=lambda i: -a.strides[i])
    t = a.transpose(order)
    return t.reshape(-1) if t.flags.c_contiguous else None


def relu_into(x: NDArray[Any], out: NDArray[Any]) -> NDArray[Any]:
    """out = max(x, 0) for float x (any shape and strides; ``out`` may be ``x``); see the
    module docstring.  Returns ``out``."""
    bits = np.dtype(f"i{x.dtype.itemsize}")
    src, dst = x, out
    if not x.flags.c_contiguous and x.strides == out.strides:  # the same order of axes
        run_x, run_out = memory_run(x), memory_run(out)
        if run_x is not None and run_out is not None:
            src, dst = run_x, run_out
    np.maximum(src.view(bits), _integer_zeros(src.shape, bits), out=dst.view(bits))
    return out
