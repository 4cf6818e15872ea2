"""Model files: save -> load gives the same predictions; anything else is a one-line refusal."""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numnet.core.errors import ModelFileError
from numnet.files import archive
from numnet.files import model_file as io
from numnet.nn import BatchNorm, Dense, Dropout, ReLU, Sequential

FIXTURE = [HealthCheck.function_scoped_fixture]


def small_model(seed: int = 0) -> Sequential:
    return Sequential(
        [Dense(16), BatchNorm(), ReLU(), Dropout(0.1), Dense(10)], input_shape=(784,), seed=seed
    )


def images(n: int = 20, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    model = small_model()
    model.flat.buffers[...] = np.random.default_rng(2).random(model.flat.buffers.size)
    return io.save(model, tmp_path / "m.npz", record={"epochs": 3, "seed": 0})


def rewrite(path: Path, arrays: dict, meta: dict | None) -> Path:
    """Write an .npz with exactly these arrays (and ``meta`` as JSON bytes if given).

    The description's list of arrays is made to match them, so that the checks behind it
    (architecture, values) are the ones tested.
    """
    if meta is not None and isinstance(meta.get("arrays"), dict):
        meta["arrays"] = {
            k: {"shape": list(a.shape), "dtype": a.dtype.name} for k, a in arrays.items()
        }
    extra = {} if meta is None else {"meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)}
    with open(path, "wb") as f:
        np.savez(f, **arrays, **extra)
    return path


def parts(path: Path) -> tuple[dict, dict]:
    return archive.read_archive(path)


def loads_or_refuses(path: Path) -> None:
    """Fuzz outcome: ``io.load`` returns a model or raises a one-line ModelFileError."""
    try:
        io.load(path)
    except ModelFileError as e:
        assert "\n" not in str(e)


def refused(path: Path, match: str) -> str:
    with pytest.raises(ModelFileError, match=match) as e:
        io.load(path)
    message = str(e.value)
    assert "\n" not in message and str(path) in message
    return message


# --------------------------------------------------------------------------- round trip


def test_save_load_same_predictions(saved: Path) -> None:
    model = small_model()
    model.flat.buffers[...] = np.random.default_rng(2).random(model.flat.buffers.size)
    loaded = io.load(saved)
    x = images()
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    np.testing.assert_array_equal(loaded.predict_classes(x), model.predict_classes(x))
    np.testing.assert_array_equal(loaded.flat.params, model.flat.params)
    np.testing.assert_array_equal(loaded.flat.buffers, model.flat.buffers)


def test_description(saved: Path) -> None:
    meta = io.describe(saved)
    assert meta["format"] == "numnet-model" and meta["format_version"] == io.FORMAT_VERSION
    assert meta["architecture"] == small_model().get_config()
    assert meta["preprocessing"]["input_shape"] == [784]
    assert meta["training"] == {"epochs": 3, "seed": 0}
    with zipfile.ZipFile(saved) as zf:
        assert sorted(zf.namelist()) == ["buffers.npy", "meta.npy", "params.npy"]


def test_save_refuses_broken_weights(tmp_path: Path) -> None:
    model = small_model()
    model.flat.params[0] = np.nan
    with pytest.raises(ModelFileError, match="NaN"):
        io.save(model, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_twolayer_pickle_loads(tmp_path: Path) -> None:
    from numnet import twolayer

    path = twolayer.save_params(tmp_path / "p.pkl", *twolayer.init_params(hidden=10, seed=0))
    model = io.load(path)
    assert isinstance(model, twolayer.TwoLayerClassifier)
    assert model.predict_proba(images()).shape == (20, 10)


# --------------------------------------------------------------------------- tampered files


def test_wrong_shape(saved: Path) -> None:
    arrays, meta = parts(saved)
    arrays["params"] = arrays["params"][:-5]
    refused(rewrite(saved, arrays, meta), "holds 12757 values but the architecture needs 12762")


def test_arrays_differ_from_description(saved: Path) -> None:
    arrays, meta = parts(saved)
    with open(saved, "wb") as f:  # params cut short, description left as it was
        blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        np.savez(f, params=arrays["params"][:-1], buffers=arrays["buffers"], meta=blob)
    refused(saved, r"array 'params' is float32\[12761\] but the description lists")


def test_wrong_dtype(saved: Path) -> None:
    arrays, meta = parts(saved)
    arrays["params"] = arrays["params"].astype(np.float64)
    refused(rewrite(saved, arrays, meta), r"float64\[12762\], expected flat float32")


@pytest.mark.parametrize("name", ["params", "buffers", "meta"])
def test_missing_array(saved: Path, name: str) -> None:
    arrays, meta = parts(saved)
    if name == "meta":
        refused(rewrite(saved, arrays, None), "'meta' array missing")
    else:
        del arrays[name]
        refused(rewrite(saved, arrays, meta), f"{name!r} missing")


def test_object_array(saved: Path) -> None:
    arrays, meta = parts(saved)
    arrays["params"] = np.array([{"x": 1}, print], dtype=object)
    path = saved.with_name("obj.npz")
    with open(path, "wb") as f:
        np.savez(
            f, allow_pickle=True, **arrays, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8)
        )
    refused(path, "pickled Python objects")


def test_newer_version(saved: Path) -> None:
    arrays, meta = parts(saved)
    meta["format_version"] = io.FORMAT_VERSION + 1
    refused(rewrite(saved, arrays, meta), "newer numnet")


def test_unknown_layer(saved: Path) -> None:
    arrays, meta = parts(saved)
    meta["architecture"]["layers"][2]["type"] = "os.system"
    refused(rewrite(saved, arrays, meta), "unknown layer type 'os.system'")


def test_bad_layer_config(saved: Path) -> None:
    arrays, meta = parts(saved)
    meta["architecture"]["layers"][0]["config"]["units"] = 17
    refused(rewrite(saved, arrays, meta), "architecture needs")
    meta["architecture"]["layers"][0]["config"] = {"units": 16, "evil": "__import__('os')"}
    refused(rewrite(saved, arrays, meta), "invalid Dense layer")


def test_nan_weights(saved: Path) -> None:
    arrays, meta = parts(saved)
    arrays["params"][3] = np.inf
    refused(rewrite(saved, arrays, meta), "NaN or Inf")


@pytest.mark.parametrize("keep", [0, 10, 100, 0.5, -1])
def test_truncated(saved: Path, keep: float) -> None:
    data = saved.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else (keep if keep >= 0 else len(data) - 1)
    saved.write_bytes(data[:n])
    refused(saved, "truncated|corrupt|not a numnet")


@pytest.mark.parametrize(
    "content",
    [b"hello, I am a text file\n", b"\x89PNG\r\n\x1a\n" + bytes(100), b""],
    ids=["text", "png", "empty"],
)
def test_not_a_model(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    refused(path, "not a numnet model")


def test_single_npy_array(tmp_path: Path) -> None:
    path = tmp_path / "m.npy"
    np.save(path, np.zeros(3))
    refused(path, "not a numnet model")


def test_other_npz(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    with open(path, "wb") as f:
        np.savez(f, x_train=np.zeros((2, 28, 28), np.uint8))
    refused(path, "unexpected member 'x_train.npy'; not a numnet model file")


def test_checkpoint_is_not_a_model(saved: Path) -> None:
    arrays, meta = parts(saved)
    meta["format"] = "numnet-checkpoint"
    refused(rewrite(saved, arrays, meta), "checkpoint")


def test_header_lies_about_size(saved: Path) -> None:
    """An .npy header promising far more data than the member holds: refused, not allocated."""
    import io as pyio

    arrays, meta = parts(saved)
    header = pyio.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**11,)}
    )
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(saved, "wb") as f:
        np.savez(f, buffers=arrays["buffers"], meta=blob)
    with zipfile.ZipFile(saved, "a") as zf:
        zf.writestr("params.npy", header.getvalue() + arrays["params"].tobytes())
    refused(saved, r"truncated or padded \(its header says 100000000000\)")


def test_missing_and_folder(tmp_path: Path) -> None:
    refused(tmp_path / "nothere.npz", "no such file")
    refused(tmp_path, "is a folder")


def test_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(b"PK\x03\x04")

    real_open = os.open

    def denied(name, *args, **kwargs):
        if os.fspath(name) == os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)  # root reads any file despite chmod
    refused(path, "cannot read")


