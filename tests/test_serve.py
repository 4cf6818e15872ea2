"""numnet serve over real HTTP: the API answers, bad requests get JSON errors, and the server
keeps serving through bad JSON, oversize bodies, slow clients and a crowd of idle sockets.

The server runs in a thread on port 0 with a stand-in model (``InkShapeModel``) whose answer
is a simple, known function of the pixels, so every assertion can be checked exactly.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import socket
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from numnet.app.serve import App, DigitServer
from numnet.app.serve.app import MAX_BODY_BYTES


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
        probs = np.full((len(x), 10), 0.02, np.float32)
        probs[np.arange(len(x)), np.where(one, 1, 0)] = 0.82
        return probs


class BrokenModel:
    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raise RuntimeError("boom")


def start(app: App, **kw) -> DigitServer:
    server = DigitServer(app, "127.0.0.1", 0, **kw)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def server() -> Iterator[DigitServer]:
    s = start(App(InkShapeModel(), name="ink-shape"), read_timeout=1.0, body_deadline=2.0)
    yield s
    s.shutdown()
    s.server_close()


def request(server: DigitServer, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        assert r.getheader("Content-Type") == "application/json"
        return r.status, json.loads(data)
    finally:
        conn.close()


def post(server: DigitServer, payload: object) -> tuple[int, dict]:
    return request(server, "POST", "/api/predict", json.dumps(payload).encode(),
                   {"Content-Type": "application/json"})


def raw(server: DigitServer, data: bytes, shut: bool = True) -> bytes:
    """Send raw bytes on a fresh socket and return everything the server answers."""
    with socket.create_connection(server.server_address[:2], timeout=10) as s:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def bar_digit() -> np.ndarray:
    """A "1": a vertical bar, bright ink on black, (28, 28) float32."""
    x = np.zeros((28, 28), np.float32)
    x[4:24, 13:16] = 1.0
    return x


def png_data_url(gray: np.ndarray) -> str:
    """(h, w) uint8 picture -> "data:image/png;base64,..." as a canvas exports it."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def canvas_one() -> np.ndarray:
    """A 280x280 white canvas with a dark vertical stroke, as the page draws a "1"."""
    canvas = np.full((280, 280), 255, np.uint8)
    canvas[50:230, 130:152] = 17
    return canvas


# -- the API --------------------------------------------------------------------------------


def test_health(server):
    status, body = request(server, "GET", "/api/health")
    assert status == 200
    assert body["status"] == "ok" and body["model"] == "ink-shape"
    assert body["version"].count(".") == 2


def test_predict_pixels(server):
    digit = bar_digit()
    status, body = post(server, {"pixels": digit.tolist()})
    assert status == 200
    assert body["label"] == 1
    assert body["confidence"] == pytest.approx(0.82)
    assert len(body["probabilities"]) == 10
    assert body["probabilities"][1] == pytest.approx(0.82)
    np.testing.assert_allclose(body["pixels"], digit, atol=1e-3)


def test_predict_png_data_url_goes_through_imaging(server):
    from numnet.data.imaging import prepare

    url = png_data_url(canvas_one())
    status, body = post(server, {"image": url})
    assert status == 200
    expected = prepare(base64.b64decode(url.split(",", 1)[1]))
    np.testing.assert_allclose(body["pixels"], expected, atol=1e-3)  # what the network saw
    assert body["label"] == int(InkShapeModel().predict_proba(expected[None]).argmax()) == 1


def test_keep_alive_serves_several_requests_on_one_connection(server):
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        for _ in range(3):
            conn.request("POST", "/api/predict", json.dumps({"pixels": bar_digit().tolist()}))
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read())["label"] == 1
    finally:
        conn.close()


