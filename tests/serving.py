"""Helpers of the server tests: the real server (uvicorn and numnet's protocol) in a thread,
raw sockets, and stand-in models whose answers are known.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import uvicorn

from numnet.app.serve import AllowedHosts, App, Limits, bind, create_app
from numnet.app.serve.server import config


class InkShapeModel:
    """A stand-in model that reads the shape of the ink: "1" if it is tall and narrow, else "0".

    x : (n, 28, 28) float32 in [0, 1] -> (n, 10) float32 probabilities.
    """

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        assert x.dtype == np.float32 and x.shape[1:] == (28, 28)
        ink = x > 0.3
        rows = ink.any(axis=2).sum(axis=1)
        cols = ink.any(axis=1).sum(axis=1)
        one = (rows >= 2 * cols) & (rows > 0)
        probs = np.full((len(x), 10), 0.01, np.float32)  # sure enough for the digit rule
        probs[np.arange(len(x)), np.where(one, 1, 0)] = 0.91
        return probs


class Running:
    """A server started by :func:`running`: its port, and the Host header it answers to."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"


@contextmanager
def running(api: App, limits: Limits | None = None, cors: tuple[str, ...] = ()
            ) -> Iterator[Running]:
    """``numnet serve``'s stack (socket, app with Host check, uvicorn) on a free port."""
    limits = limits or Limits()
    sock = bind("127.0.0.1", 0, limits.backlog)
    port = sock.getsockname()[1]
    app = create_app(api, hosts=AllowedHosts.for_server("127.0.0.1", port), cors=cors,
                     limits=limits)
    server = uvicorn.Server(config(app, limits))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.01)
    try:
        yield Running(port)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def raw(server: Running, data: bytes, shut: bool = True, timeout: float = 10) -> bytes:
    """Send raw bytes on a fresh socket and return everything the server answers."""
    chunks: list[bytes] = []
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, BrokenPipeError):  # answered and closed mid-send
            pass
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def bar_digit() -> np.ndarray:
    """A "1": a vertical bar, bright ink on black, (28, 28) float32."""
    x = np.zeros((28, 28), np.float32)
    x[4:24, 13:16] = 1.0
    return x
