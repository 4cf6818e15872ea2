"""im2col and col2im: a convolution as one matrix product, by index arithmetic.

A 2-D convolution (cross-correlation, as in every deep-learning library) of an input
``x`` with a kernel ``W`` is

    out[n, y, x, f] = b[f] + sum_{i, j, c} xp[n, s*y + i, s*x + j, c] * W[i, j, c, f]

where ``xp`` is the input padded with ``p`` zeros on each side and ``s`` the stride.  If we
copy, for every output pixel (n, y, x), the ``kh*kw*c`` input values it sees into one row
of a matrix ``cols``, the sum becomes a single matrix product:

    cols : (n*oh*ow, kh*kw*c)      W : (kh*kw*c, f)      out = cols @ W : (n*oh*ow, f)

The arrays here are channels-last (NHWC): ``x[n, h, w, c]``.  With that layout the rows of
``cols`` are built from contiguous runs of ``c`` values, ``out`` comes out of the product
already in NHWC order, and both matrices of the product are C-contiguous (the layers keep
NCHW *shapes* for their callers and NHWC *memory*: see ``numnet.nn.layers.conv``).

The input gradient is the adjoint of im2col: every entry of ``dcols = dout @ W.T`` is added
back to the input pixel it was copied from.  Pixels are shared by up to ``kh*kw`` windows,
so we loop over the ``kh*kw`` kernel offsets (i, j) and add one strided slice per offset:

    dxp[:, i : i + s*oh : s, j : j + s*ow : s, :] += dcols[i, j]      dcols[i, j] : (n, oh, ow, c)

Within one offset the slices do not overlap, so a plain ``+=`` is correct: no ``np.add.at``,
no Python loop over samples or pixels.  ``dcols`` is laid out offset-first,
(kh, kw, n, oh, ow, c), so each added block is contiguous: ``Conv2D`` computes it as kh*kw
products ``dout @ W[i, j].T`` in one batched ``np.matmul``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from numnet.core.scratch import scratch


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Number of window positions along one axis: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def offset_slice(offset: int, count: int, stride: int) -> slice:
    """The input positions offset, offset + s, ..., offset + s*(count-1) as a slice.

    Window number ``y`` starts at ``s*y``, so its element at kernel offset ``i`` sits at
    ``s*y + i``; taking all ``count`` windows at once gives this strided slice.
    """
    return slice(offset, offset + stride * (count - 1) + 1, stride)


def im2col(
    xp: NDArray[Any], kh: int, kw: int, stride: int = 1, out: NDArray[Any] | None = None
) -> NDArray[Any]:
    """Copy every (kh, kw) window of ``xp`` into one row.

    xp  : (n, H, W, c) padded input, channels last (any strides)
    out : optional (n, oh, ow, kh, kw, c) buffer to fill
    returns cols : (n, oh, ow, kh, kw, c), C-contiguous; ``cols.reshape(n*oh*ow, -1)`` is the
    matrix of the module docstring.  ``oh = (H - kh) // stride + 1``, likewise ``ow``.
    """
    n, H, W, c = xp.shape
    oh, ow = output_size(H, kh, stride), output_size(W, kw, stride)
    if out is None:
        out = np.empty((n, oh, ow, kh, kw, c), xp.dtype)
    if c < 8:
        # Few channels (the first layer): one strided slice per kernel offset copies whole
        # image rows at a time, 3x faster here than the window copy's runs of c values.
        for i in range(kh):
            rows = offset_slice(i, oh, stride)
            for j in range(kw):
                out[:, :, :, i, j] = xp[:, rows, offset_slice(j, ow, stride)]
        return out
    # windows[n, y, x, c, i, j] = xp[n, y + i, x + j, c]: a view, nothing is copied yet.
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    windows = windows[:, : stride * (oh - 1) + 1 : stride, : stride * (ow - 1) + 1 : stride]
    np.copyto(out, windows.transpose(0, 1, 2, 4, 5, 3))  # the one copy
    return out


def col2im(
    dcols: NDArray[Any],
    padded_shape: tuple[int, int, int, int],
    stride: int = 1,
    out: NDArray[Any] | None = None,
) -> NDArray[Any]:
    """Adjoint of ``im2col``: add each window entry back to the pixel it came from.

    dcols        : (kh, kw, n, oh, ow, c) gradient with respect to the windows, offset-first
    padded_shape : (n, H, W, c) shape of the padded input
    out          : optional (n, H, W, c) buffer to use (it is zeroed first)
    returns dxp  : (n, H, W, c), dL/dxp (pixels no window covers get 0)
    """
    kh, kw, n, oh, ow, c = dcols.shape
    if out is None:
        out = np.zeros(padded_shape, dcols.dtype)
    else:
        out.fill(0)
    for i in range(kh):
        rows = offset_slice(i, oh, stride)
        for j in range(kw):
            out[:, rows, offset_slice(j, ow, stride)] += dcols[i, j]
    return out


def to_channels_last(x: NDArray[Any]) -> NDArray[Any]:
    """(n, c, h, w) -> C-contiguous (n, h, w, c).

    Free (no copy) when ``x`` is already channels-last in memory, as the outputs of
    ``Conv2D`` and the pooling layers are: they return ``nhwc.transpose(0, 3, 1, 2)``, an
    array of NCHW *shape* whose memory is NHWC (PyTorch calls this "channels_last").
    Elementwise layers between them (ReLU, ...) keep that memory order.
    """
    return np.ascontiguousarray(np.transpose(x, (0, 2, 3, 1)))


def to_channels_first(x: NDArray[Any]) -> NDArray[Any]:
    """(n, h, w, c) -> (n, c, h, w) view, without copying (the inverse of the above)."""
    return np.transpose(x, (0, 3, 1, 2))


def is_channels_last(x: NDArray[Any]) -> bool:
    """True when the (n, c, h, w) array ``x`` is laid out in memory as (n, h, w, c)."""
    return x.ndim == 4 and x.transpose(0, 2, 3, 1).flags.c_contiguous


def layout_scratch(
    owner: object,
    name: str,
    shape: tuple[int, int, int, int],
    dtype: DTypeLike,
    channels_last: bool,
) -> NDArray[Any]:
    """A reused (n, c, h, w) work array (``core.scratch``), channels-last in memory if asked."""
    if not channels_last:
        return scratch(owner, name, shape, dtype)
    n, c, h, w = shape
    return to_channels_first(scratch(owner, name, (n, h, w, c), dtype))
