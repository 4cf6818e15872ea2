"""The desk replaced by the page's light (see ``numnet.data.imaging.desk``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from numnet.data.imaging.desk.find import find_desk

#: the longer side of the copy the desk is found on
COARSE = 256
#: the page's light is followed onto the desk at this scale (Gaussian sigma / the copy's side)
SMOOTH = 0.03
#: ... where the page weighs at least this much in the Gaussian (farther out: the nearest value)
KNOWN = 0.1


def without_desk(gray: NDArray[np.float32]) -> NDArray[np.float32]:
    """``gray`` (h, w) float32 in [0, 1] with the desk around the page replaced by the
    page's paper; ``gray`` itself (not a copy) when there is no desk."""
    f = max(1, -(-max(gray.shape) // COARSE))
    h, w = gray.shape[0] // f, gray.shape[1] // f
    if min(h, w) < 8:
        return gray
    q = gray[: h * f, : w * f].reshape(h, f, w, f).mean(axis=(1, 3))
    desk = find_desk(q)
    if desk is None:
        return gray
    # the paper's light near the desk: the page (two pixels of the copy inside it: its
    # blurred edge is no paper) smoothed by a normalised convolution, which averages the
    # ruled lines and the ink away; farther out, the nearest such value
    page = ~ndimage.binary_dilation(desk, iterations=2)
    sigma = SMOOTH * max(q.shape)
    weight = ndimage.gaussian_filter(page.astype(np.float32), sigma)
    light = ndimage.gaussian_filter(q * page, sigma)
    known = weight > KNOWN
    light[known] /= weight[known]
    _, (iy, ix) = ndimage.distance_transform_edt(~known, return_indices=True)
    fill = light[iy, ix]
    # the desk grown by one pixel of the copy, at the gray image's size (the last partial
    # blocks of the copy's grid belong to its last row and column)
    grown = ndimage.binary_dilation(desk, iterations=1)
    out: NDArray[np.float32] = np.where(_enlarged(grown, f, gray.shape),
                                        _enlarged(fill, f, gray.shape), gray)
    return out


def _enlarged(a: NDArray[Any], f: int, shape: tuple[int, ...]) -> NDArray[Any]:
    """The copy's pixels ``a`` (h, w) as f x f blocks, the picture's last partial blocks
    of its grid taking its last row and column: (shape) like the gray image."""
    big = a.repeat(f, axis=0).repeat(f, axis=1)
    return np.pad(big, [(0, shape[0] - big.shape[0]), (0, shape[1] - big.shape[1])], "edge")
