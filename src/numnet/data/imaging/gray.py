"""Pixel array -> gray levels in [0, 1], transparency laid on a background that shows the ink.

``to_gray(a, name)`` accepts (h, w) gray, (h, w, 2|3|4) gray+alpha / RGB / RGBA, a flat
784-vector or a (1, h, w) batch of one; uint8, uint16, bool, other integers in 0..255, or
floats in [0, 1].  It returns (h, w) float32.  Luma is ITU-R 601 (as Pillow's ``convert("L")``):
blue and black pens are both dark.  Anything else is a one-line ``ImageError``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.errors import ImageError
from numnet.data.imaging.decode import WORK_SIDE, check_size

FIELD = 28


def to_gray(a: NDArray[Any], name: str) -> tuple[NDArray[np.float32], int]:
    """Array (h, w[, c]) -> ((h', w') float32 gray in [0, 1], block factor).

    Arrays over twice ``WORK_SIDE`` are averaged over factor x factor blocks (the factor is
    returned so that boxes can be mapped back); image files were reduced when decoded.
    """
    a = np.asarray(a)
    if a.ndim == 1 and a.size == FIELD * FIELD:
        a = a.reshape(FIELD, FIELD)
    if a.ndim == 3 and a.shape[0] == 1 and a.shape[-1] > 4:  # (1, h, w): a one-image batch
        a = a[0]
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ImageError(f"{name} has shape {a.shape}; expected (h, w), (h, w, 3) or (h, w, 4)")
    check_size((a.shape[1], a.shape[0]), name)
    x = _unit_range(a, name)
    factor = max(x.shape[:2]) // WORK_SIDE
    if factor >= 2:
        h, w = (x.shape[0] // factor) * factor, (x.shape[1] // factor) * factor
        x = x[:h, :w].reshape(h // factor, factor, w // factor, factor, -1).mean(axis=(1, 3))
    else:
        factor = 1
    if x.shape[2] in (2, 4):
        x, alpha = x[:, :, :-1], x[:, :, -1]
    else:
        alpha = None
    gray = x[:, :, 0] if x.shape[2] == 1 else x @ np.array([0.299, 0.587, 0.114], np.float32)
    if alpha is not None and alpha.min() < 1:
        gray = _composite(gray, alpha)
    return np.ascontiguousarray(gray, dtype=np.float32), factor


def _unit_range(a: NDArray[Any], name: str) -> NDArray[np.float32]:
    """Pixel values -> float32 in [0, 1] according to the dtype."""
    if a.dtype == np.bool_:
        return a.astype(np.float32)
    if a.dtype == np.uint16:
        return _scaled(a, 65535)
    if np.issubdtype(a.dtype, np.integer):
        if a.dtype != np.uint8 and (a.min() < 0 or a.max() > 255):
            raise ImageError(f"{name} has integer pixels outside 0..255")
        return _scaled(a, 255)
    if np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise ImageError(f"{name} has float pixels outside [0, 1] (or NaN); scale them first")
        return a.astype(np.float32)
    raise ImageError(f"{name} has pixels of type {a.dtype}; expected integers or floats")


def _scaled(a: NDArray[Any], top: int) -> NDArray[np.float32]:
    x = a.astype(np.float32)
    x /= top
    return x


def _composite(gray: NDArray[np.float32], alpha: NDArray[np.float32]) -> NDArray[np.float32]:
    """Lay a transparent image on a background that contrasts with its ink.

    Where alpha is 0 there is only background; the ink is what is opaque.  A canvas export
    is usually black ink on a transparent page (then paper must be white), but white ink on
    a transparent page happens too (then paper must be black).  The ink's colour is the
    alpha-weighted mean gray.
    """
    weight = alpha.sum()
    ink_level = float((gray * alpha).sum() / weight) if weight > 0 else 0.0
    paper = 1.0 if ink_level < 0.5 else 0.0
    return alpha * gray + (1 - alpha) * paper
