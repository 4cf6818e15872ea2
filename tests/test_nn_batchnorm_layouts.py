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
