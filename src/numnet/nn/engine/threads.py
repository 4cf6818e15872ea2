"""How many threads the BLAS (the library behind ``np.matmul``) may use.

numnet uses every core in one of two ways, and ``fit`` sets the BLAS for the one it takes
(``numnet.nn.training.step_blas_threads``):

- A batch big enough to split over k workers (``numnet.nn.parallel.team_size``): each
  worker runs forward and backward on its rows with one BLAS thread, so ``fit`` (and the
  batched ``predict``, which hands whole batches to the workers) holds the BLAS to one
  thread while it runs.
- A batch too small to split (784-128-10 and 784-256-10 MLPs at batch 128): one worker
  runs the step, and its two big products (the first layer's x W and x^T g) are most of
  the step's time, so the BLAS gets the k threads (k - 1 with augmentation, whose thread
  runs ahead on the remaining core).  Splitting those products over our own worker
  threads instead costs more than it saves: each product would be two hand-overs between
  Python threads (a wake-up, then the GIL), which are slow where waking a sleeping thread
  is slow (virtual machines), while OpenBLAS's threads wait for the next product
  spinning, ready at once.  The elementwise work (bias, ReLU, loss, Adam) stays on one
  core.

The cost of the second way: a multi-threaded product waits for its slowest thread, and
OpenBLAS's waiting threads spin, so while another program keeps a core busy, a step can
take several times as long as with one thread (PyTorch's OpenMP threads behave the same).
``threads=1`` keeps the BLAS to one thread.  A data-parallel step does not suffer so:
its workers meet two or three times a step, and a waiting worker sleeps.  Products with
different BLAS thread counts may differ in the last bits (the library's kernels block the
sums differently), so a run is reproducible for a given thread count, as ``fit`` says.
Full-batch products (the classic tutorial's gradient descent over 60,000 images) gain
from BLAS threads too: ``numnet train --arch twolayer`` uses ``blas_threads(N)``.

The limit is set with ``threadpoolctl`` (a small pure-Python package) when it is installed
and restored afterwards; without it nothing changes.  Before numnet first sets it, one
256x256 product runs (``_first_product``): on a first-generation AMD Zen, NumPy 2.4's
OpenBLAS ran every one-thread float32 product of a process at under half its speed until
a product that size had run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache
from typing import Protocol

import numpy as np

#: seconds a thread may hold the GIL while another waits for it, during data-parallel steps
#: (Python's default is 0.005): a worker back from a kernel then waits at most this long
#: for the other worker's Python between kernels
STEP_SWITCH_INTERVAL = 0.001


class _Controller(Protocol):
    """What numnet uses of ``threadpoolctl.ThreadpoolController`` (which has no type hints)."""

    def limit(self, *, limits: int, user_api: str) -> AbstractContextManager[object]: ...


@cache
def _controller() -> _Controller | None:
    """threadpoolctl's view of the loaded BLAS libraries (found once, after the process's
    first large product: ``_first_product``), or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    controller: _Controller = ThreadpoolController()
    _first_product()
    return controller


def _first_product() -> None:
    """One 256x256 float32 matrix product (about 34 MFLOP, once per process).

    Measured with OpenBLAS 0.3.31 (Haswell kernels) on a 2-core AMD EPYC of the first Zen
    generation: x W of a 784-128 layer at 1,000 rows ran at 15 GFLOP/s on one thread, in
    the main thread and in workers alike, for as long as the process lived, and at 31-36
    once one product of 256x256 or more had run (128x128 was not enough)."""
    a = np.ones((256, 256), np.float32)
    np.matmul(a, a)


def blas_threads(threads: int | None) -> AbstractContextManager[object]:
    """Context manager: the BLAS uses at most ``threads`` threads inside; None changes nothing."""
    controller = _controller() if threads is not None else None
    if threads is None or controller is None:
        return nullcontext()
    return controller.limit(limits=int(threads), user_api="blas")


@contextmanager
def switch_interval(seconds: float | None) -> Iterator[None]:
    """Context manager: ``sys.setswitchinterval(seconds)`` inside, the previous interval
    restored afterwards; None changes nothing.  Scheduling only: no result changes."""
    if seconds is None:
        yield
        return
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)
