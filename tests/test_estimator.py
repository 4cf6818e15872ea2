"""MLPClassifier is a drop-in for scikit-learn's: its checks, its tools, its names.

scikit-learn, joblib and pandas come with the ``test`` extra; ``import numnet`` and the
estimator itself work without scikit-learn (checked in a subprocess that hides it).
"""

import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from numnet import MLPClassifier
from realdata import mnist_dir

sklearn = pytest.importorskip("sklearn")
joblib = pytest.importorskip("joblib")

from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402


def blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 20)).astype(np.float32) + 3 * np.eye(3, 20, dtype=np.float32)[y]
    return x, np.array(["cat", "dog", "emu"])[y]


CHECK_ESTIMATOR = """
import json, warnings
warnings.simplefilter("ignore")
from sklearn.utils.estimator_checks import check_estimator
from numnet import MLPClassifier
results = check_estimator(MLPClassifier(), on_fail=None)
print(json.dumps([[r["check_name"], r["status"], repr(r["exception"])[:300]] for r in results]))
"""


def test_check_estimator_passes_every_check():
    """scikit-learn's own suite, every check run (none skipped, none expected to fail).

    In a subprocess: the array-API check needs SCIPY_ARRAY_API=1 before SciPy is imported."""
    pytest.importorskip("pandas")  # check_classifier_data_not_an_array feeds DataFrames
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    out = subprocess.run([sys.executable, "-c", CHECK_ESTIMATOR], env=env, check=True,
                         capture_output=True, text=True, timeout=900).stdout
    results = json.loads(out.splitlines()[-1])
    not_passed = [r for r in results if r[1] != "passed"]
    assert not not_passed, not_passed
    assert len(results) >= 50  # 55 on scikit-learn 1.9


def test_constructor_takes_scikit_learns_names_and_defaults():
    from sklearn.neural_network import MLPClassifier as Theirs

    ours, theirs = MLPClassifier().get_params(), Theirs().get_params()
    assert ours == theirs
    clf = MLPClassifier(max_iter=7, learning_rate_init=0.01, learning_rate="adaptive",
                        solver="sgd")
    assert clone(clf).get_params() == clf.get_params() and is_classifier(clf)
    with pytest.raises(ValueError, match="Invalid parameter 'epochs'"):
        clf.set_params(epochs=1)


def test_fit_maps_any_labels_scores_and_exposes_scikit_learns_attributes():
    x, y = blobs()
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the loss still falls by > tol
        assert clf.fit(x, y) is clf
    assert list(clf.classes_) == ["cat", "dog", "emu"] and clf.n_features_in_ == 20
    proba = clf.predict_proba(x)
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(x))
    assert clf.score(x, y) > 0.9
    assert [w.shape for w in clf.coefs_] == [(20, 16), (16, 3)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (3,)]
    assert clf.n_iter_ == len(clf.loss_curve_) <= 200 and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.t_ == clf.n_iter_ * 300 and clf.n_layers_ == 3 and clf.n_outputs_ == 3
    assert np.shares_memory(clf.coefs_[0], clf.model_.flat.params)  # views, not copies


def test_stopping_follows_tol_and_n_iter_no_change():
    x, y = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(16,), tol=0.5, n_iter_no_change=2,
                            random_state=0).fit(x, y)
    # stops once 3 epochs in a row (more than n_iter_no_change) improved on the best by < tol
    curve = clf.loss_curve_
    assert 3 < clf.n_iter_ < 200 and min(curve[-3:]) > min(curve[:-3]) - 0.5
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        MLPClassifier(max_iter=3, random_state=0).fit(x, y)
    early = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, random_state=0,
                          learning_rate_init=0.01, max_iter=100).fit(x, y)
    assert len(early.validation_scores_) == early.n_iter_
    assert early.best_validation_score_ == max(early.validation_scores_) > 0.9


