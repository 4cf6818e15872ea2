"""What the loader fuzzers share: run one case, count its outcome, print the table.

A case may only load or raise a one-line ModelFileError; anything else (another exception,
a message over several lines) is a failure.  The table gives, per kind of case, how many
loaded and were refused, then the slowest case and the peak memory.
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import time
from collections.abc import Callable, Sequence

from numnet.core.errors import ModelFileError


def arguments(doc: str) -> tuple[int, random.Random]:
    """``[N=10000] [--seed S]`` from the command line: the number of cases and their rng."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    return args.n, random.Random(args.seed)


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Tally:
    """Outcomes of the cases of each kind, the slowest case, and memory peaks."""

    def __init__(self, kinds: Sequence[str]) -> None:
        self.kinds = list(kinds)
        self.counts: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.failures: list[str] = []
        self.slowest = self.grown = (0.0, "")
        self.start, self.base = time.perf_counter(), peak_mb()

    def run(self, kind: str, i: int, load: Callable[[], object], shown: object = "") -> None:
        """``load()`` case ``i`` of ``kind``; ``shown`` is quoted if it fails."""
        t, before = time.perf_counter(), peak_mb()
        try:
            load()
            self.counts[kind]["loaded"] += 1
        except ModelFileError as e:
            self.counts[kind]["refused"] += 1
            if "\n" in str(e):
                self.counts[kind]["MULTI-LINE"] += 1
                self.failures.append(f"{kind} #{i}: multi-line message {str(e)!r}")
        except Exception as e:  # noqa: BLE001 - that is what we are looking for
            self.counts[kind]["CRASH"] += 1
            self.failures.append(f"{kind} #{i}: {type(e).__name__}: {e} {shown!r}"[:400])
        self.slowest = max(self.slowest, (time.perf_counter() - t, f"{kind} #{i}"))
        self.grown = max(self.grown, (peak_mb() - before, f"{kind} #{i}"))

    def report(self) -> int:
        """Print the table and the failures; 1 if there were any, else 0."""
        width = max(len(k) for k in self.kinds) + 2
        print(f"{'kind':<{width}} {'cases':>7} {'loaded':>7} {'refused':>8} {'other':>6}")
        total = 0
        for kind in self.kinds:
            c = self.counts[kind]
            cases = c["loaded"] + c["refused"] + c["CRASH"]
            total += cases
            other = c["CRASH"] + c["MULTI-LINE"]
            print(f"{kind:<{width}} {cases:>7} {c['loaded']:>7} {c['refused']:>8} {other:>6}")
        peak = peak_mb()
        print(
            f"{total} cases in {time.perf_counter() - self.start:.1f} s; "
            f"{len(self.failures)} failures; slowest {self.slowest[0] * 1e3:.0f} ms "
            f"({self.slowest[1]}); peak memory {peak:.0f} MB ({peak - self.base:.0f} MB above "
            f"the start; the most one case raised it: {self.grown[0]:.1f} MB, {self.grown[1]})"
        )
        for line in self.failures[:20]:
            print("  ", line)
        return 1 if self.failures else 0
