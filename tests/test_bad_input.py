"""The bad-input table, command-line and model-file rows: each is one line on stderr, exit
status 2, and nothing changed on disk.

Every test runs ``numnet`` in a scratch folder holding a good model and checks the folder
byte for byte afterwards.  (IDX files, images and server requests have their own tables in
the data, imaging and serve tests.)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import socket
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from numnet.app.cli import main
from numnet.files import archive
from numnet.files import model_file as io
from numnet.nn import Dense, ReLU, Sequential
from realdata import mnist_dir

NO_DATA = "/nonexistent/mnist"  # bad input must be refused before MNIST is looked for


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(folder.rglob("*"))
        if not p.is_socket()
    }


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    model = Sequential([Dense(8), ReLU(), Dense(10)], seed=0)
    io.save(model, tmp_path / "good.npz")
    (tmp_path / "a_folder").mkdir()
    return tmp_path


def refused(folder: Path, capsys: pytest.CaptureFixture, argv: list[str], match: str) -> str:
    """``numnet argv``: exit 2, one line on stderr containing ``match``, folder unchanged."""
    before = snapshot(folder)
    try:
        status = main(argv)
    except SystemExit as e:  # argparse's refusals
        status = e.code
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert match in err, err
    assert snapshot(folder) == before
    return err


# --------------------------------------------------------------------------- CLI values


@pytest.mark.parametrize(
    ("flags", "match"),
    [
        (["--lr", "-0.1"], "argument --lr: must be a positive number"),
        (["--lr", "0"], "argument --lr: must be a positive number"),
        (["--lr", "nan"], "argument --lr: must be a positive number"),
        (["--batch-size", "0"], "argument --batch-size: must be at least 1"),
        (["--epochs", "0"], "argument --epochs: must be at least 1"),
        (["--epochs", "two"], "argument --epochs: 'two' is not a whole number"),
        (["--arch", "resnet"], "argument --arch: invalid choice: 'resnet'"),
        (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice"),
        (
            ["--validation-split", "1"],
            "argument --validation-split: must be at least 0 and below 1",
        ),
        (["--seed", "-1"], "argument --seed: must be 0 or more"),
        (["--checkpoint-every", "0"], "argument --checkpoint-every: must be at least 1"),
        (["--elastic", "-34"], "argument --elastic: must be a number >= 0"),
    ],
)
def test_out_of_range_train_flags(folder, capsys, flags, match) -> None:
    refused(folder, capsys, ["train", *flags, "--data", NO_DATA], match)


# --------------------------------------------------------------------------- paths


def test_missing_model_file(folder, capsys) -> None:
    refused(folder, capsys, ["evaluate", "nothere.npz", "--data", NO_DATA], "no such file")


def test_folder_instead_of_model_file(folder, capsys) -> None:
    refused(folder, capsys, ["evaluate", "a_folder", "--data", NO_DATA], "is a folder")


def test_unreadable_model_file(folder, capsys, monkeypatch) -> None:
    real_open = os.open

    def denied(name, *args, **kwargs):
        if os.path.basename(name) == "good.npz":
            raise PermissionError(13, "Permission denied", os.fspath(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)  # root reads any file despite chmod
    refused(folder, capsys, ["evaluate", "good.npz", "--data", NO_DATA], "cannot read")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_model_file_mode_000(folder, capsys) -> None:
    (folder / "good.npz").chmod(0)
    refused(folder, capsys, ["evaluate", "good.npz", "--data", NO_DATA], "cannot read")


def test_socket_instead_of_model_file(folder, capsys) -> None:
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(folder / "sock"))
        refused(folder, capsys, ["evaluate", "sock", "--data", NO_DATA], "not a regular file")


def test_missing_data_folder(folder, capsys) -> None:
    refused(folder, capsys, ["train", "--epochs", "1", "--data", NO_DATA], NO_DATA)


def test_file_instead_of_data_folder(folder, capsys) -> None:
    refused(folder, capsys, ["train", "--epochs", "1", "--data", "good.npz"], "good.npz")


def test_folder_instead_of_output_file(folder, capsys) -> None:
    refused(folder, capsys, ["train", "--out", "a_folder", "--data", mnist_dir()], "is a folder")


def test_file_instead_of_checkpoint_folder(folder, capsys) -> None:
    argv = ["train", "--checkpoint-dir", "good.npz", "--resume", "--data", NO_DATA]
    refused(folder, capsys, argv, "--checkpoint-dir good.npz is a file")


def test_resume_without_checkpoint_dir(folder, capsys) -> None:
    refused(
        folder, capsys, ["train", "--resume", "--data", NO_DATA], "--resume needs --checkpoint-dir"
    )


def test_damaged_checkpoint(folder, capsys) -> None:
    (folder / "ck").mkdir()
    (folder / "ck" / "step-000000004-0123abcd.npz").write_bytes(b"PK\x03\x04 cut short")
    argv = ["train", "--checkpoint-dir", "ck", "--resume", "--data", NO_DATA]
    refused(folder, capsys, argv, "truncated or corrupt")


# --------------------------------------------------------------------------- model files


def evaluate(folder: Path, capsys, name: str, match: str) -> None:
    refused(folder, capsys, ["evaluate", name, "--data", NO_DATA], match)


def rewrite(path: Path, change) -> None:
    arrays, meta = archive.read_archive(path)
    change(arrays, meta)
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, allow_pickle=True, **arrays, meta=blob)


def test_truncated_model(folder, capsys) -> None:
    data = (folder / "good.npz").read_bytes()
    (folder / "cut.npz").write_bytes(data[: len(data) // 2])
    evaluate(folder, capsys, "cut.npz", "truncated or corrupt")


@pytest.mark.parametrize(
    "content", [b"\x89PNG\r\n\x1a\n" + bytes(64), b"W1,b1,W2,b2\n1,2,3,4\n", b""]
)
def test_model_of_another_format(folder, capsys, content) -> None:
    (folder / "other.npz").write_bytes(content)
    evaluate(folder, capsys, "other.npz", "not a numnet model file")


def test_model_from_a_newer_numnet(folder, capsys) -> None:
    rewrite(folder / "good.npz", lambda a, m: m.update(format_version=io.FORMAT_VERSION + 1))
    evaluate(folder, capsys, "good.npz", "written by a newer numnet")


def test_model_with_mismatched_shapes(folder, capsys) -> None:
    rewrite(folder / "good.npz", lambda a, m: a.update(params=a["params"][:-10]))
    evaluate(
        folder, capsys, "good.npz", "array 'params' is float32[6360] but the description lists"
    )


def test_model_with_an_unknown_layer(folder, capsys) -> None:
    def change(arrays, meta):
        meta["architecture"]["layers"][1]["type"] = "Lambda"

    rewrite(folder / "good.npz", change)
    evaluate(folder, capsys, "good.npz", "unknown layer type 'Lambda'")


def test_model_with_pickled_object_arrays(folder, capsys) -> None:
    rewrite(folder / "good.npz", lambda a, m: a.update(params=np.array([os.system], dtype=object)))
    evaluate(folder, capsys, "good.npz", "holds pickled Python objects")


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_with_a_code_payload(folder, capsys, protocol) -> None:
    marker = folder / "pwned"
    payload = {"W1": _Payload(marker), "b1": 0, "W2": 0, "b2": 0}
    (folder / "evil.pkl").write_bytes(pickle.dumps(payload, protocol=protocol))
    evaluate(folder, capsys, "evil.pkl", "refused to load")
    assert not marker.exists()


def test_bad_model_in_show_and_predict(folder, capsys) -> None:
    (folder / "cut.npz").write_bytes((folder / "good.npz").read_bytes()[:300])
    refused(folder, capsys, ["show", "cut.npz", "--data", NO_DATA], "truncated or corrupt")
    from PIL import Image

    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255  # a "1"
    Image.fromarray(digit).save(folder / "digit.png")
    refused(folder, capsys, ["predict", "cut.npz", "digit.png"], "truncated or corrupt")


def test_checkpoint_with_damaged_settings(folder, capsys) -> None:
    from numnet.files import checkpoint
    from numnet.nn import TrainState

    model = Sequential([Dense(8), ReLU(), Dense(10)], seed=0)
    path = folder / "ck" / "step-000000001-0123abcd.npz"
    checkpoint.save(path, model, TrainState(), {"arch": "mlp", "epochs": "many"}, "0123abcd")
    argv = ["train", "--checkpoint-dir", "ck", "--resume", "--data", NO_DATA]
    refused(folder, capsys, argv, "the checkpoint's run settings are damaged")


# --------------------------------------------------------------------------- outputs (issue 14)


def digit_png(path: Path) -> Path:
    """A photo-like PNG of a thick dark stroke on light paper: one digit for ``predict``."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (120, 160), 235)
    ImageDraw.Draw(image).line([(60, 20), (60, 140)], fill=20, width=14)
    image.save(path)
    return path


