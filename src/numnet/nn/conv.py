"""Conv2D: a 2-D convolution layer as im2col plus one matrix product.

Shapes seen by callers follow the library: x : (n, c, h, w) -> out : (n, filters, oh, ow),
with oh = floor((h + 2p - kh) / s) + 1.  In memory the layer works channels-last (see
``numnet.nn.im2col``): it reads x as (n, h, w, c), and its output is an NCHW-shaped view of
an NHWC array, so the next Conv2D / pooling layer reads it without a copy.

    forward   cols = im2col(pad(x))                 (n*oh*ow, kh*kw*c)
              out  = cols @ W + b                   (n*oh*ow, f)
    backward  db   = sum over rows of dout          (f,)
              dW   = cols.T @ dout                  (kh*kw*c, f)   one matrix product
              dx   = col2im(dout @ W.T)             (n, h, w, c)   one product + kh*kw adds

The kernel is stored as W : (kh, kw, c, f), so ``W.reshape(kh*kw*c, f)`` is the matrix of
the product with no copy, and b : (f,).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.im2col import (
    col2im,
    im2col,
    output_size,
    to_channels_first,
    to_channels_last,
)
from numnet.nn.layer import Layer, Shape

INITS = ("he", "glorot")


def _pair(v: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


class Conv2D(Layer):
    """2-D convolution: ``filters`` kernels of ``kernel_size`` over all input channels.

    filters     : number of output channels f
    kernel_size : k or (kh, kw)
    stride      : s, the same along both axes
    padding     : p zeros added on every side ("same" size for odd k and p = (k - 1) / 2)
    init        : "he" (normal, std sqrt(2 / fan_in), for ReLU networks) or "glorot"
                  (uniform, limit sqrt(6 / (fan_in + fan_out))); biases start at 0.
    """

    decay = ("W",)

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int] = 3,
        stride: int = 1,
        padding: int = 0,
        init: str = "he",
    ) -> None:
        if init not in INITS:
            raise ValueError(f"Conv2D init must be one of {INITS}, not {init!r}")
        self.filters = int(filters)
        self.kh, self.kw = _pair(kernel_size)
        self.stride, self.padding, self.init = int(stride), int(padding), init
        self.input_grad = True  # False skips dL/dx (a model's first layer needs none)
        self._xp: NDArray | None = None  # padded-input buffer, zero border kept between calls
        self._cols: NDArray | None = None  # im2col buffer, reused while the batch shape holds

    def build(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D needs (channels, height, width) inputs, got {input_shape}")
        self.input_shape = tuple(input_shape)
        c, h, w = input_shape
        oh = output_size(h, self.kh, self.stride, self.padding)
        ow = output_size(w, self.kw, self.stride, self.padding)
        if oh < 1 or ow < 1:
            raise ValueError(f"Conv2D kernel {self.kh}x{self.kw} does not fit input {h}x{w}")
        self.output_shape = (self.filters, oh, ow)
        return self.output_shape

    def param_shapes(self) -> dict[str, Shape]:
        c = self.input_shape[0]
        return {"W": (self.kh, self.kw, c, self.filters), "b": (self.filters,)}

    def init_params(self, rng: np.random.Generator) -> dict[str, NDArray]:
        shape = self.param_shapes()["W"]
        fan_in = self.kh * self.kw * shape[2]
        if self.init == "he":
            W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        else:
            limit = np.sqrt(6.0 / (fan_in + self.kh * self.kw * self.filters))
            W = rng.uniform(-limit, limit, shape)
        return {"W": W, "b": np.zeros(self.filters)}

    def _padded(self, x: NDArray) -> NDArray:
        """x : (n, h, w, c) -> (n, h + 2p, w + 2p, c), written into a reused buffer."""
        p = self.padding
        if p == 0:
            return x
        n, h, w, c = x.shape
        shape = (n, h + 2 * p, w + 2 * p, c)
        if self._xp is None or self._xp.shape != shape or self._xp.dtype != x.dtype:
            self._xp = np.zeros(shape, x.dtype)
        self._xp[:, p : p + h, p : p + w] = x
        return self._xp

    def forward(self, x: NDArray, training: bool = False) -> NDArray:
        """x : (n, c, h, w) -> (n, f, oh, ow), channels-last in memory."""
        xp = self._padded(to_channels_last(x))
        n = xp.shape[0]
        f, oh, ow = self.output_shape
        shape = (n, oh, ow, self.kh, self.kw, xp.shape[3])
        if self._cols is None or self._cols.shape != shape or self._cols.dtype != xp.dtype:
            self._cols = np.empty(shape, xp.dtype)
        self._padded_shape = xp.shape
        cols = im2col(xp, self.kh, self.kw, self.stride, out=self._cols).reshape(n * oh * ow, -1)
        out = cols @ self.W.reshape(-1, f)
        out += self.b
        return to_channels_first(out.reshape(n, oh, ow, f))

    def backward(self, grad: NDArray) -> NDArray | None:
        """grad : (n, f, oh, ow) -> dL/dx (n, c, h, w); fills dW and db in place."""
        f = self.filters
        g = to_channels_last(grad).reshape(-1, f)  # (n*oh*ow, f)
        cols = self._cols.reshape(g.shape[0], -1)  # (n*oh*ow, kh*kw*c)
        np.sum(g, axis=0, out=self.db)
        np.matmul(cols.T, g, out=self.dW.reshape(-1, f))
        if not self.input_grad:
            return None
        dcols = (g @ self.W.reshape(-1, f).T).reshape(self._cols.shape)
        dxp = col2im(dcols, self._padded_shape, self.stride)
        p, (_, h, w) = self.padding, self.input_shape
        return to_channels_first(dxp[:, p : p + h, p : p + w])

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel_size": [self.kh, self.kw],
            "stride": self.stride,
            "padding": self.padding,
            "init": self.init,
        }
