"""A prepared digit seen a little differently: the network reads each and the readings are
averaged (test-time augmentation).

A poorly written digit sits near the border between two classes, and where exactly it
falls depends on details the writer did not mean: how large it came out in its 20 px box,
how it leans.  Read as it is, scaled by ``SCALES`` and turned by ``ANGLES`` about the
field's centre, it is read from five points of view; the mean of their probabilities is
surer where they agree and less sure where they do not.

    variants(x)[i, v] = x[i] sampled at  A_v (p - c) + c,   c = ((28 - 1) / 2, (28 - 1) / 2)

with A_v the inverse of the scaling or rotation v (bilinear, zero outside the field), for
all digits at once (``scipy.ndimage.affine_transform`` on the stack, the first axis kept).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.mnist_box import FIELD

#: the digit scaled by these factors about the field's centre ...
SCALES = (0.9, 1.1)
#: ... and turned by these angles (degrees)
ANGLES = (-8.0, 8.0)


def variants(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """(n, 28, 28) prepared digits -> (n, 1 + len(SCALES) + len(ANGLES), 28, 28): each as it
    is, then scaled, then turned."""
    from scipy import ndimage

    centre = np.full(2, (FIELD - 1) / 2)
    maps = [np.eye(2) / s for s in SCALES]
    for a in np.radians(ANGLES):
        maps.append(np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]))
    out = np.empty((x.shape[0], 1 + len(maps), FIELD, FIELD), np.float32)
    out[:, 0] = x
    for v, m in enumerate(maps, start=1):
        matrix = np.eye(3)
        matrix[1:, 1:] = m  # the first axis (the digit) is kept
        offset = np.r_[0.0, centre - m @ centre]
        out[:, v] = ndimage.affine_transform(x, matrix, offset=offset, order=1, cval=0.0)
    return out
