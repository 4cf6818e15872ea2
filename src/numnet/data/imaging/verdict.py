"""Is it a digit?  The rule that turns a blank page, a dot or a scribble into "no digit".

A network trained on MNIST always answers one of ten digits, so its answer alone cannot say
"this is not a digit".  Two kinds of evidence can:

- *ink statistics* of the candidate: its ``fill`` (the share of the 20x20 box its prepared
  ink covers; a digit is strokes, a dot or a blot is a filled disc, a scribble a tangle)
  and its ``aspect`` (width / height; a dash or a smear is much wider than any digit);
- the network's *confidence* in its best guess.

The thresholds were chosen on a validation set of generated photos (digits from the last
6,000 MNIST training images, the split ``numnet train`` holds out, and seeded non-digits:
``python benchmarks/choose_digit_rule.py``), never on the MNIST test set: the loosest values
that reject every non-digit of that set, then the false rejections of real digits counted.

In a number (``numnet read``), a candidate among two or more is judged by its ink alone: it
already stands in a row of ink of the same height, and one refused digit spoils the number.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: a candidate covering more of its 20x20 box than this is a blot, not strokes
MAX_FILL = 0.51
#: a candidate wider than this many times its height is a dash or a smear
MAX_ASPECT = 1.4
#: below this confidence the network is guessing
MIN_CONFIDENCE = 0.85


def judge(
    aspect: float, fill: float, probs: NDArray[np.floating], min_confidence: float = MIN_CONFIDENCE
) -> str | None:
    """None if a candidate with ``aspect``, ``fill`` and probabilities ``probs`` (10,) reads
    as a digit; otherwise the reason, a phrase such as "it does not look like a digit (...)".

    ``min_confidence`` 0 judges by the ink alone (a digit among the digits of a number)."""
    if fill > MAX_FILL:
        return f"the ink is a blot or a dot, not strokes ({fill:.0%} of its box is ink)"
    if aspect > MAX_ASPECT:
        return f"the ink is a line or a smear, {aspect:.1f} times wider than high"
    best = int(np.argmax(probs))
    if float(probs[best]) < min_confidence:
        return f"it does not look like a digit (best guess {best} at {float(probs[best]):.0%})"
    return None
