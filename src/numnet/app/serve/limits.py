"""Every limit of ``numnet serve`` in one place: sizes, deadlines, the pool, connections.

The numbers bound what any number of clients can make the server hold:

- memory: at most ``max_connections`` connections, each buffering at most ``max_head``
  bytes of request head and about 320 KiB of body that uvicorn has read ahead; at most
  ``workers + queue`` requests hold a whole body (<= ``max_body`` bytes) at once, and only
  ``workers`` decode a picture at a time (a 2048x2048 picture costs about 50 MB to decode);
- time: a request head must arrive within ``head_timeout`` s of the connection opening (or
  of the previous answer on a kept-alive connection), its body within ``body_timeout`` s
  of the head; an idle kept-alive connection is closed after ``keep_alive`` s; a request
  waits at most ``queue_wait`` s for a place in the pool, then gets 503.
"""

from __future__ import annotations

from dataclasses import dataclass

#: requests larger than this are refused with 413 (from Content-Length before a byte of the
#: body is read; for a chunked body, as soon as the bytes received pass it)
MAX_BODY_BYTES = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The server's limits; the defaults are what ``numnet serve`` uses."""

    max_body: int = MAX_BODY_BYTES
    max_head: int = 32 * 1024  # request line and headers, bytes
    head_timeout: float = 10.0
    body_timeout: float = 10.0
    keep_alive: int = 5  # seconds an idle kept-alive connection stays open
    # Requests decoded and predicted at the same time. Decoding holds the GIL part of the
    # time only, so a few more threads than cores keep the cores busy; each costs up to
    # ~50 MB while it decodes the largest picture.
    workers: int = 4
    queue: int = 32  # more requests that may hold their body and wait for a worker
    queue_wait: float = 5.0  # seconds a request may wait for a place before 503
    max_connections: int = 1024  # open connections; the next one gets 503
    backlog: int = 1024  # connections the kernel queues before the server accepts them
