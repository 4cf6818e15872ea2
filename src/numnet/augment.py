"""Data augmentation for digit images: random affine maps and elastic distortions, in NumPy.

Every output pixel p = (y, x) of an augmented image is *pulled* from a source position q in
the original image, read by bilinear interpolation (zeros outside the image):

    affine    q = A^-1 (p - c - t) + c      c = image centre, t = shift,
                                            A = rotation(theta) @ shear(phi) @ scale(s)
    elastic   q = q + alpha * (G * u)(p)    u ~ U(-1, 1) per pixel and axis, G a Gaussian of
                                            width sigma (Simard, Steinkraus & Platt, 2003)

So an integer shift t moves every pixel by exactly t, and all magnitudes 0 give back the
input unchanged.  The Gaussian smoothing is separable, G * u = K u K^T with K the (h, h)
matrix of the 1-D kernel, so it is two batched matrix products.  Bilinear sampling is index
arithmetic on the zero-padded batch flattened to one vector: four ``np.take`` and a
weighted sum.  Everything runs on the whole batch at once; no loop over samples.

``Augmenter`` draws each image's parameters from the ``numpy.random.Generator`` it is given
(``Sequential.fit`` passes one seeded by (seed, epoch, step)), so a seed fixes the augmented
stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def affine_matrices(
    rng: np.random.Generator, n: int, rotation: float, scale: float, shear: float
) -> NDArray:
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


def gaussian_matrix(size: int, sigma: float, truncate: float = 4.0) -> NDArray:
    """(size, size) matrix K with K[i, j] = g(i - j), g the normalised Gaussian, |i-j| <= 4 sigma.

    ``K @ u`` smooths the columns of u as a 1-D convolution with zeros beyond the border.
    """
    radius = int(truncate * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    d = np.arange(size)[:, None] - np.arange(size)[None, :]
    return np.where(np.abs(d) <= radius, taps[np.clip(d + radius, 0, 2 * radius)], 0.0)


def elastic_fields(
    rng: np.random.Generator, n: int, shape: tuple[int, int], alpha: float, sigma: float
) -> NDArray:
    """Random smooth displacement fields (2, n, h, w) float32: alpha * (K_h u K_w^T)."""
    h, w = shape
    u = rng.uniform(-1, 1, (2, n, h, w)).astype(np.float32)
    Kh = gaussian_matrix(h, sigma).astype(np.float32)
    Kw = gaussian_matrix(w, sigma).astype(np.float32)
    smooth = np.matmul(np.matmul(Kh, u), Kw.T)  # rows then columns: separable convolution
    smooth *= np.float32(alpha)
    return smooth


def bilinear_sample(images: NDArray, qy: NDArray, qx: NDArray) -> NDArray:
    """Read ``images`` (n, h, w) at real positions (qy, qx) (n, h, w); zero outside.

    With y0 = floor(qy), a = qy - y0 (likewise x0, b):
        out = (1-a)(1-b) I[y0, x0] + (1-a) b I[y0, x0+1] + a (1-b) I[y0+1, x0] + a b I[y0+1, x0+1]
    Positions are clipped to [-1, h] x [-1, w] and the images padded with zeros (1 before,
    2 after), so every corner index is valid and corners outside the image read 0.
    """
    n, h, w = images.shape
    padded = np.zeros((n, h + 3, w + 3), images.dtype)
    padded[:, 1 : h + 1, 1 : w + 1] = images
    flat = padded.reshape(-1)
    qy = np.clip(qy, -1, h, dtype=np.float32)
    qx = np.clip(qx, -1, w, dtype=np.float32)
    y0, x0 = np.floor(qy), np.floor(qx)
    a, b = qy - y0, qx - x0
    # linear index of corner (y0, x0) in the padded batch: sample*(h+3)(w+3) + (y0+1)(w+3) + x0+1
    base = np.arange(n, dtype=np.int64)[:, None, None] * ((h + 3) * (w + 3))
    i00 = base + (y0.astype(np.int64) + 1) * (w + 3) + (x0.astype(np.int64) + 1)
    top = np.take(flat, i00) * (1 - b) + np.take(flat, i00 + 1) * b
    bottom = np.take(flat, i00 + (w + 3)) * (1 - b) + np.take(flat, i00 + (w + 4)) * b
    out = top * (1 - a) + bottom * a
    return out.astype(images.dtype, copy=False)


class Augmenter:
    """Random affine + elastic distortion of a batch of images, usable as ``fit(augment=...)``.

    shift         : t ~ U(-shift, shift) pixels along each axis
    rotation      : degrees, theta ~ U(-rotation, rotation)
    scale         : s ~ U(1 - scale, 1 + scale)
    shear         : degrees, phi ~ U(-shear, shear)
    elastic_alpha : strength of the elastic field (0 = none; Simard et al. used ~34)
    elastic_sigma : its smoothness in pixels (4-6)
    integer_shift : round t to whole pixels (then shift alone moves pixels exactly)

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
    ) -> None:
        values = {"shift": shift, "rotation": rotation, "scale": scale, "shear": shear,
                  "elastic_alpha": elastic_alpha, "elastic_sigma": elastic_sigma}
        for name, v in values.items():
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"Augmenter {name} must be a finite number >= 0, got {v}")
        if scale >= 1:
            raise ValueError(f"Augmenter scale must be < 1 (s ~ U(1 -+ scale)), got {scale}")
        if elastic_alpha > 0 and elastic_sigma <= 0:
            raise ValueError("Augmenter elastic_sigma must be > 0 when elastic_alpha > 0")
        self.shift, self.rotation, self.scale, self.shear = shift, rotation, scale, shear
        self.elastic_alpha, self.elastic_sigma = elastic_alpha, elastic_sigma
        self.integer_shift = bool(integer_shift)

    def source_positions(
        self, rng: np.random.Generator, n: int, shape: tuple[int, int]
    ) -> tuple[NDArray, NDArray]:
        """Where each output pixel reads from: (qy, qx), each (n, h, w) float32."""
        h, w = shape
        c = np.array([(h - 1) / 2, (w - 1) / 2])
        t = rng.uniform(-self.shift, self.shift, (n, 2))
        if self.integer_shift:
            t = np.round(t)
        A_inv = np.linalg.inv(affine_matrices(rng, n, self.rotation, self.scale, self.shear))
        # q = A^-1 (p - c - t) + c = A^-1 p + (c - A^-1 (c + t)): a 2x2 map plus an offset
        offset = (c - np.einsum("nij,nj->ni", A_inv, c + t)).astype(np.float32)
        A_inv = A_inv.astype(np.float32)
        py = np.arange(h, dtype=np.float32)[:, None]
        px = np.arange(w, dtype=np.float32)[None, :]
        qy = A_inv[:, 0, 0, None, None] * py + A_inv[:, 0, 1, None, None] * px
        qx = A_inv[:, 1, 0, None, None] * py + A_inv[:, 1, 1, None, None] * px
        qy += offset[:, 0, None, None]
        qx += offset[:, 1, None, None]
        if self.elastic_alpha > 0:
            d = elastic_fields(rng, n, shape, self.elastic_alpha, self.elastic_sigma)
            qy += d[0]
            qx += d[1]
        return qy, qx

    def __call__(self, batch: NDArray, rng: np.random.Generator) -> NDArray:
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
        out = bilinear_sample(images, qy, qx)
        np.clip(out, 0, 1, out=out)  # a convex mix of [0, 1] values; clip float rounding
        return out.reshape(x.shape)

    def get_config(self) -> dict[str, Any]:
        return {"shift": self.shift, "rotation": self.rotation, "scale": self.scale,
                "shear": self.shear, "elastic_alpha": self.elastic_alpha,
                "elastic_sigma": self.elastic_sigma, "integer_shift": self.integer_shift}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"Augmenter({args})"
