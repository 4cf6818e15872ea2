"""Reading the tutorial's pickles without running them: a small pickle machine of our own.

A pickle is a program for a stack machine.  Besides pushing numbers, strings and containers
it may name any importable callable (``os.system``, ``numpy.dtype`` ...) and call it with
arguments of its choosing, or hand any object a state of its choosing (the BUILD opcode
calls ``obj.__setstate__(state)``).  Even NumPy's own callables are not safe to reach this
way: ``dtype.__setstate__`` with a malformed state crashes the interpreter, and
``ndarray(shape, 'O')`` or zero strides allocate gigabytes from a 50-byte file.

So ``pickle.Unpickler`` is not used at all.  This module executes the opcodes itself
(protocols 0-5, the ones that build data; PERSID, EXT, INST, OBJ, NEWOBJ and out-of-band
buffers are refused) and maps the few names NumPy writes for arrays to *stand-ins of its
own* that only record their arguments:

- ``numpy.dtype(code, False, True)`` + BUILD ``(3, order, None, None, None, -1, -1, 0)``:
  a plain numeric dtype, ``code`` from ``DTYPES`` (bool, int8..int64, uint8..uint64,
  float16/32/64), ``order`` one of ``< > = |``;
- ``numpy[._]core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')`` + BUILD
  ``(1, shape, dtype, fortran, data)``: an array (protocols 0-4);
- ``numpy[._]core.numeric._frombuffer(data, dtype, shape, order)``: an array (protocol 5);
- ``numpy[._]core.multiarray.scalar(dtype, data)``: a NumPy scalar such as ``np.float32(1)``;
- ``_codecs.encode(text, 'latin1')`` (how protocols 0-2 write bytes), ``set``,
  ``frozenset``, ``bytes()`` and ``collections.OrderedDict()``.

Every array is then made here, from validated pieces only: a dtype from the table above, a
shape of at most ``MAX_NDIM`` non-negative ints whose size ``prod(shape) * itemsize`` is at
most ``MAX_BYTES``, and data of exactly that many bytes, already present in the file.
Nothing is allocated that the file does not contain, so memory is bounded by the file size:
binary data (protocols 3-5) is not even copied, the array is a view of the file's buffer
(copied only if misaligned).  The program itself is bounded too: at most ``MAX_OPCODES``
opcodes, tuples nested at most ``MAX_TUPLE_DEPTH`` deep (hashing deeper ones recurses in C),
dict keys are strings.  Anything else, or a file that is not a pickle, raises a one-line
:class:`~numnet.errors.ModelFileError` naming the file.
"""

from __future__ import annotations

import codecs
import collections
import math
import os
import re
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from numnet.core.atomic import open_regular_file
from numnet.core.errors import ModelFileError

#: the dtypes a parameter pickle may hold, by the code ``numpy.dtype.__reduce__`` writes
DTYPES = {
    code: np.dtype(code)
    for code in ("b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8")
}
MAX_BYTES = 1 << 30  # file size, and size of any one array
MAX_NDIM = 32
MAX_OPCODES = 100_000
MAX_TUPLE_DEPTH = 32
MAX_PROTOCOL = 5
#: text longer than this must be Latin-1 (array data of protocols 0-2): UTF-8 text with one
#: character beyond U+00FF would otherwise take 4 bytes a character in memory
MAX_WIDE_TEXT = 1 << 16
_WIDE_UTF8 = re.compile(rb"[\xc4-\xff]")  # lead bytes of characters beyond U+00FF


class _RefusedError(Exception):
    """The pickle asks for something outside what this module builds (message: what)."""


# --------------------------------------------------------------------------- stand-ins


class _Global:
    """A name the pickle looked up (GLOBAL / STACK_GLOBAL): callable through REDUCE only."""

    def __init__(self, name: str, call: Callable[..., Any]) -> None:
        self.name, self.call = name, call


