"""Choose the thresholds of the digit rule (``numnet.data.imaging.verdict``) on validation sets.

    python benchmarks/checksets.py photos    val/photos    --split validation --seed 1
    python benchmarks/checksets.py nondigits val/nondigits --seed 1
    python benchmarks/checksets.py foreign   val/foreign   --split validation --seed 1
    python benchmarks/checksets.py numbers   val/numbers   --split validation --seed 1
    python benchmarks/choose_digit_rule.py val/photos val/nondigits val/foreign val/numbers \
        [--model MODEL] [--budget 0.01] [--foreign-budget 0.01]

It prints the constants of ``verdict`` to paste there.  Every file goes through
``numnet.data.imaging.find_digits`` (which measures each candidate's shape,
``numnet.data.imaging.verdict.shape``) and the model (the one numnet ships unless ``--model`` names
another).  A candidate is kept as a digit when ``fill <= MAX_FILL``, ``aspect <=
MAX_ASPECT``, ``confidence >= MIN_CONFIDENCE``, (for a model with ``logits``) its largest
logit ``>= e`` (``e`` -inf: the rule without the logit), and its shape is within the limits
of ``SHAPE_LIMITS`` (stroke width, centre-line length both ways, junctions, ends, loops; inf:
no limit).  Three budgets of real digits refused, all on validation sets:

- photos (MNIST's held-out training digits): at most ``--budget`` of them (default 1%, the
  issue's limit; the fewest, if no rule does);
- numbers (MNIST validation digits in a row, read by ``numnet read``): at most ``--budget``
  of the numbers refused.  A digit among two or more is judged by its ink statistics alone
  (``verdict``), so only a number read as a single candidate meets the whole rule.  Those
  ink statistics (``MAX_FILL``, ``MAX_ASPECT``) also judge every digit of a number, which
  this budget does not see: check the validation numbers with ``read_accuracy.py`` after
  a change (a ``MAX_ASPECT`` of 1.4, chosen once, read 86.5% of them instead of 89.5%);
- foreign handwriting (the validation half of the UCI digits, writers MNIST never saw): at
  most ``--foreign-budget`` of them (default 1 percentage point) more than the rule chosen
  without the logit refuses.  Refusing a real digit is the worse failure for numnet's users,
  and the photos alone are MNIST's writers, whom the network knows best.

In three steps, each the fewest non-digits accepted, then the fewest real digits refused:
the ink limits and confidence floor without the logit, within the photo budget (the rule
for any model); then with those ink limits (``MAX_FILL`` and ``MAX_ASPECT`` are the same for
every model) the confidence and logit floors within the photo and foreign budgets, the
tightest among ties (the most margin against non-digits); then with those the shape limits
within all three, the loosest among ties (the most margin for real digits).  It prints each
rule, what it costs on every set, the non-digits it lets through, and what the strictest
shape limits would cost.  Digits with no candidate at all (lost by the imaging) cannot be
won by the rule and are left out.  The digits must come from validation splits, never from
the MNIST test set or the foreign test half.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from numnet.data.imaging import Candidate, find_digits, read_pages
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
    real digits refused, then the loosest (the most margin for real digits: the highest
    limits, in the order of ``SHAPE``)."""
    ok = allowed & (bad == bad[allowed].min())
    ok &= refused == refused[ok].min()
    cells = np.argwhere(ok)
    best = np.lexsort(tuple(-cells[:, j] for j in reversed(range(cells.shape[1]))))[0]
    return tuple(int(i) for i in cells[best])


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("digits", type=Path, help="a photos set of validation digits")
    parser.add_argument("nondigits", type=Path, help="a nondigits set")
    parser.add_argument("foreign", type=Path, help="the validation half of the foreign set")
    parser.add_argument("numbers", type=Path, help="a numbers set of validation digits")
    parser.add_argument("--model", help="model file (default: the model numnet ships)")
    parser.add_argument(
        "--budget",
        type=float,
        default=0.01,
        help="share of real photos (and of the numbers) it may refuse (0.01)",
    )
    parser.add_argument(
        "--foreign-budget",
        type=float,
        default=0.01,
        help="share of foreign digits it may refuse beyond the rule without the logit (0.01)",
    )
    args = parser.parse_args()
    model = load_model(args.model)
    sets = {}
    for name, folder in (("photos", args.digits), ("foreign", args.foreign)):
        x, _ = features(model, folder)
        sets[name] = x[~np.isnan(x[:, 0])]  # digits the imaging lost cannot be won by the rule
        print(
            f"{name}: {len(x)} validation digits, {len(sets[name])} with a candidate "
            f"({int(sets[name][:, 3].sum())} read right by the best guess)"
        )
    numbers, n_numbers = number_rows(model, args.numbers)
    print(f"numbers: {n_numbers}, {len(numbers)} read as a single candidate")
    n_all, names = features(model, args.nondigits)
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
    base = pick(photo_ok & plain, bad, both)
    limit = refused["foreign"][base] + args.foreign_budget * len(sets["foreign"])
    same_ink = np.zeros(bad.shape, bool)  # the ink limits hold for every model
    same_ink[base[0], base[1]] = True
    chosen = pick(same_ink & photo_ok & (refused["foreign"] <= limit), bad, both)
    f, a = FILLS[chosen[0]], ASPECTS[chosen[1]]

    def floors(cell: tuple[int, ...]) -> tuple[float, float]:
        return float(CONFIDENCES[cell[2]]), float(evidences[cell[3]])

    def keep(x: np.ndarray, cell: tuple[int, ...], shape: tuple[int, ...] | None) -> np.ndarray:
        c, e = floors(cell)
        out = (x[:, 0] <= f) & (x[:, 1] <= a) & (x[:, 2] >= c) & (x[:, 4] >= e)
        return out & shape_keep(x[:, 5:], shape)

    def shape_keep(x: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
        out = np.ones(len(x), bool)
        for j, limits in enumerate(SHAPE_LIMITS if shape is not None else ()):
            out &= x[:, j] <= limits[shape[j]]  # type: ignore[index]
        return out

    # the shape limits, with the chosen ink limits and floors: the same budgets, and the
    # numbers read as one candidate (the others are judged by their ink statistics alone)
    # refused, within --budget of all the numbers too
    kept = {k: x[keep(x, chosen, None)] for k, x in sets.items()}
    shape_bad = shape_accepted(n[keep(n, chosen, None)][:, 5:])
    shape_refused = {k: len(sets[k]) - shape_accepted(x[:, 5:]) for k, x in kept.items()}
    shape_refused["numbers"] = len(numbers) - shape_accepted(
        numbers[keep(numbers, chosen, None)][:, 5:]
    )
    allowed = shape_refused["foreign"] <= limit
    for k in ("photos", "numbers"):
        total = len(sets[k]) if k in sets else n_numbers
        allowed &= shape_refused[k] <= max(args.budget * total, shape_refused[k].min())
    shape = pick_shape(allowed, shape_bad, sum(shape_refused.values()))

    for title, cell, s in (
        ("without the logit", base, None),
        ("with the logit", chosen, None),
        ("chosen: with the logit and the shape", chosen, shape),
    ):
        c, e = floors(cell)
        fa = (f, a) if cell is chosen else (FILLS[cell[0]], ASPECTS[cell[1]])
        print(
            f"rule {title}: MAX_FILL = {fa[0]}, MAX_ASPECT = {fa[1]}, confidence >= {c}"
            + ("" if e == -np.inf else f", largest logit >= {e}")
            + ("" if s is None else ", " + shape_text(s))
        )
        for name, x in sets.items():
            no = ~(keep(x, cell, s) if cell is chosen else keep_base(x, cell, evidences))
            print(
                f"  {name}: {no.sum()} of {len(x)} refused ({no.mean():.1%}), "
                f"{(no & (x[:, 3] == 1)).sum()} of them read right; "
                f"{(~no & (x[:, 3] == 1)).sum()} kept and right"
            )
        if cell is chosen:
            no = ~keep(numbers, chosen, s)
            print(f"  numbers read as one candidate: {no.sum()} of {len(numbers)} refused")
        ok = keep(n_all, cell, s) if cell is chosen else keep_base(n_all, cell, evidences)
        print(
            f"  non-digits accepted: {int(ok.sum())}: "
            + ", ".join(name for name, k in zip(names, ok, strict=True) if k)
        )
    pays = bad[chosen] < bad[base]
    print(
        f"the logit {'pays' if pays else 'does not pay'} within the budgets "
        f"(photos <= {args.budget:.0%}, foreign <= {int(limit)} refused): "
        f"{bad[base]} -> {bad[chosen]} non-digits accepted; the shape: -> {shape_bad[shape]}"
    )
    strict = shape_bad == shape_bad.min()
    print(
        f"strictest shape limits: {shape_bad.min()} non-digits accepted, at best "
        + ", ".join(f"{shape_refused[k][strict].min()} {k}" for k in shape_refused)
        + " refused"
    )
    print("constants of numnet/data/imaging/verdict.py:")
    c, e = floors(chosen)
    print(f"  MAX_FILL = {f}\n  MAX_ASPECT = {a}")
    for name, sign, limits, j in zip(
        SHAPE_CONSTANTS, SHAPE_SIGNS, SHAPE_LIMITS, shape, strict=True
    ):
        no_limit = "math.inf" if sign > 0 else "0.0"
        print(f"  {name} = {sign * limits[j] if np.isfinite(limits[j]) else no_limit}")
    print(f"  MIN_CONFIDENCE = {CONFIDENCES[base[2]]}")
    if with_logits:
        print(f"  SHIPPED_CONFIDENCE = {c}\n  MIN_EVIDENCE = {e}")


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
