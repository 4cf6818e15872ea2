"""Fuzz ``numnet.data.imaging.prepare`` outside CI: N random and damaged images, count the answers.

    python tests/fuzz/fuzz_imaging.py [--cases 10000] [--seed 0]

Five kinds of case, round-robin, ``--cases`` in all:

- random bytes (sometimes behind a PNG, JPEG, GIF, BMP or WebP signature, to reach decoders);
- a good image file (each format) with random bytes overwritten;
- a good image file cut at a random length;
- a PNG header claiming a random, often huge, size (decompression bombs);
- a random array (dtype, shape, values: NaN, inf, negative, out of range, alpha channels).

The only acceptable answers are a (28, 28) float32 digit in [0, 1] or a one-line
``ImageError``; anything else is counted as a CRASH and makes the exit status 1.  Not
collected by pytest (no ``test_`` prefix); ``tests/test_imaging.py`` runs the quick version.
"""

from __future__ import annotations

import argparse
import io
import random
import struct
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from numnet.core.errors import ImageError
from numnet.data.imaging import prepare


def _good_files() -> list[bytes]:
    img = Image.new("L", (48, 48), 255)
    ImageDraw.Draw(img).line([(24, 6), (24, 42)], fill=0, width=5)
    files = []
    for fmt, im in [
        ("PNG", img),
        ("PNG", img.convert("RGBA")),
        ("PNG", img.convert("P")),
        ("JPEG", img.convert("RGB")),
        ("GIF", img),
        ("BMP", img),
        ("WEBP", img),
    ]:
        buf = io.BytesIO()
        im.save(buf, fmt)
        files.append(buf.getvalue())
    return files


GOOD = _good_files()
SIGNATURES = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"RIFF\0\0\0\0WEBP"]


def _png_header(width: int, height: int, mode: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, mode, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def random_bytes(rng: random.Random) -> bytes:
    return rng.choice(SIGNATURES) + rng.randbytes(rng.randrange(0, 400))


def overwritten(rng: random.Random) -> bytes:
    data = bytearray(rng.choice(GOOD))
    start = rng.randrange(len(data))
    stretch = rng.randbytes(rng.randrange(1, 16))
    data[start : start + len(stretch)] = stretch
    return bytes(data)


def truncated(rng: random.Random) -> bytes:
    data = rng.choice(GOOD)
    return data[: rng.randrange(len(data))]


def bomb(rng: random.Random) -> bytes:
    side = lambda: rng.choice([0, 1, rng.randrange(1, 10_000), rng.randrange(1, 2**31)])  # noqa: E731
    return _png_header(side(), side(), rng.choice([0, 2, 4, 6]))


def random_array(rng: random.Random) -> np.ndarray:
    g = np.random.default_rng(rng.randrange(2**32))
    ndim = rng.choice([1, 2, 3, 3, 4])
    shape = tuple(rng.randrange(0, 14) for _ in range(ndim))
    if ndim == 3 and rng.random() < 0.7:
        shape = shape[:2] + (rng.choice([1, 2, 3, 4]),)
    dtype = rng.choice(["uint8", "uint16", "int16", "float32", "float64", "bool"])
    if dtype == "uint8":
        return g.integers(0, 256, shape).astype(np.uint8)
    if dtype == "uint16":
        return g.integers(0, 65536, shape).astype(np.uint16)
    if dtype == "int16":
        return g.integers(-300, 300, shape).astype(np.int16)
    if dtype == "bool":
        return g.random(shape) < 0.3
    x = g.random(shape).astype(dtype)
    if x.size and rng.random() < 0.3:
        x.flat[g.integers(0, x.size)] = rng.choice([np.nan, np.inf, -1.0, 2.0, 1e30])
    return x


KINDS: dict[str, Callable[[random.Random], object]] = {
    "random bytes": random_bytes,
    "overwritten file": overwritten,
    "truncated file": truncated,
    "bomb header": bomb,
    "random array": random_array,
}


def outcome(source: object) -> str:
    """'digit', 'ImageError', or 'CRASH: ...' for one case."""
    try:
        out = prepare(source)
    except ImageError as e:
        return "ImageError" if "\n" not in str(e) else "CRASH: multi-line message"
    except Exception as e:  # noqa: BLE001 - counting exactly these is the point
        return f"CRASH: {type(e).__name__}: {e}"
    ok = out.shape == (28, 28) and out.dtype == np.float32
    ok = ok and bool(np.isfinite(out).all()) and out.min() >= 0 and out.max() <= 1
    return "digit" if ok else "CRASH: bad output"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    start = time.perf_counter()
    names = list(KINDS)
    for i in range(args.cases):
        kind = names[i % len(names)]
        result = outcome(KINDS[kind](rng))
        counts[kind][result if not result.startswith("CRASH") else "CRASH"] += 1
        if result.startswith("CRASH"):
            print(f"case {i} ({kind}): {result}", file=sys.stderr)
    print(f"{args.cases} cases in {time.perf_counter() - start:.0f} s (seed {args.seed})")
    print(f"{'kind':<18}{'cases':>7}{'digit':>7}{'ImageError':>12}{'CRASH':>7}")
    for kind, c in counts.items():
        total = sum(c.values())
        print(f"{kind:<18}{total:>7}{c['digit']:>7}{c['ImageError']:>12}{c['CRASH']:>7}")
    return 1 if any(c["CRASH"] for c in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
