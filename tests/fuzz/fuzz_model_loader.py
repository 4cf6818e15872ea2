"""Fuzz ``model_file.load`` outside CI: N random and damaged files, only ModelFileError allowed.

    python tests/fuzz/fuzz_model_loader.py [N=10000] [--seed S]

Five kinds of case, N in all, round-robin:

- random bytes (sometimes behind a zip, npy or pickle signature, so deeper code is reached);
- a good model file with a random stretch overwritten;
- a good model file cut at a random length;
- an .npz of random arrays (random names, dtypes, shapes, object arrays included);
- a good model whose JSON description has random fields replaced.

Prints a table of outcomes per kind (loaded / refused) and exits 1 if anything else
(another exception, a multi-line message) happened.  Not collected by pytest.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from numnet.core.errors import ModelFileError
from numnet.files import model_file as io
from numnet.nn import BatchNorm, Dense, Dropout, ReLU, Sequential

SIGNATURES = [b"", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY\x01\x00", b"\x80\x04\x95", b"\x80\x02"]
DTYPES = ["<f4", "<f8", "<i8", "|u1", "|b1", "<U4", "|S3", "<c8", "O", ">f4", "<f2"]


def random_json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, -1, 2, 10 ** rng.randrange(1, 20), -(10**9), 784, 16])
    if kind == 3:
        return rng.choice([0.5, -1.5, float("nan"), float("inf"), 1e300, 0.0])
    if kind == 4:
        return rng.choice(["", "Dense", "ReLU", "numnet-model", "x" * 50, "os.system", "units"])
    if kind == 5:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        rng.choice(["type", "config", "units", "rate", "a"]): random_json(rng, depth + 1)
        for _ in range(rng.randrange(4))
    }


def random_bytes(rng: random.Random, good: bytes) -> bytes:
    return rng.choice(SIGNATURES) + rng.randbytes(rng.randrange(0, 3000))


def overwrite(rng: random.Random, good: bytes) -> bytes:
    blob = bytearray(good)
    at = rng.randrange(len(blob))
    blob[at : at + rng.randrange(1, 64)] = rng.randbytes(rng.randrange(1, 64))
    return bytes(blob)


def truncate(rng: random.Random, good: bytes) -> bytes:
    return good[: rng.randrange(len(good))]


def random_npz(rng: random.Random, good: bytes, path: Path) -> None:
    arrays = {}
    for _ in range(rng.randrange(5)):
        name = rng.choice(["params", "buffers", "meta", "x"])
        dtype = np.dtype(rng.choice(DTYPES))
        shape = tuple(rng.randrange(4) for _ in range(rng.randrange(3)))
        if dtype.hasobject:
            arrays[name] = np.array([print, {"a": 1}], dtype=object)
        else:
            arrays[name] = np.frombuffer(
                rng.randbytes(int(np.prod(shape)) * dtype.itemsize), dtype=dtype
            ).reshape(shape)
    with open(path, "wb") as f:
        np.savez(f, allow_pickle=True, **arrays)


def random_description(rng: random.Random, model: Sequential, path: Path) -> None:
    meta = io.description(model)
    for _ in range(rng.randrange(1, 4)):
        target = rng.choice(["top", "arch", "layer", "config"])
        value = random_json(rng)
        try:
            if target == "top":
                meta[rng.choice(["format", "format_version", "architecture"])] = value
            elif target == "arch":
                meta["architecture"][rng.choice(["input_shape", "layers"])] = value
            elif target == "layer":
                layers = meta["architecture"]["layers"]
                layers[rng.randrange(len(layers))] = value
            else:
                layer = rng.choice(meta["architecture"]["layers"])
                layer["config"][rng.choice(["units", "rate", "init", "momentum", "x"])] = value
        except (KeyError, TypeError, IndexError, ValueError, AttributeError):
            pass
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, params=model.flat.params, buffers=model.flat.buffers, meta=blob)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    model = Sequential(
        [Dense(16), BatchNorm(), ReLU(), Dropout(0.1), Dense(10)], input_shape=(784,), seed=0
    )
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures: list[str] = []
    kinds = ["random_bytes", "overwrite", "truncate", "random_npz", "random_description"]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        good = io.save(model, Path(tmp) / "good.npz").read_bytes()
        path = Path(tmp) / "case.npz"
        for i in range(args.n):
            kind = kinds[i % len(kinds)]
            if kind == "random_npz":
                random_npz(rng, good, path)
            elif kind == "random_description":
                random_description(rng, model, path)
            else:
                path.write_bytes(globals()[kind](rng, good))
            try:
                io.load(path)
                counts[kind]["loaded"] += 1
            except ModelFileError as e:
                counts[kind]["refused"] += 1
                if "\n" in str(e):
                    counts[kind]["MULTI-LINE"] += 1
                    failures.append(f"{kind} #{i}: multi-line message {str(e)!r}")
            except Exception as e:  # noqa: BLE001 - that is what we are looking for
                counts[kind]["CRASH"] += 1
                failures.append(f"{kind} #{i}: {type(e).__name__}: {e}")
    total = sum(sum(c.values()) - c["MULTI-LINE"] for c in counts.values())
    print(f"{'kind':<20} {'cases':>7} {'loaded':>7} {'refused':>8} {'other':>6}")
    for kind in kinds:
        c = counts[kind]
        cases = c["loaded"] + c["refused"] + c["CRASH"]
        other = c["CRASH"] + c["MULTI-LINE"]
        print(f"{kind:<20} {cases:>7} {c['loaded']:>7} {c['refused']:>8} {other:>6}")
    print(f"{total} cases in {time.perf_counter() - start:.1f} s; {len(failures)} failures")
    for line in failures[:20]:
        print("  ", line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
