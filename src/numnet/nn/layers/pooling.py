"""Pooling layers: MaxPool2D, AvgPool2D and GlobalAvgPool2D.

A (k x k) pooling window with stride s covers, for output pixel (y, x), the inputs
(s*y + i, s*x + j) for kernel offsets 0 <= i, j < k.  Taking one offset (i, j) for all
windows at once is a strided slice of the input (``numnet.nn.layers.im2col.offset_slice``), so
each layer loops over the k*k offsets, never over samples or pixels:

    max pool   out = max_(i,j) x[:, i::s, j::s]       dx[window argmax] = dout, 0 elsewhere
    avg pool   out = 1/k^2 sum_(i,j) x[:, i::s, j::s]  dx[every input of a window] += dout/k^2

With the usual non-overlapping windows (s = k, e.g. 2x2 stride 2) the k*k slices partition
the input: they are the axes of ``x.reshape(n, oh, k, ow, k, c)``, and the backward pass
*writes* each slice instead of accumulating.  Rows and columns no window reaches (the last
row of a 13-pixel map under 2x2 pooling) get gradient 0.

The layers take and return (n, c, h, w) shapes and keep the memory order they are given:
the slices index axes 2 and 3 whatever the strides, elementwise NumPy keeps the input's
layout, and the input gradient is allocated in the input's layout.  So a channels-last
output of ``Conv2D`` stays channels-last, and a plain NCHW array stays NCHW; neither is
transposed.  Max-pool ties go to the first maximum in (i, j) order, so exactly one input
of each window receives the gradient.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from numnet.nn.layer import Layer, Shape
from numnet.nn.layers.im2col import (
    is_channels_last,
    layout_scratch,
    offset_slice,
    output_size,
    to_channels_first,
    to_channels_last,
)


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

    def _offsets(self) -> Iterator[tuple[int, tuple[slice, slice]]]:
        """Yield (t, (row slice, col slice)) for every kernel offset, t = i*k + j."""
        _, oh, ow = self.output_shape
        k, s = self.pool_size, self.stride
        for i in range(k):
            for j in range(k):
                yield i * k + j, (offset_slice(i, oh, s), offset_slice(j, ow, s))

    def _remember_layout(self, x: NDArray[Any]) -> None:
        self._n, self._channels_last = x.shape[0], is_channels_last(x)

    def _work(self, name: str, shape: Shape, dtype: DTypeLike) -> NDArray[Any]:
        """A reused (n, c, h, w) array, shape = (c, h, w), in the memory order of the forward
        input."""
        c, h, w = shape
        return layout_scratch(self, name, (self._n, c, h, w), dtype, self._channels_last)

    def _like_input(self, grad: NDArray[Any]) -> NDArray[Any]:
        """grad in the memory order of the forward input: one copy of the small array here
        saves mixed-order (slow, strided) arithmetic on the large one."""
        if self._channels_last and not is_channels_last(grad):
            return to_channels_first(to_channels_last(grad))
        return grad

    def _input_grad(self, dtype: DTypeLike) -> NDArray[Any]:
        """(n, c, h, w) gradient buffer; zeroed unless the windows tile the input exactly."""
        dx = self._work("dx", self.input_shape, dtype)
        _, h, w = self.input_shape
        _, oh, ow = self.output_shape
        k, s = self.pool_size, self.stride
        if not (k == s and oh * k == h and ow * k == w):
            dx.fill(0)
        return dx

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": self.pool_size, "stride": self.stride}


class MaxPool2D(_Pool2D):
    """out[n, c, y, x] = max over the k x k window at (s*y, s*x); gradient to its first max."""

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self._remember_layout(x)
        views = [x[:, :, rows, cols] for _, (rows, cols) in self._offsets()]  # (n, c, oh, ow)
        out = self._work("out", self.output_shape, x.dtype)
        if len(views) == 1:
            np.copyto(out, views[0])
        else:  # the first maximum writes out: no copy of views[0]
            np.maximum(views[0], views[1], out=out)
        for v in views[2:]:
            np.maximum(out, v, out=out)
        if training:
            self._winner = self._first_maxima(views, out)
        return out

    def _first_maxima(self, views: list[NDArray[Any]], out: NDArray[Any]) -> list[NDArray[Any]]:
        """winner[t] (n, c, oh, ow) bool: offset t holds the window's maximum and no earlier
        offset does.  With e_t = [x_t == out] and taken_t = e_0 | ... | e_(t-1):

            winner[0] = e_0,   winner[t] = e_t > taken_t  (e_t and not taken_t),
            winner[last] = not taken_last              (some offset holds the maximum)

        three passes over the (small) output per middle offset, none copied or negated."""
        def work(name: str) -> NDArray[Any]:
            return self._work(name, self.output_shape, np.bool_)

        winner = [np.equal(views[0], out, out=work("w0"))]
        taken = winner[0]
        for t, v in enumerate(views[1:-1], 1):
            first = np.greater(np.equal(v, out, out=work(f"w{t}")), taken, out=work(f"w{t}"))
            taken = np.logical_or(taken, first, out=work("taken"))
            winner.append(first)
        if len(views) > 1:
            winner.append(np.logical_not(taken, out=work("taken")))
        return winner

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        grad = self._like_input(grad)
        dx = self._input_grad(grad.dtype)
        overlap = self.stride < self.pool_size
        for t, (rows, cols) in self._offsets():
            if overlap:
                dx[:, :, rows, cols] += grad * self._winner[t]
            else:
                np.multiply(grad, self._winner[t], out=dx[:, :, rows, cols])
        return dx


class AvgPool2D(_Pool2D):
    """out[n, c, y, x] = mean of the k x k window at (s*y, s*x)."""

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self._remember_layout(x)
        views = [x[:, :, rows, cols] for _, (rows, cols) in self._offsets()]
        out = self._work("out", self.output_shape, x.dtype)
        np.copyto(out, views[0])
        for v in views[1:]:
            out += v
        out *= out.dtype.type(1 / self.pool_size**2)
        return out

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        g = self._like_input(grad) * grad.dtype.type(1 / self.pool_size**2)
        dx = self._input_grad(g.dtype)
        overlap = self.stride < self.pool_size
        for _, (rows, cols) in self._offsets():
            if overlap:
                dx[:, :, rows, cols] += g
            else:
                dx[:, :, rows, cols] = g
        return dx


class GlobalAvgPool2D(Layer):
    """(n, c, h, w) -> (n, c): the mean of each map, out[n, c] = 1/hw sum_yx x[n, c, y, x]."""

    def build(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"GlobalAvgPool2D needs (c, h, w) inputs, got {input_shape}")
        self.input_shape = tuple(input_shape)
        return (input_shape[0],)

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        self._n, self._channels_last = x.shape[0], is_channels_last(x)
        means: NDArray[Any] = x.mean(axis=(2, 3), dtype=x.dtype)
        return means

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        c, h, w = self.input_shape
        dx = layout_scratch(self, "dx", (self._n, c, h, w), grad.dtype, self._channels_last)
        np.multiply(grad[:, :, None, None], grad.dtype.type(1 / (h * w)), out=dx)
        return dx