def test_page_and_its_files_are_served_locally(server):
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        for path, ctype in [("/", "text/html"), ("/static/app.js", "text/javascript"),
                            ("/static/style.css", "text/css")]:
            conn.request("GET", path)
            r = conn.getresponse()
            text = r.read().decode()
            assert r.status == 200 and r.getheader("Content-Type").startswith(ctype)
            assert "default-src 'self'" in r.getheader("Content-Security-Policy")
            # nothing from another origin: no CDN, no web fonts
            assert "http://" not in text and "https://" not in text and "@import" not in text
    finally:
        conn.close()


# -- bad requests: one JSON error each, as documented ----------------------------------------

NAN_ROWS = "[" + ",".join(["[" + ",".join(["NaN"] + ["0"] * 27) + "]"] * 28) + "]"


@pytest.mark.parametrize(("body", "status", "words"), [
    (b"{not json", 400, "not valid JSON"),
    (b"\xff\xfe\x00garbage", 400, "not valid JSON"),
    (b"[1, 2, 3]", 400, "JSON object"),
    (b"{}", 400, "exactly one"),
    (b'{"pixels": [[0]], "image": "x"}', 400, "exactly one"),
    (b'{"pixels": [], "colour": "red"}', 400, "unknown field 'colour'"),
    (b'{"pixels": [[0.5]]}', 400, "28 rows"),
    (json.dumps({"pixels": [[0.0] * 27] * 28}).encode(), 400, "28 numbers"),
    (json.dumps({"pixels": [[0.0] * 28] * 29}).encode(), 400, "28 rows"),
    (b'{"pixels": ' + NAN_ROWS.encode() + b"}", 400, "NaN"),
    (json.dumps({"pixels": [[2.0] * 28] * 28}).encode(), 400, "between 0 and 1"),
    (json.dumps({"pixels": [[True] * 28] * 28}).encode(), 400, "between 0 and 1"),
    (json.dumps({"pixels": [["0.5"] * 28] * 28}).encode(), 400, "between 0 and 1"),
    (b'{"image": 42}', 400, "data URL"),
    (b'{"image": "http://example.com/digit.png"}', 400, "data URL"),
    (b'{"image": "data:image/png,abc"}', 400, "base64"),
    (b'{"image": "data:image/png;base64,@@@"}', 400, "invalid base64"),
    (b'{"image": "data:image/png;base64,' + base64.b64encode(b"not a picture") + b'"}',
     400, "cannot be read as a digit"),
])
def test_bad_predict_requests_get_a_json_error(server, body, status, words):
    got, answer = request(server, "POST", "/api/predict", body)
    assert got == status
    assert words in answer["error"]


def test_blank_drawing_is_a_400(server):
    status, body = post(server, {"image": png_data_url(np.full((280, 280), 255, np.uint8))})
    assert status == 400 and "blank" in body["error"]


def test_image_with_too_many_pixels_is_refused_before_decoding(server):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (3000, 3000), 255).save(buf, format="PNG")  # ~9 KB on the wire
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    status, body = post(server, {"image": url})
    assert status == 413 and "3000x3000" in body["error"]


def test_oversize_body_is_refused_from_its_content_length(server):
    # No body is sent at all: the answer comes from the header alone.
    head = (f"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY_BYTES + 1}"
            "\r\n\r\n").encode()
    answer = raw(server, head, shut=False)
    assert status_of(answer) == 413
    assert b'"error"' in answer and b"limit" in answer


def test_oversize_body_sent_in_full_is_refused(server):
    body = b'{"pixels": "' + b"x" * (2 * MAX_BODY_BYTES) + b'"}'
    try:
        status, answer = request(server, "POST", "/api/predict", body)
    except (BrokenPipeError, ConnectionResetError):
        return  # the server answered 413 and closed while we were still sending: also fine
    assert status == 413 and "limit" in answer["error"]


