"""The classic network: the tutorial's calls, exact gradients, learning, and files."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from numnet import twolayer
from numnet.app.cli import main
from numnet.core.errors import DivergenceError, ModelFileError
from numnet.twolayer import (
    ReLU,
    backward_prop,
    backward_propagation,
    derivative_ReLU,
    forward_prop,
    forward_propagation,
    get_accuracy,
    get_predictions,
    gradient_descent,
    init_params,
    make_predictions,
    one_hot,
    show_prediction,
    softmax,
    update_params,
)
from realdata import mnist_dir

#: the tutorial's thirteen functions, as its table lists them
TUTORIAL_NAMES = set(
    "ReLU derivative_ReLU softmax init_params forward_propagation one_hot backward_propagation "
    "update_params get_predictions get_accuracy gradient_descent make_predictions "
    "show_prediction".split()
)


# --- the tutorial's definitions, transcribed line for line (the reference) -----------------


class Tutorial:
    """The tutorial's one-line definitions, as it writes them (float64, (h,) bias gradients)."""

    @staticmethod
    def ReLU(Z):
        return np.maximum(Z, 0)

    @staticmethod
    def derivative_ReLU(Z):
        return Z > 0

    @staticmethod
    def softmax(Z):
        exp = np.exp(Z - np.max(Z))
        return exp / exp.sum(axis=0)

    @staticmethod
    def forward_propagation(X, W1, b1, W2, b2):
        Z1 = W1.dot(X) + b1
        A1 = Tutorial.ReLU(Z1)
        Z2 = W2.dot(A1) + b2
        A2 = Tutorial.softmax(Z2)
        return Z1, A1, Z2, A2

    @staticmethod
    def one_hot(Y):
        one_hot_Y = np.zeros((Y.max() + 1, Y.size))
        one_hot_Y[Y, np.arange(Y.size)] = 1
        return one_hot_Y

    @staticmethod
    def backward_propagation(X, Y, A1, A2, W2, Z1, m, two=1):
        """``two=2`` is the copies' ``dZ2 = 2 * (A2 - one_hot_Y)``."""
        one_hot_Y = Tutorial.one_hot(Y)
        dZ2 = two * (A2 - one_hot_Y)
        dW2 = 1 / m * (dZ2.dot(A1.T))
        db2 = 1 / m * np.sum(dZ2, 1)
        dZ1 = W2.T.dot(dZ2) * Tutorial.derivative_ReLU(Z1)
        dW1 = 1 / m * (dZ1.dot(X.T))
        db1 = 1 / m * np.sum(dZ1, 1)
        return dW1, db1, dW2, db2

    @staticmethod
    def update_params(alpha, W1, b1, W2, b2, dW1, db1, dW2, db2):
        W1 -= alpha * dW1
        b1 -= alpha * np.reshape(db1, (10, 1))
        W2 -= alpha * dW2
        b2 -= alpha * np.reshape(db2, (10, 1))
        return W1, b1, W2, b2

    @staticmethod
    def get_predictions(A2):
        return np.argmax(A2, 0)

    @staticmethod
    def get_accuracy(predictions, Y):
        return np.sum(predictions == Y) / Y.size

    @staticmethod
    def gradient_descent(X, Y, alpha, iterations, start):
        """The tutorial's loop from the parameters ``start`` (its init_params is random)."""
        size, m = X.shape
        W1, b1, W2, b2 = (p.copy() for p in start)
        for _ in range(iterations):
            Z1, A1, Z2, A2 = Tutorial.forward_propagation(X, W1, b1, W2, b2)
            dW1, db1, dW2, db2 = Tutorial.backward_propagation(X, Y, A1, A2, W2, Z1, m)
            W1, b1, W2, b2 = Tutorial.update_params(alpha, W1, b1, W2, b2, dW1, db1, dW2, db2)
        return W1, b1, W2, b2

    @staticmethod
    def make_predictions(X, W1, b1, W2, b2):
        _, _, _, A2 = Tutorial.forward_propagation(X, W1, b1, W2, b2)
        return Tutorial.get_predictions(A2)


class Original:
    """The original notebook's backward pass, with its scalar bias gradients."""

    @staticmethod
    def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
        m = Y.size
        dZ2 = A2 - Tutorial.one_hot(Y)
        dW2 = 1 / m * dZ2.dot(A1.T)
        db2 = 1 / m * np.sum(dZ2)
        dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
        dW1 = 1 / m * dZ1.dot(X.T)
        db1 = 1 / m * np.sum(dZ1)
        return dW1, db1, dW2, db2


