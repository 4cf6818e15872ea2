"""The bounded pool that decodes pictures and runs the model, off the event loop.

At most ``workers`` jobs run at once, each in a worker thread; at most ``queue`` more
requests hold a place and wait for a worker. A request that finds every place taken waits
up to ``wait`` seconds for one, then is answered 503: memory stays bounded whatever the
number of clients, because only requests holding a place read their body.

>>> pool = Pool(workers=2, queue=32, wait=5.0)        # doctest: +SKIP
>>> async with pool.place():                          # doctest: +SKIP
...     body = await read_body(request, limits)
...     answer = await pool.run(api.predict, body)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

from numnet.app.serve.app import ApiError

T = TypeVar("T")


class Pool:
    """``workers`` threads for blocking work, ``queue`` places to wait in, ``wait`` s at most."""

    def __init__(self, workers: int, queue: int, wait: float) -> None:
        if workers < 1 or queue < 0 or wait < 0:
            raise ValueError(f"bad pool size: workers={workers}, queue={queue}, wait={wait}")
        self.workers = workers
        self.queue = queue
        self.wait = wait
        self._places = anyio.Semaphore(workers + queue)
        self._threads = anyio.CapacityLimiter(workers)

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """Hold one of the ``workers + queue`` places; ApiError(503) if none frees in time."""
        try:
            with anyio.fail_after(self.wait):
                await self._places.acquire()
        except TimeoutError:
            raise ApiError(503, "the server is busy; try again in a moment") from None
        try:
            yield
        finally:
            self._places.release()

    async def run(self, fn: Callable[[bytes], T], arg: bytes) -> T:
        """``fn(arg)`` in a worker thread, once one of the ``workers`` is free."""
        return await anyio.to_thread.run_sync(fn, arg, limiter=self._threads)
