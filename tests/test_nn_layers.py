"""Every layer's backward agrees with centred finite differences (float64), and behaves."""

import numpy as np
import pytest

from gradcheck import check_layer_gradients
from numnet.nn import LAYERS, BatchNorm, Dense, Dropout, Flatten, LeakyReLU, ReLU, Sigmoid, Tanh
from numnet.nn.layer import bind_layers as bind


@pytest.mark.parametrize(
    "layer, shape",
    [
        (Dense(5, init="he"), (7,)),
        (Dense(3, init="xavier"), (4,)),
        (Dense(3, init="lecun"), (4,)),
        (ReLU(), (6,)),
        (LeakyReLU(0.1), (6,)),
        (Tanh(), (5,)),
        (Sigmoid(), (5,)),
        (Dropout(0.4), (8,)),
        (BatchNorm(), (5,)),
        (BatchNorm(), (3, 4, 2)),
        (Flatten(), (2, 3, 2)),
    ],
    ids=lambda v: repr(v) if not isinstance(v, tuple) else str(v),
)
def test_gradients_match_finite_differences(layer, shape):
    errors = check_layer_gradients(layer, shape, np.random.default_rng(0), batch=6)
    assert max(errors.values()) < 1e-6


def test_batchnorm_inference_uses_running_statistics():
    rng = np.random.default_rng(1)
    layer = BatchNorm(momentum=0.0)  # running stats = last batch's stats
    bind([layer], (3, 2, 2), rng)
    x = (rng.standard_normal((50, 3, 2, 2)) * 4 + 2).astype(np.float32)
    y_train = layer.forward(x, training=True).copy()
    np.testing.assert_allclose(y_train.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y_train.var(axis=(0, 2, 3)), 1, atol=1e-3)
    np.testing.assert_allclose(layer.forward(x, training=False), y_train, atol=1e-3)
    # one sample alone at inference is normalised by the running statistics, not its own
    np.testing.assert_allclose(layer.forward(x[:1], training=False), y_train[:1], atol=1e-3)


def test_dropout_is_inverted_and_identity_at_inference():
    layer = Dropout(0.25)
    layer.rng = np.random.default_rng(0)
    x = np.ones((1000, 100), np.float32)
    y = layer.forward(x, training=True)
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.01
    assert layer.forward(x, training=False) is x


def test_sigmoid_does_not_overflow():
    layer = Sigmoid()
    with np.errstate(over="raise", invalid="raise"):
        y = layer.forward(np.array([[-1000.0, 0.0, 1000.0]], np.float32))
    np.testing.assert_allclose(y, [[0.0, 0.5, 1.0]])


def test_dense_stays_float32_and_initialises_by_rule():
    rng = np.random.default_rng(0)
    layer = Dense(500)
    bind([layer], (400,), rng)
    assert layer.W.dtype == np.float32
    assert abs(layer.W.std() - np.sqrt(2 / 400)) < 0.002
    assert layer.forward(np.ones((3, 400), np.float32)).dtype == np.float32


def test_registry_rebuilds_every_layer_from_its_config():
    for layer in [Dense(3, init="xavier"), LeakyReLU(0.2), Dropout(0.1), BatchNorm(0.8, 1e-3)]:
        clone = LAYERS[type(layer).__name__](**layer.get_config())
        assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_on_the_float_bits_equals_the_float_maximum(dtype):
    from numnet.nn.layers.activations import relu_into

    info = np.finfo(dtype)
    special = [0.0, -0.0, np.inf, -np.inf, info.tiny / 4, -info.tiny / 4, info.max, -info.max]
    x = np.concatenate([special, np.random.default_rng(0).standard_normal(60)]).astype(dtype)
    maps = x.reshape(2, 2, 17, 1).transpose(0, 3, 1, 2)  # a strided (n, c, h, w) view
    y = relu_into(maps, np.empty_like(maps))
    np.testing.assert_array_equal(y, np.maximum(maps, 0))
    assert not np.any(np.signbit(y))  # -0.0 comes out as +0.0
    assert relu_into(x, x) is x and np.array_equal(x, np.maximum(x, 0))  # in place


def test_relu_follows_each_memory_order():
    from numnet.nn.engine.relu import memory_run
    from numnet.nn.layers.activations import relu_into

    nhwc = np.random.default_rng(1).standard_normal((3, 4, 5, 6)).astype(np.float32)
    maps = nhwc.transpose(0, 3, 1, 2)  # channels-last seen as (n, c, h, w)
    run = memory_run(maps)
    assert run is not None and np.shares_memory(run, nhwc) and np.array_equal(run, nhwc.ravel())
    assert memory_run(maps[:, :, 1:]) is None  # not one block
    for out in (np.empty_like(maps), np.empty(maps.shape, np.float32)):  # same order, C order
        np.testing.assert_array_equal(relu_into(maps, out), np.maximum(maps, 0))
