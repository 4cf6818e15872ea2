"""The classic network: shapes, a stable softmax, exact gradients, learning, and files."""

from __future__ import annotations

import numpy as np
import pytest

from numnet import twolayer
from numnet.core.errors import DivergenceError, ModelFileError
from realdata import mnist_dir


def small_problem(d=12, h=5, k=10, m=7, seed=1):
    """A tiny float64 network and data: d inputs, h hidden, k classes, m samples."""
    rng = np.random.default_rng(seed)
    params = twolayer.init_params(hidden=h, seed=seed, dtype=np.float64, inputs=d, classes=k)
    params["b1"] += rng.normal(0, 0.1, params["b1"].shape)  # non-zero biases test more
    params["b2"] += rng.normal(0, 0.1, params["b2"].shape)
    X = rng.random((d, m))
    Y = rng.integers(0, k, m)
    return params, X, Y


def loss(params, X, Y):
    *_, A2 = twolayer.forward_propagation(**params, X=X)
    return -np.log(A2[Y, np.arange(X.shape[1])]).mean()


def test_shapes_follow_the_tutorial():
    params = twolayer.init_params(hidden=16)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (16, 784),
        "b1": (16, 1),
        "W2": (10, 16),
        "b2": (10, 1),
    }
    assert all(v.dtype == np.float32 for v in params.values())
    X = np.random.default_rng(0).random((784, 3), dtype=np.float32)
    Z1, A1, Z2, A2 = twolayer.forward_propagation(**params, X=X)
    assert Z1.shape == A1.shape == (16, 3) and Z2.shape == A2.shape == (10, 3)
    assert A2.dtype == np.float32
    np.testing.assert_allclose(A2.sum(axis=0), 1, rtol=1e-6)
    assert twolayer.one_hot([3, 0]).shape == (10, 2) and twolayer.one_hot([3, 0])[3, 0] == 1


def test_init_scales_weights_by_fan_in_and_zeroes_biases():
    params = twolayer.init_params(hidden=200, seed=3)
    assert abs(params["W1"].std() - np.sqrt(1 / 784)) < 0.002
    assert abs(params["W2"].std() - np.sqrt(1 / 200)) < 0.02
    assert not params["b1"].any() and not params["b2"].any()
    again = twolayer.init_params(hidden=200, seed=3, dtype=np.float64)
    np.testing.assert_allclose(again["W1"], params["W1"], rtol=1e-6)


def test_softmax_is_stable_for_huge_inputs():
    Z = np.array([[1000.0, -1000.0], [1001.0, -1000.0], [999.0, -1e30]], dtype=np.float32)
    A = twolayer.softmax(Z)
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=0), 1, rtol=1e-6)
    np.testing.assert_allclose(A[:, 0], twolayer.softmax(Z[:, :1] - 1000)[:, 0], rtol=1e-6)
    np.testing.assert_allclose(A[:, 1], [0.5, 0.5, 0], atol=1e-7)


def test_relu_and_its_derivative():
    Z = np.array([[-2.0, 0.0, 3.0]], dtype=np.float32)
    np.testing.assert_array_equal(twolayer.ReLU(Z), [[0, 0, 3]])
    np.testing.assert_array_equal(twolayer.derivative_ReLU(Z), [[0, 0, 1]])
    assert twolayer.derivative_ReLU(Z).dtype == np.float32


def test_backward_propagation_matches_centred_finite_differences():
    params, X, Y = small_problem()
    Z1, A1, Z2, A2 = twolayer.forward_propagation(**params, X=X)
    grads = twolayer.backward_propagation(
        Z1, A1, Z2, A2, params["W1"], params["W2"], X, twolayer.one_hot(Y, dtype=np.float64)
    )
    eps = 1e-6
    for name, analytic in zip(twolayer.PARAM_NAMES, grads, strict=True):
        P = params[name]
        assert analytic.shape == P.shape
        numeric = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            saved = P[idx]
            P[idx] = saved + eps
            up = loss(params, X, Y)
            P[idx] = saved - eps
            down = loss(params, X, Y)
            P[idx] = saved
            numeric[idx] = (up - down) / (2 * eps)
        rel = np.linalg.norm(analytic - numeric) / max(
            np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12
        )
        assert rel < 1e-6, f"{name}: relative error {rel:.2e}"


def test_update_params_steps_against_the_gradient_in_place():
    params, _, _ = small_problem()
    before = {k: v.copy() for k, v in params.items()}
    grads = [np.ones_like(params[k]) for k in twolayer.PARAM_NAMES]
    out = twolayer.update_params(*(params[k] for k in twolayer.PARAM_NAMES), *grads, 0.5)
    for name, arr in zip(twolayer.PARAM_NAMES, out, strict=True):
        assert arr is params[name]
        np.testing.assert_allclose(arr, before[name] - 0.5)


