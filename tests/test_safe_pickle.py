"""The allow-list unpickler builds NumPy arrays and plain containers, and runs nothing else."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess
import sys
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


# --------------------------------------------------------------------------- issue 14


class Reduce:
    """Pickles as ``func(*args)`` followed by BUILD ``state``: any call, any state."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        return (self.func, self.args) if self.state is None else (self.func, self.args, self.state)


def run_isolated(data: bytes) -> subprocess.CompletedProcess:
    """``safe_pickle.loads(data)`` in a child process (a crash must not take pytest down),
    printing the one-line refusal and the child's peak memory in MiB (VmHWM: ru_maxrss
    would include the memory of the parent it was forked from)."""
    code = (
        "import sys\n"
        "from numnet.tutorial import safe_pickle\n"
        "from numnet.core.errors import ModelFileError\n"
        "try:\n"
        "    safe_pickle.loads(sys.stdin.buffer.read(), 'x.pkl')\n"
        "    print('loaded')\n"
        "except ModelFileError as e:\n"
        "    print(e)\n"
        "status = open('/proc/self/status').read()\n"  # VmHWM: this process's own peak
        "print(int(status.split('VmHWM:')[1].split()[0]) // 1024)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], input=data, capture_output=True, timeout=120
    )


@pytest.mark.parametrize(
    "args, state",
    [
        (("M8", False, True), (3, "<", None, None, None, -1, -1, 0)),
        (("f8", False, True), (4, "=", None, ("a",), 0, 8)),
        (("f8", False, True), (3, "<", None, ("a",), {"a": (np.dtype("f8"), 0)}, 8, 8, 16)),
        (("O", False, True), (3, "|", None, None, None, -1, -1, 63)),
    ],
    ids=["datetime", "short-state", "fields", "object"],
)
def test_malformed_dtype_state_is_refused_not_a_crash(args, state):
    data = pickle.dumps(Reduce(np.dtype, args, state), protocol=2)
    assert len(data) < 200
    done = run_isolated(data)
    assert done.returncode == 0, f"child died: {done.returncode} {done.stderr[-300:]!r}"
    assert b"refused to load" in done.stdout and done.stdout.count(b"\n") == 2


def test_object_array_bomb_is_refused_before_allocating():
    data = pickle.dumps(Reduce(np.ndarray, ((200_000_000,), "O")), protocol=2)
    assert len(data) < 60
    done = run_isolated(data)
    message, peak_mib = done.stdout.decode().splitlines()
    assert "refused to load" in message
    assert int(peak_mib) < 300  # the 2e8 object pointers alone would be 1.6 GB


def test_zero_stride_array_is_refused():
    # ndarray(shape, dtype, buffer, offset, strides): 8 bytes seen as 3e6 x 784 float64
    bomb = Reduce(np.ndarray, ((3_000_000, 784), "f8", b"\0" * 8, 0, (0, 0)))
    with pytest.raises(ModelFileError, match="refused to load") as err:
        safe_pickle.loads(pickle.dumps({"W1": bomb}, protocol=2), "z.pkl")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "state",
    [
        (1, (3_000_000, 784), np.dtype("f8"), False, b"\0" * 8),  # data shorter than the shape
        (1, (2, -3), np.dtype("f4"), False, b""),  # negative dimension
        (1, (2,) * 40, np.dtype("f4"), False, b""),  # too many dimensions
        (1, (2,), np.dtype("c16"), False, b"\0" * 32),  # not a plain real dtype
        (9, (1,), np.dtype("f4"), False, b"\0" * 4),  # unknown state version
    ],
    ids=["short-data", "negative", "ndim", "complex", "version"],
)
def test_array_pieces_are_validated(state):
    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]
    fake = Reduce(reconstruct, (np.ndarray, (0,), b"b"), state)
    with pytest.raises(ModelFileError, match="refused to load"):
        safe_pickle.loads(pickle.dumps(fake, protocol=2))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_the_tutorials_tuple_loads_under_every_protocol(tmp_path, protocol):
    W1, b1, W2, b2 = twolayer.init_params(hidden=5)
    path = tmp_path / "p.pkl"
    with open(path, "wb") as f:  # the tutorial's own line
        pickle.dump((W1, b1, W2, b2), f, protocol=protocol)
    for loaded, saved in zip(twolayer.load_params(path), (W1, b1, W2, b2), strict=True):
        np.testing.assert_array_equal(loaded, saved)
        assert loaded.flags.writeable and loaded.flags.c_contiguous


@pytest.mark.parametrize(
    "keys",
    [[1, "W1"], [("a",), "b"], [(((((1,),),),),), "W1"]],
    ids=["int-and-str", "tuple-and-str", "nested-tuple"],
)
def test_dict_keys_of_other_types_are_one_line(tmp_path, keys):
    path = tmp_path / "keys.pkl"
    path.write_bytes(pickle.dumps({k: np.zeros(2) for k in keys}))
    with pytest.raises(ModelFileError) as err:
        twolayer.load_params(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_deeply_nested_tuples_are_refused():
    data = b"\x80\x04" + b"N" + b"\x85" * 100_000 + b"."  # (((None,),),) ... 100,000 deep
    done = run_isolated(data)
    assert done.returncode == 0 and b"refused to load" in done.stdout
