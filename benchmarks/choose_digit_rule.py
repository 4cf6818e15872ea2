"""Choose the thresholds of the digit rule (``numnet.data.imaging.verdict``) on validation sets.

    python benchmarks/checksets.py photos    val/photos    --split validation --seed 1
    python benchmarks/checksets.py nondigits val/nondigits --seed 1
    python benchmarks/checksets.py foreign   val/foreign   --split validation --seed 1
    python benchmarks/checksets.py numbers   val/numbers   --split validation --seed 1
    python benchmarks/choose_digit_rule.py val/photos val/nondigits val/foreign val/numbers \
        [--model MODEL] [--budget 0.005] [--foreign-budget 0.01] [--features F.npz]
    python benchmarks/choose_digit_rule.py val/photos,val5/photos val/nondigits,val5/nondigits \
        val/foreign val/numbers    # several sets of a kind, joined by commas: one set

It prints the constants of ``verdict`` to paste there.  Every file goes through
``numnet.data.imaging.find_digits`` (which measures each candidate's shape,
``numnet.data.imaging.verdict.shape``) and the model (the one numnet ships unless ``--model``
names another); ``--features F.npz`` keeps these measures (written once, read after) to
choose again without reading the sets again.  A candidate is kept as a digit when ``fill <=
MAX_FILL``, ``aspect <= MAX_ASPECT``, its shape is within the limits of ``SHAPE_LIMITS``
(stroke width, centre-line length both ways, junctions, ends, loops; inf: no limit), and
its confidence and (for a model with ``logits``) largest logit are at least the floors of
its tier (``Floors``): those of *plain strokes* if its strokes are at least ``PLAIN_WIDTH``
wide with at most ``PLAIN_JUNCTIONS`` junctions and ``PLAIN_ENDS`` ends, those of other ink
otherwise (``verdict.rule``).  Three budgets of real digits refused, all on validation sets:

- photos (MNIST's held-out training digits): at most ``--budget`` of them (default 0.5%,
  half the issue's 1%, so that a new set stays within it; the fewest, if no rule does);
- numbers (MNIST validation digits in a row, read by ``numnet read``): at most ``--budget``
  of the numbers refused.  A digit among two or more is judged by its ink statistics alone
  (``verdict``), so only a number read as a single candidate meets the whole rule.  Those
  ink statistics (``MAX_FILL``, ``MAX_ASPECT``) also cut and judge every digit of a number,
  which this budget does not see, so they are kept as ``verdict`` has them (or ``--ink
  FILL ASPECT``) unless ``--choose-ink``: check the validation numbers with
  ``read_accuracy.py`` after a change (a ``MAX_ASPECT`` of 1.4, chosen once, read 86.5% of
  them instead of 89.5%);
- foreign handwriting (the validation half of the UCI digits, writers MNIST never saw): at
  most ``--foreign-budget`` of them (default 1 percentage point) more than the rule chosen
  without the logit refuses.

In steps, each the fewest non-digits accepted, then the fewest real digits refused: the
confidence floor without the logit, within the photo budget (the rule for any model); then
the floors of both tiers and the plain strokes within all three budgets, the tightest among
ties (the highest floors of other ink, then of plain strokes, then the narrowest plain
strokes: the most margin against non-digits); then the shape limits within all three, each
in the middle of the limits tied with it (as much margin for real digits as against
non-digits); then the floors and the limits once more (``ROUNDS``).  For the floors and the
shape limits a non-digit counts as accepted if it would be were it a little more like a
digit (``nearer``: a margin, since the sets are small).  It prints each rule, what it costs
on every set, the non-digits it lets through, and what the strictest shape limits would
cost.  Digits with no candidate at all (lost by the imaging) cannot be won by the rule and
are left out.  The digits must come from validation splits, never from the MNIST test set
or the foreign test half.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from numnet.core.atomic import atomic_write
from numnet.data.imaging import Candidate, find_digits, read_pages, verdict
from numnet.files.model_file import load_model

FILLS = np.round(np.arange(0.30, 0.81, 0.01), 2)
ASPECTS = np.round(np.arange(1.2, 4.01, 0.1), 1)
CONFIDENCES = np.round(np.arange(0.0, 0.995, 0.01), 2)  # a calibrated model reaches 0.99
#: the shape measures (``numnet.data.imaging.verdict.shape.Shape``) limited, the constant of
#: ``verdict`` each limit becomes, and the limits tried (inf: no limit).  A floor (sign -1)
#: is searched as an upper limit of the measure's negative, so every limit is an upper one.
SHAPE = ("width", "length", "length", "junctions", "ends", "loops")
SHAPE_SIGNS = (1, 1, -1, 1, 1, 1)
SHAPE_CONSTANTS = (
    "MAX_WIDTH", "MAX_LENGTH", "MIN_LENGTH", "MAX_JUNCTIONS", "MAX_ENDS", "MAX_LOOPS"
)  # fmt: skip
SHAPE_LIMITS = (
    np.append(np.round(np.arange(0.25, 0.61, 0.05), 2), np.inf),
    np.append(np.round(np.arange(2.0, 5.01, 0.2), 1), np.inf),
    np.append(-np.round(np.arange(0.8, 0.19, -0.05), 2), np.inf),
    np.append(np.arange(2.0, 13.0), np.inf),
    np.append(np.arange(3.0, 15.0), np.inf),
    np.append(np.arange(1.0, 5.0), np.inf),
)


def shape_of(c: Candidate) -> list[float]:
    """The ``SHAPE`` measures of a candidate, times their ``SHAPE_SIGNS`` (its ink is
    measured by ``find_digits``)."""
    assert c.shape is not None
    return [sign * float(getattr(c.shape, n)) for n, sign in zip(SHAPE, SHAPE_SIGNS, strict=True)]


def number_rows(model: object, folder: Path) -> tuple[np.ndarray, int]:
    """The rows of ``features`` (n, 5 + len(SHAPE)) of the numbers of a set that ``numnet
    read`` reads as a single candidate (accepted or refused; the cuts of touching digits as
    ``numnet read`` chooses them), and the count of numbers.  A candidate among two or more
    is judged by its ink statistics alone (``verdict``), so only these meet the whole rule,
    shape included."""
    with open(folder / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pages = [find_digits(folder / r["file"], number=True) for r in rows]
    readings = read_pages(pages, model, True)  # type: ignore[arg-type]
    lone = []
    for page, reading in zip(pages, readings, strict=True):
        pieces = {p.box: p for c in page.candidates for way in ((c,), *c.splits) for p in way}
        read = [pieces[d.box] for d in (*reading.digits, *reading.ignored)]
        if len(read) == 1:
            lone.append(read[0])
    out = np.full((len(lone), 5 + len(SHAPE)), np.nan)
    if lone:
        x = np.stack([c.pixels for c in lone])
        probs = np.asarray(model.predict_proba(x))  # type: ignore[attr-defined]
        logits = getattr(model, "logits", None)
        evidence = np.full(len(x), np.inf) if logits is None else np.asarray(logits(x)).max(1)
        for i, c in enumerate(lone):
            out[i] = [c.fill, c.aspect, probs[i].max(), np.nan, evidence[i], *shape_of(c)]
    return out, len(rows)


def shape_accepted(shapes: np.ndarray) -> np.ndarray:
    """The counts of the samples ``shapes`` (n, len(SHAPE)) each cell of the grid of
    ``SHAPE_LIMITS`` keeps (every measure at most its limit): a histogram of each sample's
    tightest-accepting cell, summed forward over every axis."""
    cells = tuple(
        np.searchsorted(limits, shapes[:, j], "left") for j, limits in enumerate(SHAPE_LIMITS)
    )
    hist = np.zeros(tuple(len(g) for g in SHAPE_LIMITS), np.int64)
    np.add.at(hist, cells, 1)  # every measure is finite, so each lands at or before the inf
    for axis in range(hist.ndim):
        hist = hist.cumsum(axis)
    return hist


def pick_shape(allowed: np.ndarray, bad: np.ndarray, refused: np.ndarray) -> tuple[int, ...]:
    """The shape cell among ``allowed`` with the fewest non-digits accepted, then the fewest
    real digits refused; among those ties, each limit in the middle of the limits tied with
    it (the others held): as much margin for real digits as against non-digits (from the
    loosest of the ties, the highest limits in the order of ``SHAPE``, if the middle is no
    tie)."""
    ok = allowed & (bad == bad[allowed].min())
    ok &= refused == refused[ok].min()
    cells = np.argwhere(ok)
    best = np.lexsort(tuple(-cells[:, j] for j in reversed(range(cells.shape[1]))))[0]
    loosest = tuple(int(i) for i in cells[best])
    middle = list(loosest)
    for j in range(len(loosest)):
        line = list(loosest)
        line[j] = slice(None)  # type: ignore[call-overload]
        tied = np.flatnonzero(ok[tuple(line)])
        middle[j] = int(tied[(len(tied) - 1) // 2])
    return tuple(middle) if ok[tuple(middle)] else loosest


def features(model: object, folder: Path) -> tuple[np.ndarray, list[str]]:
    """(n, 10) [fill, aspect, confidence, right, largest logit, *SHAPE] per file of a set
    (NaN row: no candidate; the logit +inf for a model without logits)."""
    with open(folder / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pages = [find_digits(folder / r["file"]) for r in rows]
    cands = [p.candidates[0] if p.candidates else None for p in pages]
    x = np.stack([c.pixels for c in cands if c is not None])
    probs = np.asarray(model.predict_proba(x))  # type: ignore[attr-defined]
    logits = getattr(model, "logits", None)
    evidence = np.full(len(x), np.inf) if logits is None else np.asarray(logits(x)).max(axis=1)
    out = np.full((len(rows), 5 + len(SHAPE)), np.nan)
    k = 0
    for i, (r, c) in enumerate(zip(rows, cands, strict=True)):
        if c is None:
            continue
        p = probs[k]
        right = str(int(p.argmax())) == r["label"]
        out[i] = [c.fill, c.aspect, p.max(), right, evidence[k], *shape_of(c)]
        k += 1
    return out, [r["file"] for r in rows]


def accepted(x: np.ndarray, evidences: np.ndarray) -> np.ndarray:
    """(fills, aspects, confidences, evidences) counts of the samples x (n, 5) each rule of
    the grid keeps: a 4-d histogram of each sample's loosest-accepting grid cell, summed
    forward over the upper limits (fill, aspect) and backward over the floors."""
    grid = (FILLS, ASPECTS, CONFIDENCES, evidences)
    f = np.searchsorted(FILLS, x[:, 0], "left")  # first limit >= the sample's fill
    a = np.searchsorted(ASPECTS, x[:, 1], "left")
    c = np.searchsorted(CONFIDENCES, x[:, 2], "right") - 1  # last floor <= its confidence
    e = np.searchsorted(evidences, x[:, 4], "right") - 1
    ok = (f < len(FILLS)) & (a < len(ASPECTS)) & (c >= 0) & (e >= 0)
    hist = np.zeros(tuple(len(g) for g in grid), np.int64)
    np.add.at(hist, (f[ok], a[ok], c[ok], e[ok]), 1)
    for axis in (0, 1):
        hist = hist.cumsum(axis)
    for axis in (2, 3):
        hist = np.flip(np.flip(hist, axis).cumsum(axis), axis)
    return hist


def pick(allowed: np.ndarray, bad: np.ndarray, refused: np.ndarray) -> tuple[int, ...]:
    """The grid cell among ``allowed`` with the fewest non-digits accepted (``bad``), then the
    fewest real digits refused, then the tightest: highest evidence floor, lowest fill and
    aspect limits, highest confidence floor."""
    ok = allowed & (bad == bad[allowed].min())
    ok &= refused == refused[ok].min()
    cells = np.argwhere(ok)  # (m, 4) indices (fill, aspect, confidence, evidence)
    best = np.lexsort((-cells[:, 2], cells[:, 1], cells[:, 0], -cells[:, 3]))[0]
    return tuple(int(i) for i in cells[best])


#: the two-tier floors of the shipped model (``Floors``): the measures' columns in the rows
#: of ``features`` (width, junctions, ends), the plain strokes' definitions tried, the floors
#: tried for either tier, and the rounds of (floors, then shape limits) chosen in turn
WIDTH, JUNCTIONS, ENDS = 5, 8, 9
PLAIN_WIDTHS = np.round(np.arange(0.10, 0.301, 0.02), 2)
PLAIN_JUNCTIONS = np.arange(0, 5)
PLAIN_ENDS = np.arange(1, 5)
PLAIN_CONFIDENCES = np.round(np.arange(0.0, 0.951, 0.05), 2)
PLAIN_EVIDENCES = np.concatenate([[-np.inf], np.arange(0.0, 8.01, 0.5)])
STRICT_EVIDENCES = np.concatenate([[-np.inf], np.arange(0.0, 10.01, 0.25)])
ROUNDS = 2
#: the margin by which the non-digits are stopped (``nearer``)
MARGIN = (0.05, 0.5, 0.02, 1)


@dataclass(frozen=True)
class Floors:
    """The shipped model's floors: ink of plain strokes (stroke width >= ``width``, at most
    ``junctions`` junctions and ``ends`` ends) needs ``plain_confidence`` and a largest logit
    of ``plain_evidence``, any other ink ``confidence`` and ``evidence``."""

    width: float
    junctions: int
    ends: int
    plain_confidence: float
    plain_evidence: float
    confidence: float
    evidence: float


def is_plain(x: np.ndarray, width: float, junctions: float, ends: float) -> np.ndarray:
    """The rows of ``x`` (rows of ``features``) whose ink is plain strokes."""
    return (x[:, WIDTH] >= width) & (x[:, JUNCTIONS] <= junctions) & (x[:, ENDS] <= ends)


def keep_floors(x: np.ndarray, fl: Floors) -> np.ndarray:
    """The rows of ``x`` the two-tier floors ``fl`` keep (the ink and shape limits aside)."""
    p = is_plain(x, fl.width, fl.junctions, fl.ends)
    confidence = np.where(p, fl.plain_confidence, fl.confidence)
    evidence = np.where(p, fl.plain_evidence, fl.evidence)
    return (x[:, 2] >= confidence) & (x[:, 4] >= evidence)


def floors_accepted(x: np.ndarray, confidences: np.ndarray, evidences: np.ndarray) -> np.ndarray:
    """(len(confidences), len(evidences)) counts of the rows of ``x`` with a confidence and a
    largest logit at least each pair of floors: a histogram of each row's highest floors
    below it, summed backward over both axes."""
    c = np.searchsorted(confidences, x[:, 2], "right") - 1
    e = np.searchsorted(evidences, x[:, 4], "right") - 1
    ok = (c >= 0) & (e >= 0)
    hist = np.zeros((len(confidences), len(evidences)), np.int64)
    np.add.at(hist, (c[ok], e[ok]), 1)
    for axis in (0, 1):
        hist = np.flip(np.flip(hist, axis).cumsum(axis), axis)
    return hist


def tiers_accepted(x: np.ndarray, width: float, junctions: int, ends: int) -> np.ndarray:
    """(plain confidences, plain logits, confidences, logits) counts of the rows of ``x``
    each pair of floors keeps, ink of plain strokes (``width``, ``junctions``, ``ends``) held
    to the first, other ink to the second: the two tiers' ``floors_accepted`` summed."""
    p = is_plain(x, width, junctions, ends)
    plain = floors_accepted(x[p], PLAIN_CONFIDENCES, PLAIN_EVIDENCES)
    other = floors_accepted(x[~p], CONFIDENCES, STRICT_EVIDENCES)
    out: np.ndarray = plain[:, :, None, None] + other[None, None]
    return out


