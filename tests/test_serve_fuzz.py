"""Property-based tests of the server's request parsing: whatever arrives, the answer is a
digit (28, 28) float32 in [0, 1] or one of the documented errors (400, or 413 for a picture
with too many pixels), never another exception.

The example count is small for CI; the long run outside CI sets it from the environment:

    NUMNET_FUZZ_EXAMPLES=10000 pytest -q tests/test_serve_fuzz.py -p no:cacheprovider
"""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numnet.app.serve import App, DigitServer
from numnet.app.serve.app import ApiError, parse_predict_request

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


# -- the live server: raw bytes on the socket never stop it ----------------------------------


class ConstantModel:
    def predict_proba(self, x):
        return np.full((len(x), 10), 0.1, np.float32)


@pytest.fixture(scope="module")
def server():
    s = DigitServer(App(ConstantModel()), "127.0.0.1", 0, read_timeout=1.0, body_deadline=1.0)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    yield s
    s.shutdown()
    s.server_close()


def exchange(server, data: bytes) -> bytes:
    with socket.create_connection(server.server_address[:2], timeout=10) as s:
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
    exchange(server, line + junk)
    answer = exchange(server, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"status":"ok"' in answer
