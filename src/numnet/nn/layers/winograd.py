"""Winograd F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplications.

The im2col path (``numnet.nn.layers.conv``) computes every output pixel as a dot product of
length 9c.  Lavin & Gray ("Fast Algorithms for Convolutional Neural Networks", 2015) cut the
output into 2x2 tiles; each tile sees a 4x4 patch ``d`` of the padded input (patches overlap
by 2), and for one input channel and one filter ``g`` (3x3)

    Y = A^T [ (G g G^T) * (B^T d B) ] A          (* elementwise over the 4x4 positions)

with the constant matrices

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]          (4, 4)
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]           (4, 3)
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]                                        (2, 4)

Summed over channels the elementwise products become matrix products, one per position
p = (a, b) of the 4x4 grid, with T = n * th * tw tiles:

    U[p] = (G W G^T)[p]          (16, c, f)   once per step, from W : (3, 3, c, f)
    V[p] = (B^T d B)[p]          (16, T, c)   every tile and channel
    M[p] = V[p] @ U[p]           (16, T, f)   16 products with K = c (one batched matmul)
    Y    = A^T M A               (T, 2, 2, f) cropped into out : (n, oh, ow, f)

16 products of T*c*f multiply-adds against im2col's one of 4T * 9c * f: 2.25x fewer (less
when oh or ow is odd: the tile grid then covers one row or column more than the output, and
the input is padded with zeros up to the grid, ``2*th + 2`` rows by ``2*tw + 2`` columns).

The three transforms are linear maps of the 16 (or 9, or 4) values of a tile, so each is one
small matrix product over a positions-first layout: with d gathered as D : (16, T*c),
V = kron(B^T, B^T) @ D; likewise U = kron(G, G) @ W.reshape(9, c*f) and
Y = kron(A^T, A^T) @ M.reshape(16, T*f).  (Doing them as whole-array adds of strided slices
is slower in NumPy: one array pass per add.)

Backward follows by adjoints, given dY = dL/dout : (n, oh, ow, f) (zero on the cropped part):

    dM    = A dY A^T                 kron(A^T, A^T).T @ dY      (16, T, f)
    dU[p] = V[p]^T @ dM[p]                                      (16, c, f)
    dW    = G^T dU G                 kron(G, G).T @ dU          (3, 3, c, f)
    dV[p] = dM[p] @ U[p]^T                                      (16, T, c)
    dd    = B dV B^T                 kron(B^T, B^T).T @ dV      (16, T, c)

and dd is added back to the 4x4 patch each tile was read from: 16 strided adds, one per
position (i, j) of the patch, ``dxp[:, i : i + 2*th : 2, j : j + 2*tw : 2] += dd[i, j]``;
within one position the tiles' pixels are distinct, so ``+=`` is exact.  dxp has the padded
input's own shape (n, oh + 2, ow + 2, c), not the tile grid's: contributions to the grid's
extra zero row or column are dropped, and the gradient stays one contiguous array (with no
padding, dx is dxp itself, which the layers below read at full speed).

Arrays are channels-last, (n, h, w, c), as everywhere in numnet.  The work goes in chunks of
a few images (``chunk_size``): the chunk's D, V, M stay in the CPU's caches between the
transforms and the products, which a whole batch's (tens of megabytes) would not.  V is kept for
the whole batch (the backward's dU needs it); all arrays are reused (``numnet.core.scratch``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch

_BT = ((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1))
_G = ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0, 0, 1))
_AT = ((1, 1, 1, 0), (0, 1, -1, -1))
_TILES_PER_CHUNK = 576  # rows of a chunk's products: its D, V and M stay in the caches


@cache
def _kron(name: str, dtype: np.dtype[Any]) -> NDArray[Any]:
    """kron(X, X) for X = B^T (16, 16), G (16, 9) or A^T (4, 16), read-only, in ``dtype``."""
    x = np.array({"BT": _BT, "G": _G, "AT": _AT}[name], np.float64)
    k = np.kron(x, x).astype(dtype)
    k.flags.writeable = False
    return k


def tile_grid(oh: int, ow: int) -> tuple[int, int]:
    """Number of 2x2 output tiles along each axis: (ceil(oh / 2), ceil(ow / 2))."""
    return (oh + 1) // 2, (ow + 1) // 2


def chunk_size(th: int, tw: int) -> int:
    """Images per chunk: about ``_TILES_PER_CHUNK`` tiles, at least one image."""
    return max(1, _TILES_PER_CHUNK // (th * tw))


def filter_transform(W: NDArray[Any], out: NDArray[Any]) -> NDArray[Any]:
    """W : (3, 3, c, f) -> U = G W G^T : (16, c, f), written into ``out``."""
    np.matmul(_kron("G", W.dtype), W.reshape(9, -1), out=out.reshape(16, -1))
    return out


def filter_transform_adjoint(dU: NDArray[Any], out: NDArray[Any]) -> NDArray[Any]:
    """dU : (16, c, f) -> dW = G^T dU G : (3, 3, c, f), written into ``out``."""
    np.matmul(_kron("G", dU.dtype).T, dU.reshape(16, -1), out=out.reshape(9, -1))
    return out


def tiles(xe: NDArray[Any], th: int, tw: int) -> NDArray[Any]:
    """The 4x4 input patches of every tile, positions first, as a view (nothing is copied).

    xe : (n, >= 2*th + 2, >= 2*tw + 2, c) -> (4, 4, n, th, tw, c), [i, j, :, y, x] =
    xe[:, 2y + i, 2x + j]
    """
    win: NDArray[Any] = np.lib.stride_tricks.sliding_window_view(xe, (4, 4), axis=(1, 2))
    patches: NDArray[Any] = win[:, : 2 * th : 2, : 2 * tw : 2].transpose(4, 5, 0, 1, 2, 3)
    return patches


def crop_views(y: NDArray[Any], out: NDArray[Any]) -> list[tuple[NDArray[Any], NDArray[Any]]]:
    """The 4 pixel classes of 2x2 tiles: pairs (tile values, output pixels), as views.

    y : (2, 2, n, th, tw, f), out : (n, oh, ow, f); out[:, 2t + i, 2u + j] = y[i, j, :, t, u]
    for every pixel inside (oh, ow) (tiles beyond an odd edge are cropped).
    """
    oh, ow = out.shape[1:3]
    pairs = []
    for i in range(2):
        for j in range(2):
            pairs.append((y[i, j, :, : (oh - i + 1) // 2, : (ow - j + 1) // 2], out[:, i::2, j::2]))
    return pairs


class Winograd3x3:
    """One layer's Winograd convolution: its work arrays, and U and V from forward to backward.

    forward  : x (n, h, w, c), padding p, W (3, 3, c, f), b (f,) -> out (n, oh, ow, f), the
               convolution of x padded with p zeros, plus b (a reused array);
               oh = h + 2p - 2, ow = w + 2p - 2
    backward : dY (n, oh, ow, f), the W of the forward -> fills dW (3, 3, c, f); returns
               dxp (n, oh + 2, ow + 2, c), dL/d(padded input) (a reused array), or None without
               dx; the tile grid's extra zero row or column (odd oh or ow) gets no gradient
    """

    def __init__(self) -> None:
        self._U: NDArray[Any] | None = None
        self._V: NDArray[Any] | None = None
        self._xe_ready: NDArray[Any] | None = None

    def padded(self, x: NDArray[Any], p: int) -> NDArray[Any]:
        """x : (n, h, w, c) -> xe : (n, 2*th + 2, 2*tw + 2, c), x at offset (p, p), zeros around
        (the reused buffer is zeroed once, when it is new; only its window is written)."""
        n, h, w, c = x.shape
        th, tw = tile_grid(h + 2 * p - 2, w + 2 * p - 2)
        xe = scratch(self, "xe", (n, 2 * th + 2, 2 * tw + 2, c), x.dtype)
        if self._xe_ready is not xe:
            xe.fill(0)
            self._xe_ready = xe
        xe[:, p : p + h, p : p + w] = x
        return xe

    def forward(self, x: NDArray[Any], p: int, W: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]:
        n, h, w, c = x.shape
        f, dt = W.shape[3], x.dtype
        oh, ow = h + 2 * p - 2, w + 2 * p - 2
        th, tw = tile_grid(oh, ow)
        xe = self.padded(x, p)
        tt, k = th * tw, chunk_size(th, tw)
        U = filter_transform(W, scratch(self, "U", (16, c, f), dt))
        V = scratch(self, "V", (16, n * tt * c), dt)
        D = scratch(self, "D", (16, k * tt * c), dt)
        M = scratch(self, "M", (16, k * tt * f), dt)
        Y = scratch(self, "Y", (4, k * tt * f), dt)
        out = scratch(self, "out", (n, oh, ow, f), dt)
        patches = tiles(xe, th, tw)
        kb, ka = _kron("BT", dt), _kron("AT", dt)
        for s in range(0, n, k):
            m = min(k, n - s)
            d, v = D[:, : m * tt * c], V[:, s * tt * c : (s + m) * tt * c]
            np.copyto(d.reshape(4, 4, m, th, tw, c), patches[:, :, s : s + m])
            np.matmul(kb, d, out=v)
            mm = M[:, : m * tt * f]
            np.matmul(v.reshape(16, m * tt, c), U, out=mm.reshape(16, m * tt, f))
            y = Y[:, : m * tt * f]
            np.matmul(ka, mm, out=y)
            for src, dst in crop_views(y.reshape(2, 2, m, th, tw, f), out[s : s + m]):
                np.add(src, b, out=dst)  # the bias rides on the cropping copy
        self._U, self._V = U, V
        return out

    def backward(
        self, dY: NDArray[Any], dW: NDArray[Any], input_grad: bool = True
    ) -> NDArray[Any] | None:
        U, V = self._U, self._V
        if U is None or V is None:
            raise RuntimeError("Winograd3x3.backward needs a forward first")
        n, oh, ow, f = dY.shape
        c, dt = U.shape[1], dY.dtype
        th, tw = tile_grid(oh, ow)
        tt, k = th * tw, chunk_size(th, tw)
        dYt = scratch(self, "Y", (4, k * tt * f), dt)
        dM = scratch(self, "M", (16, k * tt * f), dt)
        dV = scratch(self, "D", (16, k * tt * c), dt)
        dU = scratch(self, "dU", (16, c, f), dt)
        part = scratch(self, "dU_part", (16, c, f), dt)
        ka, kb = _kron("AT", dt), _kron("BT", dt)
        for s in range(0, n, k):
            m = min(k, n - s)
            y = dYt[:, : m * tt * f]
            y6 = y.reshape(2, 2, m, th, tw, f)
            y6[1, :, :, oh // 2 :] = 0  # the cropped tile pixels of odd edges get no gradient
            y6[:, 1, :, :, ow // 2 :] = 0
            for dst, src in crop_views(y6, dY[s : s + m]):
                np.copyto(dst, src)
            dm = dM[:, : m * tt * f]
            np.matmul(ka.T, y, out=dm)
            dm3 = dm.reshape(16, m * tt, f)
            v = V[:, s * tt * c : (s + m) * tt * c]
            np.matmul(v.reshape(16, m * tt, c).transpose(0, 2, 1), dm3, out=dU if s == 0 else part)
            if s:
                dU += part
            if input_grad:
                dv = dV[:, : m * tt * c]
                np.matmul(dm3, U.transpose(0, 2, 1), out=dv.reshape(16, m * tt, c))
                np.matmul(kb.T, dv, out=v)  # this chunk's V is used up: its memory takes dd
        filter_transform_adjoint(dU, dW)
        self._V = None  # V now holds dd
        if not input_grad:
            return None
        dd = V.reshape(4, 4, n, th, tw, c)
        dxp = scratch(self, "dxp", (n, oh + 2, ow + 2, c), dt)
        dxp[:, 2 * th :] = 0  # rows and columns that only offsets (i, j) >= 2 reach
        dxp[:, :, 2 * tw :] = 0
        for i in range(4):
            rows = min(th, (oh + 3 - i) // 2)  # tiles whose row i lies inside dxp
            for j in range(4):
                cols = min(tw, (ow + 3 - j) // 2)
                dst = dxp[:, i : i + 2 * rows - 1 : 2, j : j + 2 * cols - 1 : 2]
                src = dd[i, j, :, :rows, :cols]
                if i < 2 and j < 2:  # these four cover rows < 2*th and columns < 2*tw once
                    np.copyto(dst, src)
                else:
                    dst += src
        return dxp
