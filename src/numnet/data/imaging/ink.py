"""Ink strength -> which pixels are ink (a threshold set by the image's own noise) and how much.

The paper of a photo is never flat after the background is taken out: sensor noise, paper
texture and JPEG blocks leave a spread of small strengths around 0.  That spread is measured
robustly (the median absolute deviation, MAD, of a sample: the paper is most of any page, so
the ink does not move the median) and the thresholds sit above it:

    noise = 1.4826 * median(|s - median(s)|)        (the standard deviation, for Gaussian noise)
    low   = max(LOW, NOISE_SIGMAS * noise)          a pixel at least this strong may be ink
    high  = max(HIGH, 2 * low)                      a stroke must reach this somewhere

A pixel above ``low`` belongs to a candidate stroke; a stroke is kept only if it reaches
``high`` (a hysteresis threshold: faint edges of real strokes stay, faint smudges go).

Gray levels for the network: MNIST's strokes are 1.0 in the middle and fall off at their
edges, and the fall-off is part of the digit.  A blurred stroke (out of focus, soft pencil,
a low-resolution scan) has a wide fringe below ``low``; cutting it off there leaves a stroke
thinner than its picture and loses the faint parts of a digit (a 0 whose weak side is gone
reads as a 6).  So ``with_fringe`` adds to a digit's own pixels the weaker ones, strength
in (``FRINGE_FLOOR * low``, ``low``], within ``FRINGE`` of the digit's size of them, and
``soft_ink`` maps strength proportionally, 0 to 0 and the ``FULL_INK_PERCENTILE``-th
percentile of the digit's strengths to 1:

    ink = clip(s / full, 0, 1)   on the digit's pixels, 0 elsewhere
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.mnist_box import stroke_width

#: least strength a pixel needs to count as ink (a share of the paper's brightness)
LOW = 0.08
#: least strength a stroke must reach somewhere; below it the ink is "too faint"
HIGH = 0.2
#: ``low`` is at least this many noise standard deviations above the paper
NOISE_SIGMAS = 5.0
#: a ``low`` above this says the median and its spread were the ink's, not the paper's (a
#: photo cropped to its digit, the ink a third of the picture or more) ...
CROWDED = 0.3
#: ... and the strongest ink (the 99th percentile) a pen's, at least this (a hard shadow
#: over a blank page crowds the picture too, at 0.3-0.4) ...
STRONG = 0.5
#: ... then the noise is that of the pixels lighter than the paper estimate, if this many
MIN_UNDER = 100
#: the strength mapped to full ink: this percentile of the kept ink's strengths
FULL_INK_PERCENTILE = 90
#: how far around a digit's pixels its weaker fringe (strength in (0, low]) is kept, as a
#: share of the longer side of its box (a blur's width grows with the picture's size)
FRINGE = 0.025
#: ... and from this share of ``low`` up (weaker is the paper's noise, a JPEG's ringing)
FRINGE_FLOOR = 0.25
#: in a number, ink counts only this many stroke widths from the pen's core ...
HAZE_REACH = 1.0
#: ... the pixels at least this share of the pen's strength (``without_haze``) ...
CORE = 0.4
#: ... this percentile of the strengths that reach ``high``
PEN_PERCENTILE = 90


@dataclass(frozen=True)
class Threshold:
    """The two ink thresholds of one image (strengths, see the module docstring)."""

    low: float
    high: float


def threshold(s: NDArray[np.float32]) -> Threshold:
    """Thresholds for the ink strength map ``s`` (h, w), from the spread of its paper."""
    step = max(1, int(np.sqrt(s.size / 60_000)))
    sample = s[::step, ::step]
    median = float(np.median(sample))
    noise = 1.4826 * float(np.median(np.abs(sample - median)))
    low = max(LOW, median + NOISE_SIGMAS * noise)
    if low > CROWDED and float(np.percentile(sample, 99)) >= STRONG:
        # the ink is no small part of the picture: the noise from the paper's side alone
        under = -sample[sample < 0]  # paper lighter than its estimate: noise only
        if under.size >= MIN_UNDER:
            low = max(LOW, NOISE_SIGMAS * 1.4826 * float(np.median(under)))
    return Threshold(low=low, high=max(HIGH, 2 * low))


def fringe_px(side: int) -> int:
    """How many px the fringe of a digit whose box's longer side is ``side`` px may take."""
    return round(FRINGE * side)


def with_fringe(
    s: NDArray[np.float32], member: NDArray[np.bool_], low: float, reach: int
) -> NDArray[np.bool_]:
    """A digit's pixels ``member`` (h, w) and the strengths ``s`` (h, w) around them -> the
    pixels with their fringe: those of strength in (``FRINGE_FLOOR * low``, ``low``]
    within ``reach`` px (4-connected steps) of ``member``.  Stronger pixels near the digit
    are someone else's (a paper line, a neighbour's stroke, a speck) and stay out."""
    from scipy import ndimage

    if reach < 1:
        return member
    near = ndimage.binary_dilation(member, iterations=reach)
    out: NDArray[np.bool_] = member | (near & (s > FRINGE_FLOOR * low) & (s <= low))
    return out


def without_haze(
    mask: NDArray[np.bool_], s: NDArray[np.float32], high: float
) -> NDArray[np.bool_]:
    """The ink ``mask`` (h, w) without its haze: the pixels further than ``HAZE_REACH``
    stroke widths (a square window) from the pen's core, the pixels at least ``CORE`` of the
    pen's strength (the ``PEN_PERCENTILE``-th percentile of those reaching ``high``) and
    ``high`` strong.
    A stroke's faint edge lies beside its strong middle; a haze around a row of digits (a
    shadow's edge or a blot of light the background left, a third of the pen's strength)
    spreads far from it, joins neighbouring digits into one component and drags its mean
    strength down to a shadow's."""
    from scipy import ndimage

    strong = mask & (s >= high)
    if not strong.any():
        return mask
    core = strong & (s >= CORE * float(np.percentile(s[strong], PEN_PERCENTILE)))
    reach = max(1, round(HAZE_REACH * stroke_width(core)))
    near = ndimage.maximum_filter(core.view(np.uint8), size=2 * reach + 1).view(np.bool_)
    out: NDArray[np.bool_] = mask & near
    return out


def soft_ink(s: NDArray[np.float32], mask: NDArray[np.bool_]) -> NDArray[np.float32]:
    """Strengths (h, w) -> MNIST-like gray levels in [0, 1]: 0 off ``mask``, ``s / full`` on
    it, 1 from ``full``, the ``FULL_INK_PERCENTILE``-th percentile of the strengths on
    ``mask``, up."""
    full = float(np.percentile(s[mask], FULL_INK_PERCENTILE)) if mask.any() else 1.0
    ink = s / max(full, 1e-3)
    np.clip(ink, 0, 1, out=ink)
    ink[~mask] = 0
    return ink
