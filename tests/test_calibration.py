"""Temperature scaling: the fitted T, the ECE, and T reaching every reported probability."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numnet.core.errors import ModelFileError
from numnet.files import model_file
from numnet.nn import Dense, ReLU, Sequential
from numnet.nn.calibration import (
    calibrate,
    ece_at,
    expected_calibration_error,
    fit_temperature,
    nll,
)
from numnet.nn.functional import softmax


def _sampled(temperature: float, n: int = 8000, seed: int = 0):
    """Outputs z (n, 10) and labels drawn from softmax(z / temperature)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 4, (n, 10))
    p = softmax(z / temperature, axis=1)
    y = (p.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1)
    return z, np.minimum(y, 9)


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_temperature_labels_were_drawn_with(true_t):
    z, y = _sampled(true_t)
    assert fit_temperature(z, y) == pytest.approx(true_t, rel=0.05)


def test_fitted_temperature_is_the_minimum_of_the_nll():
    z, y = _sampled(1.7, n=3000, seed=1)
    t = fit_temperature(z, y)
    grid = np.exp(np.linspace(np.log(0.1), np.log(10), 400))
    best = grid[np.argmin([nll(z, y, g) for g in grid])]
    assert t == pytest.approx(best, rel=0.02)
    assert nll(z, y, t) <= min(nll(z, y, g) for g in grid) + 1e-9


def test_ece_by_hand():
    # confidences 0.9, 0.9 (one right) in bin 14; 0.3 (wrong) in bin 4
    p = np.array([[0.9, 0.1, 0.0], [0.9, 0.05, 0.05], [0.3, 0.25, 0.45]])
    y = np.array([0, 1, 1])
    # bin (13/15, 14/15]: |0.5 - 0.9| * 2/3; bin (6/15, 7/15] holds 0.45: |0 - 0.45| * 1/3
    assert expected_calibration_error(p, y) == pytest.approx(0.4 * 2 / 3 + 0.45 / 3)


def test_ece_is_small_when_calibrated_and_falls_after_fitting_an_overconfident_model():
    z, y = _sampled(1.0)
    assert ece_at(z, y, 1.0) < 0.015
    overconfident = 3 * z  # the same ranking, far too sure
    assert ece_at(overconfident, y, 1.0) > 0.1
    assert ece_at(overconfident, y, fit_temperature(overconfident, y)) < 0.015


def _model() -> Sequential:
    return Sequential([Dense(16), ReLU(), Dense(10)], input_shape=(784,), seed=2)


def test_predict_proba_is_softmax_of_logits_over_the_temperature():
    model = _model()
    x = np.random.default_rng(3).random((7, 784), dtype=np.float32)
    z = model.logits(x)
    before = model.predict_proba(x)
    model.temperature = 2.5
    after = model.predict_proba(x)
    np.testing.assert_allclose(after, softmax(z / 2.5, axis=1), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(after.argmax(1), before.argmax(1))
    assert after.max(1).mean() < before.max(1).mean()
    np.testing.assert_allclose(model.predict_proba(x[:1]), after[:1], rtol=1e-5)  # one image


def test_calibrate_sets_the_temperature_and_reports_before_and_after():
    model = _model()
    rng = np.random.default_rng(4)
    x = rng.random((500, 784), dtype=np.float32)
    y = model.logits(x).argmax(axis=1)  # labels the model gets right, then some it does not
    y[:100] = rng.integers(0, 10, 100)
    report = calibrate(model, x, y)
    assert model.temperature == report["temperature"]
    assert report["nll_after"] <= report["nll_before"]
    assert report["ece_after"] <= report["ece_before"] + 1e-9


def test_the_temperature_is_saved_and_loaded(tmp_path):
    model = _model()
    model.temperature = 0.625
    path = model_file.save(model, tmp_path / "m.npz")
    assert model_file.describe(path)["temperature"] == 0.625
    loaded = model_file.load(path)
    x = np.random.default_rng(5).random((3, 784), dtype=np.float32)
    assert loaded.temperature == 0.625
    np.testing.assert_allclose(loaded.predict_proba(x), model.predict_proba(x), rtol=1e-6)


@pytest.mark.parametrize("bad", [0, -1.0, "2", True, None])
def test_a_file_with_a_bad_temperature_is_refused_in_one_line(tmp_path, bad):
    model = _model()
    meta = model_file.description(model)
    meta["temperature"] = bad
    b = model.flat
    path = model_file.write_archive(
        tmp_path / "m.npz", {"params": b.params, "buffers": b.buffers}, meta
    )
    with pytest.raises(ModelFileError, match="temperature") as e:
        model_file.load(path)
    assert "\n" not in str(e.value)


def test_a_file_without_a_temperature_loads_uncalibrated(tmp_path):
    model = _model()
    meta = model_file.description(model)
    del meta["temperature"]
    b = model.flat
    path = model_file.write_archive(
        tmp_path / "m.npz", {"params": b.params, "buffers": b.buffers}, meta
    )
    assert model_file.load(path).temperature == 1.0
    assert json.dumps(model_file.describe(path))  # still a sound description


@pytest.mark.slow
def test_numnet_train_fits_the_temperature_on_its_validation_split(tmp_path, capsys):
    from numnet.app.cli import main
    from realdata import mnist_dir

    out = tmp_path / "m.npz"
    common = ["train", "--limit", "1000", "--epochs", "2", "--data", mnist_dir()]
    assert main([*common, "--out", str(out)]) == 0
    assert "calibrated on 100 validation images: temperature" in capsys.readouterr().out
    meta = model_file.describe(out)
    record = meta["training"]["calibration"]
    assert meta["temperature"] == record["temperature"] != 1.0
    assert record["nll_after"] <= record["nll_before"]
    assert {"test_ece_before", "test_ece_after"} <= set(record)
    plain = tmp_path / "plain.npz"
    assert main([*common, "--validation-split", "0", "--out", str(plain)]) == 0
    assert "not calibrated" in capsys.readouterr().out
    assert model_file.describe(plain)["temperature"] == 1.0
