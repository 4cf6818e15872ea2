"""Inverted dropout: during training each unit is kept with probability 1 - rate.

    forward (training)   y = x * m / (1 - rate),   m_i ~ Bernoulli(1 - rate)
    forward (inference)  y = x                     (the 1/(1 - rate) already kept the scale)
    backward             dx = g * m / (1 - rate)

Randomness comes from ``self.rng``; ``Sequential`` points it at ``model.rng`` so that one
generator (whose state a checkpoint saves) drives every random draw of a training run.
With several worker threads (``numnet.nn.parallel``) each step draws one seed from
``model.rng`` and worker r's replica draws its rows' masks from ``default_rng([seed, r])``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch, scratch_like
from numnet.nn.engine.fastpath import Step
from numnet.nn.layer import Layer


class Dropout(Layer):
    """Zero each input with probability ``rate`` while training; identity at inference."""

    uses_rng = True

    def __init__(self, rate: float = 0.5) -> None:
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate}")
        self.rate = float(rate)

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self.active = training and self.rate > 0
        if not self.active:
            return x
        if self.rng is None:
            raise RuntimeError("Dropout draws from layer.rng: set it (Sequential sets model.rng)")
        u = self.rng.random(dtype=x.dtype, out=scratch(self, "u", x.shape, x.dtype))
        self.keep = scratch_like(self, "keep", x, np.bool_)
        np.greater_equal(u, self.rate, out=self.keep)
        self.scale = x.dtype.type(1 / (1 - self.rate))
        y = scratch_like(self, "y", x)
        np.multiply(x, self.keep, out=y)
        y *= self.scale
        return y

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        if self.active:
            np.multiply(grad, self.keep, out=grad)
            grad *= self.scale
        return grad

    def inference_step(self, steps: list[Step]) -> bool:
        return True  # the identity at inference

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate}
