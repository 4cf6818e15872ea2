"""Is it a digit?  The rule that turns a blank page, a dot or a scribble into "no digit".

A network trained on MNIST always answers one of ten digits, so its answer alone cannot say
"this is not a digit".  Four kinds of evidence can:

- *ink statistics* of the candidate: its ``fill`` (the share of the 20x20 box its prepared
  ink covers; a digit is strokes, a dot or a blot is a filled disc, a scribble a tangle)
  and its ``aspect`` (width / height; a dash or a smear is much wider than any digit);
- the *shape* of its ink (``numnet.data.imaging.verdict.shape``, measured on the candidate's own
  pixels): a digit's centre line is at least about half as long as the digit (a dot's is a
  point) and at most about three times (an 8), its strokes meet or cross in a few places
  and end in a few; a scribble's centre line is longer, crosses itself, ends everywhere;
- the network's *confidence* in its best guess;
- the network's *evidence*: its largest logit (the output before the softmax), for a model
  that has ``logits(x)`` (a ``numnet.nn.Sequential``).  The softmax only compares the ten
  classes, so a tangle that looks a little like an 8 and not at all like the rest reads as
  an 8 at 99%; the logit says how much the input looks like an 8 at all.

The thresholds are chosen for the model numnet ships (``numnet.load_model()``; its
probabilities are calibrated, so its confidence means what it says) on validation sets only,
never on a test set: 400 generated photos of digits from the last 6,000 MNIST training
images (the split ``numnet train`` holds out), 200 seeded non-digits, the validation half
of the foreign handwriting (the first 899 of scikit-learn's UCI digits, writers MNIST never
saw) and 200 numbers of MNIST validation digits, all ``--seed 1`` (``python
benchmarks/choose_digit_rule.py VAL_PHOTOS VAL_NONDIGITS VAL_FOREIGN VAL_NUMBERS``, which
prints these constants).  With budgets of real digits refused: at most 1% of the photos,
at most 1% of the numbers (only a number read as one candidate meets the whole rule, see
below), and at most 1 percentage point more of the foreign digits than the rule without the
logit (refusing a real digit is the worse failure for numnet's users, and the photos are
MNIST's own writers, whom the network knows best); within them the fewest non-digits let
through, then the fewest real digits refused.  In three steps: the ink limits and
confidence floor without the logit (the rule for any model), then with them the confidence
and logit floors of the shipped model (the most margin against non-digits among ties), then
with those the shape limits (the most margin for real digits among ties).

With the shipped model of 2026-12-01 and the validation sets: the ink and confidence alone
let 15 of the 100 non-digits that leave a candidate through, 12 of them scribbles (the
network reads a tangle as an 8 or a 2 at up to 100%, so no confidence floor stops them,
and stopping them by fill, 0.36, refuses 14.5% of the digits); with the logit 13; with the
shape 2 (a zigzag dash joined to a piece of a ruled line, and a dot joined to another).  The
rule refuses 3 of the 399 photos with a candidate (0.8%; a 0 and a 6 whose ink keeps hairs
of a squared paper's lines, read as 5 junctions) and 73 of the 899 foreign digits (8.1%, as
without the shape).  The stroke-width and loop limits stopped no more non-digits within the
budgets, so they stay open (inf).  A rule and a model go together: the logit's scale is a
model's own (a quickly trained MLP's real digits often stay under the shipped model's
floor), so the logit is weighed for the shipped model only; any other model is judged by
the rule chosen without it (``MIN_CONFIDENCE``, and the same ink and shape limits), and with
another model the thresholds are re-chosen.

In a number (``numnet read``), a candidate among two or more is judged by its ink statistics
alone (fill and aspect; not its shape, not the confidence): it already stands in a row of ink
of the same height, and one refused digit spoils the number.  Weighing the shape there
too, within 1% of the numbers' digits, changed 7 of the 200 validation numbers (176 read
right -> 175), and within 1% of the numbers it let 6 non-digits through instead of 2.  A
candidate given as 28x28 pixels (the web page's ``pixels`` request) has no member mask and
so no shape: it is judged without one.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.verdict.shape import Shape

#: a candidate covering more of its 20x20 box than this is a blot, not strokes
MAX_FILL = 0.49
#: a candidate wider than this many times its height is a dash or a smear
MAX_ASPECT = 1.9
#: the shape of its ink (``numnet.data.imaging.verdict.shape``): a stroke wider than this share of
#: the ink's longer side is a dot or a blot ...
MAX_WIDTH = math.inf
#: ... and so is ink whose centre line is shorter than this share of its longer side
MIN_LENGTH = 0.45
#: a centre line longer than this many times the longer side is a scribble, and so is one
#: with more junctions, ends or loops than these
MAX_LENGTH = 3.2
MAX_JUNCTIONS = 9
MAX_ENDS = 9
MAX_LOOPS = math.inf
#: below this confidence the network is guessing (any model: the rule without the logit)
MIN_CONFIDENCE = 0.71
#: the shipped model, judged by its logits too: its confidence floor ...
SHIPPED_CONFIDENCE = 0.59
#: ... and below this largest logit the input looks like none of the digits
MIN_EVIDENCE = 4.5


def judge(
    aspect: float,
    fill: float,
    probs: NDArray[np.floating],
    min_confidence: float = MIN_CONFIDENCE,
    evidence: float | None = None,
    max_fill: float = MAX_FILL,
    shape: Shape | None = None,
) -> str | None:
    """None if a candidate with ``aspect``, ``fill``, probabilities ``probs`` (10,), largest
    logit ``evidence`` (None: the model has no logits) and ink ``shape`` (None: not measured)
    reads as a digit; otherwise the reason, a phrase such as "it does not look like a digit
    (...)".

    ``min_confidence`` 0 judges by the ink statistics alone (a digit among the digits of a
    number: neither its shape nor the network's confidence is weighed); ``max_fill`` above 1
    lets a filled candidate through (a bold digit standing in a row of digits as high as
    itself, see ``numnet.data.imaging.reading``)."""
    if fill > max_fill:
        return f"the ink is a blot or a dot, not strokes ({fill:.0%} of its box is ink)"
    if aspect > MAX_ASPECT:
        return f"the ink is a line or a smear, {aspect:.1f} times wider than high"
    if min_confidence > 0 and shape is not None:
        reason = _judge_shape(shape)
        if reason is not None:
            return reason
    best = int(np.argmax(probs))
    if float(probs[best]) < min_confidence:
        return f"it does not look like a digit (best guess {best} at {float(probs[best]):.0%})"
    if min_confidence > 0 and evidence is not None and evidence < MIN_EVIDENCE:
        return f"it does not look like a digit (it is like no digit; best guess {best})"
    return None


def _judge_shape(s: Shape) -> str | None:
    if s.width > MAX_WIDTH or s.length < MIN_LENGTH:
        return "the ink is a blot or a dot, not strokes (it is as wide as it is long)"
    if s.junctions > MAX_JUNCTIONS:
        why = f"its strokes cross or meet in {s.junctions} places"
    elif s.ends > MAX_ENDS:
        why = f"its strokes end in {s.ends} places"
    elif s.loops > MAX_LOOPS:
        why = f"{s.loops} closed loops"
    elif s.length > MAX_LENGTH:
        why = f"its strokes are {s.length:.1f} times as long as it is"
    else:
        return None
    return f"the ink is a scribble, not a digit ({why})"
