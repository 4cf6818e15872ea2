"""numnet serve over real HTTP (uvicorn and numnet's guarded protocol, in a thread): the API
answers, bad requests get JSON errors, and each limit holds: body size, request deadlines,
the Host check, the bounded pool, the connection cap, no CORS unless asked.

The stand-in model (``InkShapeModel``) answers a simple, known function of the pixels, so
every assertion can be checked exactly. Deadlines are configured short to keep this quick.
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
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from numnet.app.serve import AllowedHosts, App, Limits, create_app
from numnet.app.serve.limits import MAX_BODY_BYTES
from serving import InkShapeModel, Running, bar_digit, raw, running, status_of

QUICK = Limits(head_timeout=1.0, body_timeout=1.0, keep_alive=5, queue_wait=1.0)


class BrokenModel:
    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raise RuntimeError("boom")


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with running(App(InkShapeModel(), name="ink-shape"), QUICK) as s:
        yield s


def request(server: Running, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        assert r.getheader("Content-Type") == "application/json"
        return r.status, json.loads(data)
    finally:
        conn.close()


def post(server: Running, payload: object) -> tuple[int, dict]:
    return request(server, "POST", "/api/predict", json.dumps(payload).encode(),
                   {"Content-Type": "application/json"})


def head(server: Running, extra: str = "", line: str = "POST /api/predict HTTP/1.1") -> bytes:
    return f"{line}\r\nHost: {server.host}\r\n{extra}\r\n".encode()


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
    assert body["confidence"] == pytest.approx(0.91)
    assert len(body["probabilities"]) == 10
    assert body["probabilities"][1] == pytest.approx(0.91)
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
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("POST", "/api/predict", json.dumps({"pixels": bar_digit().tolist()}))
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read())["label"] == 1
    finally:
        conn.close()


def test_page_and_its_files_are_served_locally(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for path, ctype in [("/", "text/html"), ("/static/app.js", "text/javascript"),
                            ("/static/style.css", "text/css")]:
            conn.request("GET", path)
            r = conn.getresponse()
            text = r.read().decode()
            assert r.status == 200 and r.getheader("Content-Type").startswith(ctype)
            assert "default-src 'self'" in r.getheader("Content-Security-Policy")
            assert r.getheader("X-Content-Type-Options") == "nosniff"
            assert r.getheader("Cache-Control") == "no-store"
            # nothing from another origin: no CDN, no web fonts
            assert "http://" not in text and "https://" not in text and "@import" not in text
    finally:
        conn.close()


def test_the_app_mounts_into_another_service():
    """Under a prefix of a user's own Starlette app, the page's links stay inside it."""
    outer = Starlette(routes=[Mount("/digits", app=create_app(App(InkShapeModel())))])
    with TestClient(outer) as client:
        page = client.get("/digits/")
        assert page.status_code == 200 and 'src="static/app.js"' in page.text
        assert client.get("/digits/static/app.js").status_code == 200
        answer = client.post("/digits/api/predict", json={"pixels": bar_digit().tolist()})
        assert answer.status_code == 200 and answer.json()["label"] == 1


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


def test_blank_drawing_is_no_digit_not_a_guess(server):
    status, body = post(server, {"image": png_data_url(np.full((280, 280), 255, np.uint8))})
    assert status == 200 and body["label"] is None and body["number"] is None
    assert body["digits"] == [] and "blank" in body["reason"]


def test_a_blot_is_no_digit(server):
    page = np.full((280, 280), 255, np.uint8)
    yy, xx = np.mgrid[0:280, 0:280]
    page[(yy - 140) ** 2 + (xx - 140) ** 2 < 30**2] = 0  # one filled dot
    status, body = post(server, {"image": png_data_url(page)})
    assert status == 200 and body["label"] is None and "blot" in body["reason"]


def test_digits_side_by_side_are_read_as_a_number(server):
    page = np.full((200, 400), 255, np.uint8)
    for left in (60, 180, 300):  # three "1"s (tall bars: the stand-in reads them as 1)
        page[40:160, left : left + 14] = 0
    status, body = post(server, {"image": png_data_url(page)})
    assert status == 200 and body["number"] == "111" and body["label"] is None
    xs = [d["box"][0] for d in body["digits"]]
    assert [d["label"] for d in body["digits"]] == [1, 1, 1] and xs == sorted(xs)
    assert all(abs(x - left) <= 3 for x, left in zip(xs, (60, 180, 300), strict=True))


def test_rows_and_signs_are_read_and_a_signed_digit_has_no_label(server):
    page = np.full((360, 400), 255, np.uint8)
    for left in (100, 220):  # "11" above ...
        page[30:150, left : left + 14] = 0
    page[210:330, 160:174] = 0  # ... "-1": a dash at mid-height before a bar
    page[265:277, 90:140] = 0
    status, body = post(server, {"image": png_data_url(page)})
    assert status == 200 and body["number"] == "11 -1" and body["numbers"] == ["11", "-1"]
    assert [(d["label"], d["row"]) for d in body["digits"]] == [(1, 0), (1, 0), (1, 1)]
    assert [(s["sign"], s["row"]) for s in body["signs"]] == [("-", 1)]
    assert body["signs"][0]["box"] == [90, 265, 140, 277] and body["label"] is None
    status, body = post(server, {"image": png_data_url(page[180:])})  # "-1" alone
    assert status == 200 and body["number"] == "-1" and body["label"] is None
    status, body = post(server, {"image": png_data_url(canvas_one())})
    assert body["number"] == "1" and body["label"] == 1 and body["signs"] == []


def test_image_with_too_many_pixels_is_refused_before_decoding(server):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (3000, 3000), 255).save(buf, format="PNG")  # ~9 KB on the wire
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    status, body = post(server, {"image": url})
    assert status == 413 and "3000x3000" in body["error"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/nowhere", 404),
    ("POST", "/nowhere", 404),
    ("GET", "/api/predict", 405),
    ("POST", "/api/health", 405),
    ("DELETE", "/api/predict", 405),
])
def test_unknown_paths_and_methods(server, method, path, status):
    got, answer = request(server, method, path)
    assert got == status and answer["error"]


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",  # over the 32 KiB head limit
    b"\x00\x01\x02\xff" * 100 + b"\r\n\r\n",
])
def test_malformed_http_gets_a_json_error(server, data):
    answer = raw(server, data)
    assert status_of(answer) == 400 and answer.endswith(b"}")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]


# -- the body limit --------------------------------------------------------------------------


def test_oversize_body_is_refused_from_its_content_length(server):
    # No body is sent at all: the answer comes from the header alone.
    answer = raw(server, head(server, f"Content-Length: {MAX_BODY_BYTES + 1}\r\n"), shut=False)
    assert status_of(answer) == 413
    assert b'"error"' in answer and b"limit" in answer


def test_oversize_body_sent_in_full_is_refused(server):
    body = b'{"pixels": "' + b"x" * (2 * MAX_BODY_BYTES) + b'"}'
    try:
        status, answer = request(server, "POST", "/api/predict", body)
    except (BrokenPipeError, ConnectionResetError):
        return  # the server answered 413 and closed while we were still sending: also fine
    assert status == 413 and "limit" in answer["error"]


def test_oversize_chunked_body_is_refused_while_it_streams(server):
    """A chunked body has no length to check first: the bytes are counted as they come."""
    chunk = b"x" * 65536
    piece = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    answer = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(head(server, "Transfer-Encoding: chunked\r\n"))
        try:
            for _ in range(4 * MAX_BODY_BYTES // len(chunk)):  # up to 4 MiB, if it lets us
                s.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while data := s.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    assert status_of(answer) == 413 and b"over the limit" in answer


@pytest.mark.parametrize(("headers", "status"), [
    ("", 411),
    ("Content-Length: abc\r\n", 400),
    ("Content-Length: -5\r\n", 400),
    ("Content-Length: 2\r\nContent-Length: 3\r\n", 400),
])
def test_missing_or_invalid_content_length(server, headers, status):
    answer = raw(server, head(server, headers))
    assert status_of(answer) == status and b'"error"' in answer


def test_content_length_superscript_two_is_a_400_without_traceback(server, caplog):
    """'²' (byte 0xB2) passes str.isdigit() and int() refuses it: it used to be a 500."""
    with caplog.at_level("INFO"):
        answer = raw(server, head(server).replace(b"\r\n\r\n", b"\r\nContent-Length: \xb2\r\n\r\n"))
    assert status_of(answer) == 400 and b'"error"' in answer
    assert not any(r.exc_info for r in caplog.records)
    assert status_of(raw(server, head(server, line="GET /api/health HTTP/1.1"))) == 200


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "1\u00b2", "\uff11"])  # ², Arabic 3, 1², １
def test_digit_like_content_length_reaching_the_app_is_a_400(value):
    """Behind a server that passed such a header on, the app itself refuses it."""
    app = create_app(App(InkShapeModel()))
    scope = {"type": "http", "method": "POST", "path": "/api/predict", "raw_path": b"/api/predict",
             "query_string": b"", "headers": [(b"content-length", value.encode())],
             "http_version": "1.1", "scheme": "http", "server": ("t", 80), "client": ("c", 1),
             "root_path": "", "asgi": {"version": "3.0"}}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    import anyio

    anyio.run(app, scope, receive, send)
    assert sent[0]["status"] == 400
    assert b"not a single whole number" in sent[1]["body"]


# -- the request deadline --------------------------------------------------------------------


def test_a_body_that_never_ends_gets_408_while_others_are_served(server):
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        # headers promise 100 bytes, only one arrives
        slow.sendall(head(server, "Content-Length: 100\r\n") + b"{")
        t0 = time.monotonic()
        for _ in range(3):
            status, body = post(server, {"pixels": bar_digit().tolist()})
            assert status == 200 and body["label"] == 1
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
        waited = time.monotonic() - t0
        assert status_of(answer) == 408 and b"too slowly" in answer
        assert waited < QUICK.body_timeout + 2
    finally:
        slow.close()


def test_a_head_sent_one_byte_at_a_time_is_cut_off_at_its_deadline(server):
    """Slowloris: bytes keep coming, but the head must be whole within head_timeout."""
    data = head(server, line="GET /api/health HTTP/1.1") + b"X-Slow: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.settimeout(0.2)
        t0 = time.monotonic()
        answer = b""
        for byte in data:  # one byte every 0.2 s: each alone is well inside every timeout
            try:
                s.sendall(bytes([byte]))
                answer += s.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if answer:
                break
        waited = time.monotonic() - t0
    assert status_of(answer) == 408 and b"too slowly" in answer
    assert QUICK.head_timeout - 0.1 < waited < QUICK.head_timeout + 1.5


def test_a_kept_alive_connection_gets_a_new_head_deadline(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(head(server, line="GET /api/health HTTP/1.1"))
        first = b""
        while not first.endswith(b"}"):  # the whole first answer
            first += s.recv(65536)
        assert status_of(first) == 200
        s.sendall(b"GET /api")  # half a second request, never finished
        t0 = time.monotonic()
        second = s.recv(65536)
        assert status_of(second) == 408
        assert time.monotonic() - t0 < QUICK.head_timeout + 1.5


def test_a_silent_connection_is_closed_at_the_head_deadline(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        t0 = time.monotonic()
        answer = s.recv(65536)
        assert status_of(answer) == 408
        assert time.monotonic() - t0 < QUICK.head_timeout + 1.5


# -- the Host check (DNS rebinding) and CORS -------------------------------------------------


@pytest.mark.parametrize(("host", "allowed"), [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("LocalHost:8000", True),
    ("[::1]:8000", True), ("evil.example:8000", False), ("127.0.0.1:8001", False),
    ("localhost", False), ("127.0.0.1:8000:8000", False), ("127.0.0.1:", False),
    ("[::1]x", False), ("", False), ("127.0.0.1.nip.io:8000", False),
])
def test_allowed_hosts_of_a_loopback_server(host, allowed):
    assert (host in AllowedHosts.for_server("127.0.0.1", 8000)) is allowed


def test_allowed_hosts_of_a_server_on_every_interface():
    hosts = AllowedHosts.for_server("0.0.0.0", 80)
    assert "192.168.1.20" in hosts and "192.168.1.20:80" in hosts and "[fe80::1]" in hosts
    assert "localhost" in hosts and "evil.example" not in hosts and "192.168.1.20:81" not in hosts
    assert "mybox.local:8000" in AllowedHosts.for_server("mybox.local", 8000)


def test_a_foreign_host_header_is_refused_before_the_body_is_read(server):
    answer = raw(server, b"POST /api/predict HTTP/1.1\r\nHost: rebind.example:%d\r\n"
                         b"Content-Length: 5\r\n\r\n" % server.port, shut=False)
    assert status_of(answer) == 421 and b"rebind.example" in answer
    assert b"connection: close" in answer.lower()


def test_http10_without_host_is_a_400(server):
    answer = raw(server, b"GET /api/health HTTP/1.0\r\n\r\n")
    assert status_of(answer) == 400 and b"Host" in answer


def test_no_cors_by_default(server):
    status, _ = request(server, "GET", "/api/health", headers={"Origin": "http://evil.example"})
    assert status == 200
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/api/health", headers={"Origin": "http://evil.example"})
        r = conn.getresponse()
        r.read()
        assert r.getheader("Access-Control-Allow-Origin") is None
        conn.request("OPTIONS", "/api/predict", headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        r = conn.getresponse()
        r.read()
        assert r.status == 405 and r.getheader("Access-Control-Allow-Origin") is None
    finally:
        conn.close()


def test_cors_for_the_origins_asked_only():
    app = create_app(App(InkShapeModel()), cors=["http://localhost:3000"])
    with TestClient(app) as client:
        ok = client.get("/api/health", headers={"Origin": "http://localhost:3000"})
        assert ok.headers["access-control-allow-origin"] == "http://localhost:3000"
        other = client.get("/api/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options("/api/predict", headers={
            "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        assert "POST" in preflight.headers["access-control-allow-methods"]


# -- the bounded pool and the connection cap -------------------------------------------------


class GatedApi(App):
    """The API, but each prediction waits for ``gate`` to open and then ``hold`` seconds;
    it counts how many predictions run at once (``most``)."""

    def __init__(self, hold: float = 0.0) -> None:
        super().__init__(InkShapeModel())
        self.gate = threading.Event()
        self.hold = hold
        self.count_lock = threading.Lock()
        self.running = self.most = 0

    def predict(self, body: bytes) -> dict:
        with self.count_lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            self.gate.wait(10)
            time.sleep(self.hold)
            return super().predict(body)
        finally:
            with self.count_lock:
                self.running -= 1


def test_the_pool_bounds_the_work_and_refuses_the_excess_with_503():
    """workers=1, queue=1: one request runs, one waits its turn, the third gets 503."""
    api = GatedApi()
    with running(api, Limits(workers=1, queue=1, queue_wait=0.3)) as s:
        results: list[int] = []

        def client() -> None:
            results.append(post(s, {"pixels": bar_digit().tolist()})[0])

        threads = [threading.Thread(target=client) for _ in range(2)]
        for t in threads:
            t.start()
            time.sleep(0.2)  # the first is in the worker, the second holds the queue's place
        t0 = time.monotonic()
        status, body = post(s, {"pixels": bar_digit().tolist()})
        assert status == 503 and "busy" in body["error"]
        assert 0.25 < time.monotonic() - t0 < 2.0  # it waited briefly first
        api.gate.set()
        for t in threads:
            t.join(10)
        assert sorted(results) == [200, 200] and api.most == 1


def test_at_most_workers_requests_decode_at_once():
    """Many clients at once: all are answered, but never more than `workers` run together."""
    api = GatedApi(hold=0.05)
    api.gate.set()
    with running(api, Limits(workers=2, queue=16, queue_wait=10.0)) as s:
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(
            post(s, {"pixels": bar_digit().tolist()})[0])) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert results == [200] * 12 and api.most == 2


def test_idle_sockets_cannot_exhaust_the_server():
    with running(App(InkShapeModel()), Limits(max_connections=2, head_timeout=30)) as s:
        idle = [socket.create_connection(("127.0.0.1", s.port), timeout=10) for _ in range(2)]
        time.sleep(0.2)
        try:
            busy = raw(s, b"", shut=False)  # the refusal comes at once, before any request
            assert status_of(busy) == 503 and b"busy" in busy
        finally:
            for sock in idle:
                sock.close()
        # the places come back once the idle clients go away
        for _ in range(100):
            answer = raw(s, head(s, line="GET /api/health HTTP/1.1"))
            if answer and status_of(answer) == 200:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the server never recovered its connection places")


def test_the_listen_backlog_is_at_least_128():
    import shutil
    import subprocess

    if shutil.which("ss") is None:
        pytest.skip("needs ss (iproute2) to read the listen backlog")
    with running(App(InkShapeModel())) as s:
        out = subprocess.run(["ss", "-ltnH", f"sport = :{s.port}"], capture_output=True,
                             text=True, check=True).stdout.split()
    # ss -lt: Recv-Q (connections waiting), then Send-Q: the backlog of the listening socket
    assert int(out[2]) == Limits().backlog >= 128


# -- errors and logs -------------------------------------------------------------------------


def test_a_model_that_raises_gives_500_and_the_server_lives_on(caplog):
    with running(App(BrokenModel())) as s, caplog.at_level("ERROR", logger="numnet.app.serve"):
        status, body = post(s, {"pixels": bar_digit().tolist()})
        assert status == 500 and body == {"error": "internal error"}
        status, _ = request(s, "GET", "/api/health")
        assert status == 200
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]


def test_bad_requests_are_logged_as_one_line_without_traceback(server, caplog):
    with caplog.at_level("INFO", logger="numnet.app.serve"):
        request(server, "POST", "/api/predict", b"{oops")
    lines = [r for r in caplog.records if "not valid JSON" in r.getMessage()]
    assert len(lines) == 1 and not any(r.exc_info for r in caplog.records)
    assert "\n" not in lines[0].getMessage() and '"POST /api/predict" 400' in lines[0].getMessage()


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
