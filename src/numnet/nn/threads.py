"""How many threads the BLAS (the library behind ``np.matmul``) may use while numnet trains.

A training step is a few hundred small matrix products.  A multi-threaded BLAS splits each
one between its threads and makes them meet at the end of every product; when other programs
keep a core busy, a thread waits for a time slice at each meeting.  Measured on the 2-core
machine numnet was built on (``benchmarks/run.py``, OpenBLAS 0.3.31), with the load average
at 4 to 5 (other training jobs running), one epoch of MLP 784-128-10 took 0.40 s with one
thread and 7 to 15 s with two; the reference CNN 22 s and 800 s (estimated from batches).
On an idle machine two threads are faster for the large products (see the README's table),
but the loss when anything else runs is far larger than the gain, so ``fit`` uses one
thread unless told otherwise: ``fit(..., threads=2)`` or ``threads=None`` (leave the BLAS
as it is).

The limit is set with ``threadpoolctl`` (a small pure-Python package) when it is installed
and restored when training ends; without it nothing changes.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any


@cache
def _controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries (found once), or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def blas_threads(threads: int | None) -> AbstractContextManager[Any]:
    """Context manager: the BLAS uses at most ``threads`` threads inside; None changes nothing."""
    controller = _controller() if threads is not None else None
    if controller is None:
        return nullcontext()
    return controller.limit(limits=int(threads), user_api="blas")
