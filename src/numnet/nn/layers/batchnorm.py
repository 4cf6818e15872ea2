"""Batch normalisation: standardise each feature (or channel) over the batch, then rescale.

For x : (n, f) the statistics are per feature over n; for x : (n, c, h, w) per channel over
n, h and w (m = number of values averaged).  In training:

    mu = mean(x),  var = mean((x - mu)^2),  xhat = (x - mu) / sqrt(var + eps)
    y  = gamma * xhat + beta
    running_mean <- momentum * running_mean + (1 - momentum) * mu      (same for running_var)

    backward   dgamma = sum(g * xhat),  dbeta = sum(g)
               dx = gamma / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat))

At inference the running statistics replace the batch ones, so one sample's prediction
does not depend on the others in its batch.  The running statistics are buffers (saved with
the model, not trained).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch_like
from numnet.nn.layer import Layer, Shape


class BatchNorm(Layer):
    """Normalise over the batch (per feature for (n, f), per channel for (n, c, h, w))."""

    # views into the model's flat buffers, set by ``attach``: (c,) each
    gamma: NDArray[Any]
    beta: NDArray[Any]
    dgamma: NDArray[Any]
    dbeta: NDArray[Any]
    running_mean: NDArray[Any]
    running_var: NDArray[Any]

    def __init__(self, momentum: float = 0.9, eps: float = 1e-5) -> None:
        self.momentum = float(momentum)
        self.eps = float(eps)

    def build(self, input_shape: Shape) -> Shape:
        if len(input_shape) not in (1, 3):
            raise ValueError(f"BatchNorm expects (f,) or (c, h, w) samples, got {input_shape}")
        self.input_shape = tuple(input_shape)
        self.channels = input_shape[0]
        # axes averaged over, and the shape that broadcasts (c,) against the batch
        self.axes = (0,) if len(input_shape) == 1 else (0, 2, 3)
        self.bshape = (1, self.channels) + (1,) * (len(input_shape) - 1)
        return self.input_shape

    def param_shapes(self) -> dict[str, Shape]:
        return {"gamma": (self.channels,), "beta": (self.channels,)}

    def buffer_shapes(self) -> dict[str, Shape]:
        return {"running_mean": (self.channels,), "running_var": (self.channels,)}

    def init_params(self, rng: np.random.Generator) -> dict[str, NDArray[Any]]:
        ones, zeros = np.ones(self.channels, np.float32), np.zeros(self.channels, np.float32)
        return {"gamma": ones, "beta": zeros, "running_mean": zeros, "running_var": ones}

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        """x : (n, f) or (n, c, h, w) -> y of the same shape."""
        b, axes = self.bshape, self.axes
        y = scratch_like(self, "y", x)
        if not training:
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            np.multiply(x, scale.reshape(b), out=y)
            y += (self.beta - self.running_mean * scale).reshape(b)
            return y
        mu = x.mean(axis=axes)
        xhat = self.xhat = np.subtract(x, mu.reshape(b), out=scratch_like(self, "xhat", x))
        var = np.square(xhat, out=y).mean(axis=axes)  # y is free until the end: use it
        self.inv_std = 1 / np.sqrt(var + self.eps)
        xhat *= self.inv_std.reshape(b)
        m = self.momentum
        self.running_mean *= m
        self.running_mean += (1 - m) * mu
        self.running_var *= m
        self.running_var += (1 - m) * var
        np.multiply(xhat, self.gamma.reshape(b), out=y)
        y += self.beta.reshape(b)
        return y

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        """g -> dx (computed in place over g)."""
        b, axes, xhat = self.bshape, self.axes, self.xhat
        np.sum(grad, axis=axes, out=self.dbeta)
        tmp = np.multiply(grad, xhat, out=scratch_like(self, "tmp", grad))
        np.sum(tmp, axis=axes, out=self.dgamma)
        count = grad.size // self.channels
        grad -= (self.dbeta / count).reshape(b)
        grad -= np.multiply(xhat, (self.dgamma / count).reshape(b), out=tmp)
        grad *= (self.gamma * self.inv_std).reshape(b)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "eps": self.eps}
