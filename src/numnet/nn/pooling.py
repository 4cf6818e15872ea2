"""Pooling layers: MaxPool2D, AvgPool2D and GlobalAvgPool2D.

A (k x k) pooling window with stride s covers, for output pixel (y, x), the inputs
(s*y + i, s*x + j) for kernel offsets 0 <= i, j < k.  Taking one offset (i, j) for all
windows at once is a strided slice of the input (``numnet.nn.im2col.offset_slice``), so
each layer loops over the k*k offsets, never over samples or pixels:

    max pool   out = max_(i,j) x[:, i::s, j::s]       dx[window argmax] = dout, 0 elsewhere
    avg pool   out = 1/k^2 sum_(i,j) x[:, i::s, j::s]  dx[every input of a window] += dout/k^2

With the usual non-overlapping windows (s = k, e.g. 2x2 stride 2) the k*k slices partition
the input: they are the axes of ``x.reshape(n, oh, k, ow, k, c)``, and the backward pass
*writes* each slice instead of accumulating.  Rows and columns no window reaches (the last
row of a 13-pixel map under 2x2 pooling) get gradient 0.

Like ``Conv2D`` the layers take and return (n, c, h, w) shapes and work channels-last in
memory.  Max-pool ties go to the first maximum in (i, j) order, so exactly one input of
each window receives the gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.im2col import offset_slice, output_size, to_channels_first, to_channels_last
from numnet.nn.layer import Layer, Shape


class _Pool2D(Layer):
    """Shared geometry of the windowed pools: window k, stride s (default k), no padding."""

    def __init__(self, pool_size: int = 2, stride: int | None = None) -> None:
        self.pool_size = int(pool_size)
        self.stride = int(stride) if stride is not None else self.pool_size

    def build(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} needs (c, h, w) inputs, got {input_shape}")
        self.input_shape = tuple(input_shape)
        c, h, w = input_shape
        k, s = self.pool_size, self.stride
        self.output_shape = (c, output_size(h, k, s), output_size(w, k, s))
        if min(self.output_shape[1:]) < 1:
            raise ValueError(f"{type(self).__name__}: window {k} does not fit input {h}x{w}")
        return self.output_shape

    def _offsets(self):
        """Yield (t, (row slice, col slice)) for every kernel offset, t = i*k + j."""
        _, oh, ow = self.output_shape
        k, s = self.pool_size, self.stride
        for i in range(k):
            for j in range(k):
                yield i * k + j, (offset_slice(i, oh, s), offset_slice(j, ow, s))

    def _input_grad(self, n: int, dtype: np.dtype) -> NDArray:
        """Zeroed (n, h, w, c) gradient: empty would do where windows tile the input exactly."""
        c, h, w = self.input_shape
        return np.zeros((n, h, w, c), dtype)

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": self.pool_size, "stride": self.stride}


class MaxPool2D(_Pool2D):
    """out[n, c, y, x] = max over the k x k window at (s*y, s*x); gradient to its first max."""

    def forward(self, x: NDArray, training: bool = False) -> NDArray:
        xh = to_channels_last(x)  # (n, h, w, c)
        out, arg = None, None
        for t, (rows, cols) in self._offsets():
            v = xh[:, rows, cols]  # (n, oh, ow, c): offset t of every window
            if out is None:
                out = v.copy()
                arg = np.zeros(out.shape, np.uint8)  # which offset holds the max so far
                continue
            bigger = v > out  # strict: on a tie the earlier offset keeps the max
            np.copyto(out, v, where=bigger)
            arg[bigger] = t
        self._arg, self._n, self._dtype = arg, xh.shape[0], xh.dtype
        return to_channels_first(out)

    def backward(self, grad: NDArray) -> NDArray:
        g = to_channels_last(grad)  # (n, oh, ow, c)
        dx = self._input_grad(self._n, g.dtype)
        overlap = self.stride < self.pool_size
        for t, (rows, cols) in self._offsets():
            routed = g * (self._arg == t)
            if overlap:
                dx[:, rows, cols] += routed
            else:
                dx[:, rows, cols] = routed
        return to_channels_first(dx)


class AvgPool2D(_Pool2D):
    """out[n, c, y, x] = mean of the k x k window at (s*y, s*x)."""

    def forward(self, x: NDArray, training: bool = False) -> NDArray:
        xh = to_channels_last(x)
        out = None
        for _, (rows, cols) in self._offsets():
            if out is None:
                out = xh[:, rows, cols].copy()
            else:
                out += xh[:, rows, cols]
        out *= 1.0 / self.pool_size**2
        self._n = xh.shape[0]
        return to_channels_first(out)

    def backward(self, grad: NDArray) -> NDArray:
        g = to_channels_last(grad) * (1.0 / self.pool_size**2)
        g = g.astype(grad.dtype, copy=False)
        dx = self._input_grad(self._n, g.dtype)
        overlap = self.stride < self.pool_size
        for _, (rows, cols) in self._offsets():
            if overlap:
                dx[:, rows, cols] += g
            else:
                dx[:, rows, cols] = g
        return to_channels_first(dx)


class GlobalAvgPool2D(Layer):
    """(n, c, h, w) -> (n, c): the mean of each map, out[n, c] = 1/hw sum_yx x[n, c, y, x]."""

    def build(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"GlobalAvgPool2D needs (c, h, w) inputs, got {input_shape}")
        self.input_shape = tuple(input_shape)
        return (input_shape[0],)

    def forward(self, x: NDArray, training: bool = False) -> NDArray:
        self._n = x.shape[0]
        return x.mean(axis=(2, 3), dtype=x.dtype)

    def backward(self, grad: NDArray) -> NDArray:
        c, h, w = self.input_shape
        dx = np.empty((self._n, h, w, c), grad.dtype)  # channels-last, like Conv2D's
        dx[...] = (grad * (1.0 / (h * w))).astype(grad.dtype, copy=False)[:, None, None, :]
        return to_channels_first(dx)
