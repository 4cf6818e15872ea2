"""Data augmentation for digit images: stroke thickness, affine maps, elastic distortions and
low resolution.

Every output pixel p = (y, x) of an augmented image is *pulled* from a source position q in
the original image, read by bilinear interpolation (zeros outside the image):

    affine    q = A^-1 (p - c - t) + c      c = image centre, t = shift,
                                            A = rotation(theta) @ shear(phi) @ scale(s)
    elastic   q = q + alpha * (G * u)(p)    u ~ U(-1, 1) per pixel and axis, G a Gaussian of
                                            width sigma (Simard, Steinkraus & Platt, 2003)

So an integer shift t moves every pixel by exactly t, and all magnitudes 0 give back the
input unchanged.  Before the warp, the strokes may be made thicker or thinner (a pen's width):

    thickness x' = x + k (D(x) - x)   for half the images, at random (thicker),
              x' = x + k (E(x) - x)   for the others (thinner),   k ~ U(0, thickness)

with D / E the grey dilation / erosion by a 3x3 square (the largest / smallest value of each
pixel's neighbourhood, zeros beyond the border).  A thin pen's ink is as dark as a thick
one's, so a thinned image is scaled back to the input's largest value.  Both are separable
(a 1x3 then a 3x1 extremum): four ``np.maximum`` / ``np.minimum`` over shifted views of the
whole batch each.  The Gaussian smoothing is separable, G * u = K u K^T with K the (h, h)
matrix of the 1-D kernel, so it is two batched matrix products.  Bilinear sampling is index
arithmetic on the zero-padded batch flattened to one vector: four ``np.take`` and a
weighted sum.

After the warp, a share of the images may be seen at a lower resolution (a thumbnail, a digit
photographed from afar, a scan at low dpi, brought back to h x w by an image upscaler):

    low resolution  X' = M_h X M_w^T,   M = U_s D_s   for a share p of the images,
                    s ~ U{s_min, ..., s_max} (integer sides, s_min = round(lo h), s_max =
                    round(hi h); the width's side is round(s w / h))

with D_s the (s, h) box filter that averages the pixels each of the s coarse pixels covers
(D[i, j] = |[i h/s, (i+1) h/s] n [j, j+1]| s / h) and U_s the (h, s) bicubic interpolation
(Keys' kernel, a = -0.5, pixel centres aligned, edges clamped) back to h.  Every row of
D_s and of U_s sums to 1, so a constant image stays constant, and s = h is the identity.
The products are two batched (m, h, h) matrix products over the m chosen images.

Everything runs on the whole batch at once; no loop over samples.

``Augmenter`` draws each image's parameters from the ``numpy.random.Generator`` it is given
(``Sequential.fit`` passes one seeded by (seed, epoch, step)), so a seed fixes the augmented
stream.
"""

from __future__ import annotations

import copy
import functools
import types
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch


def affine_matrices(
    rng: np.random.Generator, n: int, rotation: float, scale: float, shear: float
) -> NDArray[Any]:
    """n random 2x2 matrices A = R(theta) S_shear(phi) diag(s, s), acting on (y, x) vectors.

    theta ~ U(-rotation, rotation) and phi ~ U(-shear, shear) in degrees,
    s ~ U(1 - scale, 1 + scale).  Returns (n, 2, 2) float64.
    """
    theta = np.deg2rad(rng.uniform(-rotation, rotation, n))
    phi = np.deg2rad(rng.uniform(-shear, shear, n))
    s = rng.uniform(1 - scale, 1 + scale, n)
    cos, sin, tan = np.cos(theta), np.sin(theta), np.tan(phi)
    A = np.empty((n, 2, 2))
    # R @ [[1, 0], [tan, 1]] @ s I, with R = [[cos, -sin], [sin, cos]] in (y, x) order
    A[:, 0, 0] = (cos - sin * tan) * s
    A[:, 0, 1] = -sin * s
    A[:, 1, 0] = (sin + cos * tan) * s
    A[:, 1, 1] = cos * s
    return A


