"""Property tests: whatever bytes a data file holds, the readers answer an array or a DataError.

Never another exception (no struct.error, MemoryError, zlib.error, IndexError ...), never an
array that disagrees with its header.  ``tests/fuzz/fuzz_idx.py`` runs the same generators
for tens of thousands of cases outside CI.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numnet.core.errors import DataError
from numnet.datasets.idx import DTYPES, idx_header, parse_idx
from numnet.datasets.npz import read_npz

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOOD = idx_header((3, 4, 5)) + bytes(range(60))
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()


def array_or_data_error(data: bytes, **kw) -> np.ndarray | None:
    """parse_idx's answer: the array, or None when it raised a one-line DataError."""
    try:
        return parse_idx(data, "fuzz.idx", max_bytes=1 << 20, **kw)
    except DataError as e:
        assert "\n" not in str(e) and str(e).startswith("fuzz.idx: ")
        return None


@st.composite
def idx_files(draw) -> tuple[bytes, tuple[int, ...], int]:
    """A file with a plausible, lying or broken header: (bytes, claimed dims, type byte)."""
    prefix = draw(st.sampled_from([b"\0\0", b"\0\0", b"\0\0", b"\x1f\x8b", b"\0\x01"]))
    dtype = draw(st.sampled_from(sorted(DTYPES)) | st.integers(0, 255))
    ndim = draw(st.integers(0, 4) | st.integers(0, 255))
    small_or_huge = st.integers(0, 6) | st.sampled_from([2**31, 2**32 - 1, 10**6])
    dims = tuple(draw(st.lists(small_or_huge, max_size=min(ndim, 6))))
    header = prefix + bytes([dtype, ndim]) + b"".join(d.to_bytes(4, "big") for d in dims)
    itemsize = DTYPES[dtype].itemsize if dtype in DTYPES else 1
    honest = math.prod(dims) * itemsize if len(dims) == ndim else 0
    length = max(0, min(honest, 4096) + draw(st.sampled_from([0, 0, 0, -1, 1, -7, 100])))
    data = header + draw(st.binary(min_size=length, max_size=length))
    if draw(st.booleans()):
        data = gzip.compress(data, compresslevel=1)
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]
    return data, dims, dtype


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(data):
    array_or_data_error(data)
    array_or_data_error(gzip.compress(data))


@FUZZ
@given(idx_files())
def test_random_headers(case):
    data, dims, dtype = case
    a = array_or_data_error(data)
    if a is not None:  # accepted: it must be exactly what the header said
        assert a.shape == dims and a.dtype == DTYPES[dtype]


@FUZZ
@given(st.data())
def test_mutated_good_file(draw):
    data = bytearray(draw.draw(st.sampled_from([GOOD, gzip.compress(GOOD)])))
    for _ in range(draw.draw(st.integers(1, 4))):
        at = draw.draw(st.integers(0, len(data)))
        op = draw.draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and at < len(data):
            data[at] ^= draw.draw(st.integers(1, 255))
        elif op == "cut":
            del data[at : at + draw.draw(st.integers(1, 8))]
        else:
            data[at:at] = draw.draw(st.binary(min_size=1, max_size=8))
    a = array_or_data_error(bytes(data), sha256=GOOD_SHA)
    if a is not None:  # only the true content passes the checksum
        assert a.tobytes() == GOOD[16:]


def _small_npz() -> bytes:
    buf = io.BytesIO()
    arrays = {k: np.zeros(s, np.uint8) for k, s in [("x_train", (2, 28, 28)), ("y_train", (2,))]}
    np.savez_compressed(buf, **arrays, x_test=arrays["x_train"], y_test=arrays["y_train"])
    return buf.getvalue()


NPZ = _small_npz()


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d) / "mnist.npz"


@FUZZ
@given(st.data())
def test_mutated_npz(scratch, draw):
    data = bytearray(NPZ)
    for _ in range(draw.draw(st.integers(1, 6))):
        at = draw.draw(st.integers(0, len(data) - 1))
        data[at] ^= draw.draw(st.integers(1, 255))
    scratch.write_bytes(bytes(data))
    with pytest.raises(DataError):  # the shapes are not MNIST's, so nothing may pass
        read_npz(scratch)


def test_the_npz_sample_is_a_valid_zip():
    assert zipfile.ZipFile(io.BytesIO(NPZ)).namelist()[0] == "x_train.npy"
