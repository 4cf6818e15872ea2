"""MNIST loading: the real data's facts, the search order, integrity, and the offline error.

Every test here runs with a private HOME and cache (``tmp_path``) and with the network
replaced by a function that refuses; download tests use a fake mirror serving bytes from
memory.  Most tests use a tiny fake MNIST (6 train, 4 test images) and make it "canonical"
by patching the checksum table; the facts of the real data use the shared files
(``$NUMNET_DATA``) and are skipped, saying so, where they are absent.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import urllib.error
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from numnet.core.errors import DataError
from numnet.datasets import checksums, download, load_data, preprocess
from numnet.datasets.idx import idx_header

REAL = os.environ.get("NUMNET_DATA")
REAL_FETCH = download.fetch  # kept for the one test that calls it, on a file:// URL
needs_real = pytest.mark.skipif(
    not (REAL and Path(REAL).is_dir()),
    reason="real MNIST not available: set NUMNET_DATA to the folder of the four IDX files",
)


# ---- the sandbox: private HOME and cache, no network -----------------------------------------


class Sandbox(NamedTuple):
    home: Path
    cache: Path  # numnet's MNIST cache folder inside it
    cache_root: Path  # $XDG_CACHE_HOME

    def cache_files(self) -> list[Path]:
        return sorted(p for p in self.cache_root.rglob("*") if p.is_file())


def offline(url: str, *, progress: bool = True) -> bytes:
    raise urllib.error.URLError("network is off in tests")


@pytest.fixture(autouse=True)
def sandbox(tmp_path, monkeypatch) -> Sandbox:
    home, cache_root = tmp_path / "home", tmp_path / "cache"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_root))
    monkeypatch.delenv("NUMNET_DATA", raising=False)
    monkeypatch.setattr(download, "fetch", offline)
    return Sandbox(home, cache_root / "numnet" / "mnist", cache_root)


# ---- a tiny MNIST made canonical for the test ------------------------------------------------


class Fake(NamedTuple):
    arrays: dict[str, np.ndarray]
    raw: dict[str, bytes]  # IDX file content by key

    def idx_folder(self, folder: Path, naming: str = "{}.gz") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for entry in checksums.MNIST_FILES:
            data = self.raw[entry.key]
            name = naming.format(entry.filename)
            (folder / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        return folder

    def npz(self, path: Path, **override) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **{**self.arrays, **override})
        return path

    def check(self, result) -> None:
        (x_train, y_train), (x_test, y_test) = result
        got = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
        for key, a in self.arrays.items():
            assert got[key].dtype == np.uint8
            np.testing.assert_array_equal(got[key], a)


@pytest.fixture
def fake(monkeypatch) -> Fake:
    rng = np.random.default_rng(1)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 4, dtype=np.uint8),
    }
    raw, table = {}, []
    for entry in checksums.MNIST_FILES:
        a = arrays[entry.key]
        raw[entry.key] = idx_header(a.shape) + a.tobytes()
        digest = hashlib.sha256(raw[entry.key]).hexdigest()
        table.append(entry._replace(shape=a.shape, sha256=digest))
    monkeypatch.setattr(checksums, "MNIST_FILES", tuple(table))
    return Fake(arrays, raw)


class Mirror:
    """A fake ``download.fetch``: serves ``{url: bytes}``, 404 for anything else."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.urls = files, []

    def __call__(self, url: str, *, progress: bool = True) -> bytes:
        self.urls.append(url)
        if url not in self.files:
            raise urllib.error.URLError("404 Not Found")
        return self.files[url]


def served(fake: Fake, mirror: str, **replace: bytes) -> dict[str, bytes]:
    """The four .gz files as ``mirror`` would serve them, some replaced by key."""
    return {
        f"{mirror}{e.filename}.gz": replace.get(e.key, gzip.compress(fake.raw[e.key]))
        for e in checksums.MNIST_FILES
    }


def one_line_error(**kw) -> str:
    with pytest.raises(DataError) as info:
        load_data(**kw)
    message = str(info.value)
    assert "\n" not in message
    return message


# ---- the real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return load_data(REAL)


