"""``numnet train`` (mlp, cnn) and ``numnet evaluate`` end to end, on a slice of real MNIST."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numnet.app.cli import build_parser, main
from numnet.app.cli.train import RunSettings
from numnet.datasets import mnist
from numnet.files import model_file as io
from numnet.presets import PRESETS
from realdata import mnist_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir() -> str:
    return mnist_dir()


@pytest.fixture(scope="module")
def test_set(data_dir) -> tuple[np.ndarray, np.ndarray]:
    return mnist.load_data(data_dir)[1]


def printed_accuracy(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(f"{name}: test accuracy"))
    return float(line.split("test accuracy ")[1].split()[0])


def test_train_writes_model_history_and_curves(tmp_path, capsys, data_dir, test_set) -> None:
    out = tmp_path / "m.npz"
    argv = [
        "train",
        "--limit",
        "1000",
        "--epochs",
        "2",
        "--out",
        str(out),
        "--data",
        data_dir,
        "--threads",
        "2",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    closing = printed.strip().splitlines()[-1]
    assert closing.startswith("test accuracy ") and "trained in" in closing
    accuracy = float(closing.split()[2])

    record = json.loads((tmp_path / "m.history.json").read_text())
    assert record["arch"] == "mlp" and record["epochs"] == 2 and record["limit"] == 1000
    assert record["threads"] == 2  # a seed reproduces a run with its worker count
    assert len(record["history"]["loss"]) == len(record["history"]["val_accuracy"]) == 2
    assert (tmp_path / "m.curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    model = io.load(out)  # the saved model makes the trained model's predictions
    x_test, y_test = test_set
    assert model.score(x_test[:1000], y_test[:1000]) == pytest.approx(accuracy, abs=1e-4)
    assert model.description["training"]["final"]["test_accuracy"] == pytest.approx(accuracy)
    assert model.description["architecture"]["layers"][0] == {
        "type": "Dense",
        "config": {"units": 256, "init": "he"},
    }

    argv = ["evaluate", str(out), "--confusion", "--out-dir", str(tmp_path), "--data", data_dir]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed_accuracy(printed, str(out)) == pytest.approx(model.score(x_test, y_test))
    assert "digit  precision  recall" in printed
    assert (tmp_path / "m.confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_weights(tmp_path, data_dir) -> None:
    for name in ("a", "b"):
        argv = ["train", "--limit", "500", "--epochs", "1", "--seed", "7"]
        assert main([*argv, "--out", str(tmp_path / f"{name}.npz"), "--data", data_dir]) == 0
    a, b = io.load(tmp_path / "a.npz"), io.load(tmp_path / "b.npz")
    np.testing.assert_array_equal(a.flat.params, b.flat.params)


def test_evaluate_an_ensemble(tmp_path, capsys, data_dir, test_set) -> None:
    from numnet import twolayer

    paths = []
    for seed in (1, 2):
        path = tmp_path / f"m{seed}.npz"
        argv = ["train", "--limit", "500", "--epochs", "1", "--seed", str(seed), "--out", str(path)]
        assert main([*argv, "--data", data_dir]) == 0
        paths.append(str(path))
    paths.append(str(twolayer.save_params(tmp_path / "t.pkl", *twolayer.init_params(hidden=10))))
    capsys.readouterr()
    png = tmp_path / "ensemble.confusion.png"
    argv = ["evaluate", *paths, "--confusion", "--out-dir", str(tmp_path), "--data", data_dir]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    x_test, y_test = test_set
    probs = [io.load(p).predict_proba(x_test) for p in paths]
    for path, p in zip(paths, probs, strict=True):
        assert printed_accuracy(printed, path) == pytest.approx(np.mean(p.argmax(1) == y_test))
    expected = np.mean(np.mean(probs, axis=0).argmax(1) == y_test)
    assert printed_accuracy(printed, "ensemble of 3") == pytest.approx(expected)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cnn_trains_saves_and_loads(tmp_path, capsys, data_dir, test_set) -> None:
    out = tmp_path / "c.npz"
    argv = ["train", "--arch", "cnn", "--limit", "300", "--epochs", "1", "--augment"]
    assert main([*argv, "--elastic", "34", "--out", str(out), "--data", data_dir]) == 0
    accuracy = float(capsys.readouterr().out.strip().splitlines()[-1].split()[2])
    model = io.load(out)
    assert model.input_shape == (1, 28, 28)
    x_test, y_test = test_set
    assert model.score(x_test[:300], y_test[:300]) == pytest.approx(accuracy, abs=1e-4)


@pytest.mark.parametrize(("flag", "given"), [([], 0), (["--threads", "1"], 1)])
def test_threads_reach_fit(tmp_path, data_dir, monkeypatch, flag, given) -> None:
    """--threads N goes to fit (0, the default, is every core; numnet.nn.parallel)."""
    from numnet.nn.model import Sequential

    seen = []
    fit = Sequential.fit

    def recording_fit(self, *args, **kwargs):
        seen.append(kwargs.get("threads"))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(Sequential, "fit", recording_fit)
    argv = ["train", "--limit", "300", "--epochs", "1", "--out", str(tmp_path / "m.npz")]
    assert main([*argv, *flag, "--data", data_dir]) == 0
    assert seen == [given]


def test_score_outputs_is_evaluate_from_the_outputs() -> None:
    """The closing score of ``numnet train`` reuses the calibration's test outputs
    (``score_outputs``): it must be exactly ``evaluate``'s (loss summed over the same uneven
    batches), for labels and one-hot rows."""
    from numnet.presets import build_reference_cnn

    model = build_reference_cnn(seed=3)
    rng = np.random.default_rng(4)
    x = rng.random((300, 1, 28, 28), dtype=np.float32)  # 3 batches of predict_batch_size 128
    y = rng.integers(0, 10, 300)
    z = model.logits(x)
    assert model.score_outputs(z, y) == model.evaluate(x, y)
    one_hot = np.eye(10, dtype=np.float32)[y]
    assert model.score_outputs(z, one_hot, return_dict=True) == model.evaluate(
        x, one_hot, return_dict=True
    )
    assert model.evaluate(x, y, threads=1) == model.evaluate(x, y, threads=2)


def test_low_resolution_flag_reaches_the_augmenter_and_is_recorded(
    tmp_path, capsys, data_dir, monkeypatch
) -> None:
    from numnet.presets import Preset

    made = []
    augmenter = Preset.augmenter

    def recording(self, *args):
        made.append(augmenter(self, *args))
        return made[-1]

    monkeypatch.setattr(Preset, "augmenter", recording)
    out = tmp_path / "m.npz"
    argv = ["train", "--limit", "300", "--epochs", "1", "--augment", "--data", data_dir]
    assert main([*argv, "--low-resolution", "0.5", "--out", str(out)]) == 0
    assert [a.low_resolution for a in made] == [0.5]
    assert "--low-resolution 0.5" in json.dumps(io.describe(out))
    capsys.readouterr()
    assert main([*argv, "--low-resolution", "1.5", "--out", str(tmp_path / "n.npz")]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "low_resolution" in err
    assert not (tmp_path / "n.npz").exists()


def test_finish_epochs_are_recorded_and_must_leave_epochs_to_augment(
    tmp_path, capsys, data_dir
) -> None:
    argv = ["train", "--limit", "300", "--augment", "--data", data_dir]
    out = tmp_path / "m.npz"
    assert main([*argv, "--epochs", "2", "--finish-epochs", "1", "--out", str(out)]) == 0
    assert "2 epochs (the last 1 unaugmented)" in capsys.readouterr().out
    training = io.describe(out)["training"]
    assert training["finish_epochs"] == 1 and "--finish-epochs 1" in training["command"]
    refused = tmp_path / "n.npz"
    assert main([*argv, "--epochs", "2", "--finish-epochs", "2", "--out", str(refused)]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--finish-epochs 2" in err
    assert not refused.exists()


def test_a_short_run_of_the_digits_preset_drops_its_finish_epochs() -> None:
    def settings(*words: str) -> RunSettings:
        return RunSettings.from_args(build_parser().parse_args(["train", *words]))

    finish = PRESETS["digits"].finish_epochs
    assert finish > 0 and settings("--arch", "digits").finish_epochs == finish
    assert settings("--arch", "digits", "--epochs", str(finish)).finish_epochs == 0
    assert settings("--arch", "digits", "--finish-epochs", "0").finish_epochs == 0
    # a checkpoint of a run from before --finish-epochs: none
    record = {k: v for k, v in vars(settings("--arch", "cnn")).items() if k != "finish_epochs"}
    assert RunSettings.from_record(record) == settings("--arch", "cnn", "--finish-epochs", "0")
    assert RunSettings.from_record({**record, "finish_epochs": record["epochs"]}) is None
