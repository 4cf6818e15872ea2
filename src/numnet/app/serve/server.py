"""The HTTP server of ``numnet serve``: the standard library's ``ThreadingHTTPServer``.

Why the standard library: nothing to install, nothing to keep up to date, and the whole
server is this one file a reader can follow. The page needs three static files and two
JSON routes; a framework would add more code than it saves.

What keeps it healthy when clients misbehave:

- it listens on loopback (127.0.0.1) unless told otherwise;
- every connection has its own daemon thread, so a slow client holds only its own thread;
- every socket read times out (``READ_TIMEOUT`` s) and a body must arrive within
  ``BODY_DEADLINE`` s in total, so a client that stops half-way is dropped;
- at most ``MAX_CONNECTIONS`` connections are open at once; the next one gets 503;
- the body size is decided from ``Content-Length`` before reading: no length -> 411,
  a bad one -> 400, over ``MAX_BODY_BYTES`` -> 413;
- every error is answered as JSON ``{"error": "..."}`` and logged as one line; an
  unexpected exception (a bug) is logged with its traceback and answered 500.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from numnet.app.serve.app import MAX_BODY_BYTES, ApiError, App

log = logging.getLogger("numnet.app.serve")

READ_TIMEOUT = 10.0  # seconds one socket read may wait
BODY_DEADLINE = 15.0  # seconds the whole body may take to arrive
MAX_CONNECTIONS = 64

#: URL path -> (file in numnet/serve/static, Content-Type)
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}

# The page loads only its own files: no inline script, no CDN, no other origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def load_static() -> dict[str, tuple[bytes, str]]:
    """Read the page's files once: URL path -> (bytes, Content-Type)."""
    folder = resources.files("numnet.app.serve") / "static"
    return {path: ((folder / name).read_bytes(), ctype) for path, (name, ctype) in STATIC.items()}


class Handler(BaseHTTPRequestHandler):
    """One connection: routes requests to the :class:`App` and answers in JSON."""

    server: DigitServer
    protocol_version = "HTTP/1.1"  # keep-alive: the page sends a request every ~100 ms

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # StreamRequestHandler puts it on the socket
        super().setup()

    def version_string(self) -> str:  # the Server header: no Python version on show
        return "numnet"

    # -- routes ---------------------------------------------------------------------------

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/api/health":
            self.send_json(HTTPStatus.OK, self.server.app.health())
        elif path in self.server.static:
            body, ctype = self.server.static[path]
            self.send_body(HTTPStatus.OK, body, ctype)
        elif path == "/api/predict":
            self.send_json_error(HTTPStatus.METHOD_NOT_ALLOWED, "use POST for /api/predict")
        else:
            self.send_json_error(HTTPStatus.NOT_FOUND, f"no such page: {path}")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path != "/api/predict":
            known = path in self.server.static or path == "/api/health"
            status = HTTPStatus.METHOD_NOT_ALLOWED if known else HTTPStatus.NOT_FOUND
            self.close_connection = True  # the body, if any, stays unread
            self.send_json_error(status, f"POST {path} is not supported")
            return
        try:
            answer = self.server.app.predict(self.read_body())
        except ApiError as e:
            self.send_json_error(e.status, e.message)
        except TimeoutError:
            self.close_connection = True
            self.send_json_error(HTTPStatus.REQUEST_TIMEOUT, "the request body came too slowly")
        except Exception:  # a bug, not the client's fault: log it whole, keep serving
            log.exception("error while answering %s %s", self.command, path)
            self.send_json_error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")
        else:
            self.send_json(HTTPStatus.OK, answer)

    # -- reading --------------------------------------------------------------------------

    def read_body(self) -> bytes:
        """The request body, sized by Content-Length, which is checked before reading."""
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            raise ApiError(411, "send the body with a Content-Length, not chunked")
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            self.close_connection = True
            raise ApiError(411, "a Content-Length header is required")
        if len(lengths) > 1 or not lengths[0].strip().isdigit():
            self.close_connection = True
            raise ApiError(400, "the Content-Length header is not a single whole number")
        n = int(lengths[0])
        if n > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(413, f"the body is {n} bytes; the limit is {MAX_BODY_BYTES}")
        # Each read waits at most READ_TIMEOUT; the deadline stops a client that sends a
        # byte every few seconds from holding the connection for ever.
        deadline = time.monotonic() + self.server.body_deadline
        chunks: list[bytes] = []
        while n > 0:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = self.rfile.read1(min(n, 65536))
            if not chunk:
                self.close_connection = True
                raise ApiError(400, "the body is shorter than its Content-Length")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    # -- writing --------------------------------------------------------------------------

    def send_body(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "POST" if self.path.startswith("/api/predict") else "GET")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send_body(status, body, "application/json")

    def send_json_error(self, status: int, message: str) -> None:
        line = getattr(self, "requestline", "")[:200]  # unset when the request line was bad
        log.warning('%s "%s" %d %s', self.client_ip, line, status, message)
        self.send_json(status, {"error": message})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by http.server itself (bad request line, huge headers ...) as JSON."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # a garbled request line: still send a status
            self.request_version = "HTTP/1.0"
        self.send_json_error(code, message or HTTPStatus(code).phrase)

    # -- logging: one line per request, never a traceback for a bad request -----------------

    @property
    def client_ip(self) -> str:
        return self.client_address[0]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if isinstance(code, int) and code < 400:  # errors were logged with their message
            log.info('%s "%s" %s', self.client_ip, self.requestline, code)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.client_ip, format % args)


class DigitServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that serves one :class:`App` and caps open connections."""

    daemon_threads = True  # a stuck connection never keeps the process alive

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 8000, *,
                 max_connections: int = MAX_CONNECTIONS, read_timeout: float = READ_TIMEOUT,
                 body_deadline: float = BODY_DEADLINE) -> None:
        self.app = app
        self.static = load_static()
        self.read_timeout = read_timeout
        self.body_deadline = body_deadline
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("%s refused: %d connections are open", client_address[0],
                        self.max_connections)
            body = b'{"error":"the server is busy; try again"}'
            try:
                request.settimeout(1.0)
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection died (reset, timed out ...): one line, not socketserver's traceback."""
        log.info("%s connection dropped: %r", client_address[0], sys.exc_info()[1])
