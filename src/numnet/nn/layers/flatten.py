"""Flatten: (n, d1, d2, ...) -> (n, d1 * d2 * ...), a view when the input is contiguous."""

from __future__ import annotations

import math
from typing import Any

from numpy.typing import NDArray

from numnet.nn.engine.fastpath import Step
from numnet.nn.layer import Layer, Shape


class Flatten(Layer):
    """Reshape each sample to one row; backward reshapes the gradient back."""

    def build(self, input_shape: Shape) -> Shape:
        self.input_shape = tuple(input_shape)
        return (math.prod(input_shape),)

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        return x.reshape(x.shape[0], -1)

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        return grad.reshape(grad.shape[0], *self.input_shape)

    def inference_step(self, steps: list[Step]) -> bool:
        return True  # one vector is already flat
