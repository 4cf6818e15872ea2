"""Images -> what a model reads in them: one digit, or a whole number, or "no digit".

``read_number(source, model)`` finds every digit candidate of an image (left to right,
touching digits split), classifies them in one batch, and keeps those the digit rule of
``numnet.data.imaging.verdict`` accepts; ``read_digit`` does the same for an image of one digit.
``read_pages`` does it for many images with one call of the model.

``model`` is anything with ``predict_proba(x)`` for x (n, 28, 28) float32 in [0, 1]
returning (n, 10) probabilities: a ``numnet.nn.Sequential``, the classic network, or a
stand-in in tests.  This module does not import ``numnet.nn``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.find import Candidate, Page, find_digits
from numnet.data.imaging.verdict import MIN_CONFIDENCE, judge


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


@dataclass(frozen=True)
class Reading:
    """What was read in one image.

    digits  : the accepted digits, left to right
    ignored : candidates the digit rule refused (each with its reason)
    number  : the accepted labels as a string ("2026"), or None if there are none
    reason  : why there is no number (None when there is one)
    """

    name: str
    digits: list[Digit]
    ignored: list[Digit]
    number: str | None
    reason: str | None


def read_number(source: Any, model: Model, name: str | None = None) -> Reading:
    """Every digit of ``source`` (path, bytes, PIL image or array), read by ``model``."""
    return read_pages([find_digits(source, name, number=True)], model, number=True)[0]


def read_digit(source: Any, model: Model, name: str | None = None) -> Reading:
    """The one digit of ``source`` (its largest), or the reason there is none."""
    return read_pages([find_digits(source, name)], model)[0]


def read_pages(pages: Sequence[Page], model: Model, number: bool = False) -> list[Reading]:
    """Classify the candidates of all ``pages`` in one batch; one ``Reading`` per page.

    ``number``: pages of numbers; a candidate among several is judged by its ink alone
    (see ``numnet.data.imaging.verdict``)."""
    candidates = [c for p in pages for c in p.candidates]
    if candidates:
        x = np.stack([c.pixels for c in candidates])
        probs = np.asarray(model.predict_proba(x), dtype=np.float32)
    else:
        probs = np.zeros((0, 10), np.float32)
    readings, k = [], 0
    for page in pages:
        floor = 0.0 if number and len(page.candidates) > 1 else MIN_CONFIDENCE
        digits = [_digit(c, p, floor) for c, p in zip(page.candidates, probs[k:], strict=False)]
        k += len(page.candidates)
        readings.append(_reading(page, digits))
    return readings


def _digit(c: Candidate, probs: NDArray[np.float32], min_confidence: float) -> Digit:
    reason = judge(c.aspect, c.fill, probs, min_confidence)
    best = int(np.argmax(probs))
    label = None if reason else best
    return Digit(label, float(probs[best]), c.box, probs, c.pixels, reason)


def _reading(page: Page, digits: list[Digit]) -> Reading:
    good = [d for d in digits if d.label is not None]
    bad = [d for d in digits if d.label is None]
    if good:
        return Reading(page.name, good, bad, "".join(str(d.label) for d in good), None)
    reason = page.reason or (bad[0].reason if bad else "no digit found")
    return Reading(page.name, [], bad, None, reason)
