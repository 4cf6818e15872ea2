"""Fuzz ``numnet.tutorial.safe_pickle`` outside CI: N pickles built opcode by opcode, or damaged.

    python tests/fuzz/fuzz_safe_pickle.py [N=10000] [--seed S]

Three kinds of case, N in all, round-robin:

- a program of random opcodes, generated value by value: numbers, strings, bytes, every
  container opcode, memo PUT/GET, DUP, POP, MARK, and REDUCE / BUILD on globals drawn from
  the allow-list and beyond it (``numpy.dtype`` with random and near-valid states, NumPy's
  ``_reconstruct`` / ``_frombuffer`` / ``scalar`` with random shapes, dtypes and data
  lengths, ``os.system``, ``numpy.ndarray`` called directly with strides ...);
- a real NumPy pickle (dicts and tuples of arrays and scalars, protocols 0-5) with bytes
  flipped, spans deleted or repeated, or random opcodes inserted;
- a real pickle cut at a random length.

Only a loaded value or a one-line ModelFileError may come out: anything else (another
exception, a multi-line message, a crash of the interpreter) is a failure.  Prints a table
of outcomes per kind, the slowest case, and the process's peak memory; exits 1 on failure.
Not collected by pytest.
"""

from __future__ import annotations

import functools
import pickle
import random
import struct
import sys

import numpy as np
from tally import Tally, arguments

from numnet.tutorial import safe_pickle

GLOBALS = [
    ("numpy", "dtype"), ("numpy", "ndarray"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("_codecs", "encode"), ("builtins", "set"), ("__builtin__", "frozenset"),
    ("builtins", "bytes"), ("collections", "OrderedDict"), ("os", "system"),
    ("builtins", "eval"), ("copyreg", "_reconstructor"), ("numpy", "frombuffer"),
]  # fmt: skip
CODES = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "M8", "O",
         "c16", "U3", "V8", "S2", "f16", "", "x"]  # fmt: skip
OPCODES = b"(.012FIJKLMNPRSTUVXabcdeghijlopqrstu}])G\x80\x81\x82\x85\x86\x87\x88\x89\x8a\x8b"
OPCODES += b"BC\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98"


def text(rng: random.Random) -> bytes:
    s = rng.choice(["", "W1", "b2", "<", "|", "=", ">", "latin1", "C", "F", "é", "\U0001f600"])
    data = s.encode("utf-8", "surrogatepass")
    return b"\x8c" + bytes([len(data)]) + data


def blob(rng: random.Random, n: int | None = None) -> bytes:
    n = rng.choice([0, 1, 4, 8, 24, 64, 300]) if n is None else max(n, 0)
    data = rng.randbytes(n)
    if rng.random() < 0.5:
        return b"C" + bytes([n]) + data if n < 256 else b"B" + struct.pack("<I", n) + data
    return b"\x96" + struct.pack("<Q", n) + data  # BYTEARRAY8


def number(rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        return b"K" + bytes([rng.randrange(256)])
    if kind == 1:
        return b"J" + struct.pack("<i", rng.choice([-1, 0, 3, 2**31 - 1, -(2**31), 10**9]))
    if kind == 2:
        return b"M" + struct.pack("<H", rng.randrange(65536))
    if kind == 3:
        return b"G" + struct.pack(">d", rng.choice([0.5, float("nan"), float("inf"), -0.0]))
    if kind == 4:
        big = rng.choice([0, 1, -1, 2**64, -(2**200), 3_000_000])
        data = big.to_bytes((big.bit_length() + 8) // 8 or 1, "little", signed=True)
        return b"\x8a" + bytes([len(data)]) + data
    if kind == 5:
        return b"I" + str(rng.choice([0, 1, -5, 10**20])).encode() + b"\n"
    if kind == 6:
        return rng.choice([b"N", b"\x88", b"\x89", b"I00\n", b"I01\n"])
    return b"F" + rng.choice([b"1.5", b"nan", b"-inf", b"x"]) + b"\n"


PLAIN = {"b1": 1, "i1": 1, "i2": 2, "i4": 4, "i8": 8, "u1": 1, "u2": 2, "u4": 4, "u8": 8,
         "f2": 2, "f4": 4, "f8": 8}  # fmt: skip


def shape(rng: random.Random, dims: list[int] | None = None) -> bytes:
    if dims is None:
        dims = [rng.choice([0, 1, 2, 3, 5, 784, 10, 3_000_000, -1, 2**40])
                for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 40]))]  # fmt: skip
    body = b"".join(b"J" + struct.pack("<i", max(min(d, 2**31 - 1), -(2**31))) for d in dims)
    return b"(" + body + b"t"


