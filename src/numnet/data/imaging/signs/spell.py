"""A row's text: its digits read and the signs that stand where a sign may (``spell``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from numnet.data.imaging.signs.blob import Box


@dataclass(frozen=True)
class Sign:
    """A sign of a number: ``text`` "." or "-", ``box`` (x0, y0, x1, y1; ends exclusive),
    ``row``: which of the page's numbers it is of (``Reading.numbers``)."""

    text: str
    box: Box
    row: int = 0


def spell(digits: Sequence[tuple[str, Box]], found: Sequence[Sign]) -> tuple[str, list[Sign]]:
    """A row's text from its digits read (label, box; left to right) and its signs: a point
    kept between two digits (one per gap), a minus before all of them; and the signs kept.
    A sign goes in before the digits whose middles are right of its middle."""
    middle = [(b[0] + b[2]) / 2 for _, b in digits]
    at: dict[int, Sign] = {}  # sign before digit i
    for s in found:
        x = (s.box[0] + s.box[2]) / 2
        i = sum(m < x for m in middle)  # digits left of the sign
        if i not in at and ((s.text == "-" and i == 0) or (s.text == "." and 0 < i < len(digits))):
            at[i] = s
    if not digits:
        return "", []
    text = "".join(at[i].text + d if i in at else d for i, (d, _) in enumerate(digits))
    return text, [at[i] for i in sorted(at)]
