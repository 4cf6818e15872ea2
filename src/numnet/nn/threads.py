"""How many threads the BLAS (the library behind ``np.matmul``) may use while numnet trains.

A training step is a handful of small matrix products.  A multi-threaded BLAS splits each
one between its threads and makes them meet at the end of every product; when other programs
keep the cores busy, a thread waits for a time slice at each meeting.  Measured on the
2-core machine numnet was built on (``benchmarks/run.py``, OpenBLAS 0.3.31), with other
training jobs running (load average 2.5 to 5), one thread against two:

    MLP 784-128-10       epoch 0.39-0.40 s   against  7-15 s
    MLP 784-512-256-10   epoch 3.1 s         against  8.5 s
    reference CNN        epoch 22-25 s       against  820-845 s   (from 20-batch samples)

Two threads can only win on an idle machine, and by less than 2x (the products are small),
while the loss when anything else runs is 3x to 40x; so ``fit`` uses one thread unless
told otherwise: ``fit(..., threads=2)``, or ``threads=None`` to leave the BLAS as it is.

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