def problem(m=40, h=10, seed=1):
    """A float64 network with non-zero biases and m random images whose labels cover 0..9."""
    rng = np.random.default_rng(seed)
    W1, b1, W2, b2 = init_params(hidden=h, seed=seed, dtype=np.float64)
    b1 += rng.normal(0, 0.1, b1.shape)  # non-zero biases test more
    b2 += rng.normal(0, 0.1, b2.shape)
    X = rng.random((784, m))
    Y = rng.permutation(np.arange(m) % 10)
    return (W1, b1, W2, b2), X, Y


def same(ours, theirs, rtol=1e-12):
    assert np.shape(ours) == np.shape(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-15)


# --- the tutorial's calls, positionally, against its own definitions -----------------------


def test_the_star_import_brings_exactly_the_tutorials_names():
    namespace: dict = {}
    exec("from numnet.twolayer import *", namespace)
    assert set(namespace) - {"__builtins__"} == TUTORIAL_NAMES
    assert set(twolayer.__all__) == TUTORIAL_NAMES and len(twolayer.__all__) == 13


def test_init_params_returns_the_tutorials_four_arrays():
    W1, b1, W2, b2 = init_params()
    assert [p.shape for p in (W1, b1, W2, b2)] == [(10, 784), (10, 1), (10, 10), (10, 1)]
    assert all(p.dtype == np.float32 for p in (W1, b1, W2, b2))
    W1, b1, W2, b2 = init_params(hidden=32, seed=4, dtype=np.float64)
    assert W1.shape == (32, 784) and W2.shape == (10, 32) and W1.dtype == np.float64
    with pytest.raises(TypeError):
        init_params(32)  # extras are keyword-only: a positional call cannot reach them


def test_activations_match_the_tutorial():
    Z = np.random.default_rng(0).normal(0, 3, (10, 7))
    same(ReLU(Z), Tutorial.ReLU(Z))
    same(derivative_ReLU(Z), Tutorial.derivative_ReLU(Z))  # 1.0 and 0.0 where it has bools
    assert derivative_ReLU(Z).dtype == Z.dtype
    same(softmax(Z), Tutorial.softmax(Z))
    Y = np.array([3, 0, 9, 9, 1])
    same(one_hot(Y), Tutorial.one_hot(Y))


def test_forward_propagation_matches_the_tutorial():
    params, X, _ = problem()
    for ours, theirs in zip(
        forward_propagation(X, *params), Tutorial.forward_propagation(X, *params), strict=True
    ):
        same(ours, theirs)


def test_backward_propagation_matches_the_tutorial():
    params, X, Y = problem()
    W1, b1, W2, b2 = params
    Z1, A1, Z2, A2 = forward_propagation(X, *params)
    m = X.shape[1]
    ours = backward_propagation(X, Y, A1, A2, W2, Z1, m)
    theirs = Tutorial.backward_propagation(X, Y, A1, A2, W2, Z1, m)
    doubled = Tutorial.backward_propagation(X, Y, A1, A2, W2, Z1, m, two=2)
    for name, o, t, d, p in zip(twolayer.PARAM_NAMES, ours, theirs, doubled, params, strict=True):
        assert o.shape == p.shape, name  # bias gradients are (h, 1) like their biases ...
        same(o.reshape(t.shape), t)  # ... where the tutorial has (h,) vectors
        same(2 * o.reshape(d.shape), d)  # the copies' dZ2 = 2 * (A2 - Y) doubles every step


def test_update_params_matches_the_tutorial_in_place():
    params, X, Y = problem()
    Z1, A1, _, A2 = forward_propagation(X, *params)
    grads = Tutorial.backward_propagation(X, Y, A1, A2, params[2], Z1, X.shape[1])  # (h,) db
    mine = [p.copy() for p in params]
    theirs = Tutorial.update_params(0.5, *[p.copy() for p in params], *grads)
    out = update_params(0.5, *mine, *grads)
    for o, m_, t in zip(out, mine, theirs, strict=True):
        assert o is m_  # in place, as the tutorial's W1 -= alpha * dW1
        same(o, t)


