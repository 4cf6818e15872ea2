"""The model that ships with numnet: found with no argument, made by the README's command."""

from __future__ import annotations

import re
import shlex
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

import numnet
from numnet.app.cli import build_parser
from numnet.app.cli.train import RunSettings
from numnet.files.model_file import SHIPPED_MODEL
from realdata import mnist_dir

ROOT = Path(__file__).parents[1]


def _settings(command: str) -> dict:
    """The run settings of a ``numnet train ...`` command line, as numnet parses it."""
    words = shlex.split(command)
    assert words[:2] == ["numnet", "train"]
    # --out is no setting: where the file goes does not change the model
    return asdict(RunSettings.from_args(build_parser().parse_args(words[1:])))


def test_the_shipped_model_records_the_readme_command_and_its_seed():
    readme = (ROOT / "README.md").read_text()
    # the line that makes the file: "numnet train --arch digits ... --out <the shipped file>"
    making = r"`(numnet train --arch digits [^`]*--out \S*digits\.npz)`"
    (documented,) = set(re.findall(making, readme))
    model = numnet.load_model()
    training = model.description["training"]
    assert _settings(training["command"]) == _settings(documented)
    assert training["seed"] == _settings(documented)["seed"] == 0
    assert training["arch"] == "digits" and training["augment"] is True
    assert model.temperature == training["calibration"]["temperature"] != 1.0


def test_the_shipped_model_reads_mnist_test_digits():
    from numnet.datasets import mnist

    _, (x, y) = mnist.load_data(mnist_dir())
    model = numnet.load_model()
    probs = model.predict_proba(x[:1000])
    assert (probs.argmax(axis=1) == y[:1000]).mean() >= 0.99
    confidence = probs.max(axis=1)
    assert 0.9 < confidence.mean() < 1.0  # calibrated: sure of most digits, not of all


def test_the_shipped_model_is_the_network_of_the_digits_preset():
    from numnet.presets import PRESETS

    model, preset = numnet.load_model(), PRESETS["digits"].build(0)
    assert model.get_config() == preset.get_config()
    assert [w.shape for w in model.get_weights()] == [w.shape for w in preset.get_weights()]
    assert not np.array_equal(model.flat.params, preset.flat.params)  # trained, not fresh


def test_the_wheel_carries_it():
    pyproject = (ROOT / "pyproject.toml").read_text()
    section = r"\[tool\.setuptools\.package-data\]\n(?:#.*\n)*numnet = \[(.*)\]"
    (listed,) = re.findall(section, pyproject)
    globs = re.findall(r'"([^"]+)"', listed)
    package = ROOT / "src" / "numnet"
    assert SHIPPED_MODEL == package / "models" / "digits.npz"
    assert any(SHIPPED_MODEL in package.glob(g) for g in globs)
    assert SHIPPED_MODEL.stat().st_size < 4 << 20  # small: 330,858 float32 parameters


def test_load_model_with_a_path_loads_that_file(tmp_path):
    from numnet.files.model_file import save
    from numnet.nn import Dense, Sequential

    model = Sequential([Dense(10)], input_shape=(784,), seed=1)
    loaded = numnet.load_model(save(model, tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.flat.params, model.flat.params)


def test_a_missing_shipped_model_is_one_line(monkeypatch):
    from numnet.files import model_file

    monkeypatch.setattr(model_file, "SHIPPED_MODEL", Path("/nonexistent/digits.npz"))
    with pytest.raises(numnet.NumnetError, match="installed without its model") as e:
        numnet.load_model()
    assert "\n" not in str(e.value)
