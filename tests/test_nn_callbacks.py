"""Keras' callbacks, fit's progress (verbose 0 / 1 / 2) and the new layers' gradients."""

import subprocess
import sys

import numpy as np
import pytest

import numnet
from gradcheck import check_layer_gradients
from numnet.nn import (
    SGD,
    CSVLogger,
    Dense,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    Sequential,
    Softmax,
)


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6), dtype=np.float32)
    return x, x[:, :3].argmax(axis=1)


def model(seed=0):
    """Ten outputs (as model files require: digit readers), three classes in the data."""
    return Sequential([Dense(8, activation="relu"), Dense(10)], input_shape=(6,), seed=seed)


def test_model_checkpoint_saves_each_epoch_or_only_the_best(tmp_path):
    x, y = data()
    m = model()
    every = ModelCheckpoint(tmp_path / "m-{epoch:02d}-{val_loss:.3f}.npz", monitor="val_loss")
    best = ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy", save_best_only=True)
    h = m.fit(x, y, epochs=3, batch_size=50, validation_split=0.25, callbacks=[every, best],
              verbose=0)
    names = sorted(p.name for p in tmp_path.glob("m-*.npz"))
    assert names == [f"m-{e + 1:02d}-{v:.3f}.npz" for e, v in enumerate(h.history["val_loss"])]
    saved = numnet.load_model(tmp_path / "best.npz")
    assert saved.description["training"]["epoch"] == 1 + int(np.argmax(h.history["val_accuracy"]))
    with pytest.raises(ValueError, match="monitors 'val_loss'.*needs validation data"):
        model().fit(x, y, epochs=1, verbose=0,
                    callbacks=[ModelCheckpoint(tmp_path / "x.npz", save_best_only=True)])


def test_reduce_lr_on_plateau_divides_the_rate_after_patience_epochs():
    x, y = data()
    opt = SGD(lr=1e-9)  # so small that nothing improves
    cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, min_delta=1e-3, cooldown=1,
                           min_lr=3e-10)
    rates = []

    class Record(LearningRateScheduler):
        def __init__(self):
            super().__init__(lambda epoch, lr: (rates.append(lr), lr)[1])

    model().fit(x, y, epochs=8, batch_size=50, optimizer=opt, callbacks=[cb, Record()],
                verbose=0)
    # epoch 1 sets the best; 2, 3 do not improve -> halved; 4 cools down; 5, 6 do not
    # improve -> halved, but not below min_lr
    assert rates == [1e-9, 1e-9, 1e-9, 5e-10, 5e-10, 5e-10, 3e-10, 3e-10]
    assert opt.lr == 3e-10


def test_learning_rate_scheduler_sets_the_rate_before_each_epoch():
    x, y = data()
    opt = SGD(lr=0.1)
    seen = []

    class Probe(LearningRateScheduler):
        def on_epoch_end(self, model, state):
            seen.append(state.optimizer.lr)

    model().fit(x, y, epochs=3, optimizer=opt, verbose=0,
                callbacks=[Probe(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert seen == [0.1, 0.05, 0.1 / 3]
    with pytest.raises(ValueError, match="learning rate -1"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda e, lr: -1)])


def test_csv_logger_writes_a_row_per_epoch_and_appends(tmp_path):
    x, y = data()
    path = tmp_path / "log.csv"
    h = model().fit(x, y, epochs=2, validation_split=0.2, callbacks=[CSVLogger(path)], verbose=0)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss"
    assert [float(v) for v in lines[2].split(",")] == [
        1, h.history["accuracy"][1], h.history["loss"][1], h.history["val_accuracy"][1],
        h.history["val_loss"][1]]
    model().fit(x, y, epochs=1, validation_split=0.2, callbacks=[CSVLogger(path, append=True)],
                verbose=0)
    assert len(path.read_text().splitlines()) == 4
    assert not list(tmp_path.glob(".*tmp"))  # written through a temporary file, renamed


def test_verbose_means_what_keras_means(capsys):
    """0 silent; 1 a bar even when the output is not a terminal, then a line per epoch;
    2 the line per epoch only.  On stderr, as numnet's progress always is."""
    x, y = data()
    model().fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr() == ("", "")
    model().fit(x, y, epochs=2, batch_size=32, verbose=1, validation_split=0.2)
    out, err = capsys.readouterr()  # pytest's capture is no terminal: the bar still shows
    screens = [s for line in err.split("\n") for s in line.split("\r") if s.strip()]
    bars = [s for s in screens if "|" in s]
    lines = [s for s in screens if "|" not in s]
    assert out == "" and any(s.startswith("epoch 1/2: ") for s in bars)
    assert [s[:10] for s in lines] == ["epoch 1/2 ", "epoch 2/2 "]
    assert all("  val_loss " in s and "  val_acc " in s for s in lines)
    model().fit(x, y, epochs=2, verbose=2, validation_split=0.2)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 2 and lines[1].startswith("epoch 2/2  ")
    assert "  loss " in lines[1] and "  val_acc " in lines[1]
    with pytest.raises(ValueError, match="verbose must be 0"):
        model().fit(x, y, verbose=3)


def test_importing_and_training_warn_nothing_without_ipywidgets():
    code = ("import warnings; warnings.simplefilter('error'); import numpy as np; import numnet;"
            " from numnet.nn import Dense, Sequential;"
            " Sequential([Dense(2)], input_shape=(3,)).fit(np.zeros((4, 3)), np.zeros(4, int),"
            " epochs=1, verbose=1)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Warning" not in run.stderr and "epoch 1/1" in run.stderr


def test_softmax_layer_gradients_match_finite_differences():
    errors = check_layer_gradients(Softmax(), (5,), np.random.default_rng(0))
    assert max(errors.values()) < 1e-6


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softmax"])
def test_dense_with_an_activation_gradients_match_finite_differences(activation):
    rng = np.random.default_rng(1)
    errors = check_layer_gradients(Dense(4, activation=activation), (5,), rng)
    assert set(errors) == {"input", "W", "b"} and max(errors.values()) < 1e-6
