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

For the shipped model the floors of confidence and logit are two, by the ink's shape
(``plain``): ink of *plain strokes* (at least ``PLAIN_WIDTH`` of its longer side wide,
meeting or crossing itself in at most ``PLAIN_JUNCTIONS`` places, ending in at most
``PLAIN_ENDS``) is held to ``PLAIN_CONFIDENCE`` and ``PLAIN_EVIDENCE``, any other ink to
``SHIPPED_CONFIDENCE`` and ``MIN_EVIDENCE``.  A digit written with a broad pen, or one of few
pixels enlarged (the foreign handwriting: 8x8 digits upscaled, their strokes blurred to a
third of the digit's width), is a few thick strokes that the network, trained on MNIST's
thinner pens, reads right but unsure (a UCI 9, a small head on a long tail, at 35-60%); a
scribble is thin pen crossing itself, and a dot or a blot is stopped by its fill or its
shape first.  One floor for both had to choose: refusing 5% of the foreign digits, or
letting the scribbles the network reads at 75-85% through.

The thresholds are chosen for the model numnet ships (``numnet.load_model()``; its
probabilities are calibrated, so its confidence means what it says) on validation sets only,
never on a test set: 1,600 generated photos of digits from the last 6,000 MNIST training
images (the split ``numnet train`` holds out; 400 of ``--seed 1`` and 1,200 of ``--seed
5``), 800 seeded non-digits (200 and 600, the same seeds), the validation half of the
foreign handwriting (the first 899 of scikit-learn's UCI digits, writers MNIST never saw)
and 200 numbers of MNIST validation digits (``--seed 1``): ``python
benchmarks/choose_digit_rule.py PHOTOS,PHOTOS5 NONDIGITS,NONDIGITS5 FOREIGN NUMBERS``, which
prints these constants.  (On 400 photos alone, two refusals are too few to place a 1%
budget: the floors chosen there refused 2% of a new set.)  With budgets of real digits
refused: at most 0.5% of the photos (half the issue's 1%, for a margin on a new set), at
most 0.5% of the numbers (only a number read as one candidate meets the whole rule, see
below), and at most 1 percentage point more of the foreign digits than the rule without the
logit; within them the fewest non-digits let through, each counted as if a little more like
a digit (confidence +0.05, logit +0.5, strokes 0.02 wider, a junction and an end fewer: a
margin), then the fewest real digits refused.  In steps: the confidence floor without the
logit (the rule for any model; the ink limits ``MAX_FILL`` and ``MAX_ASPECT`` are kept as
they are, for they also cut and judge every digit of a number); then the two tiers' floors
and the plain strokes (the tightest among ties: the most margin against non-digits); then
the shape limits, each in the middle of the limits tied with it; then the floors and the
limits once more.  ``MIN_LENGTH`` came out 0 (no limit): the stroke width stops the dots.
``MIN_CONFIDENCE`` (any other model) is kept at 0.59, the floor of the seed-1 sets: the tool
printed 0.47-0.55 for the shipped models' measures, but a quickly trained MLP then answers
the unsure digits too (95.7% of its answers right on ``examples/make_checkset.py``'s set, 97%
or more with 0.59).

With the shipped model (the digits preset with its finish epochs, 2026-12-03) and the
validation sets (``benchmarks/read_accuracy.py``, ``numnet predict`` itself): the rule
refuses 2 of the 1,600 photos (0.13%: 2 of seed 1, none of seed 5; ``choose_digit_rule.py``,
which does not take every step of ``numnet predict``, counts 7) and 2 of the 899 foreign
digits, and reads 888 of those right (98.8%).  It lets 21 of the 800 non-digits through (4
of seed 1, 17 of seed 5): 15 scribbles (random walks of the pen the network reads as a 2,
3, 4, 5, 7 or 8: the generator draws one kind of scribble), two blots and two dots read as
a 0, and two upright pieces of a shadow's edge read as a 1.  No rule of these measures
stopped the scribbles within the budget (with the model before: the strictest shape limits
let 12 through and refused 599 photos).  A rule and a model go together: the logit's scale
is a model's own (a quickly trained MLP's real digits often stay under the shipped model's
floor), so the logit and the plain strokes are weighed for the shipped model only; any
other model is judged by the rule chosen without them (``MIN_CONFIDENCE``, and the same ink
and shape limits), and with another model the thresholds are re-chosen.

In a number (``numnet read``), a candidate among two or more is judged by its ink statistics
alone (fill and aspect; not its shape, not the confidence): it already stands in a row of ink
of the same height, and one refused digit spoils the number.  Weighing the shape there
too, within 1% of the numbers' digits, changed 7 of the 200 validation numbers (176 read
right -> 175), and within 1% of the numbers it let 6 non-digits through instead of 2 (a
rule of 2026-12-01 before the plain strokes).  A
candidate given as 28x28 pixels (the web page's ``pixels`` request) has no member mask and
so no shape: it is judged without one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.verdict.shape import Shape

#: a candidate covering more of its 20x20 box than this is a blot, not strokes
MAX_FILL = 0.49
#: ... on flat paper (a picture made on a computer: ``numnet.data.imaging.flat``) the
#: ink is drawn as it is, not thickened by a blur or a photo's paper estimate, and MNIST's
#: bold digits fill up to 0.69 of their box (1% of them more than ``MAX_FILL``: the last
#: 6,000 training images); a drawn disc, prepared, fills 0.64-0.74 of its box and is
#: stopped by how solid and round it is (``flat_blot``)
FLAT_MAX_FILL = 0.7
#: a candidate wider than this many times its height is a dash or a smear
MAX_ASPECT = 1.9
#: ... unless the network is this sure of a digit (judging one image): then its shape
#: decides.  Chosen on the validation sets: 4 of the 1,600 photos (bold 8s and 0s, 2s with
#: long tails) were refused at 0.995 or more for their fill or width, none of the 800
#: non-digits (6 at 0.99 or more)
SURE = 0.995
#: the shape of its ink (``numnet.data.imaging.verdict.shape``): a stroke wider than this share of
#: the ink's longer side is a dot or a blot ...
MAX_WIDTH = 0.45
#: ... on flat paper this share (the UCI digits' thick strokes, enlarged from 8x8, measure
#: up to 0.47; drawn discs and dots 0.47-0.68, stopped by ``flat_blot``)
FLAT_MAX_WIDTH = 0.6
#: on flat paper, ink this solid (``verdict.shape.solidity``) and round (its aspect or its inverse
#: at least ``FLAT_ROUND``) is a blot if it fills ``FLAT_BLOT_FILL`` of its box or is
#: ``FLAT_SOLIDEST`` solid, a dot if its longer side is under ``FLAT_DOT`` of the picture's
#: (``flat_blot``).  MNIST's boldest 0s and 8s, as PNGs: solidity up to 0.94, fill up to
#: 0.61 where they are this solid, 0.73 of the picture high; computer-drawn discs, squares
#: and blots 0.89-1.0 solid, filling 0.47-1.0.  Chosen by hand on validation pictures only:
#: 500 MNIST validation digits saved as 28x28 PNGs, 899 UCI validation digits enlarged by
#: six resamplings, and 120 drawings like those of ``benchmarks/checksets.py drawn`` (a
#: first version of it, seed 7, with thick rings too, which read as a 0)
FLAT_SOLID = 0.85
FLAT_ROUND = 0.6
FLAT_BLOT_FILL = 0.63
FLAT_SOLIDEST = 0.95
FLAT_DOT = 0.15
#: ... and so is ink whose centre line is shorter than this share of its longer side
MIN_LENGTH = 0.0
#: a centre line longer than this many times the longer side is a scribble, and so is one
#: with more junctions, ends or loops than these
MAX_LENGTH = 4.4
MAX_JUNCTIONS = 5
MAX_ENDS = 11
MAX_LOOPS = 3
#: below this confidence the network is guessing (any model: the rule without the logit)
MIN_CONFIDENCE = 0.59
#: the shipped model, judged by its logits too: its confidence floor ...
SHIPPED_CONFIDENCE = 0.66
#: ... and below this largest logit the input looks like none of the digits
MIN_EVIDENCE = 5.25
#: *plain strokes* (the shipped model, a measured shape): ink whose strokes are at least this
#: share of its longer side wide, that meets or crosses itself in at most ``PLAIN_JUNCTIONS``
#: places and ends in at most ``PLAIN_ENDS`` (a thick pen's digit, or a low-resolution digit
#: enlarged, whose blurred strokes the network knows less well) ...
PLAIN_WIDTH = 0.12
PLAIN_JUNCTIONS = 3
PLAIN_ENDS = 3
#: ... is read from these floors of confidence and largest logit instead
PLAIN_CONFIDENCE = 0.4
PLAIN_EVIDENCE = 2.0


def judge(
    aspect: float,
    fill: float,
    probs: NDArray[np.floating],
    min_confidence: float = MIN_CONFIDENCE,
    evidence: float | None = None,
    max_fill: float = MAX_FILL,
    shape: Shape | None = None,
    max_aspect: float = MAX_ASPECT,
    max_width: float = MAX_WIDTH,
) -> str | None:
    """None if a candidate with ``aspect``, ``fill``, probabilities ``probs`` (10,), largest
    logit ``evidence`` (None: the model has no logits) and ink ``shape`` (None: not measured)
    reads as a digit; otherwise the reason, a phrase such as "it does not look like a digit
    (...)".  With a logit and a shape, ink of ``plain`` strokes is held to the floors
    ``PLAIN_CONFIDENCE`` and ``PLAIN_EVIDENCE`` instead of ``min_confidence`` and
    ``MIN_EVIDENCE``.  A candidate the network gives ``SURE`` or more is not held to
    ``max_fill`` and ``max_aspect`` (judging one image).

    ``min_confidence`` 0 judges by the ink statistics alone (a digit among the digits of a
    number: neither its shape nor the network's confidence is weighed); ``max_fill`` above 1
    lets a filled candidate through, and ``max_aspect`` inf a wide one (a bold digit, or a 2
    with a long tail, standing in a row of digits as high as itself, see
    ``numnet.data.imaging.reading``); ``max_width`` is the stroke width of a blot
    (``FLAT_MAX_WIDTH`` on flat paper)."""
    whole = min_confidence > 0  # the whole rule, not the ink statistics alone
    sure = whole and float(np.max(probs)) >= SURE  # a bold digit, a 2 with a long tail
    if fill > max_fill and not sure:
        return f"the ink is a blot or a dot, not strokes ({fill:.0%} of its box is ink)"
    if aspect > max_aspect and not sure:
        return f"the ink is a line or a smear, {aspect:.1f} times wider than high"
    floor = MIN_EVIDENCE
    if whole and shape is not None:
        reason = _judge_shape(shape, max_width)
        if reason is not None:
            return reason
        if evidence is not None and plain(shape):
            min_confidence, floor = PLAIN_CONFIDENCE, PLAIN_EVIDENCE
    best = int(np.argmax(probs))
    if float(probs[best]) < min_confidence:
        return f"it does not look like a digit (best guess {best} at {float(probs[best]):.0%})"
    if whole and evidence is not None and evidence < floor:
        return f"it does not look like a digit (it is like no digit; best guess {best})"
    return None


def flat_blot(solid: float, fill: float, aspect: float, extent: float) -> str | None:
    """On flat paper: the reason ink of ``solidity`` ``solid`` (``verdict.shape.solidity``),
    ``fill`` and ``aspect`` whose longer side is ``extent`` of the picture's is a blot or a
    dot (see ``FLAT_SOLID``), else None.  A computer draws a disc or a blot as it is, as
    solid as a bold digit's ink is not."""
    if solid < FLAT_SOLID or min(aspect, 1 / max(aspect, 1e-6)) < FLAT_ROUND:
        return None
    if fill >= FLAT_BLOT_FILL or solid >= FLAT_SOLIDEST or extent < FLAT_DOT:
        return f"the ink is a blot or a dot, not strokes ({solid:.0%} solid)"
    return None


def plain(s: Shape) -> bool:
    """Whether ink of shape ``s`` is plain strokes (``PLAIN_WIDTH``, ``PLAIN_JUNCTIONS``,
    ``PLAIN_ENDS``), judged by the floors ``PLAIN_CONFIDENCE`` and ``PLAIN_EVIDENCE``."""
    return s.width >= PLAIN_WIDTH and s.junctions <= PLAIN_JUNCTIONS and s.ends <= PLAIN_ENDS


def _judge_shape(s: Shape, max_width: float) -> str | None:
    if s.width > max_width or s.length < MIN_LENGTH:
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
