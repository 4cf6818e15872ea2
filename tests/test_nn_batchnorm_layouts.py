"""BatchNorm on channels-last feature maps (as Conv2D and pooling store them): the fast
path over the (n*h*w, c) memory agrees with finite differences and with the other layouts."""

from __future__ import annotations

import numpy as np

from numnet.nn import BatchNorm
from numnet.nn.layer import bind_layers


def channels_last(a: np.ndarray) -> np.ndarray:
    """(n, c, h, w) values stored as (n, h, w, c), seen as (n, c, h, w)."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def layer64(shape=(3, 4, 5)) -> BatchNorm:
    bn = BatchNorm()
    bind_layers([bn], shape, np.random.default_rng(0), dtype=np.float64)
    bn.gamma[...] = [0.5, 2.0, -1.0]
    bn.beta[...] = [0.1, -0.3, 0.7]
    return bn


def test_channels_last_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(1)
    x = channels_last(rng.standard_normal((4, 3, 4, 5)))
    C = rng.standard_normal(x.shape)
    bn = layer64()

    def loss(xv: np.ndarray) -> float:
        return float(np.sum(C * bn.forward(channels_last(xv), training=True)))

    loss(x)
    dx = bn.backward(channels_last(C)).copy()
    h, num = 1e-6, np.zeros_like(dx)
    flat_x = np.array(x)  # NCHW copy to perturb
    for idx in np.ndindex(*x.shape):
        up, down = flat_x.copy(), flat_x.copy()
        up[idx] += h
        down[idx] -= h
        num[idx] = (loss(up) - loss(down)) / (2 * h)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-8)
    loss(x)
    bn.backward(channels_last(C))
    g = (bn.dgamma.copy(), bn.dbeta.copy())
    for name, analytic in zip(("gamma", "beta"), g, strict=True):
        p = getattr(bn, name)
        num_p = np.zeros(3)
        for i in range(3):
            p[i] += h
            lp = loss(flat_x)
            p[i] -= 2 * h
            lm = loss(flat_x)
            p[i] += h
            num_p[i] = (lp - lm) / (2 * h)
        np.testing.assert_allclose(analytic, num_p, rtol=1e-6, atol=1e-8)


def test_every_layout_gives_the_same_values() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 3, 4, 5))
    g = rng.standard_normal(x.shape)
    out = {}
    for name, make in (("nchw", np.ascontiguousarray), ("nhwc", channels_last)):
        bn = layer64()
        y = bn.forward(make(x), training=True).copy()
        dx = bn.backward(make(g.copy())).copy()
        infer = bn.forward(make(x), training=False).copy()
        out[name] = (y, dx, infer, bn.running_mean.copy(), bn.running_var.copy(),
                     bn.dgamma.copy(), bn.dbeta.copy())
    for a, b in zip(out["nchw"], out["nhwc"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # a gradient in the other layout than the input still works
    bn = layer64()
    bn.forward(channels_last(x), training=True)
    np.testing.assert_allclose(bn.backward(np.ascontiguousarray(g)), out["nhwc"][1],
                               rtol=1e-12, atol=1e-12)


class CountingSync:
    """A one-worker stand-in for a Collective member: counts the exchanges."""

    rank = 0

    def __init__(self) -> None:
        self.calls = 0

    def allreduce(self, partial: np.ndarray) -> np.ndarray:
        self.calls += 1
        return partial.copy()


def test_a_training_forward_exchanges_its_sums_once_and_backward_once() -> None:
    bn = BatchNorm()
    bind_layers([bn], (3, 4, 5), np.random.default_rng(0))
    sync = CountingSync()
    bn.sync = sync
    x = channels_last(np.random.default_rng(2).standard_normal((6, 3, 4, 5), dtype=np.float32))
    bn.forward(x, training=True)
    assert sync.calls == 1
    bn.backward(channels_last(np.ones((6, 3, 4, 5), np.float32)))
    assert sync.calls == 2


def test_float32_statistics_of_a_large_mean_stay_exact_to_float_rounding() -> None:
    """The sums are shifted by the running mean (module docstring): with values far from 0
    against their spread (mean 1000, spread 1), the float32 variance is still right once the
    running mean is near the batch mean; and at the first step (running mean 0) a mean of 5
    spreads loses little."""
    rng = np.random.default_rng(3)
    for mean, warm in ((1000.0, True), (5.0, False)):
        bn = BatchNorm(momentum=0.0)  # the running mean becomes the last batch's mean
        bind_layers([bn], (2, 6, 6), np.random.default_rng(0))
        x64 = mean + rng.standard_normal((32, 2, 6, 6)) * [[[1.0]], [[0.5]]]
        x = channels_last(x64.astype(np.float32))
        if warm:
            bn.forward(x, training=True)
        y = bn.forward(x, training=True)  # gamma 1, beta 0: y = xhat
        want = (x64 - x64.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
            x64.var(axis=(0, 2, 3), keepdims=True) + bn.eps)
        np.testing.assert_allclose(y, want, atol=2e-3 if warm else 2e-4)
        np.testing.assert_allclose(bn.running_var, x64.var(axis=(0, 2, 3)), rtol=2e-3)


def test_flatten_gives_the_gradient_back_in_its_inputs_memory_order() -> None:
    """A channels-last map flattens in (c, h, w) order, and its gradient comes back
    channels-last (so ReLU and BatchNorm below stay on their fast, one-order path); a plain
    NCHW input gets a plain NCHW gradient."""
    from numnet.nn import Flatten
    from numnet.nn.layers.im2col import is_channels_last

    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 4, 2, 5))
    g = rng.standard_normal((3, 40))
    for x, last in ((channels_last(a), True), (a.copy(), False)):
        flat = Flatten()
        flat.build((4, 2, 5))
        np.testing.assert_array_equal(flat.forward(x, training=True), a.reshape(3, 40))
        dx = flat.backward(g.copy())
        np.testing.assert_array_equal(dx, g.reshape(3, 4, 2, 5))
        assert is_channels_last(dx) is last and (dx.flags.c_contiguous or last)
