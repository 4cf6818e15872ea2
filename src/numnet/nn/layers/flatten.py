"""Flatten: (n, d1, d2, ...) -> (n, d1 * d2 * ...), a view when the input is contiguous.

The rows are in the (c, h, w) order of the samples' shape whatever the input's memory
order (a channels-last feature map, as Conv2D and pooling store theirs, is copied into that
order).  The backward pass returns the gradient in the memory order of the forward's input:
for a channels-last map, one copy of this (small) gradient into channels-last memory, so the
layers below (ReLU, BatchNorm, pooling) keep working on arrays of one memory order, at full
speed, instead of mixing the two orders in every pass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.engine.fastpath import Step
from numnet.nn.layer import Layer, Shape
from numnet.nn.layers.im2col import is_channels_last, layout_scratch


class Flatten(Layer):
    """Reshape each sample to one row; backward reshapes the gradient back."""

    _channels_last = False

    def build(self, input_shape: Shape) -> Shape:
        self.input_shape = tuple(input_shape)
        return (math.prod(input_shape),)

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        if training:
            self._channels_last = is_channels_last(x)
        return x.reshape(x.shape[0], -1)

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        g = grad.reshape(grad.shape[0], *self.input_shape)
        if not self._channels_last:
            return g
        n, c, h, w = g.shape
        dx = layout_scratch(self, "dx", (n, c, h, w), g.dtype, channels_last=True)
        np.copyto(dx, g)
        return dx

    def inference_step(self, steps: list[Step]) -> bool:
        return True  # one vector is already flat