def glob(rng: random.Random, pair: tuple[str, str] | None = None) -> bytes:
    module, name = pair or rng.choice(GLOBALS)
    if rng.random() < 0.5:
        return b"c" + module.encode() + b"\n" + name.encode() + b"\n"
    m, n = module.encode(), name.encode()
    return b"\x8c" + bytes([len(m)]) + m + b"\x8c" + bytes([len(n)]) + n + b"\x93"


def dtype(rng: random.Random, code: str | None = None) -> bytes:
    """numpy.dtype(code, False, True) + BUILD (3, order, None, None, None, -1, -1, 0), the
    code and state valid when ``code`` is given, else drawn near-valid."""
    raw = (code or rng.choice(CODES)).encode()
    out = glob(rng, ("numpy", "dtype")) + b"\x8c" + bytes([len(raw)]) + raw
    out += (b"\x89\x88" if code else rng.choice([b"\x89\x88", b"\x88\x88", b"\x89\x89"])) + b"\x87R"
    if code or rng.random() < 0.9:
        order = (b"|" if PLAIN[code] == 1 else b"<") if code else bytes([rng.choice(b"<>|=x")])
        minus1 = b"J\xff\xff\xff\xff"
        state = [b"K\x03", b"\x8c\x01" + order, b"N", b"N", b"N", minus1, minus1, b"K\x00"]
        for _ in range(0 if code else rng.choice([0, 0, 1, 2])):
            state[rng.randrange(len(state))] = value(rng, 2)
        if not code and rng.random() < 0.1:
            state = state[: rng.randrange(len(state))]
        out += b"(" + b"".join(state) + b"tb"
    return out


def array(rng: random.Random) -> bytes:
    """A NumPy array as protocol 5 (_frombuffer) or 0-4 (_reconstruct + BUILD) write it: half
    the time with consistent pieces, otherwise with random shapes, dtypes and data."""
    if rng.random() < 0.5:
        code = rng.choice(list(PLAIN))
        dims = [rng.randrange(5) for _ in range(rng.randrange(4))]
        n = PLAIN[code] * int(np.prod(dims))
        pieces = (
            dtype(rng, code),
            shape(rng, dims),
            blob(rng, n + rng.choice([0, 0, 0, 1, -1]) if n else 0),
        )
    else:
        pieces = dtype(rng), shape(rng), blob(rng)
    dt, sh, data = pieces
    if rng.random() < 0.5:  # protocol 5: _frombuffer(data, dtype, shape, order)
        order = rng.choice([b"\x8c\x01C", b"\x8c\x01F", text(rng)])
        return (
            glob(rng, ("numpy._core.numeric", "_frombuffer"))
            + b"("
            + data
            + dt
            + sh
            + order
            + b"tR"
        )
    out = glob(rng, ("numpy._core.multiarray", "_reconstruct"))
    out += glob(rng, ("numpy", "ndarray")) + b"K\x00\x85C\x01b\x87R"
    out += b"(K\x01" + sh + dt + rng.choice([b"\x89", b"\x89", b"\x88", b"K\x02"])
    return out + data + b"tb"


