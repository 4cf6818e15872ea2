"""Choose the thresholds of the digit rule (``numnet.data.imaging.verdict``) on validation sets.

    python benchmarks/checksets.py photos    val/photos    --split validation --seed 1
    python benchmarks/checksets.py nondigits val/nondigits --seed 1
    python benchmarks/choose_digit_rule.py MODEL val/photos val/nondigits

Every file goes through ``numnet.data.imaging.find_digits`` and the model; a candidate is kept
as a digit when ``fill <= MAX_FILL``, ``aspect <= MAX_ASPECT`` and ``confidence >=
MIN_CONFIDENCE``.  Over a grid of the three, the script keeps the combinations that accept
no non-digit (or the fewest, if none does), and among them those that refuse the fewest
real digits; of those, the tightest (the most margin against non-digits).  It prints the
choice, the false rejections of real digits it costs, and the features of the hardest
cases.  The digits must come from the validation split (``--split validation``), never
from the MNIST test set.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from numnet.data.imaging import find_digits
from numnet.files.model_file import load


def features(model: object, folder: Path) -> tuple[np.ndarray, list[str]]:
    """(n, 4) [fill, aspect, confidence, right] per file of a set (NaN row: no candidate)."""
    with open(folder / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pages = [find_digits(folder / r["file"]) for r in rows]
    cands = [p.candidates[0] if p.candidates else None for p in pages]
    x = np.stack([c.pixels for c in cands if c is not None])
    probs = np.asarray(model.predict_proba(x))  # type: ignore[attr-defined]
    out = np.full((len(rows), 4), np.nan)
    k = 0
    for i, (r, c) in enumerate(zip(rows, cands, strict=True)):
        if c is None:
            continue
        p = probs[k]
        k += 1
        out[i] = [c.fill, c.aspect, p.max(), str(int(p.argmax())) == r["label"]]
    return out, [r["file"] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("digits", type=Path, help="a photos set of validation digits")
    parser.add_argument("nondigits", type=Path, help="a nondigits set")
    args = parser.parse_args()
    model = load(args.model)
    d, _ = features(model, args.digits)
    n, names = features(model, args.nondigits)
    d = d[~np.isnan(d[:, 0])]  # digits the imaging already lost cannot be won by the rule
    n = n[~np.isnan(n[:, 0])]
    fills = np.round(np.arange(0.30, 0.81, 0.01), 2)
    aspects = np.round(np.arange(1.2, 4.01, 0.1), 1)
    confs = np.round(np.arange(0.0, 0.96, 0.01), 2)
    F, A, C = np.meshgrid(fills, aspects, confs, indexing="ij")

    def accepted(x: np.ndarray) -> np.ndarray:  # (combos..., samples)
        return (
            (x[:, 0] <= F[..., None]) & (x[:, 1] <= A[..., None]) & (x[:, 2] >= C[..., None])
        )

    bad = accepted(n).sum(-1)
    refused = (~accepted(d)).sum(-1)
    ok = bad == bad.min()  # none, if the features allow it
    best = refused[ok].min()
    choice = ok & (refused == best)
    if bad.min() > 0:
        print(f"no combination refuses every non-digit: the best lets {bad.min()} through")
    # tightest: lowest fill and aspect limits, highest confidence floor
    i = np.flatnonzero(choice.ravel())
    order = np.lexsort((-C.ravel()[i], A.ravel()[i], F.ravel()[i]))
    j = i[order[0]]
    f, a, c = F.ravel()[j], A.ravel()[j], C.ravel()[j]
    right = d[:, 3] == 1
    print(f"{len(d)} validation digits with a candidate ({right.sum()} read right), "
          f"{len(n)} non-digits with a candidate")
    print(f"choice: MAX_FILL = {f}, MAX_ASPECT = {a}, MIN_CONFIDENCE = {c}")
    keep = (d[:, 0] <= f) & (d[:, 1] <= a) & (d[:, 2] >= c)
    print(f"real digits refused: {(~keep).sum()} of {len(d)} ({(~keep).mean():.1%}); "
          f"of those read right: {(~keep & right).sum()}")
    print(f"non-digits accepted: {int(((n[:, 0] <= f) & (n[:, 1] <= a) & (n[:, 2] >= c)).sum())}")
    print(f"non-digit closest to passing: fill {n[:, 0].min():.2f} aspect {n[:, 1].min():.2f} "
          f"confidence max {n[:, 2].max():.2f}")


if __name__ == "__main__":
    main()
