"""Measure the real commands on a check set of ``benchmarks/checksets.py``: accuracy per style.

    python benchmarks/read_accuracy.py sets/photos [--model MODEL] [--wrong]

Files of one digit (photos, foreign) run ``numnet predict FILES... --json``, files of a number
``numnet read FILES... --json`` (a set may hold both: ``marked``), non-digit sets ``numnet
predict`` too, with the model numnet ships unless ``--model`` names another.  Per style it
prints how many were read right, how many real digits were refused ("no digit"), and for
non-digits how many came back as a digit (which should be none).  ``--wrong`` lists the
files read wrongly with what was read, for opening with ``numnet predict --show``.
Labels of numbers are compared as ``numnet read`` prints them: signs and rows too
("-3.14", "2026 1984"); it also counts the numbers read with a "." or "-" more than written
and those read in another number of rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def run(command: str, model: str | None, files: list[Path]) -> list[dict]:
    """``numnet COMMAND FILES... --json [--model MODEL]`` -> its per-file answers."""
    chosen = [] if model is None else ["--model", model]
    done = subprocess.run(
        ["numnet", command, *map(str, files), "--json", *chosen], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"numnet {command} failed: {done.stderr.strip()}")
    out = json.loads(done.stdout)
    return out["readings"] if command == "read" else out["predictions"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", type=Path, help="a folder written by benchmarks/checksets.py")
    parser.add_argument("--model", help="model file (default: the model numnet ships)")
    parser.add_argument("--wrong", action="store_true", help="list the files read wrongly")
    args = parser.parse_args()
    with open(args.set / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    is_number = [len(r["label"]) > 1 for r in rows]
    numbers = any(is_number)
    answers: list[dict] = [{}] * len(rows)
    for command, wanted in (("predict", False), ("read", True)):
        at = [i for i, n in enumerate(is_number) if n == wanted]
        if at:
            got = run(command, args.model, [args.set / rows[i]["file"] for i in at])
            for i, a in zip(at, got, strict=True):
                answers[i] = a
    right: dict[str, list[bool]] = defaultdict(list)
    refused: dict[str, list[bool]] = defaultdict(list)
    wrong = []
    extra_signs = other_rows = 0
    for k, (row, a) in enumerate(zip(rows, answers, strict=True)):
        got = a["number"] if is_number[k] else a["label"]
        got = None if got is None else str(got)
        truth = None if row["label"] == "-" else row["label"]
        right[row["style"]].append(got == truth)
        refused[row["style"]].append(got is None)
        if is_number[k] and got is not None and truth is not None:
            extra_signs += any(got.count(s) > truth.count(s) for s in ".-")
            other_rows += len(got.split()) != len(truth.split())
        if got != truth:
            wrong.append(f"{row['file']}: read {got}, written {truth} {a.get('reason', '')}")
    kind = "non-digits" if all(r["label"] == "-" for r in rows) else "digits"
    commands = " and ".join(c for c, used in (("predict", not all(is_number)), ("read", numbers))
                            if used)
    print(f"{args.set} ({len(rows)} files, {kind}; numnet {commands})")
    print(f"  {'style':<14} {'right':>12} {'refused':>8}")
    for style in sorted(right):
        hits = right[style]
        print(
            f"  {style:<14} {sum(hits):5d}/{len(hits):<5d}{sum(hits) / len(hits):7.1%} "
            f"{sum(refused[style]):7d}"
        )
    total = [h for v in right.values() for h in v]
    no = sum(sum(v) for v in refused.values())
    print(f"  {'all':<14} {sum(total):5d}/{len(total):<5d}{sum(total) / len(total):7.1%} {no:7d}")
    if numbers:
        print(
            f"  numbers read with a sign not written: {extra_signs}; "
            f"with another number of rows than written: {other_rows}"
        )
    if args.wrong:
        print("\n".join(wrong))


if __name__ == "__main__":
    main()
