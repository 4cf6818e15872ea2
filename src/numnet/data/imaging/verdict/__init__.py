"""Is it a digit?  The rule that turns a blank page, a dot or a scribble into "no digit".

- ``rule.py``   ``judge``: ink statistics, the ink's shape, the network's confidence and
                evidence -> None (a digit) or the reason it is not (``plain``: ink of
                thick, simple strokes, held to floors of its own); the rule's constants
- ``shape.py``  ``measure``: a candidate's member mask -> its ``Shape`` (centre-line length,
                junctions, ends, loops, stroke width)
"""

from __future__ import annotations

from numnet.data.imaging.verdict.rule import (
    FLAT_MAX_FILL,
    FLAT_MAX_WIDTH,
    MAX_ASPECT,
    MAX_ENDS,
    MAX_FILL,
    MAX_JUNCTIONS,
    MAX_LENGTH,
    MAX_LOOPS,
    MAX_WIDTH,
    MIN_CONFIDENCE,
    MIN_EVIDENCE,
    MIN_LENGTH,
    PLAIN_CONFIDENCE,
    PLAIN_ENDS,
    PLAIN_EVIDENCE,
    PLAIN_JUNCTIONS,
    PLAIN_WIDTH,
    SHIPPED_CONFIDENCE,
    flat_blot,
    judge,
    plain,
)
from numnet.data.imaging.verdict.shape import Shape, measure, solidity

__all__ = [
    "FLAT_MAX_FILL",
    "FLAT_MAX_WIDTH",
    "flat_blot",
    "MAX_ASPECT",
    "MAX_ENDS",
    "MAX_FILL",
    "MAX_JUNCTIONS",
    "MAX_LENGTH",
    "MAX_LOOPS",
    "MAX_WIDTH",
    "MIN_CONFIDENCE",
    "MIN_EVIDENCE",
    "MIN_LENGTH",
    "PLAIN_CONFIDENCE",
    "PLAIN_ENDS",
    "PLAIN_EVIDENCE",
    "PLAIN_JUNCTIONS",
    "PLAIN_WIDTH",
    "SHIPPED_CONFIDENCE",
    "Shape",
    "judge",
    "measure",
    "plain",
    "solidity",
]
