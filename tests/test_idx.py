"""The IDX reader: good files read exactly, every kind of bad file is one DataError naming it."""

from __future__ import annotations

import gzip
import hashlib
import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from numnet.core.errors import DataError
from numnet.datasets.idx import idx_header, parse_idx, read_idx

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
LABELS = RNG.integers(0, 10, size=5, dtype=np.uint8)


def idx_bytes(a: np.ndarray) -> bytes:
    return idx_header(a.shape) + a.tobytes()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(path: Path, **kw) -> str:
    """The message of the DataError reading ``path`` raises; it must be one line naming it."""
    with pytest.raises(DataError) as info:
        read_idx(path, **kw)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


# ---- good files -------------------------------------------------------------------------------


def test_magic_numbers_are_the_mnist_ones():
    assert idx_header((60000,))[:4] == struct.pack(">I", 2049)
    assert idx_header((60000, 28, 28))[:4] == struct.pack(">I", 2051)


@pytest.mark.parametrize("a", [IMAGES, LABELS], ids=["images", "labels"])
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_reads_back_what_was_written(tmp_path, a, compress):
    data = idx_bytes(a)
    path = write(tmp_path, "f", gzip.compress(data) if compress else data)
    got = read_idx(path, shape=a.shape, sha256=hashlib.sha256(data).hexdigest())
    assert got.dtype == np.uint8 and got.shape == a.shape
    np.testing.assert_array_equal(got, a)
    assert got.flags.writeable  # as Keras' arrays are


def test_gzip_is_detected_by_content_not_by_name(tmp_path):
    raw_named_gz = write(tmp_path, "labels.gz", idx_bytes(LABELS))
    gz_named_raw = write(tmp_path, "labels-idx1-ubyte", gzip.compress(idx_bytes(LABELS)))
    np.testing.assert_array_equal(read_idx(raw_named_gz), LABELS)
    np.testing.assert_array_equal(read_idx(gz_named_raw), LABELS)


def test_other_idx_types_are_big_endian():
    a = np.arange(-3, 3, dtype=">i2").reshape(2, 3)
    data = struct.pack(">2xBBII", 0x0B, 2, 2, 3) + a.tobytes()
    got = parse_idx(data, "shorts")
    np.testing.assert_array_equal(got, a)


# ---- bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_wrong_magic(tmp_path, compress):
    data = b"\x12\x34\x08\x01" + idx_bytes(LABELS)[4:]
    path = write(tmp_path, "f", gzip.compress(data) if compress else data)
    assert "not an IDX file" in refused(path)


def test_wrong_number_of_dimensions(tmp_path):
    path = write(tmp_path, "labels-as-images", idx_bytes(LABELS))
    assert "1 dimensions, expected 3" in refused(path, shape=(5, 28, 28))


def test_wrong_shape(tmp_path):
    path = write(tmp_path, "f", idx_bytes(IMAGES))
    assert "expected (60000, 28, 28)" in refused(path, shape=(60000, 28, 28))


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_truncated(tmp_path, compress):
    data = idx_bytes(IMAGES)[:-100]
    path = write(tmp_path, "f", gzip.compress(data) if compress else data)
    assert ("shorter" if not compress else "truncated") in refused(path)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_longer_than_header_says(tmp_path, compress):
    data = idx_bytes(LABELS) + b"\0"
    path = write(tmp_path, "f", gzip.compress(data) if compress else data)
    assert "longer" in refused(path)


@pytest.mark.parametrize(
    "data", [b"", b"\0\0", b"\0\0\x08\x03\0\0\0\x05"], ids=["empty", "2B", "half-header"]
)
def test_too_short_for_a_header(tmp_path, data):
    assert "IDX" in refused(write(tmp_path, "f", data))


def test_gz_that_is_not_gzip(tmp_path):
    path = write(tmp_path, "train-images-idx3-ubyte.gz", b"<html>404 Not Found</html>\n")
    assert "not gzip" in refused(path)


def test_corrupt_gzip_stream(tmp_path):
    packed = bytearray(gzip.compress(idx_bytes(IMAGES)))
    packed[-8] ^= 0xFF  # the CRC-32 in the trailer
    assert "corrupt gzip" in refused(write(tmp_path, "crc.gz", bytes(packed)))
    cut = gzip.compress(idx_bytes(IMAGES))[:-20]
    assert "corrupt gzip" in refused(write(tmp_path, "cut.gz", cut))


@pytest.mark.parametrize("dims", [(0, 28, 28), (5, 0, 28)])
def test_zero_sizes(tmp_path, dims):
    path = write(tmp_path, "f", idx_header(dims))
    assert "size of 0" in refused(path)


def test_checksum_mismatch(tmp_path):
    data = bytearray(idx_bytes(IMAGES))
    good = hashlib.sha256(data).hexdigest()
    data[100] ^= 1
    assert "SHA-256" in refused(write(tmp_path, "f", bytes(data)), sha256=good)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_huge_header_is_refused_before_allocating(tmp_path, compress):
    data = idx_header((2**32 - 1, 2**32 - 1, 2**32 - 1)) + IMAGES.tobytes()
    path = write(tmp_path, "f", gzip.compress(data) if compress else data)
    tracemalloc.start()
    try:
        refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def test_huge_header_over_the_limit(tmp_path):
    path = write(tmp_path, "f", idx_bytes(IMAGES))
    assert "over the limit" in refused(path, max_bytes=1000)


def test_gzip_bomb_is_never_inflated_beyond_the_header(tmp_path):
    # a small honest-looking header, then 64 MB of zeros that compress to ~64 kB
    bomb = gzip.compress(idx_header((5,)) + bytes(64 << 20), compresslevel=9)
    path = write(tmp_path, "bomb.gz", bomb)
    tracemalloc.start()
    try:
        assert "longer" in refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def test_a_folder_is_not_an_idx_file(tmp_path):
    assert "cannot open" in refused(tmp_path)


def test_parse_idx_names_the_source():
    with pytest.raises(DataError, match=r"^https://mirror/x\.gz: "):
        parse_idx(b"nonsense", "https://mirror/x.gz")
