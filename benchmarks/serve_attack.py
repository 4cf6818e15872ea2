"""``numnet serve`` under attack, on loopback: a crowd, slowloris, and large pictures.

    python benchmarks/serve_attack.py MODEL [crowd] [slowloris] [bigimage]

Each scenario starts the real command (``numnet serve MODEL --port 0``) in a fresh process,
so its peak memory (``VmHWM``) is that scenario's alone, and stops it at the end. Every loop
is bounded in count and in time; all traffic goes to 127.0.0.1.

- ``crowd``: 1,000 clients connect at the same moment and each sends one
  ``POST /api/predict`` with 28x28 pixels. Reports how many were answered, their statuses,
  and the longest wait. The acceptance: all answered, none waiting more than 10 s.
- ``slowloris``: 64 connections send a request head one byte every 4 s (reconnecting when
  the server drops them) for 40 s, while a normal client asks ``GET /api/health`` every
  0.5 s on a new connection. The acceptance: every normal request answered 200 in under 1 s.
- ``bigimage``: 64 clients at once each send a 16-bit 2048x2048 PNG (the largest picture the
  API accepts) as a data URL. The acceptance: the server's peak RSS stays under 1 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HOST = "127.0.0.1"
SCENARIOS = ("crowd", "slowloris", "bigimage")


def start_server(model: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "numnet", "serve", model, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert proc.stdout is not None
    found = re.search(r"http://[\d.]+:(\d+)/", proc.stdout.readline())
    if not found:
        proc.kill()
        sys.exit("serve_attack: numnet serve did not start")
    return proc, int(found.group(1))


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def post(port: int, body: bytes) -> bytes:
    return (f"POST /api/predict HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


async def exchange(port: int, data: bytes, timeout: float) -> tuple[int, float]:
    """Send ``data`` on a new connection -> (HTTP status or 0 if none came, seconds waited)."""

    async def talk() -> bytes:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(data)
            await writer.drain()
            line = await reader.readline()
            await reader.read()  # the rest, until the server closes
            return line
        finally:
            writer.close()

    t0 = time.perf_counter()
    try:
        line = await asyncio.wait_for(talk(), timeout)
        status = int(line.split(b" ", 2)[1]) if line.startswith(b"HTTP/") else 0
    except (OSError, TimeoutError, IndexError, ValueError):
        status = 0
    return status, time.perf_counter() - t0


async def crowd(port: int, clients: int) -> dict[str, object]:
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 13:16] = 1.0
    data = post(port, json.dumps({"pixels": digit.tolist()}).encode())
    results = await asyncio.gather(*(exchange(port, data, 60.0) for _ in range(clients)))
    waits = np.array([w for _, w in results])
    return {"clients": clients, "answered": sum(s != 0 for s, _ in results),
            "statuses": dict(Counter(s for s, _ in results)),
            "wait p50 s": round(float(np.median(waits)), 2),
            "wait max s": round(float(waits.max()), 2)}


async def slow_client(port: int, until: float, stats: Counter) -> None:
    """Send a request head one byte every 4 s; reconnect whenever the server hangs up."""
    head = f"GET /api/health HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Slow: {'a' * 1000}".encode()
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            stats["connect failed"] += 1
            await asyncio.sleep(1.0)
            continue
        stats["connections"] += 1
        try:
            for byte in head:
                writer.write(bytes([byte]))
                await writer.drain()
                try:  # wait 4 s, or less if the server answers or hangs up
                    got = await asyncio.wait_for(reader.read(1024), timeout=4.0)
                except TimeoutError:
                    got = None
                if got is not None or time.monotonic() >= until:
                    if got is not None:
                        stats["dropped by server"] += 1
                    break
        except OSError:
            stats["dropped by server"] += 1
        finally:
            writer.close()


async def slowloris(port: int, attackers: int, seconds: float) -> dict[str, object]:
    until = time.monotonic() + seconds
    stats: Counter = Counter()
    tasks = [asyncio.create_task(slow_client(port, until, stats)) for _ in range(attackers)]
    await asyncio.sleep(2.0)  # let every attacker connect first
    probe = f"GET /api/health HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n"
    answers = []
    while time.monotonic() < until:
        answers.append(await exchange(port, probe.encode(), 5.0))
        await asyncio.sleep(0.5)
    await asyncio.gather(*tasks)
    waits = np.array([w for _, w in answers])
    return {"attackers": attackers, "seconds": seconds, "probes": len(answers),
            "probe statuses": dict(Counter(s for s, _ in answers)),
            "probe wait max s": round(float(waits.max()), 3),
            "probe wait p50 s": round(float(np.median(waits)), 3), "attack": dict(stats)}


def big_png() -> bytes:
    """A 16-bit 2048x2048 grayscale PNG of a dark stroke on a smooth paper gradient, with a
    patch of noise that makes the request body nearly as large as the limit (1 MiB)."""
    from PIL import Image

    y, x = np.mgrid[0:2048, 0:2048]
    paper = (50000 + 4 * x + 2 * y).astype(np.uint16)
    paper[400:1650, 900:1100] = 3000
    noise = np.random.default_rng(0).integers(40000, 65535, (590, 590), dtype=np.uint16)
    paper[1400:1990, 1400:1990] = noise
    buf = io.BytesIO()
    Image.fromarray(paper).save(buf, format="PNG")  # mode I;16
    return buf.getvalue()


async def bigimage(port: int, pid: int, clients: int) -> dict[str, object]:
    png = big_png()
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    data = post(port, json.dumps({"image": url}).encode())
    before = peak_rss_mb(pid)
    results = await asyncio.gather(*(exchange(port, data, 120.0) for _ in range(clients)))
    waits = np.array([w for _, w in results])
    return {"clients": clients, "png KB": len(png) // 1024, "body KB": len(data) // 1024,
            "statuses": dict(Counter(s for s, _ in results)),
            "wait max s": round(float(waits.max()), 2),
            "peak RSS MB before": round(before), "peak RSS MB": round(peak_rss_mb(pid))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a model file saved by numnet")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help="crowd, slowloris, bigimage (default: all three)")
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario {sorted(unknown)[0]!r} "
                     f"(choose from {', '.join(SCENARIOS)})")
    for name in args.scenarios or SCENARIOS:
        proc, port = start_server(args.model)
        try:
            if name == "crowd":
                result = asyncio.run(crowd(port, 1000))
            elif name == "slowloris":
                result = asyncio.run(slowloris(port, 64, 40.0))
            else:
                result = asyncio.run(bigimage(port, proc.pid, 64))
            result["server alive"] = proc.poll() is None
        finally:
            proc.terminate()
            proc.wait(10)
        print(f"{name}: {json.dumps(result)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
