"""Property-based tests of the server's request parsing: whatever arrives, the answer is a
digit (28, 28) float32 in [0, 1] or one of the documented errors (400, or 413 for a picture
with too many pixels), never another exception. Then the same for whole requests through
the ASGI app (random method, path, Host, Content-Length, body), and for raw bytes on the
socket of the real server.

The example count is small for CI; the long run outside CI sets it from the environment:

    NUMNET_FUZZ_EXAMPLES=10000 pytest -q tests/test_serve_fuzz.py -p no:cacheprovider
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from numnet.app.serve import AllowedHosts, App, Limits, create_app
from numnet.app.serve.app import ApiError, parse_predict_request
from serving import running

EXAMPLES = int(os.environ.get("NUMNET_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
DOCUMENTED = {400, 413}


def check(body: bytes) -> None:
    """The property: a valid digit, or an ApiError with a documented status and a message."""
    try:
        x = parse_predict_request(body)
    except ApiError as e:
        assert e.status in DOCUMENTED
        assert e.message and "\n" not in e.message
        return
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=30) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=60,
)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(body):
    check(body)


@FUZZ
@given(json_values)
def test_random_json(value):
    check(json.dumps(value).encode())  # NaN and Infinity are written as JSON cannot


@FUZZ
@given(st.dictionaries(st.sampled_from(["pixels", "image", "extra"]), json_values, max_size=3))
def test_random_fields(data):
    check(json.dumps(data).encode())


# almost-right pixel grids: 27 to 29 rows and columns of random values in [0, 1], with a few
# cells replaced by anything JSON can hold (NaN, inf, negatives, huge, strings, lists ...)
cell = st.floats() | st.integers(-2, 2) | st.booleans() | st.none() | st.text(max_size=3) \
    | st.lists(st.floats(0, 1), max_size=2)


@FUZZ
@given(st.integers(27, 29), st.integers(27, 29), st.integers(0, 2**32 - 1),
       st.lists(st.tuples(st.integers(0, 28), st.integers(0, 28), cell), max_size=4))
def test_pixel_grids(n_rows, n_cols, seed, replacements):
    rows = np.random.default_rng(seed).random((n_rows, n_cols)).tolist()
    for i, j, value in replacements:
        if i < n_rows and j < n_cols:
            rows[i][j] = value
    check(json.dumps({"pixels": rows}).encode())


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["png", "jpeg", "gif", "x"]))
def test_data_urls_of_random_bytes(payload, kind):
    url = f"data:image/{kind};base64," + base64.b64encode(payload).decode()
    check(json.dumps({"image": url}).encode())


@FUZZ
@given(st.integers(1, 64), st.integers(1, 64), st.sampled_from(["L", "RGB", "RGBA", "P"]),
       st.lists(st.integers(0, 255), min_size=1, max_size=4), st.integers(0, 1000))
def test_data_urls_of_real_pictures(w, h, mode, levels, seed):
    """Valid PNGs of random size, mode and content (blank and one-level ones included)."""
    from PIL import Image

    bands = {"L": 1, "P": 1, "RGB": 3, "RGBA": 4}[mode]
    a = np.random.default_rng(seed).choice(np.array(levels, np.uint8), size=(h, w, bands))
    img = Image.fromarray(a[..., 0]) if bands == 1 else Image.fromarray(a, mode)
    buf = io.BytesIO()
    (img.convert("P") if mode == "P" else img).save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    check(json.dumps({"image": url}).encode())


# -- the whole app: random requests through Starlette's TestClient ---------------------------

#: every status the app answers, as the README lists them
APP_STATUSES = {200, 400, 404, 405, 408, 411, 413, 421}


class ConstantModel:
    def predict_proba(self, x):
        return np.full((len(x), 10), 0.1, np.float32)


@pytest.fixture(scope="module")
def client():
    app = create_app(App(ConstantModel()), hosts=AllowedHosts.for_server("127.0.0.1", 8000),
                     limits=Limits(body_timeout=2.0))
    with TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=True) as c:
        yield c


header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=12)
lengths = st.one_of(st.none(), st.integers(-5, 2 * 2**20).map(str), header_text,
                    st.sampled_from(["\u00b2", "1\u00b2", "\u0663", " 12", "1,2", "0x10"]))
hosts = st.one_of(st.sampled_from(["127.0.0.1:8000", "localhost:8000", "[::1]:8000"]),
                  header_text)


def wire(text: str) -> bytes:
    """A header value as bytes: latin-1 where it fits (so "\u00b2" is the byte 0xB2), else UTF-8."""
    return text.encode("latin-1") if max(map(ord, text), default=0) < 256 else text.encode()


@settings(max_examples=max(50, EXAMPLES // 2), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
       st.sampled_from(["/", "/api/predict", "/api/health", "/static/app.js", "/x", "//",
                        "/api/predict/", "/static/../api/health"]),
       hosts, lengths, st.binary(max_size=300))
def test_random_requests_through_the_app(client, method, path, host, length, body):
    """Method, path, Host, Content-Length and body at random: a documented status, and for an
    error one JSON object with one line of text."""
    headers = {"host": wire(host)}
    if length is not None:
        headers["content-length"] = wire(length)
    r = client.request(method, path, content=body, headers=headers)
    assert r.status_code in APP_STATUSES
    if r.status_code >= 400 and method != "HEAD":
        error = r.json()["error"]
        assert error and "\n" not in error


# -- the live server: raw bytes on the socket never stop it ----------------------------------


@pytest.fixture(scope="module")
def server():
    with running(App(ConstantModel()), Limits(head_timeout=1.0, body_timeout=1.0)) as s:
        yield s


def exchange(server, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            out = b""
            while chunk := s.recv(65536):
                out += chunk
            return out
        except (ConnectionResetError, BrokenPipeError):  # refused and closed mid-send
            return b""


request_lines = st.sampled_from([b"GET / HTTP/1.1\r\n", b"POST /api/predict HTTP/1.1\r\n",
                                 b"GET /api/health HTTP/1.0\r\n", b""])


@settings(max_examples=max(20, EXAMPLES // 10), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request_lines, st.binary(max_size=500))
def test_raw_bytes_on_the_socket_never_stop_the_server(server, line, junk):
    answer = exchange(server, line + junk)
    if answer:  # whatever came back is an HTTP answer, with a JSON body when it is an error
        assert answer.startswith(b"HTTP/1.1 ")
        if int(answer[9:12]) >= 400:
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]
    answer = exchange(server, f"GET /api/health HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"status":"ok"' in answer