@pytest.mark.parametrize(("headers", "status"), [
    ("", 411),
    ("Transfer-Encoding: chunked\r\n", 411),
    ("Content-Length: abc\r\n", 400),
    ("Content-Length: -5\r\n", 400),
    ("Content-Length: 2\r\nContent-Length: 3\r\n", 400),
])
def test_missing_or_invalid_content_length(server, headers, status):
    answer = raw(server, f"POST /api/predict HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    assert status_of(answer) == status and b'"error"' in answer


def test_body_shorter_than_its_length_is_a_400(server):
    answer = raw(server, b"POST /api/predict HTTP/1.1\r\nContent-Length: 50\r\n\r\n{}")
    assert status_of(answer) == 400 and b"shorter" in answer


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/nowhere", 404),
    ("POST", "/nowhere", 404),
    ("GET", "/api/predict", 405),
    ("POST", "/api/health", 405),
    ("DELETE", "/api/predict", 501),
])
def test_unknown_paths_and_methods(server, method, path, status):
    got, answer = request(server, method, path)
    assert got == status and answer["error"]


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
    b"\x00\x01\x02\xff" * 100 + b"\r\n\r\n",
])
def test_malformed_http_gets_a_json_error(server, data):
    answer = raw(server, data)
    assert 400 <= status_of(answer) < 600 and answer.endswith(b"}")


# -- robustness ------------------------------------------------------------------------------


def test_slow_client_does_not_block_others_and_is_dropped(server):
    slow = socket.create_connection(server.server_address[:2], timeout=10)
    try:
        # half a request: headers promise 100 bytes, only one arrives
        slow.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        for _ in range(3):
            status, body = post(server, {"pixels": bar_digit().tolist()})
            assert status == 200 and body["label"] == 1
        # the server gives up on the slow client after its read timeout and closes
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
        assert answer == b"" or status_of(answer) == 408
    finally:
        slow.close()


def test_idle_sockets_cannot_exhaust_the_server():
    s = start(App(InkShapeModel()), max_connections=2, read_timeout=30.0)
    idle = [socket.create_connection(s.server_address[:2], timeout=10) for _ in range(2)]
    try:
        busy = raw(s, b"", shut=False)  # the refusal comes at once, before any request
        assert status_of(busy) == 503 and b"busy" in busy
    finally:
        for sock in idle:
            sock.close()
    # the slots come back once the idle clients go away
    for _ in range(100):
        try:
            if status_of(raw(s, b"GET /api/health HTTP/1.1\r\n\r\n")) == 200:
                break
        except OSError:  # refused with 503 and reset while we were still sending
            pass
        time.sleep(0.05)
    else:
        pytest.fail("the server never recovered its connection slots")
    s.shutdown()
    s.server_close()


def test_a_model_that_raises_gives_500_and_the_server_lives_on(caplog):
    s = start(App(BrokenModel()))
    try:
        status, body = post(s, {"pixels": bar_digit().tolist()})
        assert status == 500 and body == {"error": "internal error"}
        status, _ = request(s, "GET", "/api/health")
        assert status == 200
    finally:
        s.shutdown()
        s.server_close()


def test_bad_requests_are_logged_as_one_line_without_traceback(server, caplog):
    with caplog.at_level("INFO", logger="numnet.app.serve"):
        request(server, "POST", "/api/predict", b"{oops")
    lines = [r for r in caplog.records if "400" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "\n" not in lines[0].getMessage()


def test_still_serving_after_everything(server):
    """Runs last in this module: every test above threw something at the same server."""
    status, body = post(server, {"pixels": bar_digit().tolist()})
    assert status == 200 and body["label"] == 1
    status, body = request(server, "GET", "/api/health")
    assert status == 200 and body["status"] == "ok"


# -- the command -----------------------------------------------------------------------------


def test_cli_refuses_a_bad_port(capsys):
    from numnet.app.cli import main

    with pytest.raises(SystemExit) as e:
        main(["serve", "model.npz", "--port", "99999"])
    assert e.value.code == 2
    assert "not a port number" in capsys.readouterr().err


def test_cli_missing_model_is_one_line(tmp_path, capsys):
    from numnet.app.cli import main

    assert main(["serve", str(tmp_path / "missing.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("numnet: error:") and err.count("\n") == 1
