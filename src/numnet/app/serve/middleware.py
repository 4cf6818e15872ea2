"""What every request to the page and its API passes through (pure ASGI middleware).

- :class:`AccessLog`: one log line per request, with the error message for a 4xx/5xx;
- :class:`SecurityHeaders`: the page loads only its own files, is never framed or cached;
- :class:`HostCheck`: only the ``Host`` names the server was started for are answered
  (:class:`AllowedHosts`), so a page on another site cannot reach this one by pointing its
  own DNS name at 127.0.0.1 (DNS rebinding): 421, or 400 without a ``Host`` header.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("numnet.app.serve")

# The page loads only its own files: no inline script, no CDN, no other origin. Images may
# also be blob: URLs, which only the page's own script makes (a photo the user picked).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: bytes of an error answer kept to log its message (the answers are one short sentence)
_LOGGED_ERROR_BYTES = 600


def error_response(status: int, message: str, *, close: bool = False,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """``{"error": message}`` with ``status``; ``close``: the body was not read, hang up after."""
    extra = dict(headers or {})
    if close:
        extra["Connection"] = "close"
    return JSONResponse({"error": message}, status, headers=extra)


class AccessLog:
    """Logs ``client "METHOD path" status`` per request, plus the error sentence if any."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        error = bytearray()
        logged = False

        def write_line() -> None:
            nonlocal logged
            logged = True
            client = (scope.get("client") or ("-",))[0]
            line = f'{client} "{scope["method"]} {scope["path"][:200]}" {status}'
            if status and status < 400:
                log.info("%s", line)
            else:
                log.warning("%s %s", line, _error_message(bytes(error)))

        async def logged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                if status >= 400 and len(error) < _LOGGED_ERROR_BYTES:
                    error.extend(message.get("body", b"")[:_LOGGED_ERROR_BYTES])
                if not message.get("more_body", False):
                    write_line()  # before the last bytes leave: the line is in the log first
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            if not logged:  # the app failed before it answered, or the client went away
                write_line()


def _error_message(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        return ""


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


@dataclass(frozen=True)
class AllowedHosts:
    """The ``Host`` header values a server listening on ``port`` answers to.

    ``names`` are lower-case host names or IP literals (IPv6 in brackets). A request for
    port 80 may leave the port out, as browsers do. ``any_ip``: also any IP literal, for a
    server listening on every interface (0.0.0.0 or ::), reached by whatever address the
    network gives it; an IP literal cannot be a rebound DNS name.
    """

    names: frozenset[str]
    port: int
    any_ip: bool = False

    @classmethod
    def for_server(cls, host: str, port: int) -> AllowedHosts:
        """127.0.0.1, localhost, [::1] and ``host`` itself, on ``port``."""
        own = f"[{host}]" if ":" in host else host
        wildcard = host in ("0.0.0.0", "::", "")
        return cls(frozenset({"127.0.0.1", "localhost", "[::1]", own.lower()}), port, wildcard)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        name, port = _split_host(value.lower())
        if not (port.isascii() and port.isdigit()) or int(port) != self.port:
            return False
        return name in self.names or (self.any_ip and _is_ip_literal(name))

    def __str__(self) -> str:
        return ", ".join(f"{name}:{self.port}" for name in sorted(self.names))


def _split_host(value: str) -> tuple[str, str]:
    """``"name:port"`` -> (name, port); without a port, port "80". IPv6 keeps its brackets."""
    if value.startswith("["):
        name, _, rest = value.partition("]")
        if not rest:
            return name + "]", "80"
        return name + "]", rest[1:] if rest.startswith(":") else ""
    name, colon, port = value.partition(":")
    return name, port if colon else "80"


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


class HostCheck:
    """Answers 421 to a request whose ``Host`` is not in ``hosts`` (400 without a Host)."""

    def __init__(self, app: ASGIApp, hosts: AllowedHosts) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = Headers(scope=scope).get("host")
            if not host:
                await error_response(400, "a Host header is required", close=True)(
                    scope, receive, send)
                return
            if host not in self.hosts:
                message = f"this server answers for {self.hosts}, not for {host[:100]!r}"
                await error_response(421, message, close=True)(scope, receive, send)
                return
        await self.app(scope, receive, send)
