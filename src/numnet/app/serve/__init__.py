"""``numnet serve``: a page where a person draws a digit and watches the network read it.

- ``app``        the JSON API as plain functions (request bytes -> digit -> answer), no sockets
- ``web``        the ASGI app (Starlette): routes, the page's files, JSON errors
- ``body``       reading a request body within its size limit and its deadline
- ``pool``       the bounded pool of worker threads that decode pictures and run the model
- ``middleware`` access log, security headers, the Host check (DNS rebinding)
- ``limits``     every size, deadline and count in one place
- ``server``     uvicorn, plus a deadline for request heads and a connection cap
- ``static/``    the page: ``index.html``, ``app.js``, ``style.css`` (served locally, no CDN)

>>> from numnet.app.serve import App, AllowedHosts, bind, create_app, run     # doctest: +SKIP
>>> sock = bind("127.0.0.1", 8000, backlog=1024)
>>> run(create_app(App(model), hosts=AllowedHosts.for_server("127.0.0.1", 8000)), sock)

or mount ``create_app(App(model))`` into a Starlette or FastAPI service of your own.
"""

from numnet.app.serve.app import ApiError, App
from numnet.app.serve.limits import Limits
from numnet.app.serve.middleware import AllowedHosts
from numnet.app.serve.server import bind, run
from numnet.app.serve.web import create_app

__all__ = ["AllowedHosts", "ApiError", "App", "Limits", "bind", "create_app", "run"]
