"""Choose the thresholds of the digit rule (``numnet.data.imaging.verdict``) on validation sets.

    python benchmarks/checksets.py photos    val/photos    --split validation --seed 1
    python benchmarks/checksets.py nondigits val/nondigits --seed 1
    python benchmarks/choose_digit_rule.py val/photos val/nondigits [--model MODEL]

Every file goes through ``numnet.data.imaging.find_digits`` and the model (the one numnet
ships unless ``--model`` names another); a candidate is kept
as a digit when ``fill <= MAX_FILL``, ``aspect <= MAX_ASPECT``, ``confidence >=
MIN_CONFIDENCE`` and (for a model with ``logits``) its largest logit ``>= MIN_EVIDENCE``
(numnet weighs the logit for the shipped model only: ``SHIPPED_CONFIDENCE`` and
``MIN_EVIDENCE``; for other models it uses the best rule without it, ``MIN_CONFIDENCE``).
Over a grid of the four, the script keeps the combinations that refuse
at most ``--budget`` of the real digits (default 1%, the issue's limit; the fewest, if none
does), among them those that accept the fewest non-digits (none, if the features allow it),
then those that refuse the fewest real digits; of those, the tightest (the most margin
against non-digits).  It prints the choice, what it costs on both sides, what the strictest
rule (fewest non-digits whatever the cost) would cost, and the features of the hardest
cases.  The digits must come from the validation split (``--split validation``), never
from the MNIST test set.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from numnet.data.imaging import find_digits
from numnet.files.model_file import load_model


def features(model: object, folder: Path) -> tuple[np.ndarray, list[str]]:
    """(n, 5) [fill, aspect, confidence, right, largest logit] per file of a set (NaN row:
    no candidate; the logit +inf for a model without logits)."""
    with open(folder / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pages = [find_digits(folder / r["file"]) for r in rows]
    cands = [p.candidates[0] if p.candidates else None for p in pages]
    x = np.stack([c.pixels for c in cands if c is not None])
    probs = np.asarray(model.predict_proba(x))  # type: ignore[attr-defined]
    logits = getattr(model, "logits", None)
    evidence = np.full(len(x), np.inf) if logits is None else np.asarray(logits(x)).max(axis=1)
    out = np.full((len(rows), 5), np.nan)
    k = 0
    for i, (r, c) in enumerate(zip(rows, cands, strict=True)):
        if c is None:
            continue
        p = probs[k]
        out[i] = [c.fill, c.aspect, p.max(), str(int(p.argmax())) == r["label"], evidence[k]]
        k += 1
    return out, [r["file"] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("digits", type=Path, help="a photos set of validation digits")
    parser.add_argument("nondigits", type=Path, help="a nondigits set")
    parser.add_argument("--model", help="model file (default: the model numnet ships)")
    parser.add_argument(
        "--budget", type=float, default=0.01, help="share of real digits it may refuse (0.01)"
    )
    args = parser.parse_args()
    model = load_model(args.model)
    d, _ = features(model, args.digits)
    n_all, names = features(model, args.nondigits)
    d = d[~np.isnan(d[:, 0])]  # digits the imaging already lost cannot be won by the rule
    n = n_all[~np.isnan(n_all[:, 0])]
    fills = np.round(np.arange(0.30, 0.81, 0.01), 2)
    aspects = np.round(np.arange(1.2, 4.01, 0.1), 1)
    confs = np.round(np.arange(0.0, 0.995, 0.01), 2)  # a calibrated model reaches 0.99
    finite = np.isfinite(d[:, 4]).all()
    evidences = np.round(np.arange(0.0, 10.01, 0.25), 2) if finite else np.array([-np.inf])
    F, A, C = np.meshgrid(fills, aspects, confs, indexing="ij")

    def accepted(x: np.ndarray, e: float) -> np.ndarray:  # (combos..., samples)
        return (
            (x[:, 0] <= F[..., None])
            & (x[:, 1] <= A[..., None])
            & (x[:, 2] >= C[..., None])
            & (x[:, 4] >= e)
        )

    # per evidence threshold: non-digits accepted and digits refused on the (F, A, C) grid
    bad = np.stack([accepted(n, e).sum(-1) for e in evidences])
    refused = np.stack([(~accepted(d, e)).sum(-1) for e in evidences])
    E = np.broadcast_to(evidences[:, None, None, None], bad.shape)
    strict = bad == bad.min()
    print(f"strictest rule: {bad.min()} non-digits accepted, at best {refused[strict].min()} "
          f"of {len(d)} real digits refused")
    for name, limit in (("without the logit", evidences[:1]), ("with it", evidences)):
        rows = np.isin(evidences, limit)
        ok = refused[rows] <= max(args.budget * len(d), refused.min())
        print(f"best rule {name}: {bad[rows][ok].min()} non-digits accepted")
    ok = refused <= max(args.budget * len(d), refused.min())
    ok &= bad == bad[ok].min()
    choice = ok & (refused == refused[ok].min())
    # tightest: highest evidence floor, lowest fill and aspect limits, highest confidence floor
    Fb, Ab, Cb = (np.broadcast_to(g, bad.shape) for g in (F, A, C))
    i = np.flatnonzero(choice.ravel())
    order = np.lexsort((-Cb.ravel()[i], Ab.ravel()[i], Fb.ravel()[i], -E.ravel()[i]))
    j = i[order[0]]
    f, a, c, e = Fb.ravel()[j], Ab.ravel()[j], Cb.ravel()[j], E.ravel()[j]
    right = d[:, 3] == 1
    print(f"{len(d)} validation digits with a candidate ({right.sum()} read right), "
          f"{len(n)} non-digits with a candidate")
    print(f"choice: MAX_FILL = {f}, MAX_ASPECT = {a}, confidence >= {c}, MIN_EVIDENCE = {e}")

    def keep(x: np.ndarray) -> np.ndarray:
        return (x[:, 0] <= f) & (x[:, 1] <= a) & (x[:, 2] >= c) & (x[:, 4] >= e)

    print(f"real digits refused: {(~keep(d)).sum()} of {len(d)} ({(~keep(d)).mean():.1%}); "
          f"of those read right: {(~keep(d) & right).sum()}")
    print(f"non-digits accepted: {int(keep(n).sum())}: "
          + ", ".join(name for name, k in zip(names, keep(n_all), strict=True) if k))
    print(f"non-digit closest to passing: fill {n[:, 0].min():.2f} aspect {n[:, 1].min():.2f} "
          f"confidence max {n[:, 2].max():.2f} logit max {n[:, 4].max():.2f}")

if __name__ == "__main__":
    main()