def pick_floors(
    digits: dict[str, np.ndarray],
    totals: dict[str, int],
    bad: np.ndarray,
    budgets: dict[str, float],
) -> Floors:
    """The two-tier floors within ``budgets`` of real digits refused per set (``digits``: the
    rows within the ink and shape limits, ``totals`` every row of the set, so that ``totals
    - kept`` are refused; a budget below what the ink and shape limits refuse becomes that)
    with the fewest non-digits ``bad`` kept, then the fewest real digits refused, then the
    tightest: the highest floors of other ink, then of plain strokes, then the narrowest
    plain strokes (widest stroke, fewest junctions and ends)."""
    limit = {k: max(budgets[k], totals[k] - len(x)) for k, x in digits.items()}
    best: tuple[tuple[float, ...], Floors] | None = None
    for (i, w), (j, junctions), (k, ends) in itertools.product(
        enumerate(PLAIN_WIDTHS), enumerate(PLAIN_JUNCTIONS), enumerate(PLAIN_ENDS)
    ):
        plain = (float(w), int(junctions), int(ends))
        n_bad = tiers_accepted(bad, *plain)
        allowed = np.ones(n_bad.shape, bool)
        refused = np.zeros(n_bad.shape, np.int64)
        for name, x in digits.items():
            r = totals[name] - tiers_accepted(x, *plain)
            allowed &= r <= limit[name]
            refused += r
        if not allowed.any():
            continue
        ok = allowed & (n_bad == n_bad[allowed].min())
        ok &= refused == refused[ok].min()
        cells = np.argwhere(ok)  # (m, 4): plain confidence, plain logit, confidence, logit
        tightest = np.lexsort((-cells[:, 0], -cells[:, 1], -cells[:, 2], -cells[:, 3]))[0]
        pc, pv, c, e = cells[tightest]
        key = (n_bad[pc, pv, c, e], refused[pc, pv, c, e], -e, -c, -pv, -pc, -i, j, k)
        if best is None or key < best[0]:
            floors = Floors(
                float(w), int(junctions), int(ends), float(PLAIN_CONFIDENCES[pc]),
                float(PLAIN_EVIDENCES[pv]), float(CONFIDENCES[c]), float(STRICT_EVIDENCES[e]),
            )  # fmt: skip
            best = key, floors
    if best is None:
        raise SystemExit("no floors keep to the budgets")
    return best[1]


