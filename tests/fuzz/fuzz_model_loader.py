"""Fuzz ``model_file.load`` outside CI: N random and damaged files, only ModelFileError allowed.

    python tests/fuzz/fuzz_model_loader.py [N=10000] [--seed S]

Seven kinds of case, N in all, round-robin:

- random bytes (sometimes behind a zip, npy or pickle signature, so deeper code is reached);
- a good model file with a random stretch overwritten;
- a good model file cut at a random length;
- an .npz of random arrays (random names, dtypes, shapes, object arrays included);
- a good model whose JSON description has random fields replaced;
- a zip crafted member by member: names allowed or not (duplicates, paths, checkpoint
  slots), stored / deflated / bzip2 / lzma, ``.npy`` headers that lie about shape, dtype
  or order, data cut short or too long, a bad CRC, a fake end record in the comment,
  zip64 entries, and now and then a 64 MiB member of zeros (deflated to 64 KB);
- a tutorial pickle built opcode by opcode (``fuzz_safe_pickle``) or damaged.

Prints a table of outcomes per kind (loaded / refused), the slowest case and the peak
memory, and exits 1 if anything else (another exception, a multi-line message) happened.
Not collected by pytest.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
from fuzz_safe_pickle import damaged, program, real_pickles
from tally import Tally, arguments

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


NAMES = ["meta.npy", "params.npy", "buffers.npy", "opt_m.npy", "junk.npy", "../params.npy",
         "a/params.npy", "params", "params.npy"]  # fmt: skip
METHODS = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]


def npy(rng: random.Random, a: np.ndarray) -> bytes:
    """``a`` as an .npy file, sometimes with a header that lies or data cut or padded."""
    import io as pyio

    header = {"descr": a.dtype.str, "fortran_order": False, "shape": a.shape}
    lie = rng.randrange(6)
    if lie == 1:
        header["shape"] = rng.choice([(a.size + 1,), (10**12,), (2, a.size // 2), ()])
    elif lie == 2:
        header["descr"] = rng.choice(["<f8", "|O", ">f4", "<i4", "|u1", "<U2"])
    elif lie == 3:
        header["fortran_order"] = True
    out = pyio.BytesIO()
    np.lib.format.write_array_header_1_0(out, header)
    data = a.tobytes()
    if lie == 4:
        data = data[: rng.randrange(len(data) + 1)]
    elif lie == 5:
        data += rng.randbytes(rng.randrange(1, 64))
    return out.getvalue() + data


def crafted_members(rng: random.Random, model: Sequential, path: Path) -> None:
    meta = json.dumps(io.description(model)).encode()
    contents = {
        "meta.npy": lambda: npy(rng, np.frombuffer(meta, np.uint8)),
        "params.npy": lambda: npy(rng, model.flat.params),
        "buffers.npy": lambda: npy(rng, model.flat.buffers),
    }
    names = ["meta.npy", "params.npy", "buffers.npy"]
    for _ in range(rng.randrange(3)):
        if rng.random() < 0.5:
            names.remove(rng.choice(names)) if names else None
        else:
            names.insert(rng.randrange(len(names) + 1), rng.choice(NAMES))
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as zf:
        warnings.simplefilter("ignore")  # duplicate names are the point
        for name in names:
            bomb = rng.random() < 0.01  # a 64 MiB member of zeros (deflated: the lzma
            # compressor alone would take 90 MB here, hiding what loading takes)
            method = rng.choice(METHODS) if rng.random() < 0.3 else zipfile.ZIP_STORED
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED if bomb else method
            with zf.open(info, "w", force_zip64=rng.random() < 0.5) as w:
                if bomb:
                    w.write(npy(rng, np.zeros(0, np.float32))[:128])
                    zeros = bytes(1 << 20)
                    for _ in range(64):
                        w.write(zeros)
                else:
                    w.write(contents.get(name, lambda: rng.randbytes(rng.randrange(300)))())
        if rng.random() < 0.1:
            zf.comment = rng.choice([b"PK\x05\x06" + bytes(18), rng.randbytes(40)])
    if rng.random() < 0.1:  # a bad CRC or a flipped header byte, somewhere
        blob = bytearray(path.read_bytes())
        at = rng.randrange(len(blob))
        blob[at] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(blob))


def main() -> int:
    n, rng = arguments(__doc__)
    model = Sequential(
        [Dense(16), BatchNorm(), ReLU(), Dropout(0.1), Dense(10)], input_shape=(784,), seed=0
    )
    kinds = ["random_bytes", "overwrite", "truncate", "random_npz", "random_description",
             "crafted_members", "pickle"]  # fmt: skip
    pickles = real_pickles()
    tally = Tally(kinds)
    with tempfile.TemporaryDirectory() as tmp:
        good = io.save(model, Path(tmp) / "good.npz").read_bytes()
        path = Path(tmp) / "case.npz"
        for i in range(n):
            kind = kinds[i % len(kinds)]
            if kind == "random_npz":
                random_npz(rng, good, path)
            elif kind == "random_description":
                random_description(rng, model, path)
            elif kind == "crafted_members":
                crafted_members(rng, model, path)
            elif kind == "pickle":
                path.write_bytes(rng.choice([program, damaged])(rng, pickles))
            else:
                path.write_bytes(globals()[kind](rng, good))
            tally.run(kind, i, lambda: io.load(path))
    return tally.report()


if __name__ == "__main__":
    sys.exit(main())