def test_update_params_takes_the_original_order_and_column_gradients():
    params, X, Y = problem()
    Z1, A1, _, A2 = forward_propagation(X, *params)
    columns = backward_propagation(X, Y, A1, A2, params[2], Z1, X.shape[1])
    vectors = [g.ravel() if g.shape[1] == 1 else g for g in columns]
    tutorial = update_params(0.3, *[p.copy() for p in params], *vectors)
    original = update_params(*[p.copy() for p in params], *columns, 0.3)  # alpha last
    for a, b, p in zip(tutorial, original, params, strict=True):
        assert a.shape == b.shape == p.shape
        same(a, b)
    # the original notebook's scalar db: one number applied to every bias, as its own update
    dW1, _, dW2, _ = columns
    W1, b1, W2, b2 = (p.copy() for p in params)
    update_params(0.3, W1, b1, W2, b2, dW1, 0.25, dW2, 0.5)
    same(b1, params[1] - 0.3 * 0.25)
    same(b2, params[3] - 0.3 * 0.5)
    with pytest.raises(TypeError, match="alpha"):
        update_params(*params, *columns, params[0])  # no number at either end


def test_predictions_and_accuracy_match_the_tutorial():
    params, X, Y = problem()
    A2 = forward_propagation(X, *params)[3]
    same(get_predictions(A2), Tutorial.get_predictions(A2))
    predictions = make_predictions(X, *params)
    same(predictions, Tutorial.make_predictions(X, *params))
    accuracy = get_accuracy(predictions, Y)
    assert isinstance(accuracy, float) and accuracy == Tutorial.get_accuracy(predictions, Y)
    assert get_accuracy(Y, Y) == 1.0


def test_gradient_descent_matches_the_tutorials_loop(capsys):
    _, X, Y = problem(m=60)
    ours = gradient_descent(X, Y, 0.5, 25, seed=3, dtype=np.float64)
    theirs = Tutorial.gradient_descent(X, Y, 0.5, 25, init_params(seed=3, dtype=np.float64))
    assert len(ours) == 4
    for o, t in zip(ours, theirs, strict=True):
        same(o, t, rtol=1e-9)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["10/25", "20/25", "25/25"]
    assert all(len(line) < 50 and "accuracy" in line for line in lines)


