"""The draw-a-digit page and its JSON API as an ASGI app (Starlette).

``create_app(api)`` is all ``numnet serve`` runs, and what a service of your own can mount:

>>> from starlette.routing import Mount                                   # doctest: +SKIP
>>> routes = [Mount("/digits", app=create_app(App(model, name="mlp.npz")))]

Routes: ``GET /`` (the page), ``GET /static/app.js`` and ``/static/style.css`` (its files,
served from the package: no CDN), ``GET /api/health``, ``POST /api/predict``. Every error is
``{"error": "..."}`` with its status: 400 a bad request, 404 no such path, 405 a wrong
method, 408 a body that came too slowly, 411 no Content-Length, 413 over the size limit,
421 a foreign ``Host``, 500 a bug (logged with its traceback), 503 the pool is full.

A prediction holds a place in the :class:`~numnet.app.serve.pool.Pool` while its body is read
(within the size limit and the deadline) and while ``api.predict`` (the one function that
turns a request body into an answer) runs in a worker thread.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from importlib import resources

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from numnet.app.serve.app import ApiError, App
from numnet.app.serve.body import check_length, read_body
from numnet.app.serve.limits import Limits
from numnet.app.serve.middleware import (
    AccessLog,
    AllowedHosts,
    HostCheck,
    SecurityHeaders,
    error_response,
)
from numnet.app.serve.pool import Pool

log = logging.getLogger("numnet.app.serve")

#: URL path -> (file in numnet/serve/static, Content-Type)
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}


def static_routes() -> list[Route]:
    """The page's files, read once, each as a GET route."""
    folder = resources.files("numnet.app.serve") / "static"
    routes = []
    for path, (name, ctype) in STATIC.items():
        content = (folder / name).read_bytes()

        async def page(request: Request, content: bytes = content, ctype: str = ctype) -> Response:
            return Response(content, media_type=ctype)

        routes.append(Route(path, page, methods=["GET"]))
    return routes


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (404, 405) as JSON; the connection closes (a body is unread)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"no such page: {request.url.path[:200]}"
    elif exc.status_code == 405:
        message = f"{request.method} is not supported for {request.url.path[:200]}"
    else:
        message = exc.detail
    return error_response(exc.status_code, message, close=True, headers=exc.headers)


def create_app(api: App, *, hosts: AllowedHosts | None = None, cors: Sequence[str] = (),
               limits: Limits | None = None) -> Starlette:
    """The page and its API around ``api``.

    ``hosts``: the ``Host`` names to answer (None: no check, for a service that mounts this
    app and checks hosts itself). ``cors``: origins whose pages may call the API from a
    browser (none by default). ``limits``: body size, body deadline and the pool.
    """
    limits = limits or Limits()
    pool = Pool(limits.workers, limits.queue, limits.queue_wait)

    async def health(request: Request) -> Response:
        return JSONResponse(api.health())

    async def predict(request: Request) -> Response:
        deadline = anyio.current_time() + limits.body_timeout
        body: bytes | None = None
        try:
            check_length(request, limits.max_body)
            async with pool.place():
                body = await read_body(request, limits.max_body, deadline)
                return JSONResponse(await pool.run(api.predict, body))
        except ApiError as e:
            if e.status == 503:  # the size was checked: read the body and drop it, so a
                # client still sending hears the 503 rather than a reset connection
                with contextlib.suppress(ApiError):
                    await read_body(request, limits.max_body, deadline, keep=False)
            return error_response(e.status, e.message, close=body is None)
        except Exception:  # a bug, not the client's fault: log it whole, keep serving
            log.exception("error while answering POST %s", request.url.path)
            return error_response(500, "internal error")

    routes = [*static_routes(), Route("/api/health", health, methods=["GET"]),
              Route("/api/predict", predict, methods=["POST"])]
    middleware = [Middleware(AccessLog), Middleware(SecurityHeaders)]
    if hosts is not None:
        middleware.append(Middleware(HostCheck, hosts=hosts))
    if cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cors),
                                     allow_methods=["GET", "POST"], allow_headers=["Content-Type"]))
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={HTTPException: http_error})
