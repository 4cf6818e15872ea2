"""Pooling layers: values, tie routing, and gradients against finite differences (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_layer_gradients
from numnet.nn.layer import bind_layers as bind
from numnet.nn.layers.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D


def naive_pool(x, k, s, reduce):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((n, c, oh, ow))
    for y in range(oh):
        for z in range(ow):
            out[:, :, y, z] = reduce(x[:, :, y * s : y * s + k, z * s : z * s + k], axis=(2, 3))
    return out


@pytest.mark.parametrize("k, s, hw", [(2, None, (6, 6)), (2, None, (5, 7)), (3, 2, (7, 6)),
                                      (3, 1, (5, 5))])
@pytest.mark.parametrize("cls, reduce", [(MaxPool2D, np.max), (AvgPool2D, np.mean)])
def test_forward_matches_naive_loop(cls, reduce, k, s, hw):
    rng = np.random.default_rng(0)
    layer = cls(k, s)
    _, out_shape = bind([layer], (3, *hw))
    x = rng.standard_normal((2, 3, *hw))
    out = layer.forward(x)
    assert out.shape == (2, *out_shape)
    np.testing.assert_allclose(out, naive_pool(x, k, s or k, reduce), atol=1e-12)


@pytest.mark.parametrize("k, s, hw", [(2, None, (4, 6)), (2, None, (5, 5)), (3, 2, (7, 5)),
                                      (2, 1, (4, 4))])
@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_gradients(cls, k, s, hw):
    # Distinct values keep every max-pool window away from a tie, where max is not smooth.
    rng = np.random.default_rng(1)
    x = rng.permutation(np.arange(3 * 2 * hw[0] * hw[1], dtype=float)).reshape(3, 2, *hw) / 7
    check_layer_gradients(cls(k, s), (2, *hw), rng, x=x)


def test_global_average_pool_values_and_gradients():
    rng = np.random.default_rng(2)
    layer = GlobalAvgPool2D()
    _, out_shape = bind([layer], (4, 3, 5))
    x = rng.standard_normal((2, 4, 3, 5)).astype(np.float32)
    out = layer.forward(x)
    assert out_shape == (4,) and out.dtype == np.float32
    np.testing.assert_allclose(out, x.mean(axis=(2, 3)), rtol=1e-6)
    check_layer_gradients(GlobalAvgPool2D(), (3, 4, 4), rng)


def test_max_pool_ties_route_the_gradient_to_the_first_maximum_only():
    layer = MaxPool2D(2)
    bind([layer], (1, 2, 4))
    x = np.array([[[[1.0, 1.0, 0.0, 5.0],
                    [1.0, 0.0, 5.0, 5.0]]]])
    np.testing.assert_array_equal(layer.forward(x, training=True), [[[[1.0, 5.0]]]])
    dx = layer.backward(np.array([[[[2.0, 3.0]]]]))
    np.testing.assert_array_equal(dx, [[[[2.0, 0.0, 0.0, 3.0],
                                         [0.0, 0.0, 0.0, 0.0]]]])


def test_max_pool_on_odd_maps_with_many_ties_routes_to_the_first_maximum():
    # Relu-like inputs (many exact zeros, so many ties) on odd maps, in both memory orders:
    # each window's gradient goes to one input, its first maximum in (i, j) order, and the
    # row and column no window covers get 0, also in a reused (poisoned) buffer.
    rng = np.random.default_rng(4)
    x = np.maximum(rng.integers(-2, 3, (3, 4, 7, 9)).astype(np.float32), 0)
    g = rng.standard_normal((3, 4, 3, 4)).astype(np.float32)
    for inp in (x, np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)):
        layer = MaxPool2D(2)
        bind([layer], (4, 7, 9))
        out = layer.forward(inp, training=True)
        layer.backward(g.copy())[...] = np.nan  # poison the reused buffer
        dx = layer.backward(g.copy())
        np.testing.assert_array_equal(out, naive_pool(x, 2, 2, np.max))
        windows = dx[:, :, :6, :8].reshape(3, 4, 3, 2, 4, 2)
        assert np.all(np.count_nonzero(windows, axis=(3, 5)) == (g != 0))
        assert np.all(dx[:, :, 6:] == 0) and np.all(dx[:, :, :, 8:] == 0)
        # each window's gradient sits on its first maximum in (i, j) order
        flat = x[:, :, :6, :8].reshape(3, 4, 3, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5)
        first = np.argmax(flat.reshape(3, 4, 3, 4, 4) == out[..., None], axis=-1)
        got = np.argmax(windows.transpose(0, 1, 2, 4, 3, 5).reshape(3, 4, 3, 4, 4) != 0, axis=-1)
        np.testing.assert_array_equal(got, first)


def test_overlapping_max_pool_accumulates_into_a_shared_maximum():
    layer = MaxPool2D(2, stride=1)
    bind([layer], (1, 2, 3))
    x = np.array([[[[0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]])  # 9 is the max of both windows
    layer.forward(x, training=True)
    dx = layer.backward(np.array([[[[1.0, 2.0]]]]))
    np.testing.assert_array_equal(dx, [[[[0.0, 3.0, 0.0], [0.0, 0.0, 0.0]]]])


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D, GlobalAvgPool2D])
def test_memory_layout_is_kept_and_values_do_not_depend_on_it(cls):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    x_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    results = []
    for inp in (x, x_last):
        layer = cls()
        bind([layer], (3, 6, 6))
        out = layer.forward(inp, training=True)
        dx = layer.backward(np.ones_like(out))
        assert dx.shape == x.shape and dx.dtype == np.float32
        assert dx.transpose(0, 2, 3, 1).flags.c_contiguous == (inp is x_last)
        results.append((out, dx))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)  # summation order
    np.testing.assert_array_equal(results[0][1], results[1][1])
