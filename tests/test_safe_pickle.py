"""The allow-list unpickler builds NumPy arrays and plain containers, and runs nothing else."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess
from collections import OrderedDict

import numpy as np
import pytest

from numnet import twolayer
from numnet.core.errors import ModelFileError
from numnet.tutorial import safe_pickle


class Payload:
    """Unpickling this object calls ``func(*args)``: the attack being refused."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def params_with(payload):
    """A genuine-looking parameter dict with a payload hidden among the arrays."""
    W1, b1, W2, _ = twolayer.init_params(hidden=3)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": payload}


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_os_system_payload_is_refused_and_never_runs(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(params_with(Payload(os.system, f"touch {marker}")), protocol))
    with pytest.raises(ModelFileError, match="system") as err:
        twolayer.load_params(path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        Payload(builtins.eval, "__import__('os').system('true')"),
        Payload(builtins.exec, "x = 1"),
        Payload(builtins.__import__, "os"),
        Payload(builtins.getattr, "text", "upper"),
        Payload(subprocess.check_call, ["true"]),
        Payload(subprocess.Popen, ["true"]),
        Payload(np.load, "somewhere.npy"),
        Payload(pickle.loads, b"."),
    ],
    ids=["eval", "exec", "__import__", "getattr", "check_call", "Popen", "np.load", "loads"],
)
def test_other_callables_are_refused(tmp_path, payload):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(params_with(payload)))
    with pytest.raises(ModelFileError, match="refused to load"):
        safe_pickle.load(path)


def test_a_handwritten_protocol_0_global_is_refused():
    # c<module>\n<name>\n pushes a global; (S'...' tR calls it.
    data = b"cposix\nsystem\n(S'true'\ntR."
    with pytest.raises(ModelFileError, match="posix.system"):
        safe_pickle.loads(data, "hand.pkl")


def test_codecs_encode_is_allowed_only_for_latin1():
    data = b"c_codecs\nencode\n(S'abc'\nS'rot13'\ntR."
    with pytest.raises(ModelFileError, match="rot13"):
        safe_pickle.loads(data)
    assert safe_pickle.loads(b"c_codecs\nencode\n(S'abc'\nS'latin1'\ntR.") == b"abc"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_arrays_scalars_and_plain_containers_load(protocol):
    obj = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "f": np.asfortranarray(np.eye(3)),
        "s": np.float32(0.25),
        "i": np.int64(7),
        "plain": [1, 2.5, "x", None, True, (1, 2), b"raw", {3}, frozenset({4})],
        "od": OrderedDict(k=1),
    }
    back = safe_pickle.loads(pickle.dumps(obj, protocol))
    for key in ("a", "f"):
        np.testing.assert_array_equal(back[key], obj[key])
        assert back[key].dtype == obj[key].dtype
    assert back["s"] == obj["s"] and back["s"].dtype == np.float32
    assert back["plain"] == obj["plain"] and back["od"] == obj["od"]


@pytest.mark.parametrize(
    "data",
    [b"", b"not a pickle at all", b"\x80\x05\x95garbage", os.urandom(64)],
    ids=["empty", "text", "bad-frame", "random"],
)
def test_garbage_is_refused_with_one_line(tmp_path, data):
    path = tmp_path / "garbage.pkl"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as err:
        twolayer.load_params(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_truncated_parameter_file_is_refused(tmp_path):
    path = twolayer.save_params(tmp_path / "p.pkl", *twolayer.init_params(hidden=4))
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        twolayer.load_params(path)
