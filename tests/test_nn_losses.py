"""Losses: values against the textbook formula, gradients against finite differences."""

import numpy as np
import pytest

from gradcheck import rel_error
from numnet.nn.functional import cross_entropy, one_hot, softmax
from numnet.nn.losses import MeanSquaredError, SoftmaxCrossEntropy, get_loss


def numeric_grad(loss, z, y, h=1e-6):
    g = np.empty_like(z)
    for i in np.ndindex(z.shape):
        old = z[i]
        z[i] = old + h
        up = loss.forward(z, y)
        z[i] = old - h
        down = loss.forward(z, y)
        z[i] = old
        g[i] = (up - down) / (2 * h)
    return g


@pytest.mark.parametrize(
    "loss, targets",
    [
        (SoftmaxCrossEntropy(), "labels"),
        (SoftmaxCrossEntropy(label_smoothing=0.1), "labels"),
        (MeanSquaredError(), "labels"),
        (MeanSquaredError(), "dense"),
    ],
)
def test_gradient_matches_finite_differences(loss, targets):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 4)) * 3
    y = rng.integers(0, 4, 6) if targets == "labels" else rng.standard_normal((6, 4))
    loss.forward(z, y)
    analytic = loss.backward().copy()
    assert rel_error(analytic, numeric_grad(loss, z, y)) < 1e-6


def test_cross_entropy_value_is_the_textbook_one_and_stable():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((5, 10)).astype(np.float32)
    y = rng.integers(0, 10, 5)
    expected = cross_entropy(softmax(z), one_hot(y, 10))
    assert SoftmaxCrossEntropy().forward(z, y) == pytest.approx(expected, rel=1e-5)
    huge = np.array([[1e4, -1e4, 0.0]], np.float32)
    loss = SoftmaxCrossEntropy()
    assert np.isfinite(loss.forward(huge, np.array([1])))
    assert np.all(np.isfinite(loss.backward()))


def test_label_smoothing_matches_soft_targets():
    rng = np.random.default_rng(2)
    z, y, s = rng.standard_normal((4, 5)), rng.integers(0, 5, 4), 0.2
    t = (1 - s) * one_hot(y, 5, np.float64) + s / 5
    loss = SoftmaxCrossEntropy(label_smoothing=s)
    assert loss.forward(z, y) == pytest.approx(cross_entropy(softmax(z), t))
    np.testing.assert_allclose(loss.backward(), (softmax(z) - t) / 4, atol=1e-12)


def test_float32_in_float32_out():
    z = np.zeros((3, 10), np.float32)
    loss = get_loss("cross_entropy")
    loss.forward(z, np.array([0, 1, 2]))
    assert loss.backward().dtype == np.float32
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("hinge")


def test_functional_log_softmax_is_stable_and_writes_into_out():
    from numnet.nn.functional import log_softmax

    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    out = np.empty_like(z)
    got = log_softmax(z, axis=1, out=out)
    assert got is out and np.isfinite(got).all()
    np.testing.assert_allclose(np.exp(got).sum(axis=1), 1.0)
    np.testing.assert_allclose(got[1], np.log(softmax(z[1:], axis=1))[0])
