"""The tutorial's flow from the command line: train, evaluate, show (real MNIST, in-process).

And the tutorial's own pickle, ``pickle.dump((W1, b1, W2, b2), f)``: a plain tuple of four
arrays, float32 or float64, in any protocol from 2 to 5, is read by ``model_file.load`` and the
commands, as numnet's older dict form is.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from PIL import Image, ImageDraw

from numnet import twolayer
from numnet.app.cli import main
from numnet.data.imaging import prepare
from numnet.files import model_file
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
    W1, b1, W2, b2 = twolayer.load_params(out)
    assert W1.shape == (16, 784) and W1.dtype == np.float32 and b1.shape == (16, 1)

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
    path = twolayer.save_params(tmp_path / "p.pkl", *twolayer.init_params(hidden=4))
    assert main(["show", str(path), "--index", "10000", "--data", mnist_dir()]) == 2
    assert "out of range" in capsys.readouterr().err


def tutorial_pickle(path, dtype, protocol, form=tuple):
    """What the tutorial writes: pickle.dump((W1, b1, W2, b2), f); also numnet's dict form."""
    params = twolayer.init_params(hidden=12, seed=5, dtype=dtype)
    params = tuple(p + 0.01 for p in params)  # non-zero biases, so all four arrays count
    obj = params if form is tuple else dict(zip(twolayer.PARAM_NAMES, params, strict=True))
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    return params


def a_seven(path):
    """A drawn 7 on white paper, as a PNG for numnet predict."""
    img = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(img).line([(25, 20), (95, 20), (50, 105)], fill=0, width=10)
    img.save(path)
    return path


@pytest.mark.parametrize("form", [tuple, dict], ids=["tuple", "dict"])
@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_a_tutorial_pickle_is_read_by_load_and_predict(tmp_path, capsys, dtype, protocol, form):
    path = tmp_path / "trained_params.pkl"
    W1, b1, W2, b2 = tutorial_pickle(path, dtype, protocol, form)
    model = model_file.load(path)
    assert isinstance(model, twolayer.TwoLayerClassifier)
    for loaded, written in zip(model.params.values(), (W1, b1, W2, b2), strict=True):
        assert loaded.dtype == dtype
        np.testing.assert_array_equal(loaded, written)

    png = a_seven(tmp_path / "seven.png")
    assert main(["predict", str(path), str(png), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)["predictions"][0]["probabilities"]
    X = prepare(png).reshape(1, 784).T.astype(dtype)  # the tutorial's column
    A2 = twolayer.forward_propagation(X, W1, b1, W2, b2)[3][:, 0]
    np.testing.assert_allclose(printed, A2, atol=2e-6)


def test_evaluate_reads_a_tutorial_tuple_pickle(tmp_path, capsys):
    from numnet.datasets import mnist

    path = tmp_path / "trained_params.pkl"
    W1, b1, W2, b2 = tutorial_pickle(path, np.float64, pickle.DEFAULT_PROTOCOL)
    assert main(["evaluate", str(path), "--data", mnist_dir()]) == 0
    _, (x_test, y_test) = mnist.load_data(mnist_dir())
    predictions = twolayer.make_predictions(x_test.reshape(-1, 784).T / 255, W1, b1, W2, b2)
    right = int((predictions == y_test).sum())
    assert f"test accuracy {right / 10000:.4f} ({right}/10000 images)" in capsys.readouterr().out
