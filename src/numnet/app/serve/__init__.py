"""``numnet serve``: a page where a person draws a digit and watches the network read it.

- ``app``     the JSON API as plain functions (request bytes -> digit -> answer), no sockets
- ``server``  the HTTP layer on the standard library's ``ThreadingHTTPServer``: routes,
              body limit, timeouts, connection cap, JSON errors
- ``static/`` the page: ``index.html``, ``app.js``, ``style.css`` (served locally, no CDN)

>>> from numnet.app.serve import App, DigitServer   # doctest: +SKIP
>>> DigitServer(App(model), port=8000).serve_forever()
"""

from numnet.app.serve.app import ApiError, App
from numnet.app.serve.server import DigitServer

__all__ = ["App", "ApiError", "DigitServer"]
