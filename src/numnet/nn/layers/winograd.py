"""Winograd F(m x m, 3x3): a 3x3 stride-1 convolution with fewer multiplications.

The im2col path (``numnet.nn.layers.conv``) computes every output pixel as a dot product of
length 9c.  Lavin & Gray ("Fast Algorithms for Convolutional Neural Networks", 2015) cut the
output into m x m tiles; each tile sees an a x a patch ``d`` of the padded input, a = m + 2
(patches overlap by 2), and for one input channel and one filter ``g`` (3x3)

    Y = A^T [ (G g G^T) * (B^T d B) ] A          (* elementwise over the a x a positions)

with constant matrices B^T (a, a), G (a, 3), A^T (m, a) built from a - 1 interpolation
points and infinity (Cook-Toom; ``transform_matrices``):

    m = 2 (a = 4), points 0, 1, -1       B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0],
                                                [0, 1, 0, -1]],  G = [[1, 0, 0],
                                                [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]],
                                                A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
    m = 3 (a = 5), points 0, 1, -1, 2
    m = 4 (a = 6), points 0, 1, -1, 2, -2  (Lavin & Gray's F(4x4, 3x3))

Summed over channels the elementwise products become matrix products, one per position
p = (u, v) of the a x a grid, with T = n * th * tw tiles (th = ceil(oh / m), tw likewise):

    U[p] = (G W G^T)[p]          (a^2, c, f)   once per step, from W : (3, 3, c, f)
    V[p] = (B^T d B)[p]          (a^2, T, c)   every tile and channel
    M[p] = V[p] @ U[p]           (a^2, T, f)   a^2 products with K = c (one batched matmul)
    Y    = A^T M A               (T, m, m, f)  cropped into out : (n, oh, ow, f)

a^2 T c f multiply-adds against im2col's m^2 T * 9c * f: 2.25x fewer for m = 2, 3.24x for
m = 3, 4x for m = 4 (less when m does not divide oh or ow: the tile grid then covers more
than the output, and the input is padded with zeros up to the grid, ``m*th + 2`` rows by
``m*tw + 2`` columns).  Larger tiles cost more in the transforms (2 a^3 and m a^2 + m^2 a
multiply-adds per tile and channel: 128 and 48 for m = 2, 432 and 240 for m = 4) and round a
little more (their points are farther from 0: relative errors of 1e-6 (m = 2) to about 1e-5
(m = 4) in float32, as the tests check), so ``tile_size`` picks, per layer, the m of the
smallest estimated work: products plus transforms, for the grid that layer's output needs
(the CNN preset's 11x11 maps take m = 4, its 9x9 maps m = 3, which tiles them exactly).

The three transforms are linear maps of the a^2 (or 9, or m^2) values of a tile, in a
positions-first layout: with d gathered as D : (a^2, T*c), V = kron(B^T, B^T) @ D; likewise
U = kron(G, G) @ W.reshape(9, c*f) and Y = kron(A^T, A^T) @ M.reshape(a^2, T*f).  The tile
transforms are done the separable way, X d X^T as two products with the small matrix X
(``separable``): X along the patch's rows, then along its columns, 2 a^3 multiply-adds per
tile and channel instead of kron's a^4 (whole-array adds of strided slices would be slower
in NumPy: one array pass per add).

Backward follows by adjoints, given dY = dL/dout : (n, oh, ow, f) (zero on the cropped part):

    dM    = A dY A^T                 kron(A^T, A^T).T @ dY      (a^2, T, f)
    dU[p] = V[p]^T @ dM[p]                                      (a^2, c, f)
    dW    = G^T dU G                 kron(G, G).T @ dU          (3, 3, c, f)
    dV[p] = dM[p] @ U[p]^T                                      (a^2, T, c)
    dd    = B dV B^T                 kron(B^T, B^T).T @ dV      (a^2, T, c)

and dd is added back to the a x a patch each tile was read from: a^2 strided adds, one per
position (i, j) of the patch, ``dxp[:, i : i + m*th : m, j : j + m*tw : m] += dd[i, j]``;
within one position the tiles' pixels are distinct, so ``+=`` is exact.  dxp has the padded
input's own shape (n, oh + 2, ow + 2, c), not the tile grid's: contributions to the grid's
extra zero rows or columns are dropped, and the gradient stays one contiguous array (with no
padding, dx is dxp itself, which the layers below read at full speed).

Arrays are channels-last, (n, h, w, c), as everywhere in numnet.  The work goes in chunks of
a few images (``chunk_size``): the chunk's D, V, M stay in the CPU's caches between the
transforms and the products, which a whole batch's (tens of megabytes) would not.  V is kept for
the whole batch (the backward's dU needs it); all arrays are reused (``numnet.core.scratch``).
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch

_H, _S, _T = Fraction(1, 2), Fraction(1, 6), Fraction(1, 3)
#: m -> (B^T, G, A^T) of F(m x m, 3x3), exact
_MATRICES: dict[int, tuple[tuple[tuple[Any, ...], ...], ...]] = {
    2: (
        ((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1)),
        ((1, 0, 0), (_H, _H, _H), (_H, -_H, _H), (0, 0, 1)),
        ((1, 1, 1, 0), (0, 1, -1, -1)),
    ),
    3: (
        ((2, -1, -2, 1, 0), (0, -2, -1, 1, 0), (0, 2, -3, 1, 0), (0, -1, 0, 1, 0),
         (0, 2, -1, -2, 1)),
        ((_H, 0, 0), (-_H, -_H, -_H), (-_S, _S, -_S), (_S, _T, 2 * _T), (0, 0, 1)),
        ((1, 1, 1, 1, 0), (0, 1, -1, 2, 0), (0, 1, 1, 4, 1)),
    ),
    4: (
        ((4, 0, -5, 0, 1, 0), (0, -4, -4, 1, 1, 0), (0, 4, -4, -1, 1, 0), (0, -2, -1, 2, 1, 0),
         (0, 2, -1, -2, 1, 0), (0, 4, 0, -5, 0, 1)),
        ((Fraction(1, 4), 0, 0), (-_S, -_S, -_S), (-_S, _S, -_S),
         (Fraction(1, 24), Fraction(1, 12), _S), (Fraction(1, 24), -Fraction(1, 12), _S),
         (0, 0, 1)),
        ((1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0), (0, 1, 1, 4, 4, 0), (0, 1, -1, 8, -8, 1)),
    ),
}
TILE_SIZES = tuple(_MATRICES)
#: values (positions x tiles) of a chunk's products: its D, V and M stay in the caches
_VALUES_PER_CHUNK = 9216


def transform_matrices(m: int) -> tuple[NDArray[np.float64], ...]:
    """(B^T (a, a), G (a, 3), A^T (m, a)) of F(m x m, 3x3) in float64, a = m + 2."""
    return tuple(np.array([[float(v) for v in row] for row in mat]) for mat in _MATRICES[m])


@cache
def _matrix(m: int, name: str, dtype: np.dtype[Any], transposed: bool = False) -> NDArray[Any]:
    """X = B^T (a, a), G (a, 3) or A^T (m, a), or its transpose, contiguous and read-only."""
    x = transform_matrices(m)[("BT", "G", "AT").index(name)]
    k = np.ascontiguousarray(x.T if transposed else x, dtype=dtype)
    k.flags.writeable = False
    return k


@cache
def _kron(m: int, name: str, dtype: np.dtype[Any]) -> NDArray[Any]:
    """kron(X, X) for X = B^T (a^2, a^2), G (a^2, 9) or A^T (m^2, a^2), read-only."""
    x = _matrix(m, name, np.dtype(np.float64))
    k = np.kron(x, x).astype(dtype)
    k.flags.writeable = False
    return k


def separable(x: NDArray[Any], src: NDArray[Any], out: NDArray[Any], tmp: NDArray[Any]) -> None:
    """out = kron(X, X) @ src for X : (r, s), without forming kron(X, X).

    src : (s*s, N) C-contiguous, row i*s + j holding patch value (i, j) of N columns;
    out : (r*r, N) (rows may be strided), row u*r + v = sum_ij X[u, i] X[v, j] src[i*s + j];
    tmp : at least r*s*N values of work space.  Two products of K = s: X along i, then along
    j for each u (r*s*s*N + r*r*s*N multiply-adds against kron's r*r*s*s*N).
    """
    r, k = x.shape
    n = src.shape[1]
    t = tmp.reshape(-1)[: r * k * n].reshape(r, k, n)
    # t[u, j] = sum_i X[u, i] src[i, j], one product per j (OpenBLAS is slower on the one
    # product of N = s*N columns)
    np.matmul(x, src.reshape(k, k, n).transpose(1, 0, 2), out=t.transpose(1, 0, 2))
    np.matmul(x, t, out=out.reshape(r, r, n))  # out[u, v] = sum_j X[v, j] t[u, j]


def _head(buf: NDArray[Any], rows: int, cols: int) -> NDArray[Any]:
    """The first rows*cols values of a reused buffer as a C-contiguous (rows, cols) array."""
    return buf.reshape(-1)[: rows * cols].reshape(rows, cols)


def tile_grid(oh: int, ow: int, m: int = 2) -> tuple[int, int]:
    """Number of m x m output tiles along each axis: (ceil(oh / m), ceil(ow / m))."""
    return -(-oh // m), -(-ow // m)


def work(c: int, f: int, oh: int, ow: int, m: int) -> int:
    """Estimated multiply-adds of a forward and backward pass of F(m x m, 3x3), per image:
    the products (3 a^2 c f per tile: M, dU, dV) and the separable transforms (2 a^3 c each
    for V and dd, (m a^2 + m^2 a) f each for Y and dM)."""
    th, tw = tile_grid(oh, ow, m)
    a = m + 2
    return th * tw * (3 * a * a * c * f + 4 * a**3 * c + 2 * (m * a * a + m * m * a) * f)


def tile_size(c: int, f: int, oh: int, ow: int) -> int:
    """The m of ``TILE_SIZES`` with the least ``work`` (the smallest on a tie)."""
    return min(TILE_SIZES, key=lambda m: (work(c, f, oh, ow, m), m))


def chunk_size(th: int, tw: int, m: int = 2) -> int:
    """Images per chunk: about ``_VALUES_PER_CHUNK / a^2`` tiles, at least one image."""
    return max(1, _VALUES_PER_CHUNK // ((m + 2) ** 2 * th * tw))


def filter_transform(W: NDArray[Any], out: NDArray[Any], m: int = 2) -> NDArray[Any]:
    """W : (3, 3, c, f) -> U = G W G^T : (a^2, c, f), written into ``out``."""
    np.matmul(_kron(m, "G", W.dtype), W.reshape(9, -1), out=out.reshape(len(out), -1))
    return out


def filter_transform_adjoint(dU: NDArray[Any], out: NDArray[Any], m: int = 2) -> NDArray[Any]:
    """dU : (a^2, c, f) -> dW = G^T dU G : (3, 3, c, f), written into ``out``."""
    np.matmul(_kron(m, "G", dU.dtype).T, dU.reshape(len(dU), -1), out=out.reshape(9, -1))
    return out


def tiles(xe: NDArray[Any], th: int, tw: int, m: int = 2) -> NDArray[Any]:
    """The a x a input patches of every tile, positions first, as a view (nothing is copied).

    xe : (n, >= m*th + 2, >= m*tw + 2, c) -> (a, a, n, th, tw, c), [i, j, :, y, x] =
    xe[:, m*y + i, m*x + j]
    """
    a = m + 2
    win: NDArray[Any] = np.lib.stride_tricks.sliding_window_view(xe, (a, a), axis=(1, 2))
    patches: NDArray[Any] = win[:, : m * th : m, : m * tw : m].transpose(4, 5, 0, 1, 2, 3)
    return patches


def crop_views(
    y: NDArray[Any], out: NDArray[Any], m: int = 2
) -> list[tuple[NDArray[Any], NDArray[Any]]]:
    """The m^2 pixel classes of m x m tiles: pairs (tile values, output pixels), as views.

    y : (m, m, n, th, tw, f), out : (n, oh, ow, f); out[:, m*t + i, m*u + j] = y[i, j, :, t, u]
    for every pixel inside (oh, ow) (tiles beyond the edge are cropped).
    """
    oh, ow = out.shape[1:3]
    pairs = []
    for i in range(m):
        for j in range(m):
            rows, cols = -(-(oh - i) // m), -(-(ow - j) // m)
            pairs.append((y[i, j, :, :rows, :cols], out[:, i::m, j::m]))
    return pairs


class Winograd3x3:
    """One layer's Winograd convolution F(m x m, 3x3): its work arrays, and U and V from
    forward to backward.

    forward  : x (n, h, w, c), padding p, W (3, 3, c, f), b (f,) -> out (n, oh, ow, f), the
               convolution of x padded with p zeros, plus b (a reused array);
               oh = h + 2p - 2, ow = w + 2p - 2
    backward : dY (n, oh, ow, f), the W of the forward -> fills dW (3, 3, c, f); returns
               dxp (n, oh + 2, ow + 2, c), dL/d(padded input) (a reused array), or None without
               dx; the tile grid's extra zero rows or columns get no gradient
    """

    def __init__(self, m: int = 2) -> None:
        if m not in _MATRICES:
            raise ValueError(f"Winograd tiles are {TILE_SIZES}, not {m}")
        self.m = m
        self._U: NDArray[Any] | None = None
        self._V: NDArray[Any] | None = None
        self._xe_ready: NDArray[Any] | None = None

    def padded(self, x: NDArray[Any], p: int) -> NDArray[Any]:
        """x : (n, h, w, c) -> xe : (n, m*th + 2, m*tw + 2, c), x at offset (p, p), zeros around
        (the reused buffer is zeroed once, when it is new; only its window is written)."""
        n, h, w, c = x.shape
        m = self.m
        th, tw = tile_grid(h + 2 * p - 2, w + 2 * p - 2, m)
        xe = scratch(self, "xe", (n, m * th + 2, m * tw + 2, c), x.dtype)
        if self._xe_ready is not xe:
            xe.fill(0)
            self._xe_ready = xe
        xe[:, p : p + h, p : p + w] = x
        return xe

    def forward(self, x: NDArray[Any], p: int, W: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]:
        n, h, w, c = x.shape
        f, dt, m = W.shape[3], x.dtype, self.m
        a, a2 = m + 2, (m + 2) ** 2
        oh, ow = h + 2 * p - 2, w + 2 * p - 2
        th, tw = tile_grid(oh, ow, m)
        xe = self.padded(x, p)
        tt, k = th * tw, chunk_size(th, tw, m)
        U = filter_transform(W, scratch(self, "U", (a2, c, f), dt), m)
        V = scratch(self, "V", (a2, n * tt * c), dt)
        D = scratch(self, "D", (a2, k * tt * c), dt)
        M = scratch(self, "M", (a2, k * tt * f), dt)
        Y = scratch(self, "Y", (m * m, k * tt * f), dt)
        T = scratch(self, "T", (a2 * k * tt * max(c, f),), dt)  # ``separable``'s work space
        out = scratch(self, "out", (n, oh, ow, f), dt)
        patches = tiles(xe, th, tw, m)
        bt, at = _matrix(m, "BT", dt), _matrix(m, "AT", dt)
        for s in range(0, n, k):
            q = min(k, n - s)  # images in this chunk
            d, v = _head(D, a2, q * tt * c), V[:, s * tt * c : (s + q) * tt * c]
            np.copyto(d.reshape(a, a, q, th, tw, c), patches[:, :, s : s + q])
            separable(bt, d, v, T)
            mm = _head(M, a2, q * tt * f)
            np.matmul(v.reshape(a2, q * tt, c), U, out=mm.reshape(a2, q * tt, f))
            y = _head(Y, m * m, q * tt * f)
            separable(at, mm, y, T)
            for src, dst in crop_views(y.reshape(m, m, q, th, tw, f), out[s : s + q], m):
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
        c, dt, m = U.shape[1], dY.dtype, self.m
        a, a2 = m + 2, (m + 2) ** 2
        th, tw = tile_grid(oh, ow, m)
        tt, k = th * tw, chunk_size(th, tw, m)
        dYt = scratch(self, "Y", (m * m, k * tt * f), dt)
        dM = scratch(self, "M", (a2, k * tt * f), dt)
        dV = scratch(self, "D", (a2, k * tt * c), dt)
        T = scratch(self, "T", (a2 * k * tt * max(c, f),), dt)
        dU = scratch(self, "dU", (a2, c, f), dt)
        part = scratch(self, "dU_part", (a2, c, f), dt)
        A, B = _matrix(m, "AT", dt, transposed=True), _matrix(m, "BT", dt, transposed=True)
        for s in range(0, n, k):
            q = min(k, n - s)  # images in this chunk
            y = _head(dYt, m * m, q * tt * f)
            y6 = y.reshape(m, m, q, th, tw, f)
            for i in range(1, m):  # the cropped tile pixels beyond the edges get no gradient
                y6[i, :, :, -(-(oh - i) // m) :] = 0
                y6[:, i, :, :, -(-(ow - i) // m) :] = 0
            for dst, src in crop_views(y6, dY[s : s + q], m):
                np.copyto(dst, src)
            dm = _head(dM, a2, q * tt * f)
            separable(A, y, dm, T)  # kron(A^T, A^T).T = kron(A, A)
            dm3 = dm.reshape(a2, q * tt, f)
            v = V[:, s * tt * c : (s + q) * tt * c]
            np.matmul(v.reshape(a2, q * tt, c).transpose(0, 2, 1), dm3, out=dU if s == 0 else part)
            if s:
                dU += part
            if input_grad:
                dv = _head(dV, a2, q * tt * c)
                np.matmul(dm3, U.transpose(0, 2, 1), out=dv.reshape(a2, q * tt, c))
                separable(B, dv, v, T)  # this chunk's V is used up: its memory takes dd
        filter_transform_adjoint(dU, dW, m)
        self._V = None  # V now holds dd
        if not input_grad:
            return None
        dd = V.reshape(a, a, n, th, tw, c)
        dxp = scratch(self, "dxp", (n, oh + 2, ow + 2, c), dt)
        dxp[:, m * th :] = 0  # rows and columns that only offsets (i, j) >= m reach
        dxp[:, :, m * tw :] = 0
        for i in range(a):
            rows = min(th, -(-(oh + 2 - i) // m))  # tiles whose row i lies inside dxp
            for j in range(a):
                cols = min(tw, -(-(ow + 2 - j) // m))
                dst = dxp[:, i : i + m * (rows - 1) + 1 : m, j : j + m * (cols - 1) + 1 : m]
                src = dd[i, j, :, :rows, :cols]
                if i < m and j < m:  # these cover rows < m*th and columns < m*tw once
                    np.copyto(dst, src)
                else:
                    dst += src
        return dxp