def test_gradient_descent_learns_a_separable_problem(capsys):
    rng = np.random.default_rng(0)
    centres = rng.random((20, 3)) * 4
    Y = rng.integers(0, 3, 300)
    X = (centres[:, Y] + rng.normal(0, 0.3, (20, 300))).astype(np.float32)
    seen = []
    params, history = twolayer.gradient_descent(
        X,
        Y,
        alpha=0.1,
        iterations=60,
        hidden=8,
        print_every=20,
        callback=lambda i, acc, loss: seen.append(i),
    )
    assert seen == history["iteration"] == [20, 40, 60]
    assert history["accuracy"][-1] > 0.95
    assert history["loss"][-1] < history["loss"][0]
    assert params["W1"].dtype == np.float32
    assert "Iteration:    20" in capsys.readouterr().out
    assert (twolayer.make_predictions(X, **params) == Y).mean() > 0.95


def test_gradient_descent_reports_divergence():
    rng = np.random.default_rng(0)
    X = rng.random((20, 50)).astype(np.float32) * 100
    with pytest.raises(DivergenceError, match="smaller alpha"):
        twolayer.gradient_descent(
            X, rng.integers(0, 10, 50), alpha=1e20, iterations=30, print_every=10, verbose=False
        )


def test_save_and_load_params_round_trip_exactly(tmp_path):
    for dtype in (np.float32, np.float64):
        params, _, _ = small_problem()
        params = {k: v.astype(dtype) for k, v in params.items()}
        path = twolayer.save_params(params, tmp_path / f"p-{np.dtype(dtype).name}.pkl")
        back = twolayer.load_params(path)
        assert set(back) == set(twolayer.PARAM_NAMES)
        for k in twolayer.PARAM_NAMES:
            assert back[k].dtype == dtype
            np.testing.assert_array_equal(back[k], params[k])


def test_load_params_reads_a_tutorial_tuple_pickle(tmp_path):
    import pickle

    params = twolayer.init_params(hidden=4, dtype=np.float64)
    path = tmp_path / "tutorial.pkl"
    path.write_bytes(pickle.dumps(tuple(params[k] for k in twolayer.PARAM_NAMES), protocol=2))
    back = twolayer.load_params(path)
    np.testing.assert_array_equal(back["W2"], params["W2"])


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p.pop("b2"), "W1, b1, W2, b2"),
        (lambda p: p.update(b1=np.zeros((3, 1), np.float32)), "b1 has shape"),
        (lambda p: p.update(W2=p["W2"].astype(np.int64)), "float32/float64"),
        (lambda p: p.update(W2=p["W2"].astype(np.float64)), "one dtype"),
        (lambda p: p["W1"].__setitem__((0, 0), np.nan), "NaN"),
    ],
)
def test_load_params_checks_keys_shapes_dtypes(tmp_path, mutate, message):
    import pickle

    params = twolayer.init_params(hidden=4)
    mutate(params)
    path = tmp_path / "bad.pkl"
    path.write_bytes(pickle.dumps(params))
    with pytest.raises(ModelFileError, match=message) as err:
        twolayer.load_params(path)
    assert str(path) in str(err.value)


def test_classifier_accepts_every_image_layout():
    params = twolayer.init_params(hidden=8, seed=2)
    model = twolayer.TwoLayerClassifier(params)
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    probs = model.predict_proba(images)
    assert probs.shape == (5, 10) and probs.dtype == np.float32
    assert probs.flags.c_contiguous
    scaled = images / 255.0
    for x in (images.reshape(5, 784), images.reshape(5, 1, 28, 28), scaled, scaled.reshape(5, 784)):
        np.testing.assert_allclose(model.predict_proba(x), probs, rtol=1e-5, atol=1e-7)
    pred = model.predict(images)
    assert pred.dtype == np.int64
    np.testing.assert_array_equal(
        pred, twolayer.make_predictions(scaled.reshape(5, 784).T, **params)
    )
    with pytest.raises(ValueError, match="784"):
        model.predict_proba(np.zeros((2, 27, 27)))


def test_classifier_refuses_parameters_of_the_wrong_size():
    with pytest.raises(ModelFileError, match="784 pixels"):
        twolayer.TwoLayerClassifier(twolayer.init_params(hidden=4, inputs=12))


def test_show_prediction_writes_a_picture(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    params = twolayer.init_params(hidden=8)
    X = np.random.default_rng(0).random((784, 3), dtype=np.float32)
    path = twolayer.show_prediction(1, X, np.array([4, 2, 7]), **params, path=tmp_path / "p.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "Label: 2" in out and str(path) in out


@pytest.fixture(scope="module")
def mnist_small():
    """The first 5000 training images as the tutorial's columns (784, 5000) and labels."""
    mnist = pytest.importorskip("numnet.datasets.mnist")
    (x, y), _ = mnist.load_data(mnist_dir())
    return mnist.preprocess(x[:5000]).T, y[:5000]


@pytest.mark.slow
def test_short_training_on_real_mnist_improves_accuracy(mnist_small):
    X, Y = mnist_small
    _, history = twolayer.gradient_descent(
        X, Y, alpha=0.1, iterations=30, print_every=5, verbose=False
    )
    assert history["accuracy"][-1] > history["accuracy"][0] + 0.2
    assert history["loss"][-1] < history["loss"][0]
