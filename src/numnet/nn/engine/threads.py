"""How many threads the BLAS (the library behind ``np.matmul``) may use.

numnet uses every core by splitting the work itself: ``fit`` splits each batch over worker
threads (``numnet.nn.parallel``, ``numnet.nn.engine.workers``) and ``predict`` hands whole
batches to them, and each worker's products run on one BLAS thread.  So ``fit`` and the
batched ``predict`` hold the BLAS to one thread while they run, whatever their ``threads``.

Why not let the BLAS spread each product instead: a training step is a handful of small
products, and a multi-threaded BLAS splits each one and makes its threads meet at the end
of every product; OpenBLAS's idle threads spin while they wait, so as soon as another
program keeps a core busy, every meeting waits for a time slice, and two BLAS threads
become many times slower than one.  It also leaves the elementwise work (im2col copies,
pooling, Adam) on one core.  Data-parallel workers meet two or three times a step, and a
worker that waits sleeps on a condition variable: a busy core delays a step by the time
its worker lost, not more.  Full-batch products (the classic tutorial's gradient descent
over 60,000 images) do gain from BLAS threads: ``numnet train --arch twolayer`` uses
``blas_threads(N)``.

The limit is set with ``threadpoolctl`` (a small pure-Python package) when it is installed
and restored afterwards; without it nothing changes.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Protocol


class _Controller(Protocol):
    """What numnet uses of ``threadpoolctl.ThreadpoolController`` (which has no type hints)."""

    def limit(self, *, limits: int, user_api: str) -> AbstractContextManager[object]: ...


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