class _Dtype:
    """``numpy.dtype(code, False, True)`` waiting for its BUILD state."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.dtype: np.dtype | None = None

    def build(self, state: Any) -> None:
        if self.dtype is not None or not isinstance(state, tuple) or len(state) != 8:
            raise _RefusedError(f"a dtype state {_brief(state)}")
        order, rest = state[1], (state[0], *state[2:])
        if rest != (3, None, None, None, -1, -1, 0) or order not in ("<", ">", "=", "|"):
            raise _RefusedError(f"a dtype state {_brief(state)}")
        plain = DTYPES[self.code]
        if (order == "|") != (plain.itemsize == 1):
            raise _RefusedError(f"byte order {order!r} for dtype {self.code}")
        self.dtype = plain.newbyteorder(order) if order in "<>" else plain


class _Array:
    """``_reconstruct(ndarray, (0,), b'b')`` waiting for its BUILD state."""

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def build(self, state: Any, make: Callable[..., np.ndarray]) -> None:
        if self.array is not None or not isinstance(state, tuple) or len(state) != 5:
            raise _RefusedError(f"an array state {_brief(state)}")
        version, shape, dtype, fortran, data = state
        if version != 1 or not isinstance(fortran, bool):
            raise _RefusedError(f"an array state {_brief(state)}")
        self.array = make(data, dtype, shape, "F" if fortran else "C")


def _brief(value: Any) -> str:
    text = repr(value) if isinstance(value, (int, float, str, type(None))) else ""
    return text[:40] or f"of type {type(value).__name__}"


def _dtype_of(spec: Any) -> np.dtype:
    if not isinstance(spec, _Dtype) or spec.dtype is None:
        raise _RefusedError(f"an array with dtype {_brief(spec)}")
    return spec.dtype


def _data(value: Any) -> memoryview:
    if not isinstance(value, (memoryview, bytes)):
        raise _RefusedError(f"array data {_brief(value)}")
    return memoryview(value)


def _shape(value: Any) -> tuple[int, ...]:
    ok = (
        isinstance(value, tuple)
        and len(value) <= MAX_NDIM
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)
    )
    if not ok:
        raise _RefusedError(f"an array of shape {_brief(value)}")
    return tuple(value)


# --------------------------------------------------------------------------- the machine


class _Machine:
    """Runs one pickle held in ``raw`` (the whole file), opcode by opcode.

    ``stack`` and ``marks`` are pickle's stack and MARK positions, ``memo`` its memo.
    Binary bytes arguments are memoryviews of ``raw`` (no copy); they, and the stand-ins
    above, become plain values (``plain``) before they go into a list, dict or set.
    """

    def __init__(self, raw: bytearray) -> None:
        self.raw, self.buf, self.pos = raw, memoryview(raw), 0
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}
        self.depth: dict[int, tuple[tuple[Any, ...], int]] = {}  # id -> (tuple, depth)
        self.plain_tuples: dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}  # plain copies
        self.used_data: dict[int, Any] = {}  # id -> data already viewed by an array

    def run(self) -> Any:
        for _ in range(MAX_OPCODES):
            op = self.raw[self.pos : self.pos + 1]
            self.pos += 1
            handler = _DISPATCH.get(bytes(op))
            if handler is None:
                what = _REFUSED_OPS.get(bytes(op))
                if what:
                    raise _RefusedError(f"the {what} opcode")
                raise ValueError(f"unknown opcode {bytes(op)!r} at byte {self.pos - 1}")
            if handler(self) is _STOP:
                if len(self.stack) != 1 or self.marks:
                    raise ValueError("the stack is not one value at STOP")
                return self.plain(self.stack[0])
        raise _RefusedError(f"more than {MAX_OPCODES} opcodes")

    # ------------------------------------------------------------------ arguments

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise EOFError("the pickle ends in the middle of an opcode")
        view = self.buf[self.pos : self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def line(self) -> bytes:
        end = self.raw.find(b"\n", self.pos)
        if end < 0:
            raise EOFError("the pickle ends in the middle of a line")
        text = bytes(self.buf[self.pos : end])
        self.pos = end + 1
        return text

    def text(self, data: memoryview) -> str:
        if len(data) > MAX_WIDE_TEXT and _WIDE_UTF8.search(data):
            raise _RefusedError("a long text beyond Latin-1")
        return str(data, "utf-8", "surrogatepass")

    # ------------------------------------------------------------------ the stack

    def push(self, value: Any) -> None:
        self.stack.append(value)

    def pop_n(self, n: int) -> list[Any]:
        floor = self.marks[-1] if self.marks else 0
        if len(self.stack) - n < floor:
            raise ValueError("stack underflow")
        items = self.stack[len(self.stack) - n :]
        del self.stack[len(self.stack) - n :]
        return items

    def pop_mark(self) -> list[Any]:
        if not self.marks:
            raise ValueError("no MARK on the stack")
        at = self.marks.pop()
        items = self.stack[at:]
        del self.stack[at:]
        return items

    def top(self, kinds: type | tuple[type, ...]) -> Any:
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise ValueError("stack underflow")
        obj = self.stack[-1]
        if not isinstance(obj, kinds):
            raise ValueError(f"cannot add items to or BUILD {type(obj).__name__}")
        return obj

    def memo_get(self, index: int) -> None:
        if index not in self.memo:
            raise ValueError(f"memo entry {index} was never stored")
        self.push(self.memo[index])

    def memo_put(self, index: int) -> None:
        if not self.stack:
            raise ValueError("PUT on an empty stack")
        self.memo[index] = self.stack[-1]

    # ------------------------------------------------------------------ values

    def tuple_of(self, items: list[Any]) -> None:
        t = tuple(x.array if isinstance(x, _Array) and x.array is not None else x for x in items)
        nested = 1 + max((self.depth_of(x) for x in t), default=0)
        if nested > MAX_TUPLE_DEPTH:
            raise _RefusedError(f"tuples nested more than {MAX_TUPLE_DEPTH} deep")
        self.depth[id(t)] = (t, nested)
        self.push(t)

    def depth_of(self, x: Any) -> int:
        entry = self.depth.get(id(x))
        return entry[1] if entry is not None and entry[0] is x else 0

    def plain(self, x: Any) -> Any:
        """``x`` as it may go into a list, dict or set, or be returned: no stand-ins."""
        if isinstance(x, _Array):
            if x.array is None:
                raise _RefusedError("an array without its data (no BUILD)")
            return x.array
        if isinstance(x, memoryview):
            return bytes(x)
        if isinstance(x, _Global):
            raise _RefusedError(f"{x.name} as a value")
        if isinstance(x, _Dtype):
            raise _RefusedError("a dtype as a value")
        if isinstance(x, tuple):
            hit = self.plain_tuples.get(id(x))
            if hit is not None and hit[0] is x:
                return hit[1]
            out = tuple(self.plain(v) for v in x)
            self.plain_tuples[id(x)] = (x, out)
            return out
        return x

    def pairs(self, items: list[Any]) -> dict[str, Any]:
        if len(items) % 2:
            raise ValueError("odd number of items for a dict")
        out = {}
        for k, v in zip(items[::2], items[1::2], strict=True):
            if not isinstance(k, str):
                raise _RefusedError(f"a dict key of type {type(k).__name__} (keys must be strings)")
            out[k] = self.plain(v)
        return out

    # ------------------------------------------------------------------ arrays and globals

    def make_array(self, data: Any, dtype: Any, shape: Any, order: Any = "C") -> np.ndarray:
        """An array from validated pieces: an allow-listed dtype, a shape, exact bytes."""
        dt, dims, view = _dtype_of(dtype), _shape(shape), _data(data)
        if order not in ("C", "F"):
            raise _RefusedError(f"array order {_brief(order)}")
        n = math.prod(dims)
        if n * dt.itemsize > MAX_BYTES:
            raise _RefusedError(f"an array of {n} values (more than {MAX_BYTES >> 20} MiB)")
        if view.nbytes != n * dt.itemsize:
            raise _RefusedError(f"an array of shape {dims} with {view.nbytes} bytes of data")
        a = np.frombuffer(view, dtype=dt, count=n).reshape(dims, order=order)
        seen = self.used_data.get(id(data))
        if not (a.flags.writeable and a.flags.aligned) or seen is data:
            a = a.copy(order="K")  # bytes are read-only; one buffer never backs two arrays
        self.used_data[id(data)] = data
        return a

    def scalar(self, dtype: Any, data: Any) -> np.generic:
        dt, view = _dtype_of(dtype), _data(data)
        if view.nbytes != dt.itemsize:
            raise _RefusedError(f"a {dt} scalar of {view.nbytes} bytes")
        value: np.generic = np.frombuffer(view, dtype=dt, count=1).copy()[0]
        return value

    def container(self, kind: type) -> Callable[..., Any]:
        def make(items: Any = ()) -> Any:
            if not isinstance(items, (list, tuple)):
                raise _RefusedError(f"{kind.__name__} of {_brief(items)}")
            return kind(self.plain(x) for x in items)

        return make

    def lookup(self, module: str, name: str) -> None:
        """GLOBAL: the stand-in for an allow-listed name; anything else is refused."""
        full = f"{module}.{name}".replace("__builtin__.", "builtins.", 1)
        calls: dict[str, Callable[..., Any]] = {
            "numpy.dtype": _dtype_standin,
            "numpy.ndarray": _not_callable,
            "_codecs.encode": _latin1_encode,
            "builtins.set": self.container(set),
            "builtins.frozenset": self.container(frozenset),
            "builtins.bytes": _empty(bytes),
            "collections.OrderedDict": _empty(collections.OrderedDict),
        }
        for core in ("numpy.core", "numpy._core"):
            calls[f"{core}.multiarray._reconstruct"] = _reconstruct_standin
            calls[f"{core}.multiarray.scalar"] = self.scalar
            calls[f"{core}.numeric._frombuffer"] = self.make_array
        if full not in calls:
            raise _RefusedError(full)
        self.push(_Global(full, calls[full]))

    # ------------------------------------------------------------------ opcodes

    def op_PROTO(self) -> None:
        if self.unpack("<B") > MAX_PROTOCOL:
            raise ValueError(f"pickle protocol above {MAX_PROTOCOL}")

    def op_FRAME(self) -> None:
        self.unpack("<Q")  # frames only group opcodes; the whole file is in memory

    def op_STOP(self) -> object:
        return _STOP

    def op_MARK(self) -> None:
        self.marks.append(len(self.stack))

    def op_POP(self) -> None:
        if self.marks and self.marks[-1] == len(self.stack):
            self.marks.pop()  # pickle's POP of a bare MARK
        else:
            self.pop_n(1)

    def op_POP_MARK(self) -> None:
        self.pop_mark()

    def op_DUP(self) -> None:
        self.push(self.pop_n(1)[0])
        self.push(self.stack[-1])

    def op_INT(self) -> None:
        text = self.line()
        self.push({b"00": False, b"01": True}.get(text) if text in (b"00", b"01") else int(text))

    def op_LONG(self) -> None:
        self.push(int(self.line().rstrip(b"L")))

    def op_REDUCE(self) -> None:
        func, args = self.pop_n(2)
        if not isinstance(func, _Global) or not isinstance(args, tuple):
            raise ValueError("REDUCE needs a global and a tuple")
        self.push(func.call(*args))

    def op_BUILD(self) -> None:
        (state,) = self.pop_n(1)
        obj = self.top((_Dtype, _Array))
        if isinstance(obj, _Dtype):
            obj.build(state)
        else:
            obj.build(state, self.make_array)

    def op_LIST(self) -> None:
        self.push([self.plain(x) for x in self.pop_mark()])

    def op_DICT(self) -> None:
        self.push(self.pairs(self.pop_mark()))

    def op_FROZENSET(self) -> None:
        self.push(frozenset(self.plain(x) for x in self.pop_mark()))

    def op_APPEND(self) -> None:
        (value,) = self.pop_n(1)
        self.top(list).append(self.plain(value))

    def op_APPENDS(self) -> None:
        items = self.pop_mark()
        self.top(list).extend(self.plain(x) for x in items)

    def op_SETITEM(self) -> None:
        k, v = self.pop_n(2)
        self.top(dict).update(self.pairs([k, v]))

    def op_SETITEMS(self) -> None:
        items = self.pop_mark()
        self.top(dict).update(self.pairs(items))

    def op_ADDITEMS(self) -> None:
        items = self.pop_mark()
        self.top(set).update(self.plain(x) for x in items)

    def op_STACK_GLOBAL(self) -> None:
        module, name = self.pop_n(2)
        if not isinstance(module, str) or not isinstance(name, str):
            raise ValueError("STACK_GLOBAL needs two strings")
        self.lookup(module, name)


_STOP = object()


def _u(fmt: str) -> Callable[[_Machine], Any]:
    return lambda m: m.unpack(fmt)


def _sized(fmt: str) -> Callable[[_Machine], memoryview]:
    return lambda m: m.take(m.unpack(fmt))


#: opcodes that push one value computed from their argument
_PUSHERS: dict[bytes, Callable[[_Machine], Any]] = {
    b"N": lambda m: None,
    b"\x88": lambda m: True,
    b"\x89": lambda m: False,
    b"J": _u("<i"),  # BININT
    b"K": _u("<B"),  # BININT1
    b"M": _u("<H"),  # BININT2
    b"\x8a": lambda m: int.from_bytes(_sized("<B")(m), "little", signed=True),  # LONG1
    b"\x8b": lambda m: int.from_bytes(_sized("<i")(m), "little", signed=True),  # LONG4
    b"G": _u(">d"),  # BINFLOAT
    b"F": lambda m: float(m.line()),  # FLOAT
    b"S": lambda m: _quoted(m.line()),  # STRING
    b"T": lambda m: str(_sized("<i")(m), "latin-1"),  # BINSTRING
    b"U": lambda m: str(_sized("<B")(m), "latin-1"),  # SHORT_BINSTRING
    b"V": lambda m: str(m.line(), "raw-unicode-escape"),  # UNICODE
    b"X": lambda m: m.text(_sized("<I")(m)),  # BINUNICODE
    b"\x8c": lambda m: m.text(_sized("<B")(m)),  # SHORT_BINUNICODE
    b"\x8d": lambda m: m.text(_sized("<Q")(m)),  # BINUNICODE8
    b"B": _sized("<I"),  # BINBYTES
    b"C": _sized("<B"),  # SHORT_BINBYTES
    b"\x8e": _sized("<Q"),  # BINBYTES8
    b"\x96": _sized("<Q"),  # BYTEARRAY8
    b")": lambda m: (),
    b"]": lambda m: [],
    b"}": lambda m: {},
    b"\x8f": lambda m: set(),
}
#: opcodes with their own method (``_Machine.op_<NAME>``), or a one-line one here
_METHODS: dict[bytes, Callable[[_Machine], Any]] = {
    b"\x80": _Machine.op_PROTO,
    b"\x95": _Machine.op_FRAME,
    b".": _Machine.op_STOP,
    b"(": _Machine.op_MARK,
    b"0": _Machine.op_POP,
    b"1": _Machine.op_POP_MARK,
    b"2": _Machine.op_DUP,
    b"I": _Machine.op_INT,
    b"L": _Machine.op_LONG,
    b"R": _Machine.op_REDUCE,
    b"b": _Machine.op_BUILD,
    b"l": _Machine.op_LIST,
    b"d": _Machine.op_DICT,
    b"\x91": _Machine.op_FROZENSET,
    b"a": _Machine.op_APPEND,
    b"e": _Machine.op_APPENDS,
    b"s": _Machine.op_SETITEM,
    b"u": _Machine.op_SETITEMS,
    b"\x90": _Machine.op_ADDITEMS,
    b"\x93": _Machine.op_STACK_GLOBAL,
    b"t": lambda m: m.tuple_of(m.pop_mark()),  # TUPLE
    b"\x85": lambda m: m.tuple_of(m.pop_n(1)),  # TUPLE1
    b"\x86": lambda m: m.tuple_of(m.pop_n(2)),  # TUPLE2
    b"\x87": lambda m: m.tuple_of(m.pop_n(3)),  # TUPLE3
    b"c": lambda m: m.lookup(m.line().decode(), m.line().decode()),  # GLOBAL
    b"g": lambda m: m.memo_get(int(m.line())),  # GET
    b"h": lambda m: m.memo_get(m.unpack("<B")),  # BINGET
    b"j": lambda m: m.memo_get(m.unpack("<I")),  # LONG_BINGET
    b"p": lambda m: m.memo_put(int(m.line())),  # PUT
    b"q": lambda m: m.memo_put(m.unpack("<B")),  # BINPUT
    b"r": lambda m: m.memo_put(m.unpack("<I")),  # LONG_BINPUT
    b"\x94": lambda m: m.memo_put(len(m.memo)),  # MEMOIZE
}


def _pushing(value: Callable[[_Machine], Any]) -> Callable[[_Machine], None]:
    return lambda m: m.push(value(m))


_DISPATCH: dict[bytes, Callable[[_Machine], Any]] = {
    **{op: _pushing(value) for op, value in _PUSHERS.items()},
    **_METHODS,
}
_REFUSED_OPS = {
    b"P": "PERSID", b"Q": "BINPERSID", b"i": "INST", b"o": "OBJ", b"\x81": "NEWOBJ",
    b"\x92": "NEWOBJ_EX", b"\x82": "EXT1", b"\x83": "EXT2", b"\x84": "EXT4",
    b"\x97": "NEXT_BUFFER", b"\x98": "READONLY_BUFFER",
}  # fmt: skip


def _quoted(line: bytes) -> str:
    """A protocol-0 STRING argument: a quoted, backslash-escaped Python 2 str (as Latin-1)."""
    if len(line) < 2 or line[0] not in b"'\"" or line[-1] != line[0]:
        raise ValueError("a STRING argument is not quoted")
    return str(codecs.escape_decode(line[1:-1])[0], "latin-1")


def _dtype_standin(code: Any, align: Any = False, copy: Any = True) -> _Dtype:
    if not isinstance(code, str) or code not in DTYPES or align or not copy:
        raise _RefusedError(f"numpy.dtype({_brief(code)})")
    return _Dtype(code)


def _reconstruct_standin(cls: Any, shape: Any, typecode: Any) -> _Array:
    if not (isinstance(cls, _Global) and cls.name == "numpy.ndarray") or shape != (0,):
        raise _RefusedError("an array reconstructed from something else than numpy.ndarray")
    if not isinstance(typecode, (bytes, memoryview)) or bytes(typecode) != b"b":
        raise _RefusedError("an array reconstructed with an unusual type code")
    return _Array()


def _not_callable(*args: Any) -> Any:
    raise _RefusedError("a call of numpy.ndarray (arrays load through _reconstruct only)")


def _latin1_encode(text: Any, encoding: Any = "latin1") -> bytes:
    """``_codecs.encode`` restricted to what pickle protocols 0-2 use it for: bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _RefusedError(f"_codecs.encode with encoding {_brief(encoding)}")
    return text.encode("latin1")