def test_partial_fit_trains_one_epoch_at_a_time_and_warm_start_continues():
    x, y = blobs()
    clf = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(x, y)
    clf.partial_fit(x[:150], y[:150], classes=["cat", "dog", "emu"])
    step = clf.model_.optimizer.iterations
    clf.partial_fit(x[150:], y[150:])
    assert clf.n_iter_ == 2 and clf.model_.optimizer.iterations == 2 * step  # one state
    with pytest.raises(ValueError, match="X has 19 features, but MLPClassifier is expecting 20"):
        clf.partial_fit(x[:, :19], y)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(x[:3], ["cat", "dog", "yak"])
    warm = MLPClassifier(hidden_layer_sizes=(16,), max_iter=2, warm_start=True, random_state=0)
    with pytest.warns(ConvergenceWarning):
        warm.fit(x, y)
        first = warm.model_
        warm.fit(x, y)
    assert warm.model_ is first and warm.n_iter_ == 4


def test_unfitted_sparse_and_bad_input_fail_as_scikit_learn_does():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        MLPClassifier().predict(np.zeros((1, 4)))
    scipy_sparse = pytest.importorskip("scipy.sparse")
    x, y = blobs(30)
    with pytest.raises(TypeError, match="Sparse data was passed for X.*toarray"):
        MLPClassifier(max_iter=1).fit(scipy_sparse.csr_matrix(x), y)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        MLPClassifier(max_iter=1).fit(x[:, 0], y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MLPClassifier(max_iter=1).fit(np.where(x > 2, np.nan, x), y)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MLPClassifier(max_iter=1).fit(x, np.linspace(0, 1, 30))
    with pytest.raises(ValueError, match="'solver' parameter.*numnet does not offer 'lbfgs'"):
        MLPClassifier(solver="lbfgs").fit(x, y)


def test_pipeline_in_grid_search_on_digits_scores_above_0_9():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    grid = {"mlpclassifier__hidden_layer_sizes": [(32,), (64,)]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and scores.min() >= 0.9, scores


def test_joblib_round_trip_through_a_read_only_memory_map(tmp_path):
    x, y = blobs()
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    expected = clf.predict_proba(x)  # leaves work arrays on the layers: they are not pickled
    path = tmp_path / "clf.joblib"
    joblib.dump(clf, path)
    back = joblib.load(path, mmap_mode="r")
    assert isinstance(back.classes_, np.memmap) and not back.classes_.flags.writeable
    np.testing.assert_array_equal(back.predict_proba(x), expected)
    np.testing.assert_array_equal(back.predict(x), clf.predict(x))
    back.partial_fit(x, y)  # and it still trains: its optimizer's arrays are its own
    assert np.shares_memory(back.coefs_[0], back.model_.flat.params)


WITHOUT_SKLEARN = """
import sys
sys.modules["sklearn"] = None  # any import of scikit-learn now fails
import numpy as np
import numnet
from numnet import MLPClassifier
rng = np.random.default_rng(0)
y = rng.integers(0, 2, 100)
x = rng.standard_normal((100, 5)) + 3 * y[:, None]
clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
assert clf.get_params()["learning_rate_init"] == 0.01 and repr(clf).startswith("MLPClassifier(")
other = MLPClassifier(**clf.get_params()).set_params(alpha=0.01)
print(clf.fit(x, y).score(x, y), other.fit(x, y).score(x, y), "sklearn" in sys.modules and
      sys.modules["sklearn"] is None)
try:
    MLPClassifier().predict(x)
except ValueError as e:
    print(type(e).__name__)
"""


def test_works_without_scikit_learn():
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(WITHOUT_SKLEARN)], check=True,
                         capture_output=True, text=True, timeout=300).stdout.split()
    assert float(out[0]) > 0.9 and float(out[1]) > 0.9 and out[2] == "True"
    assert out[3] == "NotFittedError"


@pytest.mark.slow
def test_fits_and_scores_on_mnist():
    from numnet.datasets.mnist import load_data

    (x, y), (x_test, y_test) = load_data(mnist_dir())
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(x[:20000] / 255, y[:20000])
    assert list(clf.classes_) == list(range(10))
    assert clf.score(x_test / 255, y_test) > 0.92