def gaussian_matrix(size: int, sigma: float, truncate: float = 4.0) -> NDArray[Any]:
    """(size, size) matrix K with K[i, j] = g(i - j), g the normalised Gaussian, |i-j| <= 4 sigma.

    ``K @ u`` smooths the columns of u as a 1-D convolution with zeros beyond the border.
    """
    radius = int(truncate * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    d = np.arange(size)[:, None] - np.arange(size)[None, :]
    return np.where(np.abs(d) <= radius, taps[np.clip(d + radius, 0, 2 * radius)], 0.0)


def mild_affine() -> dict[str, float]:
    """The ``Augmenter`` arguments numnet's presets use: small shifts, rotations, scalings
    and shears that keep a digit readable (chosen on a validation split)."""
    return {"shift": 2.5, "rotation": 12.0, "scale": 0.1, "shear": 8.0}


def grey_morphology(
    images: NDArray[np.float32], op: np.ufunc, work: object | None = None
) -> NDArray[np.float32]:
    """Grey dilation (``op=np.maximum``) or erosion (``np.minimum``) of (n, h, w) images by
    a 3x3 square, zero beyond the border: out[y, x] = op of images[y-1:y+2, x-1:x+2].

    Returns a float32 work array of ``work`` (reused by the next call).
    """
    owner = work if work is not None else types.SimpleNamespace()
    n, h, w = images.shape
    name = op.__name__
    padded = scratch(owner, "pad_" + name, (n, h + 2, w + 2), np.float32)
    padded.fill(0)
    padded[:, 1:-1, 1:-1] = images
    rows = scratch(owner, "rows_" + name, (n, h + 2, w), np.float32)
    op(padded[:, :, :-2], padded[:, :, 1:-1], out=rows)
    op(rows, padded[:, :, 2:], out=rows)
    out = scratch(owner, "morph_" + name, (n, h, w), np.float32)
    op(rows[:, :-2], rows[:, 1:-1], out=out)
    op(out, rows[:, 2:], out=out)
    return out


def change_thickness(
    images: NDArray[np.float32],
    rng: np.random.Generator,
    amount: float,
    work: object | None = None,
) -> NDArray[np.float32]:
    """Strokes of (n, h, w) images made thicker or thinner at random (module docstring):
    half the images move by k ~ U(0, amount) towards their dilation, the others towards their
    erosion, then scaled back to the input's largest value.  ``amount`` 1 is a whole 3x3
    dilation or erosion.  Returns a new float32 array.
    """
    n = len(images)
    k = rng.uniform(0, amount, n).astype(np.float32)
    thicker = rng.random(n) < 0.5
    # x' = x + k_t (D(x) - x) + k_e (E(x) - x), one of k_t, k_e zero per image
    kt = np.where(thicker, k, np.float32(0))[:, None, None]
    ke = np.where(thicker, np.float32(0), k)[:, None, None]
    out = np.array(images, dtype=np.float32)
    dil = grey_morphology(images, np.maximum, work)
    dil -= images
    dil *= kt
    out += dil
    ero = grey_morphology(images, np.minimum, work)
    ero -= images
    ero *= ke
    out += ero
    # thinned images: x' * max(x) / max(x') (a no-op for the thickened ones, whose max is kept)
    peak = out.max(axis=(1, 2), keepdims=True)
    np.divide(images.max(axis=(1, 2), keepdims=True), peak, out=peak, where=peak > 0)
    out *= peak
    return out


def handwriting() -> dict[str, float]:
    """``Augmenter`` arguments for the model numnet ships (``numnet train --arch digits``):
    the mild affine changes with more slant (shear), Simard's elastic distortion and pens
    of other widths, so that digits written on paper and photographed read as MNIST's."""
    return {
        **mild_affine(),
        "shear": 12.0,
        "scale": 0.12,
        "elastic_alpha": 34.0,
        "elastic_sigma": 5.0,
        "thickness": 0.6,
    }


@functools.cache
def _kernel(size: int, sigma: float) -> NDArray[Any]:
    """``gaussian_matrix`` as read-only float32, built once per (size, sigma)."""
    K = gaussian_matrix(size, sigma).astype(np.float32)
    K.flags.writeable = False
    return K


def elastic_fields(
    rng: np.random.Generator,
    n: int,
    shape: tuple[int, int],
    alpha: float,
    sigma: float,
    work: object | None = None,
) -> NDArray[Any]:
    """Random smooth displacement fields (2, n, h, w) float32: K_h (alpha u) K_w^T.

    u ~ U(-1, 1) per pixel.  The product with K_w^T is one matrix product over all rows
    of all fields; the one with K_h is batched.  ``work`` keeps the arrays between calls
    (as in ``bilinear_sample``); the result is one of them.
    """
    owner = work if work is not None else types.SimpleNamespace()
    h, w = shape
    u, rows, smooth = (scratch(owner, k, (2, n, h, w), np.float32) for k in ("u", "rows", "d"))
    rng.random(out=u, dtype=np.float32)
    u *= np.float32(2 * alpha)  # alpha * U(-1, 1); smoothing is linear, so alpha goes first
    u -= np.float32(alpha)
    np.matmul(u.reshape(-1, w), _kernel(w, sigma).T, out=rows.reshape(-1, w))
    np.matmul(_kernel(h, sigma), rows, out=smooth)
    return smooth


def cubic_weight(d: NDArray[Any], a: float = -0.5) -> NDArray[Any]:
    """Keys' cubic convolution kernel at distances d (any shape):
    (a+2)|d|^3 - (a+3)|d|^2 + 1 for |d| <= 1, a|d|^3 - 5a|d|^2 + 8a|d| - 4a for 1 < |d| < 2,
    0 beyond (a = -0.5: the bicubic filter of Pillow and most image upscalers)."""
    d = np.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


@functools.cache
def low_resolution_matrix(size: int, side: int) -> NDArray[Any]:
    """(size, size) float32 M = U D: area-average ``size`` pixels to ``side`` (D, (side,
    size)), then bicubic interpolation back to ``size`` (U, (size, side)); module docstring.

    Read-only; built once per (size, side).  ``side == size`` gives the identity.
    """
    edges = np.arange(side + 1) * (size / side)  # coarse pixel i covers [edges[i], edges[i+1]]
    j = np.arange(size)
    overlap = np.minimum(edges[1:, None], j + 1) - np.maximum(edges[:-1, None], j)
    D = np.clip(overlap, 0, None) * (side / size)
    # output pixel j's centre, in coarse pixel units; taps at floor(x) - 1 .. floor(x) + 2
    x = (j + 0.5) * (side / size) - 0.5
    taps = np.floor(x)[:, None] + np.arange(-1, 3)
    weights = cubic_weight(x[:, None] - taps)
    U = np.zeros((size, side))
    np.add.at(
        U, (np.repeat(j, 4), np.clip(taps, 0, side - 1).astype(np.intp).ravel()), weights.ravel()
    )
    M: NDArray[Any] = (U @ D).astype(np.float32)
    M.flags.writeable = False
    return M


def lower_resolution(
    images: NDArray[np.float32],
    rng: np.random.Generator,
    share: float,
    sides: tuple[float, float],
) -> NDArray[np.float32]:
    """(n, h, w) images, a share ``share`` of them seen at a lower resolution (module
    docstring): M_h X M_w^T with s ~ U{round(lo h), ..., round(hi h)}, ``sides`` = (lo, hi).
    Changes ``images`` in place and returns it; values may leave [0, 1] (cubic overshoot).
    """
    n, h, w = images.shape
    chosen = rng.random(n) < share
    lo, hi = (max(1, min(h, round(f * h))) for f in sides)
    s = rng.integers(lo, hi + 1, n)[chosen]
    if len(s) == 0:
        return images
    Mh = np.stack([low_resolution_matrix(h, int(k)) for k in range(lo, hi + 1)])[s - lo]
    Mw = np.stack(
        [low_resolution_matrix(w, max(1, round(int(k) * w / h))) for k in range(lo, hi + 1)]
    )[s - lo]
    # X' = M_h X M_w^T: two batched products over the chosen images
    images[chosen] = np.matmul(Mh, images[chosen]) @ Mw.transpose(0, 2, 1)
    return images


def bilinear_sample(
    images: NDArray[Any], qy: NDArray[Any], qx: NDArray[Any], work: object | None = None
) -> NDArray[Any]:
    """Read ``images`` (n, h, w) at real positions (qy, qx) (n, ...); zero outside.

    With y0 = floor(qy), a = qy - y0 (likewise x0, b), and I00, I01, I10, I11 the pixels at
    (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1):
        top = I00 + b (I01 - I00),  bottom = I10 + b (I11 - I10),  out = top + a (bottom - top)
    Positions are clipped to [-1, h] x [-1, w] and the images padded with zeros (1 before,
    2 after), so every corner index is valid and corners outside the image read 0.

    ``work``: an object that keeps the work arrays between calls (``numnet.core.scratch``);
    fresh memory costs a page fault per 4 KB, which took most of the time.  Returns a new
    float32 array shaped like qy.
    """
    owner = work if work is not None else types.SimpleNamespace()

    def buf(name: str, dtype: type = np.float32, shape: tuple[int, ...] = qy.shape) -> NDArray[Any]:
        return scratch(owner, name, shape, dtype)

    n, h, w = images.shape
    padded = buf("padded", shape=(n, h + 3, w + 3))
    padded.fill(0)
    padded[:, 1 : h + 1, 1 : w + 1] = images
    flat = padded.reshape(-1)
    a, b, y0, x0 = buf("a"), buf("b"), buf("y0"), buf("x0")
    np.clip(qy, -1, h, out=a)
    np.clip(qx, -1, w, out=b)
    np.floor(a, out=y0)
    np.floor(b, out=x0)
    a -= y0
    b -= x0
    # index of corner (y0, x0) in the padded batch: (sample*(h+3) + y0+1)*(w+3) + x0+1, in
    # int32 (casting float32 to int64 directly is several times slower)
    row, col = buf("row", np.int32), buf("col", np.int32)
    np.copyto(row, y0, casting="unsafe")
    np.copyto(col, x0, casting="unsafe")
    row += np.arange(n, dtype=np.int32).reshape(n, *[1] * (qy.ndim - 1)) * (h + 3) + 1
    row *= w + 3
    row += col
    row += 1
    index = buf("index", np.intp)
    np.copyto(index, row)
    corners = []
    for name, step in (("i00", 0), ("i01", 1), ("i10", w + 2), ("i11", 1)):
        index += step
        # mode="clip": the indices are valid, and "raise" would buffer the output
        corners.append(np.take(flat, index, out=buf(name), mode="clip"))
    i00, top, i10, bottom = corners
    top -= i00  # top = I00 + b (I01 - I00)
    top *= b
    top += i00
    bottom -= i10  # bottom = I10 + b (I11 - I10)
    bottom *= b
    bottom += i10
    bottom -= top
    bottom *= a
    out: NDArray[Any] = np.add(top, bottom)
    return out


class Augmenter:
    """Random affine + elastic distortion of a batch of images, usable as ``fit(augment=...)``.

    shift         : t ~ U(-shift, shift) pixels along each axis
    rotation      : degrees, theta ~ U(-rotation, rotation)
    scale         : s ~ U(1 - scale, 1 + scale)
    shear         : degrees, phi ~ U(-shear, shear)
    elastic_alpha : strength of the elastic field (0 = none; Simard et al. used ~34)
    elastic_sigma : its smoothness in pixels (4-6)
    integer_shift : round t to whole pixels (then shift alone moves pixels exactly)
    thickness     : strokes thickened or thinned by up to this share of a 3x3 grey dilation
                    or erosion (0 = unchanged; 1 = up to a whole one)
    low_resolution: share of the images (0-1) seen at a lower resolution, then upscaled back
    low_resolution_sides : (lo, hi), that resolution's side as a share of the image's
                    (0 < lo <= hi <= 1; (0.25, 0.5) is 7-14 px for a 28-px image)

    ``augmenter(batch, rng)`` accepts (n, 784), (n, h, w) or (n, 1, h, w) images in [0, 1]
    and returns a new float32 array of the same shape, values in [0, 1].
    """

    def __init__(
        self,
        shift: float = 3.0,
        rotation: float = 15.0,
        scale: float = 0.1,
        shear: float = 10.0,
        elastic_alpha: float = 0.0,
        elastic_sigma: float = 5.0,
        integer_shift: bool = False,
        thickness: float = 0.0,
        low_resolution: float = 0.0,
        low_resolution_sides: tuple[float, float] = (0.25, 0.5),
    ) -> None:
        values = {
            "shift": shift,
            "rotation": rotation,
            "scale": scale,
            "shear": shear,
            "elastic_alpha": elastic_alpha,
            "elastic_sigma": elastic_sigma,
            "thickness": thickness,
            "low_resolution": low_resolution,
        }
        for name, v in values.items():
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"Augmenter {name} must be a finite number >= 0, got {v}")
        if scale >= 1:
            raise ValueError(f"Augmenter scale must be < 1 (s ~ U(1 -+ scale)), got {scale}")
        if thickness > 1:
            raise ValueError(f"Augmenter thickness must be at most 1, got {thickness}")
        if low_resolution > 1:
            raise ValueError(
                f"Augmenter low_resolution is a share of the images (at most 1), got "
                f"{low_resolution}"
            )
        lo, hi = (float(f) for f in low_resolution_sides)
        if not (0 < lo <= hi <= 1):
            raise ValueError(
                "Augmenter low_resolution_sides must be (lo, hi) with 0 < lo <= hi <= 1, got "
                f"{low_resolution_sides}"
            )
        if elastic_alpha > 0 and elastic_sigma <= 0:
            raise ValueError("Augmenter elastic_sigma must be > 0 when elastic_alpha > 0")
        self.shift, self.rotation, self.scale, self.shear = shift, rotation, scale, shear
        self.elastic_alpha, self.elastic_sigma = elastic_alpha, elastic_sigma
        self.integer_shift = bool(integer_shift)
        self.thickness = thickness
        self.low_resolution, self.low_resolution_sides = low_resolution, (lo, hi)

    def source_positions(
        self, rng: np.random.Generator, n: int, shape: tuple[int, int]
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        """Where each output pixel reads from: (qy, qx), each (n, h, w) float32.

        The two arrays are reused by the next call (an Augmenter is for one thread at a time).
        """
        h, w = shape
        c = np.array([(h - 1) / 2, (w - 1) / 2])
        t = rng.uniform(-self.shift, self.shift, (n, 2))
        if self.integer_shift:
            t = np.round(t)
        A_inv = np.linalg.inv(affine_matrices(rng, n, self.rotation, self.scale, self.shear))
        # q = A^-1 (p - c - t) + c = A^-1 p + (c - A^-1 (c + t)): a 2x2 map plus an offset
        offset = c - np.einsum("nij,nj->ni", A_inv, c + t)
        # qy = A_inv[0, 0] py + A_inv[0, 1] px + offset[0] (qx likewise, row 1) for every
        # pixel (py, px) of every image: one (2n, 3) @ (3, h*w) product
        coef = np.concatenate([A_inv, offset[:, :, None]], axis=2).transpose(1, 0, 2)
        py, px = np.indices(shape, dtype=np.float32).reshape(2, -1)
        grid = np.stack([py, px, np.ones_like(py)])
        q = scratch(self, "q", (2, n, h, w), np.float32)
        np.matmul(coef.reshape(2 * n, 3).astype(np.float32), grid, out=q.reshape(2 * n, h * w))
        qy, qx = q
        if self.elastic_alpha > 0:
            d = elastic_fields(rng, n, shape, self.elastic_alpha, self.elastic_sigma, self)
            qy += d[0]
            qx += d[1]
        return qy, qx

    def __call__(self, batch: NDArray[Any], rng: np.random.Generator) -> NDArray[Any]:
        """batch : (n, 784) | (n, h, w) | (n, 1, h, w) in [0, 1] -> same shape, float32."""
        x = np.asarray(batch, dtype=np.float32)
        if x.ndim == 2:
            side = int(round(np.sqrt(x.shape[1])))
            if side * side != x.shape[1]:
                raise ValueError(f"Augmenter needs square images, got rows of {x.shape[1]}")
            shape = (side, side)
        elif x.ndim in (3, 4) and (x.ndim == 3 or x.shape[1] == 1):
            shape = x.shape[-2:]
        else:
            raise ValueError(f"Augmenter takes (n, 784), (n, h, w) or (n, 1, h, w), got {x.shape}")
        images = x.reshape(len(x), *shape)
        qy, qx = self.source_positions(rng, len(x), shape)
        if self.thickness > 0:  # drawn after the warp's parameters: without it, as before
            images = change_thickness(images, rng, self.thickness, work=self)
        out = bilinear_sample(images, qy, qx, work=self)
        if self.low_resolution > 0:  # drawn last: without it, the stream is as before
            out = lower_resolution(out, rng, self.low_resolution, self.low_resolution_sides)
        # a convex mix of [0, 1] values (clip float rounding), bar the cubic's overshoot
        np.clip(out, 0, 1, out=out)
        return out.reshape(x.shape)

    def thread_copy(self) -> Augmenter:
        """A twin with the same settings and work arrays of its own, for another thread
        (``fit`` gives each worker of a split batch one, to augment its own rows)."""
        twin = copy.copy(self)
        twin.__dict__.pop("_scratch", None)
        return twin

    def get_config(self) -> dict[str, Any]:
        return {
            "shift": self.shift,
            "rotation": self.rotation,
            "scale": self.scale,
            "shear": self.shear,
            "elastic_alpha": self.elastic_alpha,
            "elastic_sigma": self.elastic_sigma,
            "integer_shift": self.integer_shift,
            "thickness": self.thickness,
            "low_resolution": self.low_resolution,
            "low_resolution_sides": self.low_resolution_sides,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"Augmenter({args})"
