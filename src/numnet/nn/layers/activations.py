"""Elementwise activations.  Each keeps exactly what its derivative needs.

    ReLU       y = max(x, 0)                dy/dx = [x > 0]                 (keeps a bool mask)
    LeakyReLU  y = x if x > 0 else a x      dy/dx = 1 if x > 0 else a       (keeps the mask)
    Tanh       y = tanh x                   dy/dx = 1 - y^2                 (keeps y)
    Sigmoid    y = 1 / (1 + e^-x)           dy/dx = y (1 - y)               (keeps y)
    Softmax    y = e^x / sum_j e^x_j (rows) dL/dx = y * (g - sum_j g_j y_j)    (keeps y)

``Softmax`` is for outputs trained with another loss than cross-entropy: with cross-entropy
the softmax is fused into the loss (``numnet.nn.losses``), and ``Sequential`` reads a last
``Dense(k, activation="softmax")`` that way.

Outputs go into reused arrays; ``backward`` multiplies the incoming gradient in place
(the gradient array belongs to the layer above and nobody reads it afterwards).

``relu_into`` computes max(x, 0) as a maximum of the floats' bit patterns read as signed
integers: a float with its sign bit set is a negative integer, any other float a
non-negative one, so max(bits, 0) keeps x > 0 (and +0) and turns x < 0 and -0 into +0.
NumPy's integer maximum is vectorised; its float maximum (which must propagate NaN) is
slower.  The one difference: a NaN with its sign bit set becomes 0.  The 0 is an array of
zeros of x's shape, not a scalar: NumPy runs its vector loop only when both operands
advance (against a scalar, the maximum is two to four times slower).  The zeros are one
read-only buffer that is never written, so its pages are the operating system's zero page:
it takes no memory and is read from the cache.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch_like
from numnet.nn.engine.fastpath import Step
from numnet.nn.functional import log_softmax, sigmoid
from numnet.nn.layer import Layer

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


class ReLU(Layer):
    """y = max(x, 0); any shape."""

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        if training:  # only backward needs the mask
            self.mask = scratch_like(self, "mask", x, np.bool_)
            np.greater(x, 0, out=self.mask)
        return relu_into(x, scratch_like(self, "y", x))

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        np.multiply(grad, self.mask, out=grad)
        return grad

    def inference_step(self, steps: list[Step]) -> bool:
        if not steps or steps[-1].relu:
            return False
        steps[-1] = steps[-1]._replace(relu=True)  # fused into the Dense before it
        return True


class LeakyReLU(Layer):
    """y = x for x > 0, alpha x otherwise; a small slope keeps negative units learning."""

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self.negative = scratch_like(self, "negative", x, np.bool_)
        np.less_equal(x, 0, out=self.negative)
        y = scratch_like(self, "y", x)
        np.copyto(y, x)
        np.multiply(x, x.dtype.type(self.alpha), out=y, where=self.negative)
        return y

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        np.multiply(grad, grad.dtype.type(self.alpha), out=grad, where=self.negative)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class Tanh(Layer):
    """y = tanh(x); dy/dx = 1 - y^2."""

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self.y = scratch_like(self, "y", x)
        np.tanh(x, out=self.y)
        return self.y

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        d = np.multiply(self.y, self.y, out=scratch_like(self, "d", self.y))
        np.subtract(1, d, out=d)
        grad *= d
        return grad


class Sigmoid(Layer):
    """y = 1 / (1 + e^-x) without overflow (``numnet.nn.functional.sigmoid``); dy/dx = y (1 - y)."""

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self.y = sigmoid(x)
        return self.y

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        d = np.subtract(1, self.y, out=scratch_like(self, "d", self.y))
        d *= self.y
        grad *= d
        return grad


class Softmax(Layer):
    """y = softmax(x) along the last axis of (n, k) rows; backward is the Jacobian product
    dL/dx = y * (g - sum_j g_j y_j), computed in place on g."""

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self.y = log_softmax(x, axis=-1, out=scratch_like(self, "y", x))
        np.exp(self.y, out=self.y)
        return self.y

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        gy = np.multiply(grad, self.y, out=scratch_like(self, "d", self.y))
        grad -= gy.sum(axis=-1, keepdims=True)
        grad *= self.y
        return grad