def test_show_prediction_prints_the_tutorials_prediction_and_label(tmp_path, capsys):
    params, X, Y = problem()
    for index in (0, 5):
        path = show_prediction(index, X, Y, *params, path=tmp_path / f"{index}.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        expected = Tutorial.make_predictions(X[:, index, None], *params)[0]
        out = capsys.readouterr().out
        assert f"Prediction: {expected}   Label: {Y[index]}" in out


def test_show_prediction_without_a_screen_writes_a_named_file(tmp_path, monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    params, X, Y = problem()
    assert str(show_prediction(2, X, Y, *params)) == "prediction_2.png"
    assert (tmp_path / "prediction_2.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "saved prediction_2.png" in capsys.readouterr().out


# --- the original notebook's names ----------------------------------------------------------


def test_the_original_notebooks_aliases_give_the_same_mathematics(tmp_path, monkeypatch, capsys):
    params, X, Y = problem()
    W1, b1, W2, b2 = params
    for o, t in zip(forward_prop(W1, b1, W2, b2, X), forward_propagation(X, *params), strict=True):
        same(o, t)
    Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X)
    ours = backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
    original = Original.backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
    same(ours[0], original[0])
    same(ours[2], original[2])
    # the original's scalar db is one shared number: the sum of the per-unit gradients
    same(ours[1].sum(), original[1])
    same(ours[3].sum(), original[3])
    assert twolayer.ReLU_deriv is derivative_ReLU

    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    globals()["X_train"], globals()["Y_train"] = X, Y  # the original reads the notebook's
    try:
        twolayer.test_prediction(4, W1, b1, W2, b2)
    finally:
        del globals()["X_train"], globals()["Y_train"]
    assert f"Label: {Y[4]}" in capsys.readouterr().out
    with pytest.raises(NameError, match="X_train"):
        twolayer.test_prediction(4, W1, b1, W2, b2)


# --- numnet's own checks ---------------------------------------------------------------------


def loss(params, X, Y):
    A2 = forward_propagation(X, *params)[3]
    return -np.log(A2[Y, np.arange(X.shape[1])]).mean()


def test_backward_propagation_matches_centred_finite_differences():
    params, X, Y = problem(m=7, h=5)
    X = X[:12]
    params = (params[0][:, :12].copy(), *params[1:])
    Z1, A1, _, A2 = forward_propagation(X, *params)
    grads = backward_propagation(X, Y, A1, A2, params[2], Z1, X.shape[1])
    eps = 1e-6
    for name, analytic, P in zip(twolayer.PARAM_NAMES, grads, params, strict=True):
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


def test_init_scales_weights_by_fan_in_and_zeroes_biases():
    W1, b1, W2, b2 = init_params(hidden=200, seed=3)
    assert abs(W1.std() - np.sqrt(1 / 784)) < 0.002
    assert abs(W2.std() - np.sqrt(1 / 200)) < 0.02
    assert not b1.any() and not b2.any()
    again = init_params(hidden=200, seed=3, dtype=np.float64)
    np.testing.assert_allclose(again[0], W1, rtol=1e-6)


def test_softmax_is_stable_column_by_column():
    Z = np.array([[1000.0, -1000.0], [1001.0, -1000.0], [999.0, -1e30]], dtype=np.float32)
    A = softmax(Z)
    assert np.isfinite(A).all() and A.dtype == np.float32
    np.testing.assert_allclose(A.sum(axis=0), 1, rtol=1e-6)
    np.testing.assert_allclose(A[:, 1], [0.5, 0.5, 0], atol=1e-7)  # 2000 below the max
    with np.errstate(invalid="ignore"):
        assert np.isnan(Tutorial.softmax(Z)[:, 1]).all()  # where the global shift gives 0 / 0


def test_forward_propagation_accepts_bias_vectors():
    params, X, _ = problem(m=10)
    vectors = (params[0], params[1].ravel(), params[2], params[3].ravel())
    for o, t in zip(forward_propagation(X, *vectors), forward_propagation(X, *params), strict=True):
        same(o, t)


def test_gradient_descent_learns_and_reports_through_the_callback(capsys):
    rng = np.random.default_rng(0)
    centres = rng.random((20, 3)) * 4
    Y = rng.integers(0, 3, 300)
    X = centres[:, Y] + rng.normal(0, 0.3, (20, 300))  # float64, trained in float32
    history = []
    W1, b1, W2, b2 = gradient_descent(
        X, Y, 0.1, 60, hidden=8, print_every=20, callback=lambda *row: history.append(row)
    )
    assert [row[0] for row in history] == [20, 40, 60]
    assert history[-1][1] > 0.95 and history[-1][2] < history[0][2]
    assert W1.dtype == np.float32 and W1.shape == (8, 20)
    assert "Iteration: 20/60   accuracy:" in capsys.readouterr().out
    assert get_accuracy(make_predictions(X, W1, b1, W2, b2), Y) > 0.95
    gradient_descent(X, Y, 0.1, 5, verbose=False)
    assert capsys.readouterr().out == ""


def test_gradient_descent_reports_divergence():
    rng = np.random.default_rng(0)
    X = rng.random((20, 50)).astype(np.float32) * 100
    with pytest.raises(DivergenceError, match="smaller alpha"):
        gradient_descent(X, rng.integers(0, 10, 50), 1e20, 30, verbose=False)


@pytest.mark.parametrize(
    "X, Y, message",
    [
        (np.zeros((784, 5), np.uint8), np.zeros(5, int), "float pixels"),
        (np.zeros((5, 784)), np.zeros(5, int), "transpose X"),
        (np.zeros((784, 5)), np.zeros(5), "integer label"),
        (np.zeros((784, 5)), np.arange(5) + 8, "0..9"),
    ],
)
def test_gradient_descent_refuses_data_of_the_wrong_kind(X, Y, message):
    with pytest.raises(ValueError, match=message):
        gradient_descent(X, Y, 0.1, 1)


# --- files -------------------------------------------------------------------------------


def test_save_params_writes_the_tutorials_tuple_and_reads_it_back(tmp_path):
    for dtype in (np.float32, np.float64):
        params = init_params(hidden=4, seed=1, dtype=dtype)
        path = twolayer.save_params(tmp_path / f"p-{np.dtype(dtype).name}.pkl", *params)
        with open(path, "rb") as f:  # our own file, just written: what the tutorial reads
            raw = pickle.load(f)
        assert type(raw) is tuple and len(raw) == 4
        back = twolayer.load_params(path)
        for b, p in zip(back, params, strict=True):
            assert b.dtype == dtype
            np.testing.assert_array_equal(b, p)


@pytest.mark.parametrize("form", ["dict", "list", "bias vectors"])
def test_load_params_reads_the_other_forms(tmp_path, form):
    params = init_params(hidden=4, dtype=np.float64)
    obj = {
        "dict": dict(zip(twolayer.PARAM_NAMES, params, strict=True)),
        "list": list(params),
        "bias vectors": (params[0], params[1].ravel(), params[2], params[3].ravel()),
    }[form]
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=2))
    for b, p in zip(twolayer.load_params(path), params, strict=True):
        assert b.shape == p.shape
        np.testing.assert_array_equal(b, p)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p[:3], "W1, b1, W2, b2"),
        (lambda p: {"W1": p[0]}, r"\['W1'\]"),
        (lambda p: (p[0], np.zeros((3, 1), np.float32), p[2], p[3]), "b1 has shape"),
        (lambda p: (p[0], p[1], p[2].astype(np.int64), p[3]), "float32/float64"),
        (lambda p: (p[0], p[1], p[2].astype(np.float64), p[3]), "one dtype"),
        (lambda p: (np.full_like(p[0], np.nan), *p[1:]), "NaN"),
        (lambda p: (p[0][0], *p[1:]), "2-D"),
    ],
)
def test_load_params_checks_shapes_and_dtypes(tmp_path, mutate, message):
    path = tmp_path / "bad.pkl"
    path.write_bytes(pickle.dumps(mutate(init_params(hidden=4))))
    with pytest.raises(ModelFileError, match=message) as err:
        twolayer.load_params(path)
    assert str(path) in str(err.value)