def floors_text(fl: Floors) -> str:
    """The floors as text."""
    return (
        f"confidence >= {fl.confidence}, largest logit >= {fl.evidence}; plain strokes "
        f"(width >= {fl.width}, junctions <= {fl.junctions}, ends <= {fl.ends}): confidence "
        f">= {fl.plain_confidence}, largest logit >= {fl.plain_evidence}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("digits", type=folders, help="photos sets of validation digits")
    parser.add_argument("nondigits", type=folders, help="nondigits sets")
    parser.add_argument("foreign", type=folders, help="the validation half of the foreign set")
    parser.add_argument("numbers", type=folders, help="numbers sets of validation digits")
    parser.add_argument("--model", help="model file (default: the model numnet ships)")
    parser.add_argument(
        "--budget",
        type=float,
        default=0.005,
        help="share of real photos (and of the numbers) it may refuse (0.005: half the "
        "issue's 1%%, so that a new set of photos stays within that)",
    )
    parser.add_argument(
        "--foreign-budget",
        type=float,
        default=0.01,
        help="share of foreign digits it may refuse beyond the rule without the logit (0.01)",
    )
    parser.add_argument(
        "--ink",
        nargs=2,
        type=float,
        metavar=("FILL", "ASPECT"),
        help="keep MAX_FILL and MAX_ASPECT at these (default: verdict's own); they also cut "
        "and judge every digit of a number, which no budget here sees",
    )
    parser.add_argument(
        "--choose-ink",
        action="store_true",
        help="choose MAX_FILL and MAX_ASPECT too (then measure the numbers with read_accuracy)",
    )
    parser.add_argument(
        "--features",
        type=Path,
        help="an .npz file of the sets' measures: read if it exists, else written (to choose "
        "again without reading the sets again; the same sets and model only)",
    )
    args = parser.parse_args()
    if args.features is not None and args.features.is_file():
        with np.load(args.features) as saved:
            sets = {k: saved[k] for k in ("photos", "foreign", "numbers", "nondigits")}
            n_numbers, names = int(saved["n_numbers"]), [str(v) for v in saved["names"]]
    else:
        sets, n_numbers, names = measure_sets(args)
        if args.features is not None:
            with atomic_write(args.features) as f:
                np.savez(f, **sets, n_numbers=n_numbers, names=np.array(names))
    for name in ("photos", "foreign"):
        x = sets[name]
        print(
            f"{name}: {len(x)} validation digits, {int((~np.isnan(x[:, 0])).sum())} with a "
            f"candidate ({int(np.nansum(x[:, 3]))} read right by the best guess)"
        )
        sets[name] = x[~np.isnan(x[:, 0])]  # digits the imaging lost cannot be won by the rule
    numbers, n_all = sets.pop("numbers"), sets.pop("nondigits")
    print(f"numbers: {n_numbers}, {len(numbers)} read as a single candidate")
    n = n_all[~np.isnan(n_all[:, 0])]
    print(f"non-digits: {len(n_all)}, {len(n)} with a candidate")
    with_logits = np.isfinite(sets["photos"][:, 4]).all()
    steps = np.round(np.arange(0.0, 10.01, 0.25), 2) if with_logits else np.zeros(0)
    evidences = np.concatenate([[-np.inf], steps])
    bad = accepted(n, evidences)
    refused = {k: len(x) - accepted(x, evidences) for k, x in sets.items()}
    both = refused["photos"] + refused["foreign"]
    photo_ok = refused["photos"] <= max(args.budget * len(sets["photos"]), refused["photos"].min())
    plain = np.zeros(bad.shape, bool)
    plain[..., 0] = True  # evidence floor -inf: the rule without the logit
    if not args.choose_ink:  # the ink limits given (or verdict's)
        fill, aspect = args.ink or (verdict.MAX_FILL, verdict.MAX_ASPECT)
        ink_cell = np.zeros(bad.shape, bool)
        ink_cell[np.argmin(abs(FILLS - fill)), np.argmin(abs(ASPECTS - aspect))] = True
        plain &= ink_cell
    base = pick(plain & photo_ok, bad, both)
    f, a = FILLS[base[0]], ASPECTS[base[1]]
    print(
        f"rule without the logit: MAX_FILL = {f}, MAX_ASPECT = {a}, confidence >= "
        f"{CONFIDENCES[base[2]]}"
    )
    report(sets, numbers, n_all, names, keep_base(n_all, base, evidences), base, evidences)
    if not with_logits:
        print(f"constants of numnet/data/imaging/verdict:\n  MAX_FILL = {f}\n  MAX_ASPECT = {a}")
        print(f"  MIN_CONFIDENCE = {CONFIDENCES[base[2]]}")
        return
    limit = refused["foreign"][base] + args.foreign_budget * len(sets["foreign"])
    budgets = {
        "photos": max(args.budget * len(sets["photos"]), refused["photos"][base]),
        "foreign": limit,
        "numbers": args.budget * n_numbers,
    }
    digits = {**sets, "numbers": numbers}
    ink = {k: (x[:, 0] <= f) & (x[:, 1] <= a) for k, x in digits.items()}
    n = nearer(n)  # the non-digits are stopped with a margin
    bad_ink = (n[:, 0] <= f) & (n[:, 1] <= a)
    shape = tuple(len(g) - 1 for g in SHAPE_LIMITS)  # no shape limit, to begin with
    for _ in range(ROUNDS):  # the floors with the shape limits, then the limits with them
        within = {k: ink[k] & shape_keep(x[:, 5:], shape) for k, x in digits.items()}
        floors = pick_floors(
            {k: x[within[k]] for k, x in digits.items()},
            {k: len(x) for k, x in digits.items()},
            n[bad_ink & shape_keep(n[:, 5:], shape)],
            budgets,
        )
        kept = {k: x[ink[k] & keep_floors(x, floors)] for k, x in digits.items()}
        shape_bad = shape_accepted(n[bad_ink & keep_floors(n, floors)][:, 5:])
        shape_refused = {k: len(digits[k]) - shape_accepted(x[:, 5:]) for k, x in kept.items()}
        allowed = np.ones(shape_bad.shape, bool)
        for k, r in shape_refused.items():
            allowed &= r <= max(budgets[k], r.min())
        shape = pick_shape(allowed, shape_bad, sum(shape_refused.values()))
    print(f"chosen: {floors_text(floors)}, {shape_text(shape)}")

    def keep(x: np.ndarray) -> np.ndarray:
        out = (x[:, 0] <= f) & (x[:, 1] <= a) & keep_floors(x, floors)
        return out & shape_keep(x[:, 5:], shape)

    report(sets, numbers, n_all, names, keep(n_all), None, keep)
    strict = shape_bad == shape_bad.min()
    print(
        f"strictest shape limits: {shape_bad.min()} non-digits accepted, at best "
        + ", ".join(f"{shape_refused[k][strict].min()} {k}" for k in shape_refused)
        + " refused"
    )
    print("constants of numnet/data/imaging/verdict/rule.py:")
    print(f"  MAX_FILL = {f}\n  MAX_ASPECT = {a}")
    for name, sign, limits, j in zip(
        SHAPE_CONSTANTS, SHAPE_SIGNS, SHAPE_LIMITS, shape, strict=True
    ):
        no_limit = "math.inf" if sign > 0 else "0.0"
        value = sign * limits[j]
        text = f"{value:g}" if name in ("MAX_WIDTH", "MAX_LENGTH", "MIN_LENGTH") else int(value)
        print(f"  {name} = {text if np.isfinite(limits[j]) else no_limit}")
    print(f"  MIN_CONFIDENCE = {CONFIDENCES[base[2]]}")
    print(f"  SHIPPED_CONFIDENCE = {floors.confidence}\n  MIN_EVIDENCE = {floors.evidence}")
    print(
        f"  PLAIN_WIDTH = {floors.width}\n  PLAIN_JUNCTIONS = {floors.junctions}\n"
        f"  PLAIN_ENDS = {floors.ends}\n  PLAIN_CONFIDENCE = {floors.plain_confidence}\n"
        f"  PLAIN_EVIDENCE = "
        + ("-math.inf" if floors.plain_evidence == -np.inf else f"{floors.plain_evidence}")
    )


def nearer(x: np.ndarray) -> np.ndarray:
    """The rows of ``features`` ``x`` (non-digits) a little more like a digit: confidence +
    ``MARGIN[0]``, largest logit + ``MARGIN[1]``, strokes ``MARGIN[2]`` wider, ``MARGIN[3]``
    junctions and ends fewer.  The floors and plain strokes are chosen to stop these, so
    that a non-digit of a new set a little more like a digit than the validation ones is
    stopped too (the steps of the grids are as fine as the validation sets are small)."""
    out = x.copy()
    out[:, 2] = np.minimum(out[:, 2] + MARGIN[0], 1.0)
    out[:, 4] += MARGIN[1]
    out[:, WIDTH] += MARGIN[2]
    out[:, [JUNCTIONS, ENDS]] = np.maximum(out[:, [JUNCTIONS, ENDS]] - MARGIN[3], 0)
    return out


def folders(text: str) -> list[Path]:
    """The sets of one kind, given as folders joined by commas (measured as one set)."""
    return [Path(part) for part in text.split(",") if part]


def measure_sets(args: argparse.Namespace) -> tuple[dict[str, np.ndarray], int, list[str]]:
    """The measures of every file of the four kinds of sets (``features``, ``number_rows``;
    the sets of a kind one after the other), the count of numbers and the non-digits' file
    names (as ``folder/file`` if there are several sets of non-digits)."""
    model = load_model(args.model)
    sets = {name: np.concatenate([features(model, f)[0] for f in fs]) for name, fs in (
        ("photos", args.digits), ("foreign", args.foreign)
    )}  # fmt: skip
    numbers = [number_rows(model, f) for f in args.numbers]
    sets["numbers"] = np.concatenate([rows for rows, _ in numbers])
    nondigits = [(f, features(model, f)) for f in args.nondigits]
    sets["nondigits"] = np.concatenate([x for _, (x, _) in nondigits])
    several = len(nondigits) > 1
    names = [f"{f.name}/{n}" if several else n for f, (_, ns) in nondigits for n in ns]
    return sets, sum(n for _, n in numbers), names


def report(
    sets: dict[str, np.ndarray],
    numbers: np.ndarray,
    n_all: np.ndarray,
    names: list[str],
    ok: np.ndarray,
    base: tuple[int, ...] | None,
    keep: Callable[[np.ndarray], np.ndarray] | np.ndarray,
) -> None:
    """Print what a rule costs on every set: ``keep`` the rule (a function of the samples),
    or the grid of ``accepted`` (with ``base`` its cell); ``ok`` the non-digits it keeps."""
    for name, x in {**sets, "numbers read as one candidate": numbers}.items():
        kept = keep(x) if callable(keep) else keep_base(x, base, keep)  # type: ignore[arg-type]
        no = ~kept
        print(
            f"  {name}: {no.sum()} of {len(x)} refused ({no.mean() if len(x) else 0:.1%}), "
            f"{(no & (x[:, 3] == 1)).sum()} of them read right; "
            f"{(~no & (x[:, 3] == 1)).sum()} kept and right"
        )
    print(
        f"  non-digits accepted: {int(ok.sum())}: "
        + ", ".join(name for name, k in zip(names, ok, strict=True) if k)
    )


def shape_keep(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The samples ``x`` (n, len(SHAPE)) of signed shape measures within the limits of the
    ``SHAPE_LIMITS`` cell ``shape``."""
    out = np.ones(len(x), bool)
    for j, limits in enumerate(SHAPE_LIMITS):
        out &= x[:, j] <= limits[shape[j]]
    return out


def keep_base(x: np.ndarray, cell: tuple[int, ...], evidences: np.ndarray) -> np.ndarray:
    """The samples x (n, 5+) the ink limits and floors of grid ``cell`` keep."""
    f, a, c, e = FILLS[cell[0]], ASPECTS[cell[1]], CONFIDENCES[cell[2]], evidences[cell[3]]
    return (x[:, 0] <= f) & (x[:, 1] <= a) & (x[:, 2] >= c) & (x[:, 4] >= e)


def shape_text(cell: tuple[int, ...]) -> str:
    """The shape limits of ``cell`` as text ("width <= 0.4, length <= 3.6, ...")."""
    return (
        ", ".join(
            f"{name} {'<=' if sign > 0 else '>='} {sign * limits[j]:g}"
            for name, sign, limits, j in zip(SHAPE, SHAPE_SIGNS, SHAPE_LIMITS, cell, strict=True)
            if np.isfinite(limits[j])
        )
        or "no shape limit"
    )


if __name__ == "__main__":
    main()
