"""The tutorial's flow from the command line: train, evaluate, show (real MNIST, in-process)."""

from __future__ import annotations

import numpy as np
import pytest

from numnet import twolayer
from numnet.app.cli import main
from realdata import mnist_dir


@pytest.mark.slow
def test_train_evaluate_show(capsys, tmp_path):
    out = tmp_path / "tl.pkl"
    args = ["train", "--arch", "twolayer", "--iterations", "20", "--hidden", "16"]
    args += ["--alpha", "0.5", "--print-every", "5", "--data", mnist_dir(), "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if line.startswith("iteration")]
    assert [line.split()[1] for line in lines] == ["5", "10", "15", "20"]
    accuracies = [float(line.split()[4]) for line in lines]
    assert accuracies[-1] > accuracies[0]
    test_accuracy = float(printed.split("test accuracy ")[1].split()[0])
    assert test_accuracy > 0.6
    params = twolayer.load_params(out)
    assert params["W1"].shape == (16, 784) and params["W1"].dtype == np.float32

    assert main(["evaluate", str(out), "--data", mnist_dir()]) == 0
    assert f"test accuracy {test_accuracy:.4f}" in capsys.readouterr().out

    pics = tmp_path / "pics"
    show = ["show", str(out), "--index", "0", "--index", "7", "--out-dir", str(pics)]
    assert main([*show, "--data", mnist_dir()]) == 0
    printed = capsys.readouterr().out
    for i in (0, 7):
        png = pics / f"prediction_{i}.png"
        assert str(png) in printed
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "bad",
    [
        ["--iterations", "0"],
        ["--iterations", "ten"],
        ["--alpha", "-0.1"],
        ["--alpha", "nan"],
        ["--hidden", "0"],
        ["--arch", "resnet"],
    ],
)
def test_train_refuses_bad_flags_before_loading_anything(bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--data", "/nonexistent", *bad])
    assert exit_.value.code == 2
    assert "error" in capsys.readouterr().err


def test_evaluate_refuses_a_hostile_pickle(tmp_path, capsys):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    # protocol 2: c<module>\n<name>\n ... calls os.system("touch <marker>") if unpickled
    path.write_bytes(
        b"\x80\x02cos\nsystem\nX"
        + len(f"touch {marker}").to_bytes(4, "little")
        + f"touch {marker}".encode()
        + b"\x85R."
    )
    assert main(["evaluate", str(path), "--data", "/nonexistent"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("numnet: error:") and "os.system" in err and err.count("\n") == 1
    assert not marker.exists()


def test_show_refuses_an_index_outside_the_test_set(tmp_path, capsys):
    path = twolayer.save_params(twolayer.init_params(hidden=4), tmp_path / "p.pkl")
    assert main(["show", str(path), "--index", "10000", "--data", mnist_dir()]) == 2
    assert "out of range" in capsys.readouterr().err
