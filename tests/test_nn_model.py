"""Sequential: same gradients as the classic network, reproducible, resumable, guarded."""

import copy

import numpy as np
import pytest

from numnet import twolayer
from numnet.core.errors import DataError, DivergenceError
from numnet.nn import (
    SGD,
    Adam,
    BatchNorm,
    Callback,
    Dense,
    Dropout,
    EarlyStopping,
    ReLU,
    Sequential,
    SoftmaxCrossEntropy,
)


def small_data(n=240, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 784), dtype=np.float32)
    y = x[:, :4].argmax(axis=1)  # four classes, told by the first four pixels
    return x, y


def mlp(seed=0, dropout=0.2):
    layers = [Dense(16), BatchNorm(), ReLU(), Dropout(dropout), Dense(4)]
    return Sequential(layers, input_shape=(784,), seed=seed)


def test_dense_relu_dense_gradients_equal_the_classic_network():
    model = Sequential([Dense(8), ReLU(), Dense(10)], seed=3)
    x, _ = small_data(32)
    y = np.arange(32) % 10
    loss = SoftmaxCrossEntropy()
    loss.forward(model.forward(x, training=True), y)
    model.backward(loss.backward())
    d1, d2 = model.layers[0], model.layers[2]
    # the classic network is column-major: W (out, in), b (out, 1), X (784, m)
    W1, b1, W2, b2 = (p.astype(np.float64) for p in (d1.W.T, d1.b[:, None], d2.W.T, d2.b[:, None]))
    X = x.T.astype(np.float64)
    Z1, A1, Z2, A2 = twolayer.forward_propagation(X, W1, b1, W2, b2)
    dW1, db1, dW2, db2 = twolayer.backward_propagation(X, y, A1, A2, W2, Z1, len(y))
    for ours, theirs in [(d1.dW.T, dW1), (d1.db, db1[:, 0]), (d2.dW.T, dW2), (d2.db, db2[:, 0])]:
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-7)


def test_same_seed_gives_bit_identical_weights():
    x, y = small_data()
    runs = []
    for _ in range(2):
        model = mlp(seed=5)
        model.fit(x, y, epochs=2, batch_size=32, verbose=0)
        runs.append(model.flat.params.copy())
    np.testing.assert_array_equal(*runs)
    other = mlp(seed=6)
    other.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert not np.array_equal(runs[0], other.flat.params)


class StopAt(Callback):
    """Interrupt at (epoch, step) and keep a checkpoint: what numnet.files.checkpoint saves."""

    def __init__(self, epoch, step):
        self.at, self.saved = (epoch, step), None

    def on_step_end(self, model, state):
        if (state.epoch, state.step) != self.at:
            return False
        opt = state.optimizer
        self.saved = {
            "params": model.flat.params.copy(),
            "buffers": model.flat.buffers.copy(),
            "rng": copy.deepcopy(model.rng.bit_generator.state),
            "optimizer": (type(opt), opt.get_config(), opt.state_dict()),
            "state": copy.deepcopy(state.to_dict()),
        }
        return True


def shifted(batch, rng):
    """A small augmentation: every image moved by a random amount (drawn from ``rng``)."""
    return np.roll(batch, rng.integers(-3, 4), axis=1)


@pytest.mark.parametrize("augment", [None, shifted])
def test_interrupted_and_resumed_training_is_bit_identical(augment):
    from numnet.nn.training import TrainState

    x, y = small_data()
    kw = dict(epochs=3, batch_size=32, validation_split=0.2, verbose=0, augment=augment)
    straight = mlp(seed=1)
    expected = straight.fit(x, y, optimizer=Adam(lr=0.01), **kw).history

    stopper = StopAt(epoch=1, step=3)
    mlp(seed=1).fit(x, y, optimizer=Adam(lr=0.01), callbacks=[stopper], **kw)
    saved = stopper.saved
    resumed = Sequential.from_config(straight.get_config(), seed=99)  # a fresh process
    resumed.flat.params[:] = saved["params"]
    resumed.flat.buffers[:] = saved["buffers"]
    resumed.rng.bit_generator.state = saved["rng"]
    cls, config, opt_state = saved["optimizer"]
    opt = cls(**config)
    opt.load_state_dict(opt_state)
    state = TrainState(**saved["state"], optimizer=opt)
    history = resumed.fit(x, y, initial_state=state, **kw).history
    np.testing.assert_array_equal(resumed.flat.params, straight.flat.params)
    assert history == expected


