"""max(x, 0) for float arrays, the fast way: ``relu_into(x, out)``.

It computes max(x, 0) as a maximum of the floats' bit patterns read as signed integers: a
float with its sign bit set is a negative integer, any other float a non-negative one, so
max(bits, 0) keeps x > 0 (and +0) and turns x < 0 and -0 into +0.  NumPy's integer maximum
is vectorised; its float maximum (which must propagate NaN) is slower.  The one
difference: a NaN with its sign bit set becomes 0.  The 0 is an array of zeros of x's
shape, not a scalar: NumPy runs its vector loop only when both operands advance (against
a scalar, the maximum is two to four times slower).  The zeros are one read-only buffer
that is never written, so its pages are the operating system's zero page: it takes no
memory and is read from the cache.

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


def relu_into(x: NDArray[Any], out: NDArray[Any]) -> NDArray[Any]:
    """out = max(x, 0) for float x (any shape and strides; ``out`` may be ``x``); see the
    module docstring.  Returns ``out``."""
    bits = np.dtype(f"i{x.dtype.itemsize}")
    np.maximum(x.view(bits), _integer_zeros(x.shape, bits), out=out.view(bits))
    return out