def value(rng: random.Random, depth: int = 0) -> bytes:
    kind = rng.randrange(12 if depth < 4 else 4)
    if kind == 0:
        return number(rng)
    if kind == 1:
        return text(rng)
    if kind == 2:
        return blob(rng)
    if kind == 3:
        return rng.choice([b")", b"]", b"}", b"\x8f"])
    if kind == 4:
        return array(rng)
    if kind == 5:
        return dtype(rng)
    if kind == 6:  # a call of any global with random arguments
        return glob(rng) + b"(" + b"".join(value(rng, depth + 1) for _ in range(3)) + b"tR"
    if kind == 7:  # tuples, lists, sets
        items = b"".join(value(rng, depth + 1) for _ in range(rng.randrange(4)))
        return b"(" + items + rng.choice([b"t", b"l", b"\x91"])
    if kind == 8:  # a dict with keys of any kind
        pairs = b"".join(
            rng.choice([text(rng), number(rng), value(rng, depth + 1)]) + value(rng, depth + 1)
            for _ in range(rng.randrange(4))
        )
        return b"}(" + pairs + b"u"
    if kind == 9:  # memo traffic
        return (
            value(rng, depth + 1)
            + rng.choice([b"\x94", b"q\x00", b"q\x01"])
            + rng.choice([b"", b"h\x00", b"h\x01", b"2", b"0"])
        )
    if kind == 10:  # ndarray called directly: shape, dtype, buffer, offset, strides
        return (
            glob(rng, ("numpy", "ndarray"))
            + b"("
            + shape(rng)
            + text(rng)
            + blob(rng)
            + (b"K\x00" + shape(rng) + b"tR")
        )
    return bytes([rng.choice(OPCODES)]) + value(rng, depth + 1)  # a stray opcode


def program(rng: random.Random, goods: list[bytes]) -> bytes:
    return b"\x80" + bytes([rng.choice([2, 3, 4, 5, 6])]) + value(rng) + b"."


def damaged(rng: random.Random, goods: list[bytes]) -> bytes:
    data = bytearray(rng.choice(goods))
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(data))
        kind = rng.randrange(4)
        if kind == 0:
            data[at] = rng.randrange(256)
        elif kind == 1:
            del data[at : at + rng.randrange(1, 16)]
        elif kind == 2:
            data[at:at] = data[at : at + rng.randrange(1, 32)]
        else:
            data[at:at] = bytes([rng.choice(OPCODES)])
        if not data:
            break
    return bytes(data)


def cut(rng: random.Random, goods: list[bytes]) -> bytes:
    data = rng.choice(goods)
    return data[: rng.randrange(len(data))]


def real_pickles() -> list[bytes]:
    """What NumPy and the tutorial really write, under every protocol."""
    rng = np.random.default_rng(0)
    objects = [
        {
            k: rng.standard_normal(s)
            for k, s in (("W1", (4, 6)), ("b1", (4, 1)), ("W2", (10, 4)), ("b2", (10, 1)))
        },  # fmt: skip
        tuple(rng.standard_normal((3, 3)).astype(t) for t in (np.float32, np.float64)),
        {
            "f": np.asfortranarray(np.eye(3)),
            "s": np.float32(0.5),
            "i": np.int64(7),
            "big": np.arange(5, dtype=">i4"),
            "e": np.zeros((0, 3)),
            "b": np.array([True]),
        },  # fmt: skip
    ]
    return [
        pickle.dumps(o, protocol=p) for o in objects for p in range(pickle.HIGHEST_PROTOCOL + 1)
    ]


def main() -> int:
    n, rng = arguments(__doc__)
    goods = real_pickles()
    for data in goods:  # the real ones must load
        safe_pickle.loads(data)
    kinds = {"program": program, "damaged": damaged, "cut": cut}
    tally = Tally(list(kinds))
    for i in range(n):
        kind = list(kinds)[i % len(kinds)]
        data = kinds[kind](rng, goods)
        tally.run(kind, i, functools.partial(safe_pickle.loads, data, "case.pkl"), data[:80])
    return tally.report()


if __name__ == "__main__":
    sys.exit(main())
