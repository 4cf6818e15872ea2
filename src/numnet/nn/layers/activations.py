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

``relu_into`` (``numnet.nn.engine.relu``) is max(x, 0) on the floats' bit patterns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch_like
from numnet.nn.engine.fastpath import Step
from numnet.nn.engine.relu import relu_into as relu_into  # also Conv2D's, from here
from numnet.nn.functional import log_softmax, sigmoid
from numnet.nn.layer import Layer


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
