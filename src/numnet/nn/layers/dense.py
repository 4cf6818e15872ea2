"""Dense (fully connected) layer: every output is a weighted sum of every input.

Row-major, one sample per row:

    forward    y = x W + b                  x : (n, d_in)   W : (d_in, d_out)   y : (n, d_out)
    backward   dW = x^T g,  db = sum_i g_i,  dx = g W^T      g = dL/dy : (n, d_out)

``activation`` ("relu", "tanh", "sigmoid", "softmax"; None or "linear" for none) applies
that layer of ``numnet.nn.activations`` to y, as Keras' ``Dense(units, activation=...)``.
A last ``Dense(k, activation="softmax")`` of a model trained with cross-entropy outputs
logits (``logits = True``, set by ``Sequential``): the loss and ``Sequential.predict`` apply
the softmax, which is the same model computed stably.

The products go straight into preallocated arrays (``np.matmul(..., out=)``).  When nothing
before this layer has parameters (it is the first layer that learns), ``Sequential`` sets
``input_grad = False`` and the third product, dx, which nobody would read, is skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch
from numnet.nn.engine.fastpath import Step
from numnet.nn.layer import Layer, Shape
from numnet.nn.layers.activations import ReLU, Sigmoid, Softmax, Tanh
from numnet.nn.layers.initializers import init_weights

ACTIVATIONS: dict[str, type[ReLU | Tanh | Sigmoid | Softmax]] = {
    "relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "softmax": Softmax,
}


class Dense(Layer):
    """y = act(x W + b) with ``units`` outputs; W initialised by ``init`` ("he", "xavier",
    "lecun"); ``activation`` one of ``ACTIVATIONS`` or None (see the module docstring)."""

    decay = ("W",)
    #: True on a softmax output layer whose softmax the loss applies (set by Sequential)
    logits = False
    # views into the model's flat buffers, set by ``attach``
    W: NDArray[Any]  # (d_in, d_out)
    b: NDArray[Any]  # (d_out,)
    dW: NDArray[Any]
    db: NDArray[Any]

    def __init__(self, units: int, init: str = "he", activation: str | None = None) -> None:
        if activation == "linear":
            activation = None
        if activation is not None and activation not in ACTIVATIONS:
            raise ValueError(f"Dense activation must be one of {', '.join(ACTIVATIONS)} or None,"
                             f" not {activation!r}")
        self.units = int(units)
        self.init = init
        self.activation = activation
        self.act = ACTIVATIONS[activation]() if activation else None

    def build(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            raise ValueError(f"Dense expects flat inputs (d,), got {input_shape}; add Flatten()")
        self.input_shape = tuple(input_shape)
        return (self.units,)

    def param_shapes(self) -> dict[str, Shape]:
        return {"W": (self.input_shape[0], self.units), "b": (self.units,)}

    def init_params(self, rng: np.random.Generator) -> dict[str, NDArray[Any]]:
        d_in = self.input_shape[0]
        W = init_weights(self.init, (d_in, self.units), d_in, self.units, rng)
        return {"W": W, "b": np.zeros(self.units, np.float32)}

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        """x : (n, d_in) -> y = x W + b : (n, d_out)."""
        self.x = x
        y = scratch(self, "y", (x.shape[0], self.units), self.W.dtype)
        np.matmul(x, self.W, out=y)
        y += self.b
        if self.act is not None and not self.logits:
            return self.act.forward(y, training)
        return y

    def backward(self, grad: NDArray[Any]) -> NDArray[Any] | None:
        """g : (n, d_out) -> dx = g W^T : (n, d_in); writes dW = x^T g and db = sum_i g_i
        (g first goes back through the activation)."""
        if self.act is not None and not self.logits:
            grad = self.act.backward(grad)
        np.matmul(self.x.T, grad, out=self.dW)
        ones = scratch(self, "ones", (len(grad),), grad.dtype)
        ones.fill(1)
        np.dot(ones, grad, out=self.db)  # column sums by BLAS; np.dot: see BatchNorm._colsum
        if not self.input_grad:
            return None
        dx = scratch(self, "dx", self.x.shape, self.W.dtype)
        return np.matmul(grad, self.W.T, out=dx)

    def inference_step(self, steps: list[Step]) -> bool:
        act = None if self.logits else self.activation
        if self.W.dtype != np.float32 or act not in (None, "relu"):
            return False
        steps.append(Step(self.W, self.b, act == "relu"))
        return True

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"units": self.units, "init": self.init}
        if self.activation is not None:
            config["activation"] = self.activation
        return config
