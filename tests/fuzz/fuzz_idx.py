"""Fuzz the MNIST file readers: many random files, count what each one answered.

    python tests/fuzz/fuzz_idx.py [--cases 10000] [--seed 0]

Five generators, ``--cases`` files each: random bytes, random (often lying) IDX headers,
mutated good IDX files (raw and gzip, checked against their SHA-256), gzip bombs and huge
claims, and mutated Keras ``.npz`` archives.  The only acceptable answers are an array that
agrees with its header or a one-line ``DataError``; anything else is counted as a CRASH and
makes the exit status 1.  Not collected by pytest (no ``test_`` prefix): it runs for a
while; ``tests/test_idx_fuzz.py`` is the quick version that CI runs.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import io
import math
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from numnet.core.errors import DataError
from numnet.datasets.idx import DTYPES, idx_header, parse_idx
from numnet.datasets.npz import read_npz

GOOD = idx_header((3, 4, 5)) + bytes(range(60))
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()
Case = Callable[[random.Random], Callable[[], object]]


def random_bytes(rng: random.Random) -> Callable[[], object]:
    data = rng.randbytes(rng.randrange(0, 1000))
    if rng.random() < 0.5:
        data = gzip.compress(data, compresslevel=1)
    return lambda: parse_idx(data, "fuzz")


def random_header(rng: random.Random) -> Callable[[], object]:
    prefix = rng.choice([b"\0\0", b"\0\0", b"\0\0", b"\x1f\x8b", rng.randbytes(2)])
    dtype = rng.choice([*DTYPES, rng.randrange(256)])
    ndim = rng.choice([1, 2, 3, 3, 0, 4, rng.randrange(256)])
    dims = [rng.choice([0, 1, 2, 5, 28, rng.randrange(2**32), 2**32 - 1]) for _ in range(ndim)]
    dims = dims[: rng.choice([len(dims), len(dims), rng.randrange(len(dims) + 1)])]
    itemsize = DTYPES[dtype].itemsize if dtype in DTYPES else 1
    honest = math.prod(dims) * itemsize if len(dims) == ndim else 0
    length = max(0, min(honest, 8192) + rng.choice([0, 0, 0, -1, 1, -9, 500]))
    data = prefix + bytes([dtype, ndim]) + b"".join(d.to_bytes(4, "big") for d in dims)
    data += rng.randbytes(length)
    if rng.random() < 0.5:
        data = gzip.compress(data, compresslevel=1)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data) + 1)]

    def run() -> object:
        a = parse_idx(data, "fuzz", max_bytes=1 << 24)
        assert a.shape == tuple(dims) and a.dtype == DTYPES[dtype], "array disagrees with header"
        return a

    return run


def _mutate(rng: random.Random, data: bytes, max_ops: int) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, max_ops)):
        at = rng.randrange(len(out) + 1)
        op = rng.choice(["flip", "cut", "insert"])
        if op == "flip" and at < len(out):
            out[at] ^= rng.randrange(1, 256)
        elif op == "cut":
            del out[at : at + rng.randint(1, 8)]
        else:
            out[at:at] = rng.randbytes(rng.randint(1, 8))
    return bytes(out)


def mutated_good(rng: random.Random) -> Callable[[], object]:
    data = _mutate(rng, rng.choice([GOOD, gzip.compress(GOOD)]), 4)

    def run() -> object:
        a = parse_idx(data, "fuzz", sha256=GOOD_SHA)
        assert a.tobytes() == GOOD[16:], "checksum passed for other content"
        return a

    return run


@functools.cache
def _bomb(dims: tuple[int, int], body: int, level: int) -> bytes:
    return gzip.compress(idx_header(dims) + bytes(body), compresslevel=level)  # ~1000:1


def bombs_and_huge_claims(rng: random.Random) -> Callable[[], object]:
    dims = (rng.choice([1, 60000, 2**31, 2**32 - 1]), rng.choice([28, 2**16, 2**32 - 1]))
    data = _bomb(dims, rng.choice([0, 100, 1 << 20, 8 << 20]), rng.choice([1, 9]))
    return lambda: parse_idx(data, "fuzz", max_bytes=1 << 24)


def _small_npz() -> bytes:
    buf = io.BytesIO()
    x, y = np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8)
    np.savez_compressed(buf, x_train=x, y_train=y, x_test=x, y_test=y)
    return buf.getvalue()


NPZ = _small_npz()
SCRATCH = Path(tempfile.mkdtemp(prefix="numnet-fuzz-")) / "mnist.npz"


def mutated_npz(rng: random.Random) -> Callable[[], object]:
    data = _mutate(rng, NPZ, 6)

    def run() -> object:
        SCRATCH.write_bytes(data)
        return read_npz(SCRATCH)  # MNIST's shapes are not these: must always be a DataError

    return run


GENERATORS: dict[str, Case] = {
    "random bytes": random_bytes,
    "random headers": random_header,
    "mutated good file": mutated_good,
    "bombs, huge claims": bombs_and_huge_claims,
    "mutated npz": mutated_npz,
}


#: DataError message fragment -> the name of the refusal, in the order they are tried
REASONS = {
    "not an IDX file": "wrong magic / too short",
    "dimensions": "wrong number of dimensions",
    "truncated IDX header": "truncated header",
    "size of 0": "zero size",
    "shorter than its IDX header": "shorter than header (raw)",
    "longer than its IDX header": "longer than header / bomb",
    "gzip size can inflate to": "huge claim (over gzip ratio)",
    "over the limit": "huge claim (over max_bytes)",
    "file is truncated": "truncated data",
    "corrupt gzip": "corrupt gzip",
    "SHA-256": "checksum mismatch",
    "not a Keras mnist.npz": "npz: not a zip",
    "corrupt .npz": "npz: corrupt zip/npy",
    "no array": "npz: missing key",
    "expected uint8": "npz: wrong dtype/shape",
    ".npy format": "npz: unsupported npy version",
    "than its": "npz: wrong data length",
}


def outcome(run: Callable[[], object]) -> str:
    """'ok', 'DataError: <kind of refusal>', or 'CRASH <type>: <message>'."""
    try:
        run()
        return "ok"
    except DataError as e:
        message = str(e)
        if "\n" in message:
            return "CRASH multi-line DataError"
        kind = next((k for fragment, k in REASONS.items() if fragment in message), message)
        return f"DataError: {kind}"
    except Exception as e:  # the point of fuzzing: catch what nobody planned for
        return f"CRASH {type(e).__name__}: {str(e)[:80]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000, help="files per generator")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    crashes = total = 0
    for name, make in GENERATORS.items():
        start = time.perf_counter()
        counts = Counter(outcome(make(rng)) for _ in range(args.cases))
        seconds = time.perf_counter() - start
        print(f"\n{name}: {args.cases} cases in {seconds:.1f} s")
        for what, n in counts.most_common():
            print(f"  {n:6d}  {what}")
        crashes += sum(n for what, n in counts.items() if what.startswith("CRASH"))
        total += args.cases
    print(f"\n{total} cases, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
