"""Images -> what a model reads in them: one digit, or a whole number, or "no digit".

``read_number(source, model)`` finds every digit candidate of an image (left to right),
classifies them in one batch, and keeps those the digit rule of
``numnet.data.imaging.verdict`` accepts; ``read_digit`` does the same for an image of one digit.
``read_pages`` does it for many images with one call of the model (two for numbers).
A page of several numbers one above the other (``Page.rows``) is read row by row, each row
a number of its own; a number's decimal points and minus (``numnet.data.imaging.signs``)
go in among its digits read (``signs.spell``).

Touching digits: a candidate wide enough to hold several digits comes with the ways to cut
it (``Candidate.splits``, from ``numnet.data.imaging.split``); their pieces are classified in
the same batch, and the way read is the one whose pieces the network is surest of, the
candidate whole being one of the ways:

    score(way) = sum over its pieces of [log(confidence) - SHAPE * z(aspect, label)^2 / 2
                                         - LOW * h^2 / 2]  (+ APART, see below)

with z = ``split.aspect_z`` (how many standard deviations the piece's width / height is
from MNIST's digits of the label it is read as), h = min(0, log(height / (LOW_FREE *
row))) / LOW_SD (how far a piece is lower than the digits of its row, row = the median
height of the page's candidates: a 7's flag or a 4's upper part that came apart, read as a
1 at 99%, is 0.6-0.7 of the row; digits of one row are at least 0.8 of it), and -inf for a
way with a piece the ink rule refuses (a piece that is a smear or a blot).  The terms are
at most 0, so every piece read costs what the network, its shape and its height doubt in
it: two pieces beat the whole only if the network is surer of both, and of their shapes,
than of the whole.  (The network alone
reads a touching "14" as a 4 at 100%, but a 4 is rarely that wide; and it reads a "12" as a
2 at 83%, and its halves as a 1 and a 2 at 99-100%.)  The halves of a wide 0 or of a 4 read
as nothing in particular, or as digits of an unlikely shape, and lose to the whole.  A
candidate that is two neighbouring groups of ink joined (``Candidate.joined``: a digit
broken in two, or two digits written close) has the two apart as a way, which gains
``APART`` when both are as high as a digit of the row (at least ``LOW_FREE`` of it): a "11"
or "81" whose strokes share a few columns reads whole as a 0 or an 8 at 99%, while a digit
is rarely written in two strokes that high.

``LOW`` (with ``LOW_FREE`` 0.8, ``LOW_SD`` 0.1) and ``APART`` were chosen on three
validation numbers sets (digits from MNIST's validation split: ``--seed 1``, 200 numbers,
``--seed 3`` and ``--seed 4``, 400 each), 1,000 numbers: LOW 0, 0.1, 0.2, 0.4, 1.0 read
949, 952, 952, 951 and 952 of them right (LOW_FREE 0.7, 0.8, 0.9: 950, 952, 949); APART 0,
0.3, 0.6, 1.0 read 949, 951, 952 and 952.  SHAPE 0.1, 0.2, 0.3 read 952, 952 and 950 there.

``SHAPE`` was chosen on two validation numbers sets (``benchmarks/checksets.py numbers ...
--split validation``, digits from MNIST's validation split: ``--seed 1``, 200 numbers, and
``--seed 3 --count 400``), 600 numbers: over {0.1, 0.2, 0.25, 0.3, 0.4} and a cost per extra
piece of {-0.25, 0, 0.1, 0.25}, a cost of 0 read 546-552 of them right and SHAPE 0.1-0.3
549-552 (0.2: 551); the score before (the log-density of the aspect with its normalising
term, weight 1, and a cost of 1 per extra piece) read 538.

The digits of a number (two or more) are then read again, each as the mean of the network's
probabilities for it and for its variants (``numnet.data.imaging.variants``: scaled by 0.9
and 1.1, turned by -8 and 8 degrees), in a second batch: a digit written near the border of
two classes falls on the side most of them see.  On the 600 validation numbers: 552 read
right without, 558-561 with scalings, turnings or both (0.85-1.15, 8-12 degrees), 559 with
these.  A number of one candidate is read as it is (the digit rule of ``verdict`` was chosen
on the network's probabilities of a digit as it is).

``ODD_SHAPE``: 3, 3.5, 4, 5 and no limit read 447, 449, 450, 450 and 448 of 500 numbers
(``--seed 1`` and ``--seed 2``); the laxer of the best is kept.

``model`` is anything with ``predict_proba(x)`` for x (n, 28, 28) float32 in [0, 1]
returning (n, 10) probabilities: a ``numnet.nn.Sequential``, the classic network, or a
stand-in in tests.  The shipped model (``shipped=True``; it has ``logits(x)`` (n, 10)) is
judged by its largest logit too (see ``numnet.data.imaging.verdict``).  This module does not
import ``numnet.nn``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.special import softmax

from numnet.data.imaging.find import Candidate, Page, find_digits
from numnet.data.imaging.signs import Sign, spell
from numnet.data.imaging.split import aspect_z
from numnet.data.imaging.variants import variants
from numnet.data.imaging.verdict import (
    FLAT_MAX_FILL,
    FLAT_MAX_WIDTH,
    MAX_ASPECT,
    MAX_FILL,
    MAX_WIDTH,
    MIN_CONFIDENCE,
    SHIPPED_CONFIDENCE,
    flat_blot,
    judge,
    solidity,
)

#: the weight of a piece's shape (its squared z-score) against the network's log-confidence
SHAPE = 0.2
#: the weight of a piece's height below ``LOW_FREE`` of its row's (``_height_z`` squared) ...
LOW = 0.2
LOW_FREE = 0.8
#: ... measured in this standard deviation of log(height / row height)
LOW_SD = 0.1
#: what two neighbouring groups of ink read apart gain when each is as high as a digit of
#: their row (at least ``LOW_FREE`` of it): one digit is rarely written in two such strokes
APART = 0.6
#: in a number, a digit read whose shape is more than this many standard deviations from
#: its label's (``split.aspect_z``: a sliver read as a 5) is no digit of it
ODD_SHAPE = 5.0
#: in a number, a candidate at least this share of the row's height high stands among its
#: digits and is not refused for filling its box: a bold digit does, as a lone blot does
IN_ROW = 0.75


class Model(Protocol):
    """Maps images (n, 28, 28) float32 in [0, 1] to probabilities (n, 10)."""

    def predict_proba(self, x: NDArray[np.float32]) -> Any: ...


@dataclass(frozen=True)
class Digit:
    """One candidate as read: ``label`` None (and a ``reason``) if it is not a digit."""

    label: int | None
    confidence: float
    box: tuple[int, int, int, int]
    probabilities: NDArray[np.float32]  # (10,)
    pixels: NDArray[np.float32]  # (28, 28), what the network saw
    reason: str | None = None
    row: int = 0  # which of the page's numbers it is a digit of (``Reading.numbers``)


@dataclass(frozen=True)
class Reading:
    """What was read in one image.

    digits  : the accepted digits, left to right (a page of several rows: row after row,
              each with its ``row``)
    ignored : candidates the digit rule refused (each with its reason)
    number  : the accepted labels as a string ("2026"), with a number's signs ("-3.14");
              the numbers of several rows joined by a space ("2026 1984"); None if there
              are no digits
    reason  : why there is no number (None when there is one)
    numbers : the number of each row with a digit read, top to bottom ("2026", "1984")
    signs   : the signs read (a decimal point "." or a minus "-"), each with its ``row``
    """

    name: str
    digits: list[Digit]
    ignored: list[Digit]
    number: str | None
    reason: str | None
    numbers: tuple[str, ...] = ()
    signs: tuple[Sign, ...] = ()


def read_number(
    source: Any, model: Model, name: str | None = None, shipped: bool = False
) -> Reading:
    """Every digit of ``source`` (path, bytes, PIL image or array), read by ``model``
    (``shipped``: the model numnet ships, see ``read_pages``)."""
    page = find_digits(source, name, number=True)
    return read_pages([page], model, number=True, shipped=shipped)[0]


def read_digit(
    source: Any, model: Model, name: str | None = None, shipped: bool = False
) -> Reading:
    """The one digit of ``source`` (its largest), or the reason there is none."""
    return read_pages([find_digits(source, name)], model, shipped=shipped)[0]


def read_pages(
    pages: Sequence[Page], model: Model, number: bool = False, shipped: bool = False
) -> list[Reading]:
    """Classify the candidates of all ``pages`` in one batch; one ``Reading`` per page.

    ``number``: pages of numbers; a candidate among several of its row is judged by its ink
    alone (see ``numnet.data.imaging.verdict``) and its shape (``ODD_SHAPE``), and one as
    high as the row (``IN_ROW``) not by its fill, and is read as the mean of the network's
    readings of it and of its ``numnet.data.imaging.variants`` (a second batch, of the
    digits read).  Each row of a page of several (``Page.rows``) is read as a page of its
    own.  ``shipped``: ``model`` is the one numnet ships, whose digit rule weighs its
    largest logit too."""
    parts = [page.rows or (page,) for page in pages]
    readings = iter(_read_rows([r for p in parts for r in p], model, number, shipped))
    return [
        _joined(page, [next(readings) for _ in p]) for page, p in zip(pages, parts, strict=True)
    ]


def _read_rows(pages: Sequence[Page], model: Model, number: bool, shipped: bool) -> list[Reading]:
    """``read_pages`` of pages of one row each."""
    ways = [[(c,), *c.splits] for p in pages for c in p.candidates]
    flat = [piece for w in ways for way in w for piece in way]
    # a piece in several ways of its candidate is one object: classified once; where[j] is
    # the row of flat[j] in x
    unique = {id(c): c for c in flat}
    row_of = {key: r for r, key in enumerate(unique)}
    where = np.array([row_of[id(c)] for c in flat], np.intp)
    x = np.stack([c.pixels for c in unique.values()]) if flat else np.zeros((0, 28, 28), np.float32)
    logits = getattr(model, "logits", None) if shipped else None
    probs, evidence = _classify(model, x, shipped)
    probs, evidence = probs[where], evidence[where]
    confidence = MIN_CONFIDENCE if logits is None else SHIPPED_CONFIDENCE
    reads: list[tuple[list[int], list[float]]] = []  # per page: indices into flat, blot limits
    i, k = 0, 0
    for page in pages:
        read: list[int] = []  # indices into flat of the pieces read
        fills: list[float] = []  # the blot limit of each piece read
        limits = _fill_limits(page, number)
        row = _row_height(page)
        for w, fill in zip(ways[i : i + len(page.candidates)], limits, strict=True):
            n = sum(len(way) for way in w)
            chosen = [k + j for j in _choose(w, probs[k : k + n], fill, row)]
            read += chosen
            fills += [fill] * len(chosen)
            k += n
        i += len(page.candidates)
        reads.append((read, fills))
    # the digits of numbers, each read as the mean of its variants' readings
    among = [j for read, _ in reads if number and len(read) > 1 for j in read]
    if among:
        seen = variants(x[where[among]])
        p, _ = _classify(model, seen.reshape(-1, *x.shape[1:]), shipped)
        probs[among] = p.reshape(seen.shape[0], seen.shape[1], -1).mean(axis=1)
    readings = []
    for page, (read, fills) in zip(pages, reads, strict=True):
        floor = 0.0 if number and len(read) > 1 else confidence
        digits = [
            _digit(flat[j], probs[j], floor, float(evidence[j]), fill, page.flat, floor == 0.0)
            for j, fill in zip(read, fills, strict=True)
        ]
        readings.append(_reading(page, digits))
    return readings


def _classify(
    model: Model, x: NDArray[np.float32], shipped: bool
) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    """(n, 28, 28) -> the probabilities (n, 10) and the largest logit (n,; NaN if it is not
    weighed: not ``shipped``, or a model without logits)."""
    logits = getattr(model, "logits", None) if shipped else None
    evidence = np.full(len(x), np.nan)
    if not len(x):
        return np.zeros((0, 10), np.float32), evidence
    if logits is None:
        return np.asarray(model.predict_proba(x), np.float32), evidence
    # one pass: the probabilities are the softmax classifier's softmax(z / T)
    z = np.asarray(logits(x), np.float32)
    probs = softmax(z / np.float32(getattr(model, "temperature", 1.0)), axis=1)
    return probs.astype(np.float32), z.max(axis=1).astype(np.float64)


def _fill_limits(page: Page, number: bool) -> list[float]:
    """The blot limit (``max_fill`` of ``judge``) of each candidate of ``page`` (``MAX_FILL``,
    ``FLAT_MAX_FILL`` on flat paper): none (2) for
    one of a number's candidates at least ``IN_ROW`` of the row's height (their median) high,
    if there are other candidates."""
    heights = [c.box[3] - c.box[1] for c in page.candidates]
    limit = FLAT_MAX_FILL if page.flat else MAX_FILL
    if not number or len(heights) < 2:
        return [limit] * len(heights)
    row = _row_height(page)
    return [2.0 if h >= IN_ROW * row else limit for h in heights]


def _row_height(page: Page) -> float:
    """The height of the row of ``page``'s candidates (px): the one its groups were found
    against (their median height, each weighed by its ink: a number of two digits and a
    piece of one has the digits' height), else their median height."""
    if page.height > 0:
        return page.height
    return float(np.median([c.box[3] - c.box[1] for c in page.candidates] or [1]))


def _height_z(c: Candidate, row: float) -> float:
    """How many ``LOW_SD`` a piece is lower than ``LOW_FREE`` of its ``row`` (on a log
    scale; 0 if it is at least that high)."""
    return min(0.0, float(np.log(max(c.box[3] - c.box[1], 1) / (LOW_FREE * row)))) / LOW_SD


def _choose(
    ways: list[tuple[Candidate, ...]], probs: NDArray[np.float32], max_fill: float, row: float
) -> range:
    """The way (``ways[0]`` the candidate whole) whose pieces read best, as the rows of its
    pieces in ``probs`` (pieces, 10): the probabilities of the ways' pieces one after the
    other.  ``max_fill``: the blot limit of the candidate's pieces; ``row``: the height of
    their row (px)."""
    best, best_score, k = 0, -np.inf, 0
    for i, way in enumerate(ways):
        p = probs[k : k + len(way)]
        k += len(way)
        good = all(
            judge(c.aspect, c.fill, q, 0.0, max_fill=max_fill) is None
            for c, q in zip(way, p, strict=True)
        )
        odd = sum(aspect_z(c.aspect, int(q.argmax())) ** 2 for c, q in zip(way, p, strict=True))
        low = sum(_height_z(c, row) ** 2 for c in way)
        score = float(np.log(p.max(axis=1)).sum()) - SHAPE * odd / 2 - LOW * low / 2
        if i == 1 and ways[0][0].joined and low == 0:  # two groups, each as high as a digit
            score += APART
        if good and score > best_score:
            best, best_score = i, score
    start = sum(len(way) for way in ways[:best])
    return range(start, start + len(ways[best]))


def _digit(
    c: Candidate,
    probs: NDArray[np.float32],
    min_confidence: float,
    evidence: float,
    max_fill: float,
    flat: bool,
    shape: bool,
) -> Digit:
    """``evidence``: the largest logit, NaN if the model has no logits; ``max_fill``: the
    blot limit of ``judge``; ``flat``: on flat paper (``Page.flat``: the blot limits of flat
    paper, ``FLAT_MAX_WIDTH`` and ``flat_blot``); ``shape``: refuse a digit whose shape is
    more than ``ODD_SHAPE`` standard deviations from its label's."""
    weighed = None if np.isnan(evidence) else evidence
    # the shape is weighed for a lone candidate only (min_confidence > 0): measure it then
    ink_shape = c.shape if min_confidence > 0 else None
    # one standing in a row as high as itself (``max_fill`` above 1) is no line for its
    # width either (a 2 with a long tail): its shape is weighed by ``ODD_SHAPE`` instead
    max_aspect = math.inf if max_fill > 1 else MAX_ASPECT
    reason = judge(
        c.aspect, c.fill, probs, min_confidence, weighed, max_fill, ink_shape, max_aspect,
        FLAT_MAX_WIDTH if flat else MAX_WIDTH,
    )
    if reason is None and flat and ink_shape is not None and c.ink is not None:
        reason = flat_blot(solidity(c.ink), c.fill, c.aspect, c.extent)
    best = int(np.argmax(probs))
    if reason is None and shape and abs(aspect_z(c.aspect, best)) > ODD_SHAPE:
        reason = f"its shape is like no {best}'s ({c.aspect:.2f} times as wide as high)"
    label = None if reason else best
    return Digit(label, float(probs[best]), c.box, probs, c.pixels, reason)


def _reading(page: Page, digits: list[Digit]) -> Reading:
    good = [d for d in digits if d.label is not None]
    bad = [d for d in digits if d.label is None]
    if good:
        text, kept = spell([(str(d.label), d.box) for d in good], page.signs)
        return Reading(page.name, good, bad, text, None, (text,), tuple(kept))
    reason = page.reason or (bad[0].reason if bad else "no digit found")
    return Reading(page.name, [], bad, None, reason)


def _joined(page: Page, rows: list[Reading]) -> Reading:
    """The reading of a page from those of its rows (top to bottom): its numbers those of
    the rows with a digit read, joined by a space; digits and signs numbered by them."""
    if len(rows) == 1:
        return rows[0]
    read = [r for r in rows if r.number is not None]
    ignored = [d for r in rows for d in r.ignored]
    if not read:
        return Reading(page.name, [], ignored, None, rows[0].reason)
    digits = [replace(d, row=k) for k, r in enumerate(read) for d in r.digits]
    found = tuple(replace(s, row=k) for k, r in enumerate(read) for s in r.signs)
    numbers = tuple(str(r.number) for r in read)
    return Reading(page.name, digits, ignored, " ".join(numbers), None, numbers, found)
