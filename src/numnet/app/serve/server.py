"""Serving the ASGI app with uvicorn, plus what uvicorn's HTTP/1.1 protocol lacks.

uvicorn (h11) already gives: an event loop, so a slow client costs a few KB, not a thread;
a limit on the request head's size (``h11_max_incomplete_event_size``); strict parsing of
the request line and headers (a ``Content-Length`` such as ``²`` is a 400, never a
traceback); the keep-alive timeout; the listen backlog. It has no deadline for receiving a
request head: a client that sends one byte every few seconds keeps its connection for
ever. :class:`GuardedH11Protocol` adds, on top of uvicorn's ``H11Protocol``:

- a deadline for the request head (``Limits.head_timeout``, counted from the connection
  opening or from the previous answer): then 408 and the connection closes;
- a cap on open connections (``Limits.max_connections``): the next one gets 503 at once;
- JSON for the errors answered before the app sees a request (400, 408, 503).

The body's deadline and size limit live in the app (``numnet.app.serve.body``), so they hold
under any ASGI server the app is mounted in.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from http import HTTPStatus
from typing import Any, ClassVar

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from numnet.app.serve.limits import Limits
from numnet.app.serve.middleware import SECURITY_HEADERS

log = logging.getLogger("numnet.app.serve")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-head deadline, a connection cap, JSON errors.

    uvicorn makes one instance per connection; ``limits`` is set on a subclass by
    :func:`protocol_for`.
    """

    limits: ClassVar[Limits] = Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            log.warning("%s refused: %d connections are open", self._client_ip,
                        self.limits.max_connections)
            self._answer_and_close(503, "the server is busy; try again in a moment")
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        answered = self.cycle
        super().on_response_complete()  # may start a pipelined request: a new self.cycle
        if not self.transport.is_closing():
            self._arm_head_timer(answered)

    def send_400_response(self, msg: str) -> None:
        """h11 refused the request (bad request line, header, Content-Length, head too big)."""
        self._answer_and_close(400, "the request is not valid HTTP/1.1 (its request line, a "
                                    "header or its Content-Length)")

    # -- the head deadline ---------------------------------------------------------------

    def _arm_head_timer(self, answered: object = None) -> None:
        """From now, the next request head must arrive within ``limits.head_timeout`` s."""
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_late,
                                                answered)

    def _head_late(self, answered: object) -> None:
        # self.cycle changes when a request head has arrived: then the deadline was met
        if self.cycle is answered and not self.transport.is_closing():
            log.warning("%s dropped: no whole request head within %g s", self._client_ip,
                        self.limits.head_timeout)
            self._answer_and_close(408, "the request head came too slowly")

    # -- answering without the app -----------------------------------------------------

    @property
    def _client_ip(self) -> str:
        return self.client[0] if self.client else "-"

    def _answer_and_close(self, status: int, message: str) -> None:
        """``{"error": message}`` written straight to the socket, then hang up."""
        if self.cycle is not None and self.cycle.response_started and \
                not self.cycle.response_complete:
            self.transport.close()  # half an answer is out already: nothing else can follow
            return
        body = json.dumps({"error": message}).encode()
        head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
                "Content-Type: application/json", f"Content-Length: {len(body)}",
                "Connection: close", *(f"{k}: {v}" for k, v in SECURITY_HEADERS.items())]
        self.transport.write("\r\n".join(head).encode() + b"\r\n\r\n" + body)
        self.transport.close()


def protocol_for(limits: Limits) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn instantiates per connection, with ``limits`` built in."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


def bind(host: str, port: int, backlog: int) -> socket.socket:
    """A TCP socket listening on ``host``:``port`` (port 0: a free one), ``backlog`` deep.

    It listens before uvicorn starts, so clients that connect meanwhile wait in the backlog.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def config(app: ASGIApp, limits: Limits) -> uvicorn.Config:
    """uvicorn's settings for ``app``: the guarded protocol and the ``limits``."""
    return uvicorn.Config(
        app, http=protocol_for(limits), ws="none", lifespan="off", log_config=None,
        access_log=False,  # numnet.app.serve.middleware.AccessLog writes one line per request
        server_header=False, backlog=limits.backlog, timeout_keep_alive=limits.keep_alive,
        h11_max_incomplete_event_size=limits.max_head, timeout_graceful_shutdown=5,
    )


def run(app: ASGIApp, sock: socket.socket, limits: Limits | None = None) -> None:
    """Serve ``app`` on the listening ``sock`` until Ctrl-C or SIGTERM."""
    uvicorn.Server(config(app, limits or Limits())).run(sockets=[sock])
