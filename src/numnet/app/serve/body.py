"""Reading a request body within its size limit and its deadline.

The size is decided from ``Content-Length`` before a byte of the body is read, and counted
again while the body streams in (a chunked body has no length to check first, and the app
may be mounted behind a server that does not enforce the header). The whole body must
arrive within the deadline, however the client spaces its bytes.
"""

from __future__ import annotations

import anyio
from starlette.requests import ClientDisconnect, Request

from numnet.app.serve.app import ApiError


def check_length(request: Request, limit: int) -> None:
    """Check the body size ``Content-Length`` declares against ``limit``, before reading.

    ApiError: 411 with neither a length nor a chunked body, 400 for a length that is not one
    plain ASCII number (``-5``, ``1, 2``, ``²``), 413 over ``limit``.
    """
    lengths = request.headers.getlist("content-length")
    if not lengths:
        if "chunked" in request.headers.get("transfer-encoding", "").lower():
            return
        raise ApiError(411, "a Content-Length header is required")
    # str.isdigit() accepts '²' and other digit-like characters that int() refuses
    text = lengths[0].strip()
    if len(lengths) > 1 or not (text.isascii() and text.isdigit()):
        raise ApiError(400, "the Content-Length header is not a single whole number")
    n = int(text)
    if n > limit:
        raise ApiError(413, f"the body is {n} bytes; the limit is {limit} (a photo: send it "
                       "at 1,000 px on its longer side, the size numnet reads it at)")


async def read_body(request: Request, limit: int, deadline: float, *, keep: bool = True
                    ) -> bytes:
    """The body, at most ``limit`` bytes, all of it received by ``deadline``.

    ``deadline`` is a time on the event loop's clock (``anyio.current_time()``); call
    :func:`check_length` first. ``keep=False`` reads the body to its end and drops it
    (returns ``b""``), so that a client still sending hears the answer instead of a reset.
    ApiError: 413 when the bytes received pass ``limit``; 408 when the deadline passes; 400
    when the client hangs up before the end of its body.
    """
    body = bytearray()
    size = 0
    try:
        with anyio.fail_after(max(0.0, deadline - anyio.current_time())):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, f"the body is over the limit of {limit} bytes")
                if keep:
                    body += chunk
    except TimeoutError:
        raise ApiError(408, "the request body came too slowly") from None
    except ClientDisconnect:
        raise ApiError(400, "the client closed the connection before the end of the body") from None
    return bytes(body)
