"""Any image of a digit -> a 28x28 array prepared the way MNIST prepared its digits.

MNIST's digits were not just shrunk: each was cropped to its ink, scaled so that the longer
side is 20 pixels (keeping the aspect ratio, anti-aliased into gray levels), and pasted
into a 28x28 field so that its centre of mass sits at the centre.  Ink is bright (1.0) on a
black (0.0) background.  A network trained on MNIST only reads digits that look like that,
so a photo, a scan or a canvas export goes through the same steps here:

1. decode (PNG, JPEG, GIF, BMP, WebP; a PIL image; or an array), refusing non-images,
   unreadable files and decompression bombs with a one-line ``ImageError``;
2. composite transparency onto a background that contrasts with the ink (a canvas export
   is often black or white ink on a fully transparent page) and convert to gray;
3. detect polarity from the border: dark ink on light paper is inverted so the ink is bright;
4. stretch so the paper is 0 and the darkest ink 1, and drop faint noise (paper texture,
   JPEG ringing) below ``NOISE``;
5. crop to the ink's bounding box, ignoring stray specks that hold a tiny share of the ink;
6. scale the longer side to 20 px (Lanczos, which low-pass filters when shrinking);
7. place the result in a 28x28 field with its centre of mass at (14, 14).

Pillow is imported inside the functions so that ``import numnet`` stays light.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.errors import ImageError

#: the digit box MNIST used inside its 28x28 field
FIELD = 28
BOX = 20
#: largest image decoded, in pixels (5000 x 5000; a phone photo has 12 million); bigger ones
#: are refused before decoding, so a small file that claims to be 100,000 x 100,000 cannot
#: exhaust memory
MAX_PIXELS = 25_000_000
#: longer side an image is box-reduced to (integer factor) before the float work: a digit
#: ends up 20 px tall, so 1000 px is plenty, and memory stays ~16 MB per image
WORK_SIDE = 1000
#: gray levels (after stretching paper to 0 and ink to 1) treated as no ink
NOISE = 0.2
#: least difference between paper and ink for an image to count as having a digit at all
MIN_CONTRAST = 0.15
#: share of the ink mass that may be cut off each side when cropping (stray specks)
TRIM = 0.002
#: formats decoded; others (TIFF, PSD, EPS ...) are refused to keep the attack surface small
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
_OPEN_LOCK = threading.Lock()

Source = str | os.PathLike[str] | bytes | NDArray[Any] | Any  # Any: a PIL.Image.Image


def prepare(source: Source, name: str | None = None) -> NDArray[np.float32]:
    """Turn one image into a digit as MNIST has them.

    source : a file path, the bytes of an image file, a PIL image, or an array
             (h, w) gray, (h, w, 2|3|4) gray+alpha / RGB / RGBA; uint8, uint16, bool,
             or float in [0, 1].
    name   : what to call the image in error messages (default: the path, or a description).
    returns: (28, 28) float32 in [0, 1], ink bright, centre of mass at (14, 14).
    Raises ``ImageError`` (one line naming the image) for anything that is not a usable image.
    """
    if name is None:
        name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else _describe(source)
    gray = _to_gray(_decode(source, name), name)
    ink = _ink(gray, name)
    return _place(_scale(_crop(ink)))


def prepare_many(sources: Iterable[Source]) -> NDArray[np.float32]:
    """Prepare several images: (n, 28, 28) float32.  The first bad one raises ``ImageError``."""
    images = [prepare(s) for s in sources]
    if not images:
        return np.zeros((0, FIELD, FIELD), np.float32)
    return np.stack(images)


def _describe(source: Any) -> str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, np.ndarray):
        return f"<array {source.shape} {source.dtype}>"
    return f"<{type(source).__name__}>"


def _decode(source: Source, name: str) -> NDArray[Any]:
    """Decode ``source`` into an array: (h, w) or (h, w, c), any numeric dtype."""
    if isinstance(source, np.ndarray):
        return source
    from PIL import Image, ImageOps

    if isinstance(source, Image.Image):
        try:
            return _pil_to_array(source, name)
        except ImageError:
            raise
        except Exception as e:  # a mode Pillow cannot turn into gray (LAB, HSV ...)
            raise ImageError(f"cannot read image {name}: {e}") from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        fp: Any = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        if os.path.isdir(source):
            raise ImageError(f"{name} is a folder, not an image file")
        try:
            fp = open(source, "rb")  # closed in the finally below
        except OSError as e:
            raise ImageError(f"cannot open image {name}: {e.strerror or e}") from None
    else:
        raise ImageError(f"{name} is not an image: give a path, bytes, a PIL image or an array")
    try:
        # Pillow warns (rather than fails) between 1x and 2x its own limit; we refuse.  The
        # warnings filter is process-wide, so threads (the web server) take turns; only the
        # header is read here, decoding happens later, outside the lock.
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                img = Image.open(fp, formats=FORMATS)
            except Image.UnidentifiedImageError:
                raise ImageError(
                    f"{name} is not an image numnet can read (use PNG or JPEG)"
                ) from None
        _check_size(img.size, name)
        img = ImageOps.exif_transpose(img)  # phone photos store "rotate me" in EXIF
        return _pil_to_array(img, name)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            f"image {name} is too large to decode safely (over {MAX_PIXELS:,} pixels); "
            "scale it down"
        ) from None
    except Exception as e:  # any decoder failure on untrusted bytes is the file's fault
        raise ImageError(f"cannot read image {name}: truncated or corrupt ({e})") from None
    finally:
        fp.close()


def _check_size(size: tuple[int, int], name: str) -> None:
    w, h = size
    if w * h > MAX_PIXELS:
        raise ImageError(
            f"image {name} is too large: {w}x{h} pixels, over the limit of {MAX_PIXELS:,}; "
            "scale it down"
        )
    if w == 0 or h == 0:
        raise ImageError(f"image {name} has no pixels")


def _pil_to_array(img: Any, name: str) -> NDArray[Any]:
    """A PIL image -> uint8/uint16/float array, with alpha if the image has transparency."""
    _check_size(img.size, name)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit PNG
        return np.clip(np.asarray(img, dtype=np.int64), 0, 65535).astype(np.uint16)
    if img.mode == "F":
        return np.asarray(img, dtype=np.float32)
    transparent = "A" in img.getbands() or "transparency" in img.info
    img = img.convert("RGBA" if transparent else "L")
    factor = -(-max(img.size) // WORK_SIDE)  # ceil
    if factor > 1:
        img = img.reduce(factor)  # box average of factor x factor blocks
    return np.asarray(img)


def _to_gray(a: NDArray[Any], name: str) -> NDArray[np.float32]:
    """Array (h, w[, c]) -> (h, w) float32 gray in [0, 1], transparency composited."""
    a = np.asarray(a)
    if a.ndim == 1 and a.size == FIELD * FIELD:
        a = a.reshape(FIELD, FIELD)
    if a.ndim == 3 and a.shape[0] == 1 and a.shape[-1] > 4:  # (1, h, w): a one-image batch
        a = a[0]
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ImageError(f"{name} has shape {a.shape}; expected (h, w), (h, w, 3) or (h, w, 4)")
    _check_size((a.shape[1], a.shape[0]), name)
    x = _unit_range(a, name)
    if x.shape[2] in (2, 4):
        x, alpha = x[:, :, :-1], x[:, :, -1]
    else:
        alpha = None
    # ITU-R 601 luma, as Pillow's convert("L")
    gray = x[:, :, 0] if x.shape[2] == 1 else x @ np.array([0.299, 0.587, 0.114], np.float32)
    if alpha is not None and alpha.min() < 1:
        gray = _composite(gray, alpha)
    return gray.astype(np.float32, copy=False)


def _unit_range(a: NDArray[Any], name: str) -> NDArray[np.float32]:
    """Pixel values -> float32 in [0, 1] according to the dtype."""
    if a.dtype == np.bool_:
        return a.astype(np.float32)
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255
    if a.dtype == np.uint16:
        return a.astype(np.float32) / 65535
    if np.issubdtype(a.dtype, np.integer):
        if a.min() < 0 or a.max() > 255:
            raise ImageError(f"{name} has integer pixels outside 0..255")
        return a.astype(np.float32) / 255
    if np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise ImageError(f"{name} has float pixels outside [0, 1] (or NaN); scale them first")
        return a.astype(np.float32)
    raise ImageError(f"{name} has pixels of type {a.dtype}; expected integers or floats")


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


def _ink(gray: NDArray[np.float32], name: str) -> NDArray[np.float32]:
    """Gray image -> ink map: paper 0, strongest ink 1, faint noise removed.

    Polarity: the border of a picture of a digit is mostly paper, so the median of the
    outermost ring of pixels is the paper's level; light paper means dark ink, which is
    inverted so that the ink is bright, as in MNIST.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    paper = float(np.median(border))
    ink = 1 - gray if paper > 0.5 else gray.copy()
    paper = min(paper, 1 - paper)
    ink -= paper
    top = float(ink.max())
    if top < MIN_CONTRAST:
        raise ImageError(f"no digit found in {name}: the image is blank (no ink on the paper)")
    ink /= top
    ink[ink < NOISE] = 0
    return ink


def _crop(ink: NDArray[np.float32]) -> NDArray[np.float32]:
    """Cut ``ink`` to the rows and columns holding all but ``TRIM`` of the ink on each side."""
    rows = _span(ink.sum(axis=1))
    cols = _span(ink.sum(axis=0))
    return ink[rows, cols]


def _span(profile: NDArray[np.float32]) -> slice:
    """The index range of ``profile`` left after trimming a TRIM share of its mass each end."""
    c = np.cumsum(profile, dtype=np.float64)
    total = c[-1]
    start = int(np.searchsorted(c, TRIM * total, side="right"))
    stop = int(np.searchsorted(c, (1 - TRIM) * total, side="left")) + 1
    return slice(start, max(stop, start + 1))


def _scale(ink: NDArray[np.float32]) -> NDArray[np.float32]:
    """Scale so the longer side is 20 px, keeping the aspect ratio; strongest ink back to 1."""
    from PIL import Image

    h, w = ink.shape
    f = BOX / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))  # PIL sizes are (width, height)
    out = np.array(Image.fromarray(ink, mode="F").resize(size, Image.LANCZOS), np.float32)
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
