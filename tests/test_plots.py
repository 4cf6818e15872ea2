"""Every picture numnet draws becomes a real PNG of the expected size, written atomically."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from numnet import plots
from realdata import mnist_dir

rng = np.random.default_rng(0)
IMAGES = rng.random((20, 28, 28), dtype=np.float32)
LABELS = np.arange(20) % 10
PROBS = rng.dirichlet(np.ones(10), size=20).astype(np.float32)
CM = np.diag(np.full(10, 95)) + rng.integers(0, 3, (10, 10))
HISTORY = {
    "loss": [0.5, 0.3, 0.2],
    "accuracy": [0.85, 0.9, 0.94],
    "val_loss": [0.4, 0.3, 0.28],
    "val_accuracy": [0.88, 0.91, 0.92],
}

FIGURES = {
    "digit_prediction": lambda: plots.digit_prediction(IMAGES[0], 3, 5, PROBS[0]),
    "digit_prediction_plain": lambda: plots.digit_prediction((IMAGES[0] * 255).astype(np.uint8), 3),
    "probability_bars": lambda: plots.probability_bars(PROBS[0], label=2),
    "prediction_grid": lambda: plots.prediction_grid(IMAGES, PROBS.argmax(1), LABELS),
    "confident_mistakes": lambda: plots.confident_mistakes(IMAGES, PROBS, LABELS, k=9),
    "confusion_matrix": lambda: plots.confusion_matrix(CM),
    "training_curves": lambda: plots.training_curves(HISTORY),
    "training_curves_no_validation": lambda: plots.training_curves({"loss": [1, 0.5]}),
    "first_layer_weights": lambda: plots.first_layer_weights(rng.normal(size=(784, 16))),
    "first_layer_weights_classic": lambda: plots.first_layer_weights(rng.normal(size=(10, 784))),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_picture_is_a_png_of_its_figure_size(name, tmp_path):
    fig = FIGURES[name]()
    width, height = (fig.get_size_inches() * plots.DPI).round().astype(int)
    assert width >= 300 and height >= 250  # readable, not a thumbnail
    assert fig.axes[0].get_title() or fig._suptitle is not None  # every picture is titled
    path = plots.save_figure(fig, tmp_path / "out" / f"{name}.png")
    assert path.stat().st_size > 5_000
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (width, height)
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_save_figure_closes_the_figure(tmp_path):
    plt = plots._pyplot()
    before = len(plt.get_fignums())
    plots.save_figure(plots.probability_bars(PROBS[0]), tmp_path / "p.png")
    assert len(plt.get_fignums()) == before


def test_in_a_notebook_figures_are_not_left_open_in_pyplot(monkeypatch):
    """The inline backend shows open figures when a cell ends: the returned figure, the
    cell's value, would show twice.  (tests/test_notebooks.py counts them in a real kernel.)"""
    plt = plots._pyplot()
    before = len(plt.get_fignums())
    monkeypatch.setattr(plots, "_inline", lambda: True)
    fig = plots.prediction_grid(np.zeros((4, 28, 28)), [1, 2, 3, 4], [1, 2, 0, 4])
    assert len(plt.get_fignums()) == before and len(fig.axes) == 4


def test_axes_are_labelled():
    bars = plots.probability_bars(PROBS[0]).axes[0]
    assert (bars.get_xlabel(), bars.get_ylabel()) == ("digit", "probability")
    cm = plots.confusion_matrix(CM).axes[0]
    assert (cm.get_xlabel(), cm.get_ylabel()) == ("predicted", "actual")
    loss, acc = plots.training_curves(HISTORY).axes
    assert loss.get_xlabel() == acc.get_xlabel() == "epoch"
    assert [line.get_label() for line in loss.lines] == ["training", "validation"]


def test_grid_marks_exactly_the_wrong_ones():
    predicted = LABELS.copy()
    predicted[[2, 7]] = 0
    fig = plots.prediction_grid(IMAGES, predicted, LABELS)
    red = [i for i, ax in enumerate(fig.axes[:20]) if ax.spines["top"].get_linewidth() == 3]
    assert red == [2, 7]
    assert "18 of 20 right" in fig._suptitle.get_text()


def test_confident_mistakes_are_the_surest_wrong_answers():
    probs = np.full((5, 10), 0.01, np.float32)
    labels = np.zeros(5, int)
    for i, (guess, p) in enumerate([(0, 0.9), (3, 0.6), (4, 0.95), (0, 0.99), (5, 0.7)]):
        probs[i, guess] = p
    fig = plots.confident_mistakes(IMAGES[:5], probs, labels, k=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["predicted 4 (95%)", "predicted 5 (70%)"]
    assert plots.confident_mistakes(IMAGES[:1], probs[:1], labels[:1])  # none: still a figure


def test_confusion_matrix_annotates_counts():
    texts = {t.get_text() for t in plots.confusion_matrix(CM).axes[0].texts}
    assert str(CM[0, 0]) in texts and "0" not in texts  # empty cells stay clean


def test_weights_reject_a_wrong_shape():
    with pytest.raises(ValueError, match="784"):
        plots.first_layer_weights(np.zeros((100, 10)))


def test_importing_plots_does_not_import_matplotlib():
    code = "import sys, numnet.plots, numnet.data.imaging; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_numnet_show_draws_test_set_pictures(tmp_path, capsys, monkeypatch):
    """``numnet show --grid --mistakes --confusion --weights --curves`` on the real test set."""

    from numnet.app.cli import main
    from numnet.files.model_file import save
    from numnet.nn import Dense, ReLU, Sequential

    monkeypatch.setenv("NUMNET_DATA", mnist_dir())
    model = Sequential([Dense(16), ReLU(), Dense(10)], input_shape=(784,), seed=0)
    path = save(model, tmp_path / "m.npz", record={"history": HISTORY})
    out = tmp_path / "pics"
    flags = ["--grid", "25", "--mistakes", "9", "--confusion", "--weights", "--curves"]
    assert main(["show", str(path), *flags, "--out-dir", str(out)]) == 0
    names = {"grid", "mistakes", "confusion", "weights", "curves"}
    assert {p.stem for p in out.iterdir()} == names
    for p in out.iterdir():
        with Image.open(p) as img:
            assert img.format == "PNG" and min(img.size) >= 300