@pytest.mark.parametrize("threads", [1, 2])
def test_augment_epochs_augments_only_the_first_epochs(threads):
    """``augment_epochs=2`` of 3: every batch of epochs 1 and 2 goes through ``augment``,
    none of epoch 3 (a function without ``thread_copy``: the whole batch in line or ahead
    in a thread; split batches: ``test_nn_parallel``)."""
    x, y = small_data()
    seen = []

    def counting(batch, rng):
        seen.append(len(batch))
        return shifted(batch, rng)

    class Epochs(Callback):
        def on_epoch_end(self, model, state):
            ends.append(sum(seen))

    ends: list[int] = []
    mlp(seed=1).fit(x, y, epochs=3, batch_size=32, verbose=0, augment=counting,
                    augment_epochs=2, callbacks=[Epochs()], threads=threads)
    assert ends == [len(x), 2 * len(x), 2 * len(x)]
    plain = mlp(seed=1)
    plain.fit(x, y, epochs=3, batch_size=32, verbose=0, threads=threads)
    finished = mlp(seed=1)
    finished.fit(x, y, epochs=3, batch_size=32, verbose=0, augment=lambda b, r: b,
                 augment_epochs=0, threads=threads)
    np.testing.assert_array_equal(finished.flat.params, plain.flat.params)


def test_divergence_stops_with_epoch_step_and_advice():
    x, y = small_data()
    with pytest.raises(DivergenceError, match=r"epoch 1, step \d+.*lower learning rate"):
        Sequential([Dense(16), ReLU(), Dense(4)]).fit(
            x * 1e3, y, optimizer=SGD(lr=1e12), epochs=1, batch_size=32, verbose=0
        )


def test_early_stopping_restores_the_best_weights():
    x, _ = small_data()
    y = np.random.default_rng(0).integers(0, 4, len(x))  # noise: validation loss soon rises

    class Snapshots(Callback):
        params = []

        def on_epoch_end(self, model, state):
            self.params.append(model.flat.params.copy())

    snaps, stop = Snapshots(), EarlyStopping(patience=2)
    model = Sequential([Dense(64), ReLU(), Dense(4)])
    history = model.fit(x, y, epochs=30, batch_size=16, optimizer=Adam(lr=0.01),
                        validation_split=0.3, callbacks=[snaps, stop], verbose=0).history
    best = int(np.argmin(history["val_loss"]))
    assert len(history["val_loss"]) < 30 and best < len(history["val_loss"]) - 1
    np.testing.assert_array_equal(model.flat.params, snaps.params[best])


def test_fit_learns_and_history_has_the_metrics():
    x, y = small_data(600)
    model = Sequential([Dense(32), ReLU(), Dense(4)])
    h = model.fit(x, y, epochs=5, batch_size=32, optimizer=Adam(lr=0.01),
                  validation_data=(x[:100], y[:100]), verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h.epoch == [0, 1, 2, 3, 4] and h.history["loss"][-1] < h.history["loss"][0]
    loss, acc = model.evaluate(x[:100], y[:100])
    assert acc == model.score(x[:100], y[:100]) == pytest.approx(h.history["val_accuracy"][-1])
    assert acc > 0.6


def test_inputs_in_every_agreed_form_give_the_same_predictions():
    model = Sequential([Dense(8), ReLU(), Dense(10)])
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    scaled = images.astype(np.float32) / 255
    forms = [images, images.reshape(7, 784), images[:, None], scaled, scaled.reshape(7, 784)]
    probs = [model.predict_proba(f) for f in forms]
    for p in probs[1:]:
        np.testing.assert_allclose(p, probs[0], rtol=1e-6)
    assert probs[0].dtype == np.float32 and probs[0].shape == (7, 10)
    np.testing.assert_allclose(probs[0].sum(1), 1, rtol=1e-6)
    np.testing.assert_array_equal(model.predict(images), probs[0])  # a softmax classifier
    assert model.predict_classes(images).dtype == np.int64
    assert np.shares_memory(model.prepare(scaled), scaled)  # no copy of float32 input
    np.testing.assert_array_equal(model.predict_classes(images, batch_size=3), probs[0].argmax(1))
    with pytest.raises(DataError, match="do not fit"):
        model.predict(np.zeros((2, 27, 28)))


def test_config_round_trip_and_summary():
    model = mlp()
    clone = Sequential.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    first = {"type": "Dense", "config": {"units": 16, "init": "he"}}
    assert model.get_config()["layers"][0] == first
    printed: list[str] = []
    assert model.summary(print_fn=printed.append) is None
    (text,) = printed  # printed once, returned never (a notebook would echo it)
    assert "Dense" in text and "(None, 16)" in text
    assert f"Trainable params: {784 * 16 + 16 + 32 + 16 * 4 + 4:,}" in text
    assert "Non-trainable params: 32" in text
    assert model.layers[0].input_grad is False and model.layers[-1].input_grad is True