def test_predict_show_never_overwrites_the_input_image(folder, capsys) -> None:
    digit_png(folder / "digit.png")
    refused(folder, capsys, ["predict", "good.npz", "digit.png", "--show", "."], "also an input")


def test_evaluate_confusion_never_overwrites_its_data(folder, capsys) -> None:
    (folder / "good.confusion.png").write_bytes(b"the user's data, oddly named")
    argv = ["evaluate", "good.npz", "--confusion", "--data", "good.confusion.png"]
    refused(folder, capsys, argv, "--out-dir good.confusion.png is also an input of this command")


def test_train_out_never_overwrites_the_data(folder, capsys) -> None:
    (folder / "mnist.npz").write_bytes(b"the user's data")
    argv = ["train", "--out", "mnist.npz", "--data", "mnist.npz"]
    refused(folder, capsys, argv, "--out mnist.npz is also an input")


def special(folder: Path, kind: str) -> str:
    """An output path that is not a plain writable file: what ``kind`` says."""
    target = folder / f"{kind}.out"
    if kind == "symlink":
        (folder / "elsewhere.npz").write_bytes(b"someone's file")
        target.symlink_to(folder / "elsewhere.npz")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a second /dev/null
    else:
        target.write_bytes(b"keep me")
        target.chmod(0o444)
    return target.name


