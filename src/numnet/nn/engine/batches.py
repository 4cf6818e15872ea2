"""The mini-batches of one epoch: gathered by index, augmented, and prepared one ahead.

    for xb, yb in epoch_batches(x, y, perm, batch_size, start, augment, seed=(seed, epoch)):
        ...                      # step = start, start + 1, ...

Batch ``step`` is ``x[perm[step*B : (step+1)*B]]`` (and the same rows of ``y``), gathered
with ``np.take`` into a reused buffer: the dataset stays one contiguous array and no batch
is allocated.  With ``augment``, the batch then goes through ``augment(batch, rng)`` with

    rng = np.random.default_rng([*seed, step, 1])

so a batch's augmentation depends on its position alone: the same whichever thread draws
it, and the same after a resume from a checkpoint (there is no generator state to save).

Augmentation is the one part of a step that does not need the model, so with
``background=True`` it is done in a thread one batch ahead: while the model works on batch
t, batch t + 1 is gathered and augmented on another core (NumPy releases the GIL inside
its loops).  ``fit`` asks for that when a batch trains on one worker (``threads=1``, or a
network too small to split: ``numnet.nn.parallel.team_size``).  With k workers every
core already runs a worker, and a third thread on two cores would take time slices from
the workers, which then wait for each other at their barriers, so ``fit`` gathers the
batch here without ``augment`` and each worker augments its own rows
(``numnet.nn.parallel``), or, for an augment function without ``thread_copy``, the
augmentation stays in line.  Without augmentation the gather is cheaper than waking a
thread, so it always stays in line.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

Augment = Callable[[NDArray[Any], np.random.Generator], NDArray[Any]]
Batch = tuple[NDArray[Any], NDArray[Any]]
T = TypeVar("T")


@contextmanager
def epoch_batches(
    x: NDArray[Any],
    y: NDArray[Any],
    perm: NDArray[np.integer[Any]],
    batch_size: int,
    start: int = 0,
    augment: Augment | None = None,
    seed: tuple[int, ...] = (0,),
    background: bool = True,
) -> Iterator[Iterator[Batch]]:
    """Context manager giving the batches (xb, yb) of steps ``start``, ``start + 1``, ...

    x : (n, ...) float32, y : (n,) or (n, k), perm : (n,) int, the order of this epoch.
    A yielded batch is valid until the next one is taken (its buffer is then reused).
    ``background``: augment in a thread, one batch ahead; leaving the ``with`` block early
    stops that thread.
    """
    n = len(perm)
    steps = range(start, math.ceil(n / batch_size))
    ahead = augment is not None and background
    # live at once: the batch in use, the one waiting in the queue, the one being made
    slots = 3 if ahead else 1
    rows = min(batch_size, n)
    buffers = [(np.empty((rows, *x.shape[1:]), x.dtype), np.empty((rows, *y.shape[1:]), y.dtype))
               for _ in range(slots)]

    def make(step: int) -> Batch:
        xbuf, ybuf = buffers[step % slots]
        idx = perm[step * batch_size : (step + 1) * batch_size]
        # mode="clip": the indices are valid, and "raise" would buffer the output
        xb = np.take(x, idx, axis=0, out=xbuf[: len(idx)], mode="clip")
        yb = np.take(y, idx, axis=0, out=ybuf[: len(idx)], mode="clip")
        if augment is not None:
            xb = augment(xb, np.random.default_rng([*seed, step, 1]))
        return xb, yb

    if not ahead:
        yield map(make, steps)
        return
    batches = Ahead(map(make, steps))
    try:
        yield batches
    finally:
        batches.close()


class Ahead(Generic[T]):
    """Iterate over ``items`` while a background thread computes the next item.

    An exception raised while computing an item is raised again by ``next`` in the
    consuming thread; ``close()`` stops the thread early.
    """

    _END = object()

    def __init__(self, items: Iterator[T]) -> None:
        self._queue: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(items,), daemon=True,
                                        name="numnet-batches")
        self._thread.start()

    def _run(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put((item, None)):
                    return
        except BaseException as e:  # handed to the consumer, who raises it
            self._put((None, e))
            return
        self._put((self._END, None))

    def _put(self, entry: tuple[object, BaseException | None]) -> bool:
        """Wait for room in the queue; False if asked to stop meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def __iter__(self) -> Ahead[T]:
        return self

    def __next__(self) -> T:
        item, error = self._queue.get()
        if error is not None:
            raise error
        if item is self._END:
            self._queue.put((self._END, None))  # later calls end too
            raise StopIteration
        return cast(T, item)  # anything but _END is an item

    def close(self) -> None:
        """Stop the background thread and wait for it (it finishes the item in progress)."""
        self._stop.set()
        self._thread.join()