# --------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURE)
@given(data=st.binary(max_size=2000))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "r.npz"
    path.write_bytes(data)
    loads_or_refuses(path)


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURE)
@given(data=st.binary(min_size=1, max_size=400), at=st.integers(0, 10**6), data2=st.data())
def test_corrupted_model(saved: Path, data: bytes, at: int, data2: st.DataObject) -> None:
    """Overwrite a random stretch of a good model, or cut it: loads or refuses, nothing else."""
    blob = bytearray(saved.read_bytes())
    at %= len(blob)
    blob[at : at + len(data)] = data
    if data2.draw(st.booleans()):
        blob = blob[: data2.draw(st.integers(0, len(blob)))]
    path = saved.with_name("c.npz")
    path.write_bytes(bytes(blob))
    loads_or_refuses(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def descriptions(draw: st.DrawFn, base: dict) -> dict:
    """A model description with a few fields replaced by random JSON."""
    meta = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "arch", "layer", "config"]))
        value = draw(json_values)
        if where == "top":
            meta[draw(st.sampled_from(["format", "format_version", "architecture"]))] = value
        elif where == "arch" and isinstance(meta.get("architecture"), dict):
            meta["architecture"][draw(st.sampled_from(["input_shape", "layers"]))] = value
        elif where == "layer" and isinstance(meta.get("architecture"), dict):
            layers = meta["architecture"].get("layers")
            if isinstance(layers, list) and layers:
                layers[draw(st.integers(0, len(layers) - 1))] = value
        elif where == "config":
            try:
                layer = draw(st.sampled_from(meta["architecture"]["layers"]))
                layer["config"][draw(st.text(max_size=6) | st.sampled_from(["units", "rate"]))] = (
                    value
                )
            except (KeyError, TypeError, IndexError, ValueError, AttributeError):
                pass
    return meta


