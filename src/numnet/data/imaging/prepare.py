"""``prepare``: any image of one digit -> the 28x28 array MNIST would have made of it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.errors import NoDigitError
from numnet.data.imaging.find import find_digits
from numnet.data.imaging.mnist_box import FIELD


def prepare(source: Any, name: str | None = None) -> NDArray[np.float32]:
    """Turn one image into a digit as MNIST has them.

    source : a file path, the bytes of an image file, a PIL image, or an array
             (h, w) gray, (h, w, 2|3|4) gray+alpha / RGB / RGBA; uint8, uint16, bool,
             or float in [0, 1].
    name   : what to call the image in error messages (default: the path, or a description).
    returns: (28, 28) float32 in [0, 1], ink bright, centre of mass at (14, 14): the
             largest digit of the image.
    Raises ``ImageError`` (one line naming the image) for anything that is not a usable
    image, and its subclass ``NoDigitError`` for an image without ink (blank, too faint,
    only the lines of the paper).
    """
    page = find_digits(source, name)
    if not page.candidates:
        raise NoDigitError(f"no digit found in {page.name}: {page.reason}")
    return page.candidates[0].pixels


def prepare_many(sources: Iterable[Any]) -> NDArray[np.float32]:
    """Prepare several images: (n, 28, 28) float32.  The first bad one raises ``ImageError``."""
    images = [prepare(s) for s in sources]
    if not images:
        return np.zeros((0, FIELD, FIELD), np.float32)
    return np.stack(images)
