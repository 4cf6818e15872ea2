"""One digit's ink -> the 28x28 picture MNIST would have made of it.

MNIST's digits were not just shrunk: each was cropped to its ink, scaled so that the longer
side is 20 pixels (keeping the aspect ratio, anti-aliased into gray levels), and pasted
into a 28x28 field so that its centre of mass sits at the centre.  Ink is bright (1.0) on a
black (0.0) background.

One more step for pens: MNIST's strokes are about an eighth of the digit's height (2-3 px
of 20), a ballpoint's on a photographed page are often a thirtieth, which the networks have
never seen.  The stroke width is estimated as ``2 * area / boundary`` (a stroke of length L
and width t has area L t and about 2 L boundary pixels) and a thinner stroke is thickened by
a gray-level dilation to ``STROKE`` of the longer side before scaling.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: the digit box MNIST used inside its 28x28 field
FIELD = 28
BOX = 20
#: strokes thinner than this share of the digit's longer side are thickened to it
STROKE = 0.09
#: longer side of the copy a digit is thickened on (4x the 20 px box it is scaled to)
THICKEN_SIDE = 80


def to_mnist(ink: NDArray[np.float32], member: NDArray[np.bool_]) -> NDArray[np.float32]:
    """A digit's ink (h, w) in [0, 1] and its pixels ``member`` (h, w) -> (28, 28) float32."""
    return _place(_scale(_thicken(ink, member)))


def stroke_width(member: NDArray[np.bool_]) -> float:
    """Mean stroke width in pixels of the ink ``member`` (h, w) bool: 2 * area / boundary."""
    from scipy import ndimage

    rows, cols = np.flatnonzero(member.any(axis=1)), np.flatnonzero(member.any(axis=0))
    if rows.size == 0:
        return 0.0
    member = member[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # the erosion's border is 0
    area = int(member.sum())
    inner = ndimage.binary_erosion(member, structure=np.ones((3, 3), bool))
    boundary = area - int(inner.sum())
    return 2 * area / max(boundary, 1)


def _thicken(ink: NDArray[np.float32], member: NDArray[np.bool_]) -> NDArray[np.float32]:
    """Dilate strokes thinner than ``STROKE`` of the longer side, on a copy at most
    ``THICKEN_SIDE`` px long (a big photo's crop would make the dilation slow)."""
    from PIL import Image
    from scipy import ndimage

    f = min(1.0, THICKEN_SIDE / max(ink.shape))
    width = stroke_width(member) * f
    if f < 1:
        size = (max(1, round(ink.shape[1] * f)), max(1, round(ink.shape[0] * f)))
        image = Image.fromarray(np.ascontiguousarray(ink, np.float32), mode="F")
        ink = np.asarray(image.resize(size, Image.Resampling.BOX), np.float32)
    grow = round(STROKE * max(ink.shape) - width)
    if grow < 1:
        return ink
    size = grow + 1
    r = np.arange(size) - (size - 1) / 2
    disc = (r[:, None] ** 2 + r[None, :] ** 2) <= ((size - 1) / 2 + 0.5) ** 2
    padded = np.pad(ink, size)  # room for the strokes to grow outwards
    out: NDArray[np.float32] = ndimage.grey_dilation(padded, footprint=disc)
    return out


def _scale(ink: NDArray[np.float32]) -> NDArray[np.float32]:
    """Crop to the ink, scale so the longer side is 20 px (aspect kept); strongest ink 1."""
    from PIL import Image

    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = ink.shape
    f = BOX / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))  # PIL sizes are (width, height)
    image = Image.fromarray(np.ascontiguousarray(ink, np.float32), mode="F")
    out = np.array(image.resize(size, Image.Resampling.LANCZOS), np.float32)
    out /= out.max()
    # Lanczos rings slightly below zero next to strokes and leaves specks of 1e-8 far from
    # them; below half a gray level of a uint8 MNIST pixel is black.
    out[out < 0.5 / 255] = 0
    return out


def _place(digit: NDArray[np.float32]) -> NDArray[np.float32]:
    """Paste ``digit`` (h, w <= 20) into a 28x28 field with its centre of mass at (14, 14).

    Whole-pixel shifts, as MNIST's own digits show (their centres of mass scatter by +-0.5
    around 14): shifting by a fraction would blur the strokes.  A lopsided digit whose
    centre of mass is far from its middle is kept entirely inside the field.
    """
    h, w = digit.shape
    mass = digit.sum()
    cy = float((digit.sum(axis=1) * np.arange(h)).sum() / mass)
    cx = float((digit.sum(axis=0) * np.arange(w)).sum() / mass)
    top = min(max(round(FIELD / 2 - cy), 0), FIELD - h)
    left = min(max(round(FIELD / 2 - cx), 0), FIELD - w)
    field = np.zeros((FIELD, FIELD), np.float32)
    field[top : top + h, left : left + w] = digit
    return np.clip(field, 0, 1)