def test_classifier_accepts_every_image_layout():
    params = init_params(hidden=8, seed=2)
    model = twolayer.TwoLayerClassifier(*params)
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    probs = model.predict_proba(images)
    assert probs.shape == (5, 10) and probs.dtype == np.float32
    assert probs.flags.c_contiguous
    scaled = images / 255.0
    for x in (images.reshape(5, 784), images.reshape(5, 1, 28, 28), scaled, scaled.reshape(5, 784)):
        np.testing.assert_allclose(model.predict_proba(x), probs, rtol=1e-5, atol=1e-7)
    pred = model.predict(images)
    assert pred.dtype == np.int64
    np.testing.assert_array_equal(pred, make_predictions(scaled.reshape(5, 784).T, *params))
    with pytest.raises(ValueError, match="784"):
        model.predict_proba(np.zeros((2, 27, 27)))


def test_classifier_refuses_parameters_of_the_wrong_size():
    with pytest.raises(ModelFileError, match="784 pixels"):
        twolayer.TwoLayerClassifier(*init_params(hidden=4, inputs=12))


# --- on the real MNIST ------------------------------------------------------------------


@pytest.mark.slow
def test_short_training_on_real_mnist_improves_accuracy():
    from numnet.datasets import mnist

    (x, y), _ = mnist.load_data(mnist_dir())
    X = x[:5000].reshape(5000, 784).T / 255
    history = []
    gradient_descent(
        X, y[:5000], 0.1, 30, print_every=5, verbose=False, callback=lambda *r: history.append(r)
    )
    assert history[-1][1] > history[0][1] + 0.2
    assert history[-1][2] < history[0][2]


# --- the tutorial's scripts, their definitions replaced by numnet's, on the real MNIST ---------

HERE = Path(__file__).resolve().parent


def run_script(script: Path, folder: Path) -> str:
    """Run ``script`` as a learner would (python script.py, in ``folder``); its output."""
    env = {**os.environ, "NUMNET_DATA": mnist_dir(), "MPLBACKEND": "Agg"}
    env.update(dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def printed_accuracy(out: str, label: str) -> float:
    return float(out.split(label)[1].split()[0])


@pytest.mark.slow
def test_the_tutorials_script_runs_on_numnets_functions(tmp_path, capsys):
    out = run_script(HERE.parent / "examples" / "classic_walkthrough.py", tmp_path)
    assert len([line for line in out.splitlines() if line.startswith("Iteration:")]) == 50
    accuracy = printed_accuracy(out, "Test accuracy:")
    assert accuracy >= 0.88
    assert out.count("Prediction: ") == 4
    for index in range(4):
        assert (tmp_path / f"prediction_{index}.png").read_bytes()[:4] == b"\x89PNG"
    # the script's pickle.dump((W1, b1, W2, b2), f) is read by numnet evaluate
    assert main(["evaluate", str(tmp_path / "trained_params.pkl"), "--data", mnist_dir()]) == 0
    evaluated = printed_accuracy(capsys.readouterr().out, "test accuracy")
    assert evaluated == pytest.approx(accuracy, abs=3e-4)  # float32 rounding of x / 255


@pytest.mark.slow
def test_the_original_notebooks_script_runs_on_numnets_functions(tmp_path):
    out = run_script(HERE / "scripts" / "original_notebook.py", tmp_path)
    assert out.count("Iteration: ") == 50 and out.count("Prediction: ") == 2
    assert printed_accuracy(out, "Dev accuracy:") >= 0.88
    assert printed_accuracy(out, "Test accuracy:") >= 0.88
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "prediction_0.png",
        "prediction_1.png",
    ]