KINDS = ["symlink", "fifo", "device", "read-only"]
SAYS = {"symlink": "symbolic link", "fifo": "not a regular file", "device": "not a regular file",
        "read-only": "read-only"}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_train_out_must_be_a_regular_file(folder, capsys, kind) -> None:
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    name = special(folder, kind)
    refused(folder, capsys, ["train", "--out", name, "--data", NO_DATA], SAYS[kind])
    assert os.path.lexists(folder / name)


@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_confusion_must_be_a_regular_file(folder, capsys, kind) -> None:
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    (folder / "out").mkdir()
    name = special(folder / "out", kind)
    (folder / "out" / name).rename(folder / "out" / "good.confusion.png")
    argv = ["evaluate", "good.npz", "--confusion", "--out-dir", "out", "--data", NO_DATA]
    refused(folder, capsys, argv, SAYS[kind])


def test_show_out_dir_pictures_must_be_regular_files(folder, capsys) -> None:
    (folder / "elsewhere.png").write_bytes(b"someone's picture")
    (folder / "prediction_0.png").symlink_to(folder / "elsewhere.png")
    argv = ["show", "good.npz", "--out-dir", ".", "--data", NO_DATA]
    refused(folder, capsys, argv, "--out-dir prediction_0.png is a symbolic link")


def test_a_full_disk_names_the_file(folder, capsys, monkeypatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # where a full disk shows on many file systems
    (folder / "out").mkdir()
    argv = ["evaluate", "good.npz", "--confusion", "--out-dir", "out", "--data", mnist_dir()]
    err = refused(folder, capsys, argv, "No space left on device")
    assert "good.confusion.png" in err


def test_out_of_memory_in_evaluate_is_one_line(folder) -> None:
    """A small file whose model needs ~50 GB of activations per batch: MemoryError, under a
    2 GB address-space limit so that it happens on any machine."""
    from numnet.nn import Conv2D, GlobalAvgPool2D

    wide = Sequential([Conv2D(1 << 17, 3, padding=1), GlobalAvgPool2D(), Dense(10)],
                      input_shape=(28, 28, 1), seed=0)  # fmt: skip
    io.save(wide, folder / "wide.npz")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from numnet.app.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", code, "evaluate", "wide.npz", "--data", mnist_dir()],
        cwd=folder, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-800:]
    assert done.stderr.count("\n") == 1 and "not enough memory" in done.stderr