def _empty(kind: type) -> Callable[[], Any]:
    """``bytes()`` / ``OrderedDict()`` as protocols 0-2 write them: no arguments."""
    return lambda: kind()


# --------------------------------------------------------------------------- entry points


def loads(data: bytes | bytearray, source: str | os.PathLike[str] = "<bytes>") -> Any:
    """Run the pickle ``data`` on the machine above; ``source`` names it in errors."""
    try:
        return _Machine(data if isinstance(data, bytearray) else bytearray(data)).run()
    except _RefusedError as e:
        raise ModelFileError(
            f"{source}: refused to load: the pickle asks for {e}; only plain numeric NumPy "
            "arrays, numbers, strings and containers load (only load files you trust)"
        ) from None
    except Exception as e:  # garbage fails in struct, int(), codecs, a stack underflow ...
        detail = " ".join(f"{type(e).__name__}: {e}".split())[:160]
        raise ModelFileError(
            f"{source}: not a readable parameter pickle (truncated or corrupt?): {detail}"
        ) from None


def load(path: str | os.PathLike[str]) -> Any:
    """Read the regular file at ``path`` (at most ``MAX_BYTES``) and unpickle it safely."""
    with open_regular_file(path, ModelFileError, "a parameter file") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_BYTES:
            raise ModelFileError(f"{path}: {size} bytes is larger than a parameter file can be")
        buf = bytearray(size)
        got = f.readinto(buf)
    return loads(buf[:got] if got != size else buf, path)
