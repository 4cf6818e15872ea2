"""Flat paper: a picture made on a computer, its paper one exact gray level.

A picture made on a computer (an MNIST digit saved as a PNG, a canvas export, a thumbnail
upscaled, a scan cleaned to white) has paper of one exact gray level ``P``, and its digit
often fills most of the frame, where every estimate of a photo's paper
(``numnet.data.imaging.background``) sinks into the ink (a bold 8 on a 28x28 black square:
its cells' medians are the ink, and the paper is taken for the ink).
Such paper is told from a photo's by its histogram (``flat_paper``): at least ``FLAT_SHARE``
of the pixels at exactly the most common level, and at least ``FLAT_ISOLATION`` of those
within ``FLAT_NEAR`` levels of it (a photo's paper spreads over many levels, its noise and
light; on the check sets' photos the most common level holds at most 15% of the pixels and
at most 28% of its neighbourhood), and of the other pixels at most ``FLAT_HAZE_SHARE`` a
little off it (within ``FLAT_HAZE``: a photo whose paper is partly clipped to white has the
rest of its paper there; a computer's anti-aliased or blurred edges put 0-32% there).
There the paper is ``P`` everywhere, and the ink is whichever side of it holds more of the
difference:

    s = (P - g) / P   (dark ink)      or      s = (g - P) / (1 - P)   (bright ink)

A photo saved at a low JPEG quality (30 or less: a messenger's, a thumbnail's) flattens
its paper too: where the light varies less than a quantisation step, whole 8x8 blocks
come out at one exact level, and up to a third of the photos saved at quality 10 passed
the test above (the light's gradient then read as ink).  But such paper is gray, not white
or black, and the rest of it lies a few levels away, in the haze; so paper between
``FLAT_EXTREME`` and ``1 - FLAT_EXTREME`` is flat only if at most ``FLAT_MID_HAZE`` as many
pixels lie in its haze as at it (MNIST validation digits enlarged 2-10 times on paper of
0.5-0.94, as PNGs: at most 0.085; validation photos of digits and non-digits saved at
quality 10-30 that passed the rest of the test: at least 0.16).

The thresholds (``flat_threshold``) need no noise estimate: the soft edges of such ink
(anti-aliasing, the blur of an upscaled thumbnail) are its fringe, not its stroke, so a
pixel is ink from ``FLAT_LOW`` of the strongest ink.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.background import DARKEST_PAPER
from numnet.data.imaging.ink import HIGH, LOW, Threshold

#: flat paper: at least this share of the pixels at the most common of 256 gray levels ...
FLAT_SHARE = 0.15
#: ... and at least this share of the pixels within ``FLAT_NEAR`` levels of it
FLAT_ISOLATION = 0.5
FLAT_NEAR = 4
#: ... and at most this share of the pixels further from it within ``FLAT_HAZE`` of it
FLAT_HAZE_SHARE = 0.5
FLAT_HAZE = 0.1
#: paper this far from black and white (a share of the range) is a photo's gray unless at
#: most ``FLAT_MID_HAZE`` as many pixels are in its haze as at it (a heavy JPEG's paper)
FLAT_EXTREME = 0.05
FLAT_MID_HAZE = 0.12
#: on flat paper, ``low`` is this share of the strongest ink
FLAT_LOW = 0.25


def flat_paper(gray: NDArray[np.float32]) -> float | None:
    """The gray level of ``gray``'s paper (h, w) if it is flat (one exact level, see the
    module docstring), else None."""
    step = max(1, int(np.sqrt(gray.size / 250_000)))
    levels = np.rint(gray[::step, ::step] * 255).astype(np.intp).ravel()
    counts = np.bincount(levels, minlength=256)
    m = int(np.argmax(counts))
    near = int(counts[max(0, m - FLAT_NEAR) : m + FLAT_NEAR + 1].sum())
    if counts[m] < FLAT_SHARE * levels.size or counts[m] < FLAT_ISOLATION * near:
        return None
    reach = round(FLAT_HAZE * 255)
    haze = counts[max(0, m - reach) : m + reach + 1].sum() - near
    if haze > FLAT_HAZE_SHARE * (levels.size - near):
        return None
    gray_paper = FLAT_EXTREME < m / 255 < 1 - FLAT_EXTREME
    if gray_paper and haze > FLAT_MID_HAZE * near:
        return None
    return m / 255


def against_flat(gray: NDArray[np.float32], paper: float) -> NDArray[np.float32]:
    """Ink strength on flat paper of level ``paper``: dark or bright ink, whichever holds
    more of the difference from it."""
    d = paper - gray  # > 0 where darker than the paper
    dark = float(np.clip(d, 0, None).sum()) >= float(np.clip(-d, 0, None).sum())
    if dark:
        d /= max(paper, DARKEST_PAPER)
    else:
        np.negative(d, out=d)
        d /= max(1 - paper, DARKEST_PAPER)
    return d.astype(np.float32, copy=False)


def flat_threshold(s: NDArray[np.float32]) -> Threshold:
    """Thresholds for the strengths ``s`` (h, w) of ink on flat paper (``flat_paper``):
    there is no noise to stay above, and the ink's soft edges (anti-aliasing, the blur of an
    upscaled thumbnail) are its fringe, not its stroke, so ``low`` is ``FLAT_LOW`` of the
    strongest ink."""
    low = max(LOW, FLAT_LOW * float(s.max(initial=0)))
    return Threshold(low=low, high=max(HIGH, 2 * low))
