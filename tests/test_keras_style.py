"""Sequential used as a Keras user uses it: the code of keras.io's examples, numnet's names.

The slow test is keras.io's "Simple MNIST convnet" itself (examples/keras_convnet.py runs
all 15 epochs), for one epoch on the real MNIST: Keras' page shows val_accuracy 0.9780
after that epoch.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import numnet
from numnet.core.errors import DataError
from numnet.nn import (
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Input,
    MaxPool2D,
    Sequential,
)
from numnet.nn.functional import one_hot
from realdata import mnist_dir

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def digits_like(n=600, seed=0, size=12):
    """Images (n, size, size, 1) float32 of 4 classes, each a bright bar in another place."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    x = rng.random((n, size, size, 1), dtype=np.float32) * 0.3
    for k in range(4):
        rows = slice(3 * k, 3 * k + 2)
        x[y == k, rows, 2:-2, 0] += 0.7
    return x, y


def convnet(size=12, seed=0):
    """10 outputs, as model files require (numnet's files hold digit readers), 4 classes used."""
    return Sequential([
        Input(shape=(size, size, 1)),
        Conv2D(8, kernel_size=(3, 3), activation="relu"),
        MaxPool2D(pool_size=2),
        Flatten(),
        Dropout(0.5),
        Dense(10, activation="softmax"),
    ], seed=seed)


def test_the_keras_workflow_end_to_end(tmp_path):
    x, y = digits_like()
    model = convnet()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=4, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.params == {"epochs": 4, "steps": 15, "verbose": 0, "batch_size": 32}
    assert history.history["val_accuracy"][-1] > 0.9

    probs = model.predict(x[:50])
    assert probs.shape == (50, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
    labels = np.argmax(model.predict(x), axis=1)
    np.testing.assert_array_equal(labels, model.predict_classes(x))
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc == np.mean(labels == y) and acc > 0.9 and 0 < loss < 1
    assert model.evaluate(x, y, return_dict=True) == {"loss": loss, "accuracy": acc}

    path = tmp_path / "convnet.npz"
    model.save(path)
    again = numnet.load_model(path)
    assert again.data_format == "channels_last" and again.input_shape == model.input_shape
    np.testing.assert_array_equal(again.predict(x), model.predict(x))

    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 3, 1, 8), (8,), (200, 10), (10,)]
    fresh = convnet(seed=1)
    assert not np.array_equal(fresh.predict(x), model.predict(x))
    fresh.set_weights(weights)
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))
    weights[0][...] = 0  # get_weights gave copies
    assert model.get_weights()[0].any()
    with pytest.raises(ValueError, match=r"weight 2 must be of shape \(200, 10\)"):
        fresh.set_weights([*weights[:2], np.zeros((10, 200)), weights[3]])


def test_one_hot_targets_train_the_same_as_labels():
    """categorical_crossentropy on one-hot rows == sparse_categorical_crossentropy on labels."""
    x, y = digits_like(200)
    runs = []
    for loss, target in (("sparse_categorical_crossentropy", y),
                         ("categorical_crossentropy", one_hot(y, 10))):
        model = convnet()
        model.compile(loss=loss)
        h = model.fit(x, target, batch_size=50, epochs=2, verbose=0, validation_data=(x, target))
        runs.append((model.get_weights(), h.history))
    for a, b in zip(runs[0][0], runs[1][0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(runs[0][1]["val_loss"], runs[1][1]["val_loss"], rtol=1e-5)


def test_channels_last_and_channels_first_models_are_the_same_model():
    x, _ = digits_like(20)
    last = convnet()
    first = Sequential([Conv2D(8, 3, activation="relu"), MaxPool2D(2), Flatten(), Dropout(0.5),
                        Dense(10, activation="softmax")], input_shape=(1, 12, 12))
    first.set_weights(last.get_weights())
    assert last.input_shape == first.input_shape == (1, 12, 12)  # one layout inside
    for images in (x, x.reshape(20, 1, 12, 12), x.reshape(20, 144)):
        np.testing.assert_array_equal(last.predict(images), first.predict(x.reshape(20, 1, 12, 12)))
    printed = []
    last.summary(print_fn=printed.append)
    assert "(None, 10, 10, 8)" in printed[0] and "(input (12, 12, 1))" in printed[0]


def test_channels_last_with_three_channels_is_transposed_once_at_the_edge():
    rng = np.random.default_rng(0)
    x = rng.random((5, 6, 6, 3), dtype=np.float32)
    last = Sequential([Conv2D(2, 3), Flatten(), Dense(3)], input_shape=(6, 6, 3))
    first = Sequential([Conv2D(2, 3), Flatten(), Dense(3)], input_shape=(3, 6, 6))
    first.set_weights(last.get_weights())
    assert last.data_format == "channels_last" and first.data_format == "channels_first"
    np.testing.assert_allclose(last.predict(x), first.predict(x.transpose(0, 3, 1, 2)),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="data_format must be one of"):
        Sequential([Dense(2)], input_shape=(4,), data_format="nhwc")


def test_dense_activations_match_the_separate_layers():
    from numnet.nn import ReLU, Sigmoid, Softmax, Tanh

    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 5), dtype=np.float32)
    for name, layer in (("relu", ReLU), ("tanh", Tanh), ("sigmoid", Sigmoid),
                        ("softmax", Softmax)):
        fused = Sequential([Dense(4, activation=name), Dense(3)], input_shape=(5,))
        apart = Sequential([Dense(4), layer(), Dense(3)], input_shape=(5,))
        apart.set_weights(fused.get_weights())
        np.testing.assert_allclose(fused.predict(x), apart.predict(x), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="Dense activation must be one of"):
        Dense(3, activation="swish")


