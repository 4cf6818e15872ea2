"""Conv2D: a 2-D convolution layer as im2col plus one matrix product.

Shapes seen by callers follow the library: x : (n, c, h, w) -> out : (n, filters, oh, ow),
with oh = floor((h + 2p - kh) / s) + 1.  In memory the layer works channels-last (see
``numnet.nn.layers.im2col``): it reads x as (n, h, w, c), and its output is an NCHW-shaped view of
an NHWC array, so the next Conv2D / pooling layer reads it without a copy.

    forward   cols = [im2col(pad(x)), 1]            (n*oh*ow, kh*kw*c + 1)
              out  = cols @ [W; b]                  (n*oh*ow, f)   the bias rides on the product
    backward  [dW; db] = cols.T @ dout              (kh*kw*c + 1, f)   one matrix product
              dx   = col2im(dout @ W.T)             (n, h, w, c)   kh*kw products + adds

(the column of ones after each window, written once into the reused buffer, makes the
product add b and its transpose sum dout's rows: no separate pass over the output).

The kernel is stored as W : (kh, kw, c, f), so ``W.reshape(kh*kw*c, f)`` is the matrix of
the product with no copy, and b : (f,).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch
from numnet.nn.layer import Layer, Shape
from numnet.nn.layers.activations import relu_into
from numnet.nn.layers.im2col import (
    col2im,
    im2col,
    output_size,
    to_channels_first,
    to_channels_last,
)
from numnet.nn.layers.initializers import init_weights
from numnet.nn.layers.winograd import Winograd3x3, tile_size

ACTIVATIONS = (None, "relu")
WINOGRAD_MIN_CHANNELS = 32  # 3x3 stride-1 layers with this many input channels and outputs
WINOGRAD_MIN_SIZE = 7  # of at least this height and width go through Winograd F(m x m, 3x3)


def _pair(v: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """k -> (k, k); (kh, kw) or [kh, kw] (as ``get_config`` writes it) -> (kh, kw)."""
    return (int(v[0]), int(v[1])) if isinstance(v, tuple | list) else (int(v), int(v))


class Conv2D(Layer):
    """2-D convolution: ``filters`` kernels of ``kernel_size`` over all input channels.

    filters     : number of output channels f
    kernel_size : k or (kh, kw)
    stride      : s, the same along both axes
    padding     : p zeros added on every side ("same" size for odd k and p = (k - 1) / 2)
    init        : weight initialisation of ``numnet.nn.layers.initializers`` with fan_in = kh*kw*c,
                  fan_out = kh*kw*f ("he" for ReLU networks); biases start at 0
    activation  : None, or "relu" to apply max(out, 0) in place on the output, as Keras'
                  ``Conv2D(..., activation="relu")``: one pass fewer over the largest arrays
                  of a CNN than a separate ReLU layer, with the same result
    """

    decay = ("W",)
    # views into the model's flat buffers, set by ``attach``
    W: NDArray[Any]  # (kh, kw, c, f)
    b: NDArray[Any]  # (f,)
    dW: NDArray[Any]
    db: NDArray[Any]

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int] | list[int] = 3,
        stride: int = 1,
        padding: int = 0,
        init: str = "he",
        activation: str | None = None,
    ) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"Conv2D activation must be one of {ACTIVATIONS}, not {activation!r}")
        self.filters = int(filters)
        self.kh, self.kw = _pair(kernel_size)
        self.stride, self.padding, self.init = int(stride), int(padding), init
        self.activation = activation

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
        fits = self.kh == self.kw == 3 and self.stride == 1 and c >= WINOGRAD_MIN_CHANNELS
        fits = fits and min(oh, ow) >= WINOGRAD_MIN_SIZE
        # numnet.nn.layers.winograd, with the tile size of the least work for these shapes
        self._winograd = Winograd3x3(tile_size(c, self.filters, oh, ow)) if fits else None
        return self.output_shape

    def param_shapes(self) -> dict[str, Shape]:
        c = self.input_shape[0]
        return {"W": (self.kh, self.kw, c, self.filters), "b": (self.filters,)}

    def init_params(self, rng: np.random.Generator) -> dict[str, NDArray[Any]]:
        shape = self.param_shapes()["W"]
        k = self.kh * self.kw
        W = init_weights(self.init, shape, k * shape[2], k * self.filters, rng)
        return {"W": W, "b": np.zeros(self.filters, np.float32)}

    def _padded(self, x: NDArray[Any]) -> NDArray[Any]:
        """x : (n, h, w, c) -> (n, h + 2p, w + 2p, c); the reused buffer's border stays 0."""
        p = self.padding
        if p == 0:
            return x
        n, h, w, c = x.shape
        shape = (n, h + 2 * p, w + 2 * p, c)
        xp = scratch(self, "xp", shape, x.dtype)
        if getattr(self, "_xp_ready", None) is not xp:  # a new buffer: zero it once
            xp.fill(0)
            self._xp_ready = xp
        xp[:, p : p + h, p : p + w] = x
        return xp

    def _ones_column(self, rows: int, k: int, dtype: Any) -> NDArray[Any]:
        """A reused (rows, k + 1) matrix whose last column is 1 (written when it is new)."""
        cols = scratch(self, "cols", (rows, k + 1), dtype)
        if getattr(self, "_cols_ready", None) is not cols:
            cols[:, -1] = 1
            self._cols_ready = cols
        return cols

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        """x : (n, c, h, w) -> (n, f, oh, ow), channels-last in memory (a reused array)."""
        f, oh, ow = self.output_shape
        if self._winograd is not None:
            xl = to_channels_last(x)
            out = self._winograd.forward(xl, self.padding, self.W, self.b).reshape(-1, f)
        else:
            xp = self._padded(to_channels_last(x))
            n, c = xp.shape[0], xp.shape[3]
            self._cols = cols = self._ones_column(n * oh * ow, self.kh * self.kw * c, xp.dtype)
            windows = np.reshape(cols[:, :-1], (n, oh, ow, self.kh, self.kw, c), copy=False)
            im2col(xp, self.kh, self.kw, self.stride, windows)
            self._padded_shape = xp.shape
            Wb = scratch(self, "Wb", (cols.shape[1], f), xp.dtype)  # [W; b]
            np.copyto(Wb[:-1], self.W.reshape(-1, f))
            np.copyto(Wb[-1], self.b)
            out = scratch(self, "out", (n * oh * ow, f), xp.dtype)
            np.matmul(cols, Wb, out=out)
        if self.activation == "relu":
            self._out = relu_into(out, out)  # max(out, 0) on the float bits (activations)
        return to_channels_first(out.reshape(-1, oh, ow, f))

    def backward(self, grad: NDArray[Any]) -> NDArray[Any] | None:
        """grad : (n, f, oh, ow) -> dL/dx (n, c, h, w); fills dW and db in place."""
        f = self.filters
        g = to_channels_last(grad).reshape(-1, f)  # (n*oh*ow, f); may be grad itself
        if self.activation == "relu":
            alive = np.greater(self._out, 0, out=scratch(self, "alive", self._out.shape, np.bool_))
            g *= alive  # in place: the gradient array is ours to consume
        if self._winograd is not None:
            ones = scratch(self, "ones", (g.shape[0],), g.dtype)
            ones.fill(1)
            np.dot(ones, g, out=self.db)  # column sums by BLAS; np.dot: see BatchNorm._colsum
            return self._winograd_backward(g)
        dWb = scratch(self, "dWb", (self._cols.shape[1], f), g.dtype)  # [dW; db]
        np.dot(self._cols.T, g, out=dWb)  # kh*kw*c + 1 rows: np.dot releases the GIL
        np.copyto(self.dW.reshape(-1, f), dWb[:-1])
        np.copyto(self.db, dWb[-1])
        if not self.input_grad:
            return None
        n, c, (kh, kw) = self._padded_shape[0], self._padded_shape[3], (self.kh, self.kw)
        _, oh, ow = self.output_shape
        # dcols[i, j] = g @ W[i, j].T : (n*oh*ow, c), kh*kw products in one batched matmul
        dcols = scratch(self, "dcols", (kh * kw, g.shape[0], c), g.dtype)
        np.matmul(g, self.W.reshape(kh * kw, c, f).transpose(0, 2, 1), out=dcols)
        dxp = scratch(self, "dxp", self._padded_shape, g.dtype)
        col2im(dcols.reshape(kh, kw, n, oh, ow, c), self._padded_shape, self.stride, out=dxp)
        p, (_, h, w) = self.padding, self.input_shape
        return to_channels_first(dxp[:, p : p + h, p : p + w])

    def _winograd_backward(self, g: NDArray[Any]) -> NDArray[Any] | None:
        """g : (n*oh*ow, f) -> dL/dx (n, c, h, w) or None; fills dW (``Winograd3x3``)."""
        assert self._winograd is not None
        f, oh, ow = self.output_shape
        dxp = self._winograd.backward(g.reshape(-1, oh, ow, f), self.dW, self.input_grad)
        if dxp is None:
            return None
        p, (_, h, w) = self.padding, self.input_shape
        return to_channels_first(dxp[:, p : p + h, p : p + w])

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "kernel_size": [self.kh, self.kw],
            "stride": self.stride,
            "padding": self.padding,
            "init": self.init,
            "activation": self.activation,
        }
