"""A persistent pool of worker threads for data-parallel work on one machine.

    workers = Workers(k)              # k - 1 threads; the caller is worker 0
    workers.run(task)                 # task(0) here and task(1) ... task(k-1) there, at once
    workers.barrier.wait()            # inside a task: wait until all k got here

NumPy releases the GIL inside its kernels (matrix products, ufunc loops over more than a
few hundred values, reductions, ``np.take``), so k threads that each work on their own
arrays keep k cores busy; the Python between two kernels is what they take turns for.  A
waiting worker sleeps on a condition variable (no spinning), so on a busy machine a worker
that lost its core delays the others by its own lateness, not by burning the time slices
of the ones that wait.

``run`` returns when every task has returned.  An exception in any task aborts the barrier
(a task waiting in it gets ``threading.BrokenBarrierError`` instead of waiting forever) and
is raised again by ``run`` in the calling thread: the first task's own error, in worker
order, not the ``BrokenBarrierError`` it caused in the others.  The barrier is reset after
every failed run, so the pool stays usable.  One caller at a time: ``run`` holds a lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache

Task = Callable[[int], None]


def available_cores() -> int:
    """How many cores this process may run on (``os.sched_getaffinity``; ``os.cpu_count``
    where that does not exist)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # macOS, Windows
        return max(os.cpu_count() or 1, 1)


def resolve_threads(threads: int | None) -> int:
    """``threads`` as given (>= 1), or every available core for None / 0."""
    if threads is None or threads == 0:
        return available_cores()
    if threads < 0:
        raise ValueError(f"threads must be >= 0 (0 or None: every core), got {threads}")
    return int(threads)


def spans(n: int, k: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into ``k`` contiguous (lo, hi) parts whose sizes differ by at most 1,
    the larger ones first."""
    base, extra = divmod(n, k)
    out, lo = [], 0
    for i in range(k):
        hi = lo + base + (i < extra)
        out.append((lo, hi))
        lo = hi
    return out


class Workers:
    """``k`` workers: the calling thread (worker 0) and ``k - 1`` daemon threads."""

    def __init__(self, k: int) -> None:
        if k < 1:
            raise ValueError(f"a pool needs at least one worker, got {k}")
        self.k = k
        self.barrier = threading.Barrier(k)
        self._lock = threading.Lock()
        self._wake = threading.Condition()
        self._done = threading.Condition()
        self._task: Task | None = None
        self._generation = 0
        self._pending = 0
        self._errors: list[BaseException | None] = [None] * k
        self._threads = [
            threading.Thread(target=self._loop, args=(rank,), daemon=True,
                             name=f"numnet-worker-{rank}")
            for rank in range(1, k)
        ]
        for t in self._threads:
            t.start()

    def _call(self, task: Task, rank: int) -> None:
        try:
            task(rank)
        except BaseException as e:  # handed to the caller by run
            self._errors[rank] = e
            self.barrier.abort()

    def _loop(self, rank: int) -> None:
        seen = 0
        while True:
            with self._wake:
                while self._generation == seen:
                    self._wake.wait()
                seen = self._generation
                task = self._task
            if task is None:  # closed
                return
            self._call(task, rank)
            with self._done:
                self._pending -= 1
                if self._pending == 0:
                    self._done.notify()

    def run(self, task: Task) -> None:
        """Run ``task(rank)`` for every rank at once; return when all have returned."""
        with self._lock:
            self._errors = [None] * self.k
            if self.k > 1:
                with self._done:
                    self._pending = self.k - 1
                with self._wake:
                    self._task, self._generation = task, self._generation + 1
                    self._wake.notify_all()
            self._call(task, 0)
            if self.k > 1:
                with self._done:
                    while self._pending:
                        self._done.wait()
            errors = [e for e in self._errors if e is not None]
            if errors:
                self.barrier.reset()
                first = next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)),
                             errors[0])
                raise first

    def close(self) -> None:
        """Stop the threads (the pool cannot run afterwards)."""
        with self._lock, self._wake:
            self._task, self._generation = None, self._generation + 1
            self._wake.notify_all()
        for t in self._threads:
            t.join()


@cache
def shared_workers(k: int) -> Workers:
    """The process's pool of ``k`` workers, started on first use and kept."""
    return Workers(k)