@needs_real
def test_real_mnist_has_keras_shapes_and_dtypes(real):
    (x_train, y_train), (x_test, y_test) = real
    assert (x_train.shape, y_train.shape) == ((60000, 28, 28), (60000,))
    assert (x_test.shape, y_test.shape) == ((10000, 28, 28), (10000,))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}


@needs_real
def test_real_mnist_facts(real):
    (x_train, y_train), (_, y_test) = real
    pixels = preprocess(x_train)
    assert pixels.mean(dtype=np.float64) == pytest.approx(0.1307, abs=5e-5)
    assert pixels.std(dtype=np.float64) == pytest.approx(0.3081, abs=5e-5)
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_train, minlength=10).tolist() == counts
    assert (y_train[0], y_test[0]) == (5, 7)


@needs_real
def test_real_mnist_from_numnet_data_and_from_a_keras_npz(real, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMNET_DATA", REAL)
    np.testing.assert_array_equal(load_data()[1][0], real[1][0])
    (x_train, y_train), (x_test, y_test) = real
    npz = tmp_path / "mnist.npz"
    np.savez(npz, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    np.testing.assert_array_equal(load_data(npz)[0][0], x_train)
    assert sandbox.cache_files() == []


# ---- preprocess ------------------------------------------------------------------------------


def test_preprocess_is_the_tutorials_reshape_and_divide():
    x = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8)
    X = preprocess(x)
    assert X.shape == (2, 784) and X.dtype == np.float32 and X.flags.c_contiguous
    np.testing.assert_array_equal(X, x.reshape(2, 784).astype(np.float32) / np.float32(255))
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(preprocess(x.reshape(2, 784)), X)


@pytest.mark.parametrize("x", [np.zeros((2, 28, 28)), np.zeros((2, 27, 28), np.uint8)])
def test_preprocess_refuses_other_input(x):
    with pytest.raises(ValueError, match="preprocess"):
        preprocess(x)


# ---- the search order ------------------------------------------------------------------------


@pytest.mark.parametrize("naming", ["{}", "{}.gz"], ids=["raw", "gz"])
def test_explicit_folder_of_idx_files(fake, tmp_path, sandbox, naming):
    fake.check(load_data(fake.idx_folder(tmp_path / "d", naming)))
    assert sandbox.cache_files() == []


def test_dotted_file_names(fake, tmp_path):
    folder = fake.idx_folder(tmp_path / "d")
    for p in folder.iterdir():
        p.rename(folder / p.name.replace("-idx", ".idx"))  # train-images.idx3-ubyte.gz
    fake.check(load_data(folder))


def test_explicit_npz_file_or_folder_holding_it(fake, tmp_path):
    npz = fake.npz(tmp_path / "k" / "mnist.npz")
    fake.check(load_data(npz))
    fake.check(load_data(str(npz.parent)))


def test_explicit_path_comes_first(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("NUMNET_DATA", str(tmp_path / "nowhere"))
    fake.check(load_data(fake.idx_folder(tmp_path / "d")))


def test_numnet_data_comes_before_the_caches(fake, tmp_path, sandbox, monkeypatch):
    sandbox.cache.mkdir(parents=True)
    (sandbox.cache / "train-images-idx3-ubyte.gz").write_bytes(b"corrupt")
    monkeypatch.setenv("NUMNET_DATA", str(fake.idx_folder(tmp_path / "d")))
    fake.check(load_data())


def test_cache_comes_before_keras(fake, sandbox):
    fake.idx_folder(sandbox.cache)
    keras = sandbox.home / ".keras" / "datasets" / "mnist.npz"
    keras.parent.mkdir(parents=True)
    keras.write_bytes(b"not a zip")
    fake.check(load_data())


def test_keras_comes_before_download(fake, sandbox, monkeypatch):
    fake.npz(sandbox.home / ".keras" / "datasets" / "mnist.npz")
    mirror = Mirror({})
    monkeypatch.setattr(download, "fetch", mirror)
    fake.check(load_data())
    assert mirror.urls == [] and sandbox.cache_files() == []


def test_the_keras_default_name_is_not_this_folders_file(fake, sandbox, tmp_path, monkeypatch):
    fake.npz(sandbox.home / ".keras" / "datasets" / "mnist.npz")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mnist.npz").write_bytes(b"not MNIST")  # Keras would not read this one
    fake.check(load_data("mnist.npz"))  # keras.datasets.mnist.load_data(path="mnist.npz")
    fake.check(load_data())
    with pytest.raises(DataError, match="mnist.npz"):
        load_data(Path("mnist.npz"))  # a Path is the file here, as `--data mnist.npz` is


def test_download_last_then_cached(fake, sandbox, monkeypatch):
    mirror = Mirror(served(fake, download.MIRRORS[0]))
    monkeypatch.setattr(download, "fetch", mirror)
    fake.check(load_data(progress=False))
    assert len(mirror.urls) == 4 and all(u.startswith(download.MIRRORS[0]) for u in mirror.urls)
    names = [p.name for p in sandbox.cache_files()]
    assert names == sorted(f"{e.filename}.gz" for e in checksums.MNIST_FILES)
    # the second time the cache answers, with no download
    monkeypatch.setattr(download, "fetch", offline)
    fake.check(load_data())


def test_next_mirror_when_the_first_serves_a_corrupt_file(fake, sandbox, monkeypatch):
    bad = gzip.compress(fake.raw["y_test"][:-1] + b"\x09")
    files = {**served(fake, download.MIRRORS[0], y_test=bad), **served(fake, download.MIRRORS[1])}
    monkeypatch.setattr(download, "fetch", Mirror(files))
    fake.check(load_data())
    cached = sandbox.cache / "t10k-labels-idx1-ubyte.gz"
    assert gzip.decompress(cached.read_bytes()) == fake.raw["y_test"]


def test_corrupt_cached_file_is_replaced_by_a_download(fake, sandbox, monkeypatch):
    fake.idx_folder(sandbox.cache)
    victim = sandbox.cache / "train-images-idx3-ubyte.gz"
    data = bytearray(fake.raw["x_train"])
    data[500] ^= 0xFF
    victim.write_bytes(gzip.compress(bytes(data)))
    mirror = Mirror(served(fake, download.MIRRORS[0]))
    monkeypatch.setattr(download, "fetch", mirror)
    fake.check(load_data())
    assert mirror.urls == [download.MIRRORS[0] + victim.name]
    assert gzip.decompress(victim.read_bytes()) == fake.raw["x_train"]


# ---- nothing found ---------------------------------------------------------------------------


def test_offline_with_no_copy_is_one_clear_error(fake, sandbox):
    message = one_line_error()
    for part in (str(sandbox.cache), "mnist.npz", "--data DIR", "NUMNET_DATA", *download.MIRRORS):
        assert part in message
    assert sandbox.cache_files() == []


def test_download_off(fake, sandbox, monkeypatch):
    mirror = Mirror(served(fake, download.MIRRORS[0]))
    monkeypatch.setattr(download, "fetch", mirror)
    assert "downloading is off" in one_line_error(download=False)
    assert mirror.urls == []


def test_corrupt_cache_offline_names_the_corrupt_file(fake, sandbox):
    fake.idx_folder(sandbox.cache)
    victim = sandbox.cache / "t10k-images-idx3-ubyte.gz"
    victim.write_bytes(b"\x1f\x8b garbage")
    assert str(victim) in one_line_error()


def test_a_given_path_that_is_bad_is_an_error_not_skipped(fake, sandbox, tmp_path, monkeypatch):
    fake.idx_folder(sandbox.cache)  # a good cache that must NOT be used instead
    assert "no such file or folder" in one_line_error(path=tmp_path / "typo")
    monkeypatch.setenv("NUMNET_DATA", str(tmp_path / "typo"))
    assert "$NUMNET_DATA" in one_line_error()


def test_folder_missing_a_file_names_it(fake, tmp_path):
    folder = fake.idx_folder(tmp_path / "d")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    assert "t10k-labels-idx1-ubyte" in one_line_error(path=folder)


# ---- bad files: one line naming the file, nothing in the cache -------------------------------


def _flip(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


BAD_IDX = {
    "wrong magic": lambda raw: b"\0\0\x08\x02" + raw[4:],
    "truncated": lambda raw: raw[:-10],
    "too long": lambda raw: raw + b"\0",
    "checksum mismatch": _flip,
    "lying huge header": lambda raw: idx_header((2**32 - 1, 28, 28)) + raw[16:],
    "zero size": lambda raw: idx_header((0, 28, 28)),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("kind", BAD_IDX)
def test_bad_idx_file(fake, tmp_path, sandbox, kind, compress):
    folder = fake.idx_folder(tmp_path / "d", "{}.gz" if compress else "{}")
    bad = BAD_IDX[kind](fake.raw["x_train"])
    victim = folder / ("train-images-idx3-ubyte" + (".gz" if compress else ""))
    victim.write_bytes(gzip.compress(bad) if compress else bad)
    assert str(victim) in one_line_error(path=folder)
    assert sandbox.cache_files() == []


def test_gz_that_is_not_gzip(fake, tmp_path, sandbox):
    folder = fake.idx_folder(tmp_path / "d")
    victim = folder / "train-labels-idx1-ubyte.gz"
    victim.write_bytes(b"<html>Service Unavailable</html>")
    message = one_line_error(path=folder)
    assert str(victim) in message and "not gzip" in message
    assert sandbox.cache_files() == []


def _zip_with_bad_header(path: Path) -> Path:
    """An npz whose x_train.npy header claims a petabyte."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": (10**15, 28, 28)}
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x_train.npy", np.lib.format.magic(1, 0) + header.getvalue() + b"\0" * 100)
    return path


BAD_NPZ = {
    "missing key": lambda fake, p: np.savez(p, images=fake.arrays["x_train"]) or p,
    "wrong dtype": lambda fake, p: fake.npz(p, x_train=fake.arrays["x_train"].astype(np.int64)),
    "wrong shape": lambda fake, p: fake.npz(p, y_test=fake.arrays["y_test"][:3]),
    "checksum mismatch": lambda fake, p: fake.npz(p, y_train=fake.arrays["y_train"] ^ 1),
    "object array": lambda fake, p: fake.npz(p, x_train=np.array([None, 1], dtype=object)),
    "not a zip": lambda fake, p: p.write_bytes(b"\x93NUMPY not a zip") and p,
    "truncated zip": lambda fake, p: p.write_bytes(fake.npz(p).read_bytes()[:-200]) and p,
    "lying npy header": lambda fake, p: _zip_with_bad_header(p),
}


@pytest.mark.parametrize("kind", BAD_NPZ)
def test_bad_npz(fake, tmp_path, sandbox, kind):
    path = BAD_NPZ[kind](fake, tmp_path / "mnist.npz")
    assert str(path) in one_line_error(path=path)
    assert sandbox.cache_files() == []


@pytest.mark.parametrize("kind", ["truncated", "checksum mismatch", "lying huge header"])
def test_bad_download_is_never_cached(fake, sandbox, monkeypatch, kind):
    bad = gzip.compress(BAD_IDX[kind](fake.raw["x_test"]))
    files = {**served(fake, download.MIRRORS[0], x_test=bad)}
    files.update(served(fake, download.MIRRORS[1], x_test=bad))
    monkeypatch.setattr(download, "fetch", Mirror(files))
    message = one_line_error()
    assert download.MIRRORS[0] + "t10k-images-idx3-ubyte.gz" in message
    assert "t10k-images" not in " ".join(p.name for p in sandbox.cache_files())


# ---- the real fetch, on a local file:// URL (never the network) ------------------------------


def test_fetch_reads_a_url_with_a_size_cap(tmp_path, monkeypatch):
    path = tmp_path / "blob.gz"
    path.write_bytes(b"x" * 200_000)
    assert REAL_FETCH(path.as_uri(), progress=False) == b"x" * 200_000
    monkeypatch.setattr(download, "MAX_DOWNLOAD", 100_000)
    with pytest.raises(OSError, match="larger than"):
        REAL_FETCH(path.as_uri(), progress=False)
