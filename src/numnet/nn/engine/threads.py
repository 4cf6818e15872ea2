"""How many threads the BLAS (the library behind ``np.matmul``) may use while numnet trains.

A training step is a handful of small matrix products.  A multi-threaded BLAS splits each
one between its threads and makes them meet at the end of every product; when other
programs keep the cores busy, a thread waits for a time slice at each meeting.  Two threads
are somewhat faster on an idle machine and many times slower as soon as anything else runs
(the figures are in the README's speed section, measured by ``benchmarks/run.py``), so
``fit`` uses one thread unless told otherwise: ``fit(..., threads=2)`` on a machine you have
to yourself, or ``threads=None`` to leave the BLAS as it is.

The limit is set with ``threadpoolctl`` (a small pure-Python package) when it is installed
and restored when training ends; without it nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Protocol


class _BlasLibrary(Protocol):
    num_threads: int


class _Selection(Protocol):
    @property
    def lib_controllers(self) -> Sequence[_BlasLibrary]: ...


class _Controller(Protocol):
    """What numnet uses of ``threadpoolctl.ThreadpoolController`` (which has no type hints)."""

    def limit(self, *, limits: int, user_api: str) -> AbstractContextManager[object]: ...

    def select(self, *, user_api: str) -> _Selection: ...


@cache
def _controller() -> _Controller | None:
    """threadpoolctl's view of the loaded BLAS libraries (found once), or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    controller: _Controller = ThreadpoolController()
    return controller


def blas_threads(threads: int | None) -> AbstractContextManager[object]:
    """Context manager: the BLAS uses at most ``threads`` threads inside; None changes nothing."""
    controller = _controller() if threads is not None else None
    if threads is None or controller is None:
        return nullcontext()
    return controller.limit(limits=int(threads), user_api="blas")


def blas_thread_count() -> int | None:
    """The most threads the BLAS may use right now, or None if unknown (no threadpoolctl)."""
    controller = _controller()
    if controller is None:
        return None
    counts = [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
    return max(counts, default=None)
