"""A whole image -> its digit candidates, each as MNIST would hold it, with its box.

The steps, each in its own module:

    decode (decode.py)  ->  gray (gray.py)  ->  a desk around the page replaced by the
    page's paper (desk/; not on a picture made on a computer)  ->  ink strength, the
    paper's light taken out (background.py; on the flat paper of a picture made on a
    computer, against its one level: flat/)  ->  ink thresholds from the image's own
    noise (ink.py; flat/ from the ink's strength)  ->  ruled and squared lines removed
    (lines.py)  ->  for a number, the haze around its row taken off (ink.py,
    ``without_haze``)  ->  connected components, without circles, boxes and underlines
    drawn around the writing, grouped into digits (components.py)  ->
    each digit's pixels with their faint fringe, as gray levels (ink.py)  ->  cropped,
    scaled to 20 px and centred in 28x28 (mnist_box.py)

``find_digits(source, number=False)`` keeps the largest digit (an image of one digit);
``number=True`` keeps every digit, left to right, each with the ways to cut it into
touching digits (the reader chooses among them; two neighbours that may be pieces of one
digit are one candidate, one of whose ways is the two apart), and the number's signs (a
decimal point, a minus); a page of several numbers one above the other has each row as a
``Page`` of its own (``Page.rows``, top to bottom; ``components.rows``).  An image with no
ink left is not an error here: the ``Page`` says why (``reason``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.background import ink_strength
from numnet.data.imaging.components import (
    Components,
    Group,
    Row,
    beside,
    groups,
    is_mark,
    label_ink,
    largest,
    member_mask,
    row_height,
    rows,
    union,
    without_marks,
)
from numnet.data.imaging.decode import decode, describe
from numnet.data.imaging.desk import without_desk
from numnet.data.imaging.flat import against_flat, flat_paper, flat_threshold, smoothed
from numnet.data.imaging.gray import to_gray
from numnet.data.imaging.ink import (
    Threshold,
    fringe_px,
    soft_ink,
    threshold,
    with_fringe,
    without_haze,
)
from numnet.data.imaging.lines import remove_lines
from numnet.data.imaging.mnist_box import BOX, to_mnist
from numnet.data.imaging.signs import Box, Sign, signs
from numnet.data.imaging.split import joins, ways
from numnet.data.imaging.verdict.shape import Shape, measure


@dataclass(frozen=True)
class Candidate:
    """One digit candidate of an image.

    pixels : (28, 28) float32 in [0, 1], what the network sees
    box    : (x0, y0, x1, y1) in pixels of the upright image (ends exclusive)
    aspect : width / height of the ink
    fill   : share of the 20x20 box the prepared ink covers (pixels.sum() / 400)
    splits : the ways to read it as several touching digits instead (each way its pieces,
             left to right; see ``numnet.data.imaging.split``), reading a number only
    joined : it is two neighbouring groups of ink joined (``split.joins``); ``splits[0]``
             is the two apart
    ink    : (h, w) bool, its thresholded ink in ``box`` (of the reduced image), without
             the fringe; None when there is none (28x28 pixels given as they are)
    extent : the longer side of ``box`` / the picture's longer side
    shape  : the shape of that ink (``numnet.data.imaging.verdict.shape``), measured on
             first use (a digit among a number's is not judged by it); None without ink
    """

    pixels: NDArray[np.float32]
    box: tuple[int, int, int, int]
    aspect: float
    fill: float
    splits: tuple[tuple[Candidate, ...], ...] = ()
    joined: bool = False
    ink: NDArray[np.bool_] | None = None
    extent: float = 1.0

    @functools.cached_property
    def shape(self) -> Shape | None:
        """See the class docstring."""
        return None if self.ink is None else measure(self.ink)


@dataclass(frozen=True)
class Page:
    """The digit candidates of one image, left to right; none, and why, if it has no ink.
    ``height``: a number's row height in px of the upright image, as the boxes
    (``components.row_height`` of its candidates whole: their median height, each weighed by
    its ink), 0 if not known.  ``signs``: a number's decimal points and minus
    (``numnet.data.imaging.signs``), left to right.  A page of several numbers, one above
    the other, has each as a page of its own in ``rows`` (top to bottom; ``candidates`` are
    theirs one after the other, ``height`` 0 and ``signs`` empty); a page of one has none.
    ``beside``: looking for one digit, how many more groups of ink beside it may be digits
    (``components.beside``; the picture may hold a number).  ``flat``: its paper is one
    exact gray level (a picture made on a computer, ``flat.flat_paper``), so its ink
    is drawn as it is: the digit rule allows bolder digits there (``verdict.FLAT_MAX_FILL``)."""

    name: str
    candidates: list[Candidate]
    reason: str | None = None
    height: float = 0.0
    signs: tuple[Sign, ...] = ()
    rows: tuple[Page, ...] = ()
    beside: int = 0
    flat: bool = False


def find_digits(source: Any, name: str | None = None, number: bool = False) -> Page:
    """Find the digit (``number=False``: the largest one) or digits of ``source``.

    source : a path, image-file bytes, a PIL image, or an array (see ``numnet.data.imaging``)
    Raises ``ImageError`` (one line naming the image) if it is not a usable image.
    """
    name = describe(source) if name is None else name
    pixels, scale = decode(source, name)
    gray, factor = to_gray(pixels, name)
    scale *= factor
    paper = flat_paper(gray)  # a picture made on a computer: no noise, no uneven light
    if paper is not None:  # small or blocky: enlarged smoothly (its boxes e times larger)
        gray, e = smoothed(gray)
        scale /= e
    else:  # a photo of a sheet on a desk: the desk around it is no ink
        gray = without_desk(gray)
    s = ink_strength(gray) if paper is None else against_flat(gray, paper)
    t = threshold(s) if paper is None else flat_threshold(s)
    mask, had_lines = remove_lines(s > t.low)
    if number:
        mask = without_haze(mask, s, t.high)
    # faint straight leftovers of the paper's lines touching the ink (a digit written on a
    # ruled line keeps a piece of it, which makes it look like a dash)
    components = without_marks(label_ink(mask, s, t.high))
    lines = rows(components) if number else None
    found = groups(components) if lines is None else [g for r in lines for g in r.groups]
    flat = paper is not None
    if not found:
        return Page(name, [], _why_empty(s, t, had_lines), flat=flat)
    size = (gray.shape[1], gray.shape[0])  # of the image the boxes are found on
    if lines is None:
        chosen = largest(components, found)
        return Page(name, [_candidate(components, chosen, s, t, scale, size)],
                    beside=beside(components, found, chosen), flat=flat)
    make = functools.partial(_candidate, components, s=s, t=t, scale=scale, size=size)
    scaled = functools.partial(_scaled, scale=scale, size=size)
    parts = [_row(name, components, r, make, scaled, scale) for r in lines]
    parts = [replace(p, flat=flat) for p in parts if p.candidates]
    if len(parts) < 2:
        return parts[0] if parts else Page(name, [], flat=flat)
    return Page(name, [c for p in parts for c in p.candidates], rows=tuple(parts), flat=flat)


def _row(
    name: str,
    components: Components,
    numbers: Row,
    make: Callable[[Group], Candidate],
    scaled: Callable[[Box], Box],
    scale: float,
) -> Page:
    """The candidates of one row of a number (``make``: a group -> its candidate), and its
    signs (``scaled``: a box of the reduced image -> in pixels of the upright one, ``scale``
    times larger), as a ``Page``."""
    height = numbers.height
    made: dict[Group, Candidate] = {}  # a piece is in several ways: prepared once

    def prepared(piece: Group) -> Candidate:
        if piece not in made:
            made[piece] = make(piece)
        return made[piece]

    marks = signs(components, numbers)
    taken = {x.box for x in marks}  # a comma is a group of the row, no digit of it
    out, wholes = [], []
    for run in joins([g for g in numbers.groups if g.box not in taken], height):
        if len(run) == 1 and is_mark(run[0], height):
            continue
        g = run[0] if len(run) == 1 else union(*run)
        wholes.append(g)
        apart = [list(run)] if len(run) > 1 else []
        splits = tuple(
            tuple(prepared(piece) for piece in way) for way in apart + ways(components, g, height)
        )
        out.append(replace(make(g), splits=splits, joined=len(run) > 1))
    found = tuple(Sign(x.text, scaled(x.box)) for x in marks)
    # the height of the candidates' row: of the groups as read whole (a digit broken in two
    # is as high as both its pieces)
    high = row_height(components, wholes) * scale if wholes else 0.0
    return Page(name, out, height=high, signs=found if out else ())


def _candidate(
    c: Components,
    g: Group,
    s: NDArray[np.float32],
    t: Threshold,
    scale: float,
    size: tuple[int, int],
) -> Candidate:
    x0, y0, x1, y1 = g.box
    # the digit's own pixels, in its box widened by the room its faint fringe may take
    reach = fringe_px(max(x1 - x0, y1 - y0))
    a0, b0 = max(0, x0 - reach), max(0, y0 - reach)
    a1, b1 = min(s.shape[1], x1 + reach), min(s.shape[0], y1 + reach)
    own = member_mask(c, g)
    member = np.zeros((b1 - b0, a1 - a0), bool)
    member[y0 - b0 : y1 - b0, x0 - a0 : x1 - a0] = own
    crop = s[b0:b1, a0:a1]
    member = with_fringe(crop, member, t.low, reach)
    pixels = to_mnist(soft_ink(crop, member), member)
    aspect, fill = (x1 - x0) / (y1 - y0), float(pixels.sum()) / BOX**2
    # the shape of the thresholded ink, without the fringe: the digit rule was chosen on it
    extent = max(x1 - x0, y1 - y0) / max(s.shape)
    return Candidate(pixels, _scaled(g.box, scale, size), aspect, fill, ink=own, extent=extent)


def _scaled(box: Box, scale: float, size: tuple[int, int]) -> Box:
    """A box of the reduced image in pixels of the upright image (``size``: the reduced
    image's width and height; ``scale``: upright / reduced)."""
    w, h = round(size[0] * scale), round(size[1] * scale)
    x0, y0, x1, y1 = box
    return (
        min(w, round(x0 * scale)),
        min(h, round(y0 * scale)),
        min(w, round(x1 * scale)),
        min(h, round(y1 * scale)),
    )


def _why_empty(s: NDArray[np.float32], t: Threshold, had_lines: bool) -> str:
    if had_lines:
        return "there are only the lines of the paper, no writing"
    step = max(1, int(np.sqrt(s.size / 100_000)))
    if float(np.percentile(s[::step, ::step], 99.9)) > t.low:
        return "the ink is too faint to read (write darker, or light the page better)"
    return "the image is blank (no ink on the paper)"
