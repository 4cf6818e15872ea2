"""Load test of ``numnet serve``: 2,000 requests from 8 concurrent clients on loopback.

    python benchmarks/serve_load.py MODEL [--requests 2000] [--clients 8] [--pixels]

Starts the real command (``numnet serve MODEL --port 0``) in its own process, so the
clients below do not share its interpreter, then each client thread sends its share of
``POST /api/predict`` over one keep-alive connection. The requests are what the page sends:
a 280x280 PNG canvas (dark ink on white) as a data URL, made from MNIST test digits, so the
labels that come back can be checked too. ``--pixels`` sends 28x28 arrays instead
(no image decoding). Prints errors, latency percentiles (p50, p95, p99, max), throughput
and the share of correct labels. The acceptance is 0 errors.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import re
import subprocess
import sys
import threading
import time

import numpy as np
from tqdm import tqdm


def canvas_payloads(images: np.ndarray) -> list[bytes]:
    """MNIST digits (n, 28, 28) uint8 -> JSON bodies with 280x280 dark-on-white PNG canvases."""
    from PIL import Image

    bodies = []
    for img in images:
        canvas = Image.fromarray(255 - img).resize((280, 280), Image.Resampling.BILINEAR)
        buf = io.BytesIO()
        canvas.save(buf, format="PNG")
        url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
        bodies.append(json.dumps({"image": url}).encode())
    return bodies


def pixel_payloads(images: np.ndarray) -> list[bytes]:
    return [json.dumps({"pixels": (img / 255).round(3).tolist()}).encode() for img in images]


def start_server(model: str) -> tuple[subprocess.Popen, str, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "numnet", "serve", model, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    line = proc.stdout.readline()
    found = re.search(r"http://([\d.]+):(\d+)/", line)
    if not found:
        proc.kill()
        sys.exit(f"serve_load: numnet serve did not start: {line!r}")
    return proc, found.group(1), int(found.group(2))


def client(host: str, port: int, jobs: list[tuple[bytes, int]], out: list, bar: tqdm,
           lock: threading.Lock) -> None:
    """Send ``jobs`` (body, true label) over one keep-alive connection; record each result."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Content-Type": "application/json"}
    for body, truth in jobs:
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/predict", body, headers)
            r = conn.getresponse()
            answer = r.read()
            ok = r.status == 200
            label = json.loads(answer)["label"] if ok else None
        except (OSError, http.client.HTTPException, ValueError) as e:
            ok, label = False, None
            conn.close()  # reconnect on the next request
            print(f"serve_load: {type(e).__name__}: {e}", file=sys.stderr)
        out.append((time.perf_counter() - t0, ok, label == truth))
        with lock:
            bar.update()
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a model file saved by numnet")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pixels", action="store_true", help="send 28x28 arrays, not PNGs")
    args = parser.parse_args()

    from numnet.datasets.mnist import load_data

    _, (x_test, y_test) = load_data(download=False)
    n_distinct = 200
    make = pixel_payloads if args.pixels else canvas_payloads
    bodies = make(x_test[:n_distinct])
    jobs = [(bodies[i % n_distinct], int(y_test[i % n_distinct])) for i in range(args.requests)]

    proc, host, port = start_server(args.model)
    results: list[list] = [[] for _ in range(args.clients)]
    lock = threading.Lock()
    try:
        with tqdm(total=args.requests, desc="requests", unit="req") as bar:
            threads = [
                threading.Thread(target=client,
                                 args=(host, port, jobs[i::args.clients], results[i], bar, lock))
                for i in range(args.clients)
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)

    rows = [r for rs in results for r in rs]
    latency = np.array([r[0] for r in rows]) * 1000
    errors = sum(not r[1] for r in rows)
    correct = sum(r[2] for r in rows)
    p50, p95, p99 = np.percentile(latency, [50, 95, 99])
    kind = "28x28 pixel arrays" if args.pixels else "280x280 PNG canvases"
    print(f"numnet serve {args.model}: {len(rows)} requests ({kind}) from {args.clients} clients")
    print(f"  errors      {errors}")
    print(f"  latency ms  p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {latency.max():.1f}")
    print(f"  throughput  {len(rows) / wall:.0f} requests/s ({wall:.1f} s)")
    print(f"  labels      {correct / len(rows):.1%} correct ({n_distinct} MNIST test digits)")
    return 1 if errors or len(rows) != args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
