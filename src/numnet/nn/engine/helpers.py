"""Helper threads that take chunks of a job as they come, for work one thread would wait on.

    helpers = Helpers(1)                  # one daemon thread
    helpers.run(fn, n)                    # fn(0) ... fn(n - 1), here and in the helper
    job = helpers.submit(fn, n)           # ... or start them now and go on;
    job.finish()                          # later: do the chunks no helper took, wait, return

A job is n independent chunks (a span of the flat parameter buffer, the next batch's
gather).  The submitting thread and the helpers each take the next chunk not yet taken
until none is left; ``finish`` then waits only for the chunks a helper is working on.  So
a helper that is late, because another program holds its core, does less of the job
instead of holding the caller up: with no helper at all the caller does every chunk
itself, as the one-thread code would.  Which thread computes a chunk never changes what
it computes, so results do not depend on the timing.

A pool whose helpers did no part of ``LATE`` jobs in a row stops waking them for the next
``REST`` jobs, then tries again.  Helpers see only the latest submitted job: a job
superseded before a helper came to it is finished by its submitter (nothing is lost).
NumPy releases the GIL inside its kernels, so a chunk of vector work in a helper runs on
another core beside the caller's Python.  An exception in a chunk is raised again by
``finish`` (the first, in chunk order), after every other chunk is done.  Several threads
may submit jobs to one pool (each finishes its own; the helpers help the latest).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache

Chunk = Callable[[int], None]
#: jobs in a row without help after which the helpers rest, and for how many jobs
LATE, REST = 4, 64


class Job:
    """``fn(i)`` for the chunks i < n, taken one at a time by whoever comes."""

    def __init__(self, fn: Chunk, n: int, pool: Helpers | None = None) -> None:
        self.fn, self.n, self._pool = fn, n, pool
        self._next = 0
        self._done = 0
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)
        self._errors: dict[int, BaseException] = {}

    def work(self) -> int:
        """Take and compute chunks until none is left; how many this call took."""
        taken = 0
        while True:
            with self._lock:
                i = self._next
                if i >= self.n:
                    return taken
                self._next = i + 1
                taken += 1
            try:
                self.fn(i)
            except BaseException as e:  # raised by finish, in the submitting thread
                self._errors[i] = e
            with self._lock:
                self._done += 1
                if self._done == self.n:
                    self._finished.notify_all()

    def cancel(self) -> None:
        """Let nobody start another chunk, wait for those in progress; errors are dropped
        (for a job whose results are no longer wanted)."""
        with self._lock:
            self._done += self.n - self._next
            self._next = self.n
            while self._done < self.n:
                self._finished.wait()

    def finish(self) -> None:
        """Compute the chunks nobody took, wait for the others; raise a chunk's error."""
        own = self.work()
        with self._lock:
            while self._done < self.n:
                self._finished.wait()
        if self._pool is not None:
            self._pool.report(helped=own < self.n)
        if self._errors:
            raise self._errors[min(self._errors)]


class Helpers:
    """``count`` daemon threads that work on the latest submitted job."""

    def __init__(self, count: int) -> None:
        if count < 1:
            raise ValueError(f"Helpers needs at least one thread, got {count}")
        self.count = count
        self._wake = threading.Condition()
        self._job: Job | None = None
        self._generation = 0
        self._closed = False
        self._late = 0  # jobs in a row that the helpers did no part of
        self._resting = 0  # jobs still to submit without waking the helpers
        self._threads = [threading.Thread(target=self._loop, daemon=True,
                                          name=f"numnet-helper-{i + 1}") for i in range(count)]
        for t in self._threads:
            t.start()

    def _loop(self) -> None:
        seen = 0
        while True:
            with self._wake:
                while self._generation == seen and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                seen, job = self._generation, self._job
            if job is not None:
                job.work()

    def submit(self, fn: Chunk, n: int) -> Job:
        """Start ``fn(i)`` for i < n in the helpers; the caller must ``finish()`` the job."""
        job = Job(fn, n, self)
        with self._wake:
            if self._resting:
                self._resting -= 1
                return job
            self._job, self._generation = job, self._generation + 1
            self._wake.notify_all()
        return job

    def report(self, helped: bool) -> None:
        """A finished job: whether a helper did part of it.  After ``LATE`` jobs in a row
        that they did not help with, the helpers are not woken for the next ``REST`` jobs
        (on a busy machine a woken helper that gets no core only takes turns for the GIL)."""
        with self._wake:
            self._late = 0 if helped else self._late + 1
            if self._late >= LATE:
                self._late, self._resting = 0, REST

    def run(self, fn: Chunk, n: int) -> None:
        """``fn(i)`` for every i < n, here and in the helpers; returns when all are done."""
        self.submit(fn, n).finish()

    def close(self) -> None:
        """Stop the threads (a job in progress is finished by its submitter)."""
        with self._wake:
            self._closed, self._job = True, None
            self._wake.notify_all()
        for t in self._threads:
            t.join()


@cache
def shared_helpers(count: int) -> Helpers:
    """The process's pool of ``count`` helper threads, started on first use and kept."""
    return Helpers(count)
