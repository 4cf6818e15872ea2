"""All-reduce between the k workers of one data-parallel step (``numnet.nn.engine.workers``).

    member = Collective(k, workers.barrier).member(rank)
    total = member.allreduce(partial)      # in every worker: partial_0 + ... + partial_(k-1)

Every worker adds the k partial arrays in the same order (rank 0, 1, ...), so all of them
get bit-identical totals, and the same run gives the same totals every time.  One barrier
per call: the partials of call t sit in one of two slot lists, so a worker that is already
at call t + 1 writes into the other list while slower workers still read call t's (they
read before they reach the barrier of call t + 1, which the fast worker waits at).  Every
worker must make the same calls in the same order: they are matched by count.  With k = 1
``allreduce`` returns its argument.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray


class Collective:
    """The shared slots of ``k`` workers that meet at ``barrier`` (a barrier for k parties)."""

    def __init__(self, k: int, barrier: threading.Barrier) -> None:
        self.k = k
        self.barrier = barrier
        self.slots: tuple[list[NDArray[Any] | None], ...] = ([None] * k, [None] * k)

    def member(self, rank: int) -> Member:
        """Worker ``rank``'s handle."""
        return Member(self, rank)


class Member:
    """One worker's side of a Collective: ``allreduce`` and its own count of calls."""

    def __init__(self, collective: Collective, rank: int) -> None:
        self.collective = collective
        self.rank = rank
        self.calls = 0

    def allreduce(self, partial: NDArray[Any]) -> NDArray[Any]:
        """The sum over the workers of their ``partial`` (same shape and dtype in each), a new
        array; the caller may reuse ``partial`` right away."""
        c = self.collective
        if c.k == 1:
            return partial
        slots = c.slots[self.calls & 1]
        self.calls += 1
        slots[self.rank] = np.array(partial, copy=True)
        c.barrier.wait()
        parts = [p for p in slots if p is not None]
        total: NDArray[Any] = parts[0].copy()
        for p in parts[1:]:
            total += p
        return total
