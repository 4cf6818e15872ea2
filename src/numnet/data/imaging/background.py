"""Gray image -> ink strength: the paper's uneven light taken out.

A phone photo of a page is not "white paper, dark ink": a window makes a gradient across it,
a hand or the phone casts a soft shadow, the lens darkens the corners.  A global threshold
takes the dark side of the page for ink.  Here the paper's own brightness ``B`` is estimated
at every pixel and the ink measured against it:

    s = (B - g) / B            (0 on paper, 1 for black ink, whatever the light)

The ratio (a flat-field correction) makes a stroke in the shadow as strong as one in the
light, since both the paper and the ink reflect the same share of less light.

``B`` is estimated on a copy of at most 128 pixels a side, in two steps:

1. a gray-level *closing* (a maximum filter, then a minimum filter) with a window of a
   twentieth of the side takes out thin pen strokes: every such window across a stroke
   holds some paper.  (A closing with a large window would take out thick strokes too, but
   it also fills every dip of the light narrower than its window, such as the dark foot of
   a soft shadow, and would call it ink.)
2. a *median* over cells: the copy is cut into ``GRID`` cells along its longer side, each
   cell's median taken, then the median of each cell's 3x3 neighbourhood (a fifth of the
   page): a digit covers less than half of that, so what is left of thick strokes goes,
   while the light's gradients and soft shadows are followed without bias.

Where a digit is large and bold (a tight crop, a canvas export), ink can fill more than half
of a neighbourhood and its median is ink.  A closing with a window of a quarter of the page
(``WIDE_WINDOW``) does not have that failure, and its own one (filling dips of the light) is
small: so where the median is more than ``INKED`` darker than that closing, the closing is
taken.

Both steps assume a stroke narrower than the closing window.  A blurred digit (out of
focus, a soft pencil, a low-resolution scan or an upscaled thumbnail, a tight crop) has
strokes wider than it with faint fringes, and there the estimate sinks into the ink: the
stroke's middle comes out weak and its fringes below the paper.  So a last step takes the
paper under the ink from the paper around it, ``PASSES`` times: the pixels at least
``SEEN`` strong under the current estimate, grown by ``GROW`` px, are the ink; the paper
there is the mean of the gray levels around, weighted by a Gaussian of ``SIGMA`` of the
copy's side (a normalised convolution: ``G * (g w) / G * w``, ``w`` 1 off the ink, 0 on it),
if that is brighter than the estimate.  Off the ink nothing changes, so the light's
gradients and shadows are followed as before; a thin pen stroke's estimate was right and
stays so.  The result is scaled back up bilinearly.  Polarity comes first, from the same cell
medians: ink is what stands out from its neighbourhood, so whichever of "darker than the
local median" and "brighter than it" holds more strength decides; a dark pen on light paper
and a light chalk or canvas stroke on black both come out bright.  The lit side of a hard
shadow's edge stands out brighter from those medians too, and can outweigh a small digit's
ink; so dark ink is also taken where thin dark features (a black top-hat over the stroke
window) outweigh thin bright ones ``THIN_DARK_WINS`` times: an edge is no thin feature.
And a page with hardly any thin bright features (``MIN_THIN_LIGHT``) is dark ink on light
paper whatever its medians say: a blank or ruled page, mostly in shadow, has its lit part
stand out brighter, and that part was read as the ink (a "1" along its edge).  Where the
medians only lean to light (``LEANING``: a page lighter than the desk it lies on, a crop
the digit fills), light ink must win the thin features as clearly as dark ink must.

The cell medians smooth a hard shadow's edge: on its dark side, for a fifth of the page,
the estimate is the lit paper's and the shadowed paper reads as a band of ink, which joins
a digit near it into a "smear" (and the last step, taking the band for ink, brightens the
paper under it further).  But the dark side of a shadow is a large dark region, and ink is
not: an *area closing* of the closed copy (every dark region smaller than ``SHADOW_AREA``
of the copy filled with the gray around it) keeps the shadow and takes out a digit of pen
strokes.  Where the estimate is ``SHADOW_CUT`` brighter than that, and up to
``SHADOW_GROW`` px around, it is lowered to it, but only where that part is the edge of a
dark region ``SHADOW_WIDER`` times as large (the copy at most ``SHADOW_LEVEL`` of the way
from its level to the estimate): the estimate follows a shadow beyond its edge, at the
level of its dark side; a digit that fills a crop, or the blurred strokes of an upscaled
thumbnail, is large too, but is all of its own dark region (darker than a shadow it
touches), and stays ink.

A picture made on a computer (flat paper, one exact gray level) is not estimated this way:
see ``numnet.data.imaging.flat``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: side of the copy the paper's brightness is estimated on
BACKGROUND_SIDE = 128
#: closing window, as a share of that copy's longer side (wider than a pen stroke)
STROKE_WINDOW = 0.05
#: cells along the longer side for the median (3x3 cells: a fifth of the page)
GRID = 15
#: window of the wide closing, as a share of the copy's longer side (wider than any stroke)
WIDE_WINDOW = 0.25
#: where the median is this much darker than the wide closing, ink dominated its cells
INKED = 0.35
#: thin dark features this many times the thin bright ones mean dark ink (``_dark_ink``)
THIN_DARK_WINS = 2.0
#: ... and so do thin bright ones weighing less than this in all (strength above the spread,
#: summed over the copy): light ink is strokes, and a page without light strokes has none.
#: Chosen on validation photos: the blank, ruled and shadowed pages of 800 non-digits that
#: turned light weigh at most 0.04 (0.6 with the frame's margin weighed: the lit part of a
#: page in shadow, read as ink, a "1"); 400 photos of digits, inverted (light ink on a dark
#: page), at least 2.58
MIN_THIN_LIGHT = 1.5
#: the cell medians only lean to light where what stands out darker is at least this share
#: of what stands out brighter (a page lighter than the desk around it, a crop whose digit
#: fills it); then light ink needs thin bright features ``THIN_DARK_WINS`` times the thin
#: dark ones.  Chosen on validation photos: of those read as light ink, 11 of dark ink (a
#: page on a light or grey desk, crops, a number) lean at 0.45-0.97, their thin features
#: even (thin bright 0.6-1.4 times the thin dark); 400 photos of digits negated lean at most
#: 0.25 but one, at 0.49 with thin bright 18 times the thin dark
LEANING = 0.4
#: a dark region of the closed copy this share of it or larger is paper in a shadow, not
#: ink (an area closing fills the smaller ones: a digit's ink)
SHADOW_AREA = 0.05
#: where the paper estimate is this much brighter than such a region (a share of it) ...
SHADOW_CUT = 0.15
#: ... where that region is the edge of a dark region this many times as large (the shadow
#: the estimate follows beyond it; a digit's thick stroke is a dark region of its own) ...
SHADOW_WIDER = 3.0
#: ... a region of the copy at most this share of the way from its level to the estimate
SHADOW_LEVEL = 0.25
#: ... it is lowered to the region's gray there and up to this many px of the copy around
SHADOW_GROW = 3
#: the paper is never taken as darker than this (a black page has no "ink on paper")
DARKEST_PAPER = 0.05
#: passes of taking the paper under the ink from the paper around it
PASSES = 3
#: strength (under the estimate of the pass before) from which a pixel of the copy is ink
SEEN = 0.15
#: px of the copy the ink is grown by (its fringe is ink too)
GROW = 2
#: the Gaussian that weighs the paper around the ink, as a share of the copy's longer side
SIGMA = 0.06


def ink_strength(gray: NDArray[np.float32]) -> NDArray[np.float32]:
    """(h, w) float32 gray in [0, 1] -> (h, w) float32 ink strength ``s`` (may be < 0 on paper)."""
    from scipy import ndimage

    small = _resize(gray, _small_size(gray.shape))
    if not _dark_ink(small):
        gray, small = 1 - gray, 1 - small
    side = max(small.shape)
    k = max(3, round(STROKE_WINDOW * side)) | 1
    closed = ndimage.grey_closing(small, size=(k, k), mode="nearest")
    median = _cell_median(closed)
    k = max(3, round(WIDE_WINDOW * side)) | 1
    wide = ndimage.grey_closing(closed, size=(k, k), mode="nearest")
    inked = wide - median > INKED * wide  # cells the ink dominates: the median is ink there
    paper = _under_ink(small, np.where(inked, wide, median))
    paper = _in_shadow(closed, paper)
    paper = _resize(paper, (gray.shape[1], gray.shape[0]))
    s = paper - gray
    s /= np.maximum(paper, DARKEST_PAPER)
    return s


def _under_ink(small: NDArray[np.float32], paper: NDArray[np.float32]) -> NDArray[np.float32]:
    """(h, w) gray copy and its paper estimate -> the estimate with the paper under the ink
    taken from the paper around it (see the module docstring)."""
    from scipy import ndimage

    sigma = SIGMA * max(small.shape)
    for _ in range(PASSES):
        ink = (paper - small) > SEEN * np.maximum(paper, DARKEST_PAPER)
        if not ink.any():
            break
        ink = ndimage.binary_dilation(ink, iterations=GROW)
        off = (~ink).astype(np.float32)
        weight = ndimage.gaussian_filter(off, sigma, mode="nearest")
        around = ndimage.gaussian_filter(small * off, sigma, mode="nearest")
        around /= np.maximum(weight, 1e-6)
        # deep inside a blot there is no paper around: keep the estimate there
        paper = np.where(ink & (weight > 1e-3), np.maximum(paper, around), paper)
    return paper.astype(np.float32, copy=False)


def _in_shadow(closed: NDArray[np.float32], paper: NDArray[np.float32]) -> NDArray[np.float32]:
    """(h, w) closed copy (pen strokes taken out) and the paper estimate -> the estimate
    lowered where it is ``SHADOW_CUT`` brighter than a large dark region of the copy that
    is the edge of one ``SHADOW_WIDER`` times as large, and up to ``SHADOW_GROW`` px around
    (see the module docstring)."""
    from scipy import ndimage
    from skimage.morphology import area_closing

    if min(closed.shape) < 3 or not (paper - closed > SHADOW_CUT * paper).any():
        return paper  # a strip of pixels has no shadow; the closing is never darker
    area = max(1, round(SHADOW_AREA * closed.size))
    large: NDArray[np.float32] = area_closing(  # type: ignore[no-untyped-call]
        closed, area_threshold=area, connectivity=2
    )
    under = paper - large > SHADOW_CUT * paper
    eight = np.ones((3, 3), bool)
    labels, n = ndimage.label(under, structure=eight)
    edges = np.zeros_like(under)
    for i in range(1, n + 1):  # a few regions of a copy of 128 px a side
        region = labels == i
        # the dark region it lies in: the copy at most SHADOW_LEVEL of the way from its
        # level to the paper estimated on it (a shadow's dark side is as dark as the rest
        # of it; a bold digit, darker than a shadow it touches, is a region of its own)
        level = float(np.median(large[region]))
        near_level = level + SHADOW_LEVEL * (float(np.median(paper[region])) - level)
        dark, _ = ndimage.label(closed <= near_level, structure=eight)
        touched = np.unique(dark[region])
        inside = np.bincount(dark.ravel())[touched[touched > 0]].sum()
        if inside >= SHADOW_WIDER * region.sum():
            edges |= region
    if not edges.any():
        return paper
    near = ndimage.binary_dilation(edges, iterations=SHADOW_GROW)
    out: NDArray[np.float32] = np.where(near, np.minimum(paper, large), paper)
    return out


def _dark_ink(small: NDArray[np.float32]) -> bool:
    """True if the ink is darker than the paper.  What stands out from the local paper level
    (the cell medians) decides where it is darker, not brighter; otherwise the thin features
    (``_thin_features``) have a say: a page without thin bright ones (``MIN_THIN_LIGHT``) is
    dark ink, and so is one whose thin dark ones outweigh them ``THIN_DARK_WINS`` times, or,
    where the medians only lean to light (``LEANING``), one whose thin bright ones do not
    outweigh the thin dark ones as many times."""
    d = small - _cell_median(small)
    spread = 3 * 1.4826 * float(np.median(np.abs(d))) + 0.02
    dark = float(np.clip(-d - spread, 0, None).sum())
    bright = float(np.clip(d - spread, 0, None).sum())
    if dark >= bright:
        return True
    thin_dark, thin_bright = _thin_features(small, spread)
    if thin_bright < MIN_THIN_LIGHT:
        return True
    if dark >= LEANING * bright:
        return thin_bright <= THIN_DARK_WINS * thin_dark
    return thin_dark > THIN_DARK_WINS * thin_bright


def _thin_features(small: NDArray[np.float32], spread: float) -> tuple[float, float]:
    """(dark, bright): the thin dark features (closing - gray, a black top-hat over the
    stroke window) and the thin bright ones (gray - opening), each summed above ``spread``.
    The edge of a hard shadow leaves its lit side brighter than the cell medians around it,
    and a small digit has little ink to weigh against that; but an edge is no thin feature
    (opening and closing keep a step), and a pen stroke is.  Where a shadow's edge meets
    the frame at a slant, the lit wedge between them is thin for a window's width, as a
    stroke is (a blank page in shadow, its lit corner read as light ink: a "1" along the
    edge); a stroke is thin all along, so the half-window margin along the frame is not
    weighed."""
    from scipy import ndimage

    k = max(3, round(STROKE_WINDOW * max(small.shape))) | 1
    black = ndimage.grey_closing(small, size=(k, k), mode="nearest") - small
    white = small - ndimage.grey_opening(small, size=(k, k), mode="nearest")
    if min(small.shape) > 2 * k:  # the frame's margin is not weighed (see the docstring)
        m = k // 2
        black, white = black[m:-m, m:-m], white[m:-m, m:-m]
    dark = float(np.clip(black - spread, 0, None).sum())
    bright = float(np.clip(white - spread, 0, None).sum())
    return dark, bright


def _cell_median(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """(h, w) -> (h, w): medians of cells, then of 3x3 cells, scaled back up bilinearly."""
    from scipy import ndimage

    h, w = x.shape
    cell = max(1, -(-max(h, w) // GRID))
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.pad(x, ((0, gh * cell - h), (0, gw * cell - w)), mode="edge")
    cells = np.median(padded.reshape(gh, cell, gw, cell), axis=(1, 3)).astype(np.float32)
    cells = ndimage.median_filter(cells, size=3, mode="nearest")
    return _resize(cells, (gw * cell, gh * cell))[:h, :w]


def _small_size(shape: tuple[int, ...]) -> tuple[int, int]:
    h, w = shape
    f = min(1.0, BACKGROUND_SIDE / max(h, w))
    return max(1, round(w * f)), max(1, round(h * f))


def _resize(x: NDArray[np.float32], size: tuple[int, int]) -> NDArray[np.float32]:
    """Resize (h, w) float32 to PIL ``size`` (width, height): box mean down, bilinear up."""
    from PIL import Image

    if size == (x.shape[1], x.shape[0]):
        return x
    image = Image.fromarray(np.ascontiguousarray(x, np.float32), mode="F")
    down = size[0] < x.shape[1]
    return np.asarray(
        image.resize(size, Image.Resampling.BOX if down else Image.Resampling.BILINEAR),
        np.float32,
    )
