"""The single-sample inference path (``nn.engine.fastpath``) answers as the batched path does."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.nn import BatchNorm, Dense, Dropout, Flatten, LeakyReLU, ReLU, Sequential
from numnet.nn.engine import fastpath


def mlp(seed: int = 0) -> Sequential:
    layers = [Flatten(), Dense(32), ReLU(), Dropout(0.3), Dense(16), ReLU(), Dense(10)]
    return Sequential(layers, input_shape=(1, 28, 28), seed=seed)


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (6, 28, 28), dtype=np.uint8)


def test_plan_fuses_relu_and_skips_identities() -> None:
    plan = fastpath.plan(mlp().layers)
    assert plan is not None
    assert [(s.W.shape, s.relu) for s in plan.steps] == [((784, 32), True), ((32, 16), True),
                                                   ((16, 10), False)]
    # for one row, the later biases are folded into their products ([x, 1] [W; b])
    assert [(s.W.shape, s.b is None) for s in plan.row] == [((784, 32), False),
                                                            ((33, 16), True), ((17, 10), True)]
    assert [s.passed.shape for s in plan.row] == [(33,), (17,), (10,)]


@pytest.mark.parametrize(
    "layers",
    [[Dense(8), BatchNorm(), ReLU(), Dense(10)], [Dense(8), LeakyReLU(), Dense(10)],
     [ReLU(), Dense(10)]],
)
def test_no_plan_for_other_layers(layers) -> None:
    model = Sequential(layers, input_shape=(784,))
    assert model._plan is None
    x = np.random.default_rng(0).random((1, 784), dtype=np.float32)
    assert model._one(x) is None
    assert model.predict_classes(x).shape == (1,)


def test_single_sample_matches_batched_path(images: np.ndarray) -> None:
    model = mlp()
    model.flat.params[:] = np.random.default_rng(2).normal(0, 0.2, model.flat.params.size)
    batch_labels = model.predict_classes(images)
    batch_probs = model.predict_proba(images)
    floats = model.prepare(images)  # (n, 1, 28, 28) float32
    for i in range(len(images)):
        for one in (images[i : i + 1], floats[i : i + 1], floats[i : i + 1].reshape(1, 784)):
            assert model._one(one) is not None  # the fast path is taken
            label, probs = model.predict_classes(one), model.predict(one)
            assert label.shape == (1,) and label.dtype == np.int64
            assert probs.shape == (1, 10) and probs.dtype == np.float32
            assert label[0] == batch_labels[i]
            np.testing.assert_allclose(probs[0], batch_probs[i], rtol=1e-5, atol=1e-7)
            assert abs(float(probs.sum()) - 1) < 1e-6


def test_fast_path_sees_new_weights_and_returns_fresh_arrays(images: np.ndarray) -> None:
    model = mlp()
    one = images[:1]
    before = model.predict_proba(one)
    model.flat.params *= 2  # e.g. training or loading writes the flat buffer in place
    after = model.predict_proba(one)
    assert not np.allclose(before, after)  # `before` was not overwritten by the second call
    np.testing.assert_allclose(after[0], model.predict_proba(images)[0], rtol=1e-5, atol=1e-7)


def test_other_inputs_take_the_checked_path() -> None:
    model = mlp()
    assert model._one(np.zeros((1, 784))) is None  # float64: converted by prepare
    assert model._one(np.zeros((2, 784), np.float32)) is None
    assert model.predict_classes(np.zeros((1, 784))).shape == (1,)
    with pytest.raises(Exception, match="do not fit"):
        model.predict(np.zeros((1, 783), np.float32))


@pytest.mark.parametrize("n", [1, 7, 50])
def test_rows_give_the_bits_of_the_forward_pass(n: int) -> None:
    """The batched path of a plain MLP computes what the layers' forward passes compute,
    bit for bit (the same products, additions and ReLU), for ReLU layers or activations."""
    rng = np.random.default_rng(3)
    for model in (mlp(), Sequential([Dense(24, activation="relu"), Dropout(0.5), Dense(10)],
                                    input_shape=(784,), seed=1)):
        model.flat.params[:] = rng.normal(0, 0.3, model.flat.params.size)
        x = rng.normal(0, 1, (n, *model.input_shape)).astype(np.float32)
        want = model.forward(x).copy()
        got = fastpath.run_rows(model._plan, x, owner=model)
        assert got.shape == (n, 10) and got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(model.logits(x), want)  # predict's path is this one


def test_no_rows_give_no_outputs() -> None:
    model = mlp()
    assert model.predict(np.zeros((0, 28, 28), np.uint8)).shape == (0, 10)
    assert model.predict_classes(np.zeros((0, 784), np.float32)).shape == (0,)


def test_plan_follows_newly_bound_buffers(images: np.ndarray) -> None:
    """Buffers bound anew (a gradient check binds float64 ones) leave the old plan's views
    stale: the one-image path plans again and reads the new weights."""
    from numnet.nn.layer import bind_layers

    model = mlp()
    model.predict_classes(images[:1])  # the plan in use
    model.flat, _ = bind_layers(model.layers, model.input_shape, np.random.default_rng(5))
    assert model.flat.params.dtype == np.float32
    np.testing.assert_allclose(model.predict(images[:1])[0], model.predict(images)[0],
                               rtol=1e-5, atol=1e-7)


def test_flat_buffers_start_on_a_cache_line() -> None:
    from numnet.nn.engine.buffers import ALIGN, aligned_zeros

    for n, dtype in ((1, np.float32), (1001, np.float32), (7, np.float64)):
        a = aligned_zeros(n, dtype)
        assert a.shape == (n,) and a.dtype == dtype and a.ctypes.data % ALIGN == 0
        assert a.flags.c_contiguous and a.flags.writeable and not a.any()
    model = mlp()
    for array in (model.flat.params, model.flat.grads, model.layers[1].W):
        assert array.ctypes.data % ALIGN == 0