def test_a_softmax_output_layer_is_read_as_logits_under_cross_entropy():
    """Dense(k, "softmax") + cross-entropy trains and predicts exactly as Dense(k) does."""
    x, y = digits_like(100)
    x = x.reshape(100, -1)
    named = Sequential([Dense(16, activation="relu"), Dense(4, activation="softmax")],
                       input_shape=(144,))
    plain = Sequential([Dense(16, activation="relu"), Dense(4)], input_shape=(144,))
    for model in (named, plain):
        model.fit(x, y, epochs=2, batch_size=20, verbose=0)
    np.testing.assert_array_equal(named.get_weights()[2], plain.get_weights()[2])
    np.testing.assert_array_equal(named.predict(x), plain.predict(x))
    assert named._plan and named.predict(x[:1]).shape == (1, 4)  # the one-image fast path
    np.testing.assert_allclose(named.predict(x[:1])[0], named.predict(x)[0], rtol=1e-5)
    # under mean squared error the softmax is the model's own last step
    named.compile(loss="mse")
    assert not named.layers[-1].logits
    np.testing.assert_allclose(named.predict(x), plain.predict(x), rtol=1e-5)


def test_assigning_weights_writes_into_the_models_buffer(tmp_path):
    model = Sequential([Dense(10)], input_shape=(4,))
    W = np.arange(40, dtype=np.float64).reshape(4, 10)
    model.layers[0].W = W
    assert np.shares_memory(model.layers[0].W, model.flat.params)
    np.testing.assert_array_equal(model.flat.params[:40], W.ravel())
    model.save(tmp_path / "m.npz")
    np.testing.assert_array_equal(numnet.load_model(tmp_path / "m.npz").layers[0].W, W)
    with pytest.raises(ValueError, match=r"Dense.W has shape \(4, 10\); cannot assign an array"):
        model.layers[0].W = W.T.copy()
    model.layers[0].W += 1  # in place, then assigned to itself
    np.testing.assert_array_equal(model.flat.params[:40], W.ravel() + 1)


def test_fit_refuses_labels_the_model_cannot_output():
    model = Sequential([Dense(3)], input_shape=(4,))
    x = np.zeros((5, 4), np.float32)
    with pytest.raises(DataError, match="labels must be integers 0..2"):
        model.fit(x, np.array([0, 1, 2, 3, 0]), verbose=0)
    with pytest.raises(DataError, match=r"expected labels \(n,\) or one row of 3"):
        model.fit(x, np.zeros((5, 4)), verbose=0)
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        model.compile(metrics=["auc"])


def test_pickling_keeps_weights_compile_and_rng_but_no_work_arrays():
    import pickle

    x, y = digits_like(64)
    model = convnet()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(x, one_hot(y, 10), epochs=1, batch_size=32, verbose=0)
    data = pickle.dumps(model)
    assert len(data) < 3 * model.flat.params.nbytes + 20_000  # no im2col buffers inside
    back = pickle.loads(data)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))
    assert type(back.optimizer).__name__ == "SGD" and back.optimizer.iterations == 2
    assert back.rng.bit_generator.state == model.rng.bit_generator.state
    back.fit(x, one_hot(y, 10), epochs=1, batch_size=32, verbose=0)  # trains on


@pytest.mark.slow
def test_keras_mnist_convnet_first_epoch_reaches_keras_accuracy(tmp_path):
    """examples/keras_convnet.py (keras.io's mnist_convnet, as written there) for one epoch:
    Keras' page shows val_accuracy 0.9780 after it; the saved model reloads the same."""
    env = {**os.environ, "NUMNET_DATA": mnist_dir()}
    run = subprocess.run([sys.executable, str(EXAMPLES / "keras_convnet.py"), "--epochs", "1",
                          "--out", str(tmp_path / "cnn.npz")], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=True, timeout=1800)
    assert "Total params: 34,826" in run.stdout  # as Keras' summary
    (epoch,) = [line for line in run.stderr.splitlines() if line.startswith("epoch 1/1  ")]
    assert float(epoch.split("val_acc ")[1]) >= 0.975
    test_acc = float(run.stdout.split("Test accuracy: ")[1].split()[0])
    assert test_acc >= 0.97 and "reloaded model gives the same labels: True" in run.stdout