_BASE = None


def _base() -> tuple[dict, dict]:
    global _BASE
    if _BASE is None:
        model = small_model()
        _BASE = (
            {"params": model.flat.params, "buffers": model.flat.buffers},
            io.description(model),
        )
    return _BASE


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURE)
@given(data=st.data())
def test_random_descriptions(tmp_path: Path, data: st.DataObject) -> None:
    arrays, base = _base()
    meta = data.draw(descriptions(base))
    path = rewrite(tmp_path / "d.npz", arrays, meta)
    loads_or_refuses(path)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE)
@given(
    arrays=st.dictionaries(
        st.sampled_from(["params", "buffers", "x", "meta"]),
        hnp.arrays(
            hnp.scalar_dtypes() | hnp.byte_string_dtypes() | hnp.unicode_string_dtypes(),
            hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
        ),
        max_size=4,
    )
)
def test_random_npz_contents(tmp_path: Path, arrays: dict) -> None:
    path = tmp_path / "n.npz"
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    loads_or_refuses(path)


# --------------------------------------------------------------------------- issue 14

BIG = Sequential([Dense(4096), ReLU(), Dense(10)], input_shape=(784,), seed=0)  # 12.9 MB


def npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    import io as pyio

    out = pyio.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return out.getvalue()


class ZeroDeflater:
    """Deflate for megabytes of zeros in no time: after a full flush every 1 MiB block of
    zeros compresses to the same bytes, so one block is compressed and then repeated."""

    def __init__(self) -> None:
        self.z = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.zeros = bytes(1 << 20)
        self.block = self.z.compress(self.zeros) + self.z.flush(zlib.Z_FULL_FLUSH)

    def compress(self, data: bytes) -> bytes:
        if data == self.zeros:
            return self.block
        return self.z.compress(data) + self.z.flush(zlib.Z_FULL_FLUSH)

    def flush(self) -> bytes:
        return self.z.flush(zlib.Z_FINISH)


