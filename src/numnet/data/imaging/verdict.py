"""Is it a digit?  The rule that turns a blank page, a dot or a scribble into "no digit".

A network trained on MNIST always answers one of ten digits, so its answer alone cannot say
"this is not a digit".  Three kinds of evidence can:

- *ink statistics* of the candidate: its ``fill`` (the share of the 20x20 box its prepared
  ink covers; a digit is strokes, a dot or a blot is a filled disc, a scribble a tangle)
  and its ``aspect`` (width / height; a dash or a smear is much wider than any digit);
- the network's *confidence* in its best guess;
- the network's *evidence*: its largest logit (the output before the softmax), for a model
  that has ``logits(x)`` (a ``numnet.nn.Sequential``).  The softmax only compares the ten
  classes, so a tangle that looks a little like an 8 and not at all like the rest reads as
  an 8 at 99%; the logit says how much the input looks like an 8 at all.

The thresholds are chosen for the model numnet ships (``numnet.load_model()``; its
probabilities are calibrated, so its confidence means what it says) on validation sets only,
never on a test set: 400 generated photos of digits from the last 6,000 MNIST training
images (the split ``numnet train`` holds out), 200 seeded non-digits, and the validation half
of the foreign handwriting (the first 899 of scikit-learn's UCI digits, writers MNIST never
saw), all ``--seed 1`` (``python benchmarks/choose_digit_rule.py VAL_PHOTOS VAL_NONDIGITS
VAL_FOREIGN``).  Over a grid of the four, with two budgets of real digits refused: at most 1%
of the photos, and at most 1 percentage point more of the foreign digits than the rule
without the logit (refusing a real digit is the worse failure for numnet's users, and the
photos are MNIST's own writers, whom the network knows best); within them the fewest
non-digits let through, then the fewest real digits refused, then the most margin.

Without the logit the rule chosen (``MIN_CONFIDENCE``) refuses 2 of the 399 validation
photos with a candidate (0.5%) and 77 of the 899 foreign digits (8.6%), and lets 15 of the
100 non-digits that leave a candidate through, 12 of them scribbles: the network reads a
tangle as an 8 or a 2 with up to 100% confidence, so no confidence threshold stops them, and
stopping them by fill (0.36) refuses 14.5% of the digits.  Ink statistics of the skeleton
(end points, junctions, holes, stroke length) and the network's agreement across shifts and
rotations of the input stopped at most 5 more at that budget.  With the largest logit
(``SHIPPED_CONFIDENCE``, ``MIN_EVIDENCE``) the rule chosen refuses the same 2 photos and 79
foreign digits (8.8%), and lets 11 non-digits through (8 scribbles, 2 dots, a blot).  A
stricter logit floor stops more scribbles but refuses foreign digits beyond the budget
(without that budget: a floor of 5.25 lets 7 through and refuses 156 foreign digits, 17.4%).
The fill and width limits stop the other dots, blots and dashes.  A rule and a model go
together: the logit's scale is a model's own (a quickly trained MLP's real digits often stay
under the shipped model's floor), so the logit is weighed for the shipped model only; any
other model is judged by the rule chosen without it (``MIN_CONFIDENCE``), and with another
model the thresholds are re-chosen.

In a number (``numnet read``), a candidate among two or more is judged by its ink alone: it
already stands in a row of ink of the same height, and one refused digit spoils the number.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: a candidate covering more of its 20x20 box than this is a blot, not strokes
MAX_FILL = 0.5
#: a candidate wider than this many times its height is a dash or a smear
MAX_ASPECT = 1.9
#: below this confidence the network is guessing (any model: the rule without the logit)
MIN_CONFIDENCE = 0.57
#: the shipped model, judged by its logits too: its confidence floor ...
SHIPPED_CONFIDENCE = 0.53
#: ... and below this largest logit the input looks like none of the digits
MIN_EVIDENCE = 4.0


def judge(
    aspect: float,
    fill: float,
    probs: NDArray[np.floating],
    min_confidence: float = MIN_CONFIDENCE,
    evidence: float | None = None,
    max_fill: float = MAX_FILL,
) -> str | None:
    """None if a candidate with ``aspect``, ``fill``, probabilities ``probs`` (10,) and
    largest logit ``evidence`` (None: the model has no logits) reads as a digit; otherwise
    the reason, a phrase such as "it does not look like a digit (...)".

    ``min_confidence`` 0 judges by the ink alone (a digit among the digits of a number);
    ``max_fill`` above 1 lets a filled candidate through (a bold digit standing in a row of
    digits as high as itself, see ``numnet.data.imaging.reading``)."""
    if fill > max_fill:
        return f"the ink is a blot or a dot, not strokes ({fill:.0%} of its box is ink)"
    if aspect > MAX_ASPECT:
        return f"the ink is a line or a smear, {aspect:.1f} times wider than high"
    best = int(np.argmax(probs))
    if float(probs[best]) < min_confidence:
        return f"it does not look like a digit (best guess {best} at {float(probs[best]):.0%})"
    if min_confidence > 0 and evidence is not None and evidence < MIN_EVIDENCE:
        return f"it does not look like a digit (it is like no digit; best guess {best})"
    return None
