"""Image source -> pixel array, the way a phone photo needs it: upright, small, and safely.

``decode(source, name)`` takes a path, the bytes of an image file, a PIL image or an array
and returns ``(pixels, scale)``: an (h, w) or (h, w, c) array, and how many pixels of the
upright original one pixel of ``pixels`` stands for (boxes found on ``pixels`` times
``scale`` are boxes on the photo).

- A path must be a regular file: a FIFO, socket or device would block ``open`` or never end,
  so it is opened non-blocking and refused by ``fstat`` in one line.
- Only PNG, JPEG, GIF, BMP and WebP are decoded; the size in the header is checked against
  ``MAX_PIXELS`` (``MAX_JPEG_PIXELS`` for a JPEG) before a byte of pixel data is decompressed.
- A JPEG is decoded at 1/2, 1/4 or 1/8 scale straight from its DCT coefficients
  (``Image.draft``) when that still leaves ``WORK_SIDE`` pixels on the longer side: a 12 MP
  photo costs a 0.75 MP decode.  Anything still larger is box-averaged down to ``WORK_SIDE``.
- The EXIF Orientation tag (phones store "rotate me" there rather than rotating pixels) is
  applied (``ImageOps.exif_transpose``).

Every failure is an ``ImageError`` of one line naming the image.
"""

from __future__ import annotations

import io
import os
import stat
import threading
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.errors import ImageError

#: largest image decoded, in pixels (5000 x 5000; a phone photo has 12 million); bigger ones
#: are refused before decoding, so a small file that claims to be 100,000 x 100,000 cannot
#: exhaust memory
MAX_PIXELS = 25_000_000
#: largest JPEG: phones' 48 and 50 MP modes (8000 x 6000, 8160 x 6120) decode at 1/8 scale
#: (``Image.draft``), so they cost less memory than a 2 MP PNG; the limit is Pillow's own
#: (``Image.MAX_IMAGE_PIXELS``, above which ``Image.open`` warns of a decompression bomb)
MAX_JPEG_PIXELS = 89_478_485
#: longer side an image is brought down to before the float work: a digit ends up 20 px
#: tall, and a pen stroke of a 12 MP photo is still 2-6 px wide at this size
WORK_SIDE = 1000
#: formats decoded; others (TIFF, PSD, EPS ...) are refused to keep the attack surface small
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
_OPEN_LOCK = threading.Lock()


def describe(source: Any) -> str:
    """What to call a source that has no path in a message: ``<1234 bytes>``, ``<array ...>``."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, np.ndarray):
        return f"<array {source.shape} {source.dtype}>"
    return f"<{type(source).__name__}>"


def decode(source: Any, name: str) -> tuple[NDArray[Any], float]:
    """Decode ``source`` into ``(pixels (h, w[, c]) any numeric dtype, scale)``."""
    if isinstance(source, np.ndarray):
        return source, 1.0
    from PIL import Image

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
        fp = open_regular_file(source, name)
    else:
        raise ImageError(f"{name} is not an image: give a path, bytes, a PIL image or an array")
    try:
        return _decode_file(fp, name)
    finally:
        fp.close()


def open_regular_file(path: str | os.PathLike[str], name: str) -> Any:
    """Open ``path`` for reading if it is a regular file; a one-line ``ImageError`` if not.

    Opened with O_NONBLOCK so that a FIFO without a writer does not block here; ``fstat`` on
    the open descriptor then tells what it really is (no race between a check and the open).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise ImageError(f"{name} is a folder, not an image file") from None
    except OSError as e:
        raise ImageError(f"cannot open image {name}: {e.strerror or e}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe, socket or device)"
        raise ImageError(f"{name} is {what}, not an image file")
    return os.fdopen(fd, "rb")


def _decode_file(fp: Any, name: str) -> tuple[NDArray[Any], float]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        # Pillow warns (rather than fails) between 1x and 2x its own limit; we refuse.  The
        # warnings filter is process-wide, so threads (the web server) take turns; only the
        # header is read here, decoding happens later, outside the lock.
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                img: Any = Image.open(fp, formats=FORMATS)
            except UnidentifiedImageError:
                raise ImageError(
                    f"{name} is not an image numnet can read (use PNG, JPEG, GIF, BMP or WebP)"
                ) from None
        jpeg = img.format == "JPEG"
        check_size(img.size, name, MAX_JPEG_PIXELS if jpeg else MAX_PIXELS)
        full = max(img.size)
        if jpeg and full > 2 * WORK_SIDE:
            # decode at the smallest DCT scale that keeps WORK_SIDE on the longer side
            f = WORK_SIDE / full
            img.draft("L", (max(1, round(img.size[0] * f)), max(1, round(img.size[1] * f))))
        img = ImageOps.exif_transpose(img)  # phone photos store "rotate me" in EXIF
        pixels, scale = _pil_to_array(img, name)
        return pixels, scale * full / max(img.size)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            f"image {name} is too large to decode safely (over {MAX_JPEG_PIXELS:,} pixels); "
            "scale it down"
        ) from None
    except Exception as e:  # any decoder failure on untrusted bytes is the file's fault
        raise ImageError(f"cannot read image {name}: truncated or corrupt ({e})") from None


def check_size(size: tuple[int, int], name: str, limit: int = MAX_PIXELS) -> None:
    """Refuse (width, height) over ``limit`` pixels or with no pixels."""
    w, h = size
    if w * h > limit:
        raise ImageError(
            f"image {name} is too large: {w}x{h} pixels, over the limit of {limit:,}; "
            "scale it down"
        )
    if w == 0 or h == 0:
        raise ImageError(f"image {name} has no pixels")


def _pil_to_array(img: Any, name: str) -> tuple[NDArray[Any], float]:
    """A PIL image -> (uint8/uint16/float array, with alpha if it has transparency; scale)."""
    from PIL import Image

    check_size(img.size, name)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit PNG
        return np.clip(np.asarray(img, dtype=np.int64), 0, 65535).astype(np.uint16), 1.0
    if img.mode == "F":
        return np.asarray(img, dtype=np.float32), 1.0
    transparent = "A" in img.getbands() or "transparency" in img.info
    img = img.convert("RGBA" if transparent else "L")
    full = max(img.size)
    if full > WORK_SIDE:
        f = WORK_SIDE / full
        size = (max(1, round(img.size[0] * f)), max(1, round(img.size[1] * f)))
        img = img.resize(size, Image.Resampling.BOX)  # the mean of each pixel's footprint
    return np.asarray(img), full / max(img.size)