def add_member(path: Path, name: str, size: int, method: int) -> None:
    """Append ``name``: an .npy header for as many float32 values as ``size`` bytes hold,
    then zeros, compressed with ``method`` (deflate: 1 GiB becomes 1 MB on disk)."""
    header = npy_header(((size - 128) // 4,))
    with zipfile.ZipFile(path, "a", compression=method) as zf:
        with zf.open(name, "w", force_zip64=True) as w:
            if method == zipfile.ZIP_DEFLATED:
                w._compressor = ZeroDeflater()  # zipfile's own, faster for zeros
            w.write(header)
            w.write(bytes((1 << 20) - len(header)))
            zeros = bytes(1 << 20)
            for _ in range(1, size >> 20):
                w.write(zeros)


def load_in_child(path: Path) -> tuple[str, float]:
    """(outcome of ``io.load(path)``, growth of the child's peak memory in MB while loading)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from numnet import nn\n"
        "from numnet.files import model_file as io\n"
        "from numnet.core.errors import ModelFileError\n"
        "def peak():\n"  # VmHWM: this process's own peak (ru_maxrss counts the forked parent)
        "    status = open('/proc/self/status').read()\n"
        "    return int(status.split('VmHWM:')[1].split()[0]) * 1024\n"
        "before = peak()\n"
        "try:\n"
        "    io.load(sys.argv[1])\n"
        "    print('loaded')\n"
        "except ModelFileError as e:\n"
        "    print(e)\n"
        "print((peak() - before) / 1e6)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-500:]
    outcome, grown = done.stdout.splitlines()
    return outcome, float(grown)


def big_model_file(tmp_path: Path) -> tuple[Path, int]:
    path = io.save(BIG, tmp_path / "big.npz")
    return path, BIG.flat.params.nbytes + BIG.flat.buffers.nbytes


def test_loading_a_model_takes_about_its_own_size(tmp_path: Path) -> None:
    path, size = big_model_file(tmp_path)
    outcome, grown = load_in_child(path)
    assert outcome == "loaded"
    assert grown < 2 * size / 1e6, f"{grown:.1f} MB to load a {size / 1e6:.1f} MB model"


@pytest.mark.parametrize(
    "name, method",
    [("junk.npy", zipfile.ZIP_DEFLATED), ("opt_m.npy", zipfile.ZIP_DEFLATED),
     ("buffers.npy", zipfile.ZIP_BZIP2), ("buffers.npy", zipfile.ZIP_LZMA)],
    ids=["extra-deflated", "checkpoint-slot", "bzip2", "lzma"],
)  # fmt: skip
def test_compressed_bombs_are_refused_before_decompressing(tmp_path, name, method) -> None:
    """A model plus a member of 256 MiB (deflate) or 64 MiB (bzip2, lzma) of zeros, under
    1 MB compressed: refused, and loading never takes more than twice the model's size."""
    path, size = big_model_file(tmp_path)
    if name == "buffers.npy":  # replace the (empty) buffers with the bomb
        arrays, meta = parts(path)
        blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
        with open(path, "wb") as f:
            np.savez(f, params=arrays["params"], meta=blob)
    add_member(path, name, (256 if method == zipfile.ZIP_DEFLATED else 64) << 20, method)
    assert path.stat().st_size < size + (1 << 20)
    outcome, grown = load_in_child(path)
    assert str(path) in outcome and "\n" not in outcome
    assert outcome != "loaded"
    assert grown < 2 * size / 1e6, f"{grown:.1f} MB for a {size / 1e6:.1f} MB model: {outcome}"


def test_member_declaring_more_than_the_description_is_not_decompressed(tmp_path) -> None:
    """params.npy whose header and size claim 256 MiB; the description implies 12.9 MB."""
    path, size = big_model_file(tmp_path)
    arrays, meta = parts(path)
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, buffers=arrays["buffers"], meta=blob)
    add_member(path, "params.npy", 256 << 20, zipfile.ZIP_DEFLATED)
    outcome, grown = load_in_child(path)
    assert "was altered or is damaged" in outcome
    assert grown < 2 * size / 1e6, f"{grown:.1f} MB: {outcome}"


def test_fortran_order_members_are_refused(saved: Path) -> None:
    arrays, meta = parts(saved)
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(saved, "wb") as f:
        np.savez(
            f,
            params=np.asfortranarray(arrays["params"].reshape(-1, 2)),
            buffers=arrays["buffers"],
            meta=blob,
        )
    refused(saved, "expected flat float32|Fortran")


@pytest.mark.parametrize("units", [355, 1])
def test_a_model_that_does_not_end_in_10_classes_is_refused(tmp_path: Path, units: int) -> None:
    path = io.save(Sequential([Dense(8), ReLU(), Dense(units)], seed=0), tmp_path / "m.npz")
    refused(path, f"output is \\[{units}\\], not the 10 digit classes")


def test_a_model_without_layers_is_refused(saved: Path) -> None:
    arrays, meta = parts(saved)
    meta["architecture"]["layers"] = []
    meta["arrays"] = {
        "params": {"shape": [0], "dtype": "float32"},
        "buffers": {"shape": [0], "dtype": "float32"},
    }
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(saved, "wb") as f:
        np.savez(f, params=np.zeros(0, np.float32), buffers=np.zeros(0, np.float32), meta=blob)
    refused(saved, "no layers")


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_the_tutorials_pickles_load_as_models_under_every_protocol(tmp_path, protocol) -> None:
    import pickle

    from numnet import twolayer

    W1, b1, W2, b2 = twolayer.init_params(hidden=6)
    path = tmp_path / "tutorial.pkl"
    with open(path, "wb") as f:
        pickle.dump((W1, b1, W2, b2), f, protocol=protocol)
    assert io.load(path).predict_proba(images()).shape == (20, 10)
