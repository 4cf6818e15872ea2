"""MLPClassifier keeps scikit-learn's estimator contract (without scikit-learn)."""

import numpy as np
import pytest

from numnet import MLPClassifier
from realdata import mnist_dir


def blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 20)).astype(np.float32) + 3 * np.eye(3, 20, dtype=np.float32)[y]
    return x, np.array(["cat", "dog", "emu"])[y]


def test_constructor_stores_params_unchanged_and_set_params_round_trips():
    sizes = (32, 16)
    clf = MLPClassifier(hidden_layer_sizes=sizes, dropout=0.1, random_state=7)
    params = clf.get_params()
    assert params["hidden_layer_sizes"] is sizes and params["random_state"] == 7
    assert set(params) == {"hidden_layer_sizes", "activation", "learning_rate", "batch_size",
                           "epochs", "optimizer", "weight_decay", "dropout", "random_state",
                           "verbose"}
    other = MLPClassifier().set_params(**params)
    assert other.get_params() == params
    with pytest.raises(ValueError, match="invalid parameter 'alpha'"):
        clf.set_params(alpha=1)


def test_fit_returns_self_maps_any_labels_and_scores():
    x, y = blobs()
    clf = MLPClassifier(hidden_layer_sizes=(16,), epochs=5, batch_size=32, learning_rate=0.01)
    assert clf.fit(x, y) is clf
    assert list(clf.classes_) == ["cat", "dog", "emu"] and clf.n_features_in_ == 20
    assert set(clf.predict(x)) <= set(clf.classes_)
    proba = clf.predict_proba(x)
    assert proba.shape == (300, 3)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(x))
    assert clf.score(x, y) > 0.9


def test_a_clone_from_get_params_trains_to_the_same_weights():
    x, y = blobs()
    kw = dict(hidden_layer_sizes=(16,), epochs=2, batch_size=32, dropout=0.2, random_state=3)
    first = MLPClassifier(**kw).fit(x, y)
    clone = MLPClassifier(**first.get_params()).fit(x, y)
    np.testing.assert_array_equal(first.model_.flat.params, clone.model_.flat.params)


def test_unfitted_and_bad_settings_fail_clearly():
    with pytest.raises(AttributeError, match="not fitted"):
        MLPClassifier().predict(np.zeros((1, 4)))
    x, y = blobs(30)
    with pytest.raises(ValueError, match="unknown activation"):
        MLPClassifier(activation="swish", epochs=1).fit(x, y)
    assert repr(MLPClassifier(epochs=3)) == "MLPClassifier(epochs=3)"


@pytest.mark.slow
def test_fits_and_scores_on_mnist():
    from numnet.datasets.mnist import load_data

    (x, y), (x_test, y_test) = load_data(mnist_dir())
    clf = MLPClassifier(hidden_layer_sizes=(64,), epochs=3).fit(x[:20000], y[:20000])
    assert list(clf.classes_) == list(range(10))
    assert clf.score(x_test, y_test) > 0.92
