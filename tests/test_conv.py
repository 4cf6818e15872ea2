"""Conv2D: forward against a naive loop, gradients against finite differences (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_layer_gradients
from numnet.nn.layer import bind_layers as bind
from numnet.nn.layers.batchnorm import BatchNorm
from numnet.nn.layers.conv import Conv2D
from numnet.nn.layers.im2col import col2im, im2col


def naive_conv(x, W, b, stride, padding):
    """out[n, f, y, x] = b[f] + sum_{c,i,j} xp[n, c, s*y+i, s*x+j] W[i, j, c, f], by loops."""
    n, c, h, w = x.shape
    kh, kw, _, f = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (w + 2 * padding - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for s in range(n):
        for k in range(f):
            for y in range(oh):
                for z in range(ow):
                    patch = xp[s, :, y * stride : y * stride + kh, z * stride : z * stride + kw]
                    out[s, k, y, z] = b[k] + np.sum(patch * W[:, :, :, k].transpose(2, 0, 1))
    return out


@pytest.mark.parametrize(
    "c, f, k, stride, padding, hw",
    [(1, 3, 3, 1, 0, (6, 7)), (2, 4, 3, 2, 1, (7, 6)), (3, 2, (2, 3), 1, 1, (5, 5)),
     (4, 5, 3, 2, 0, (8, 8)), (8, 3, 3, 2, 1, (6, 5)), (9, 2, 3, 1, 0, (5, 5))],
)
def test_forward_matches_naive_loop(c, f, k, stride, padding, hw):
    rng = np.random.default_rng(0)
    layer = Conv2D(f, k, stride=stride, padding=padding)
    bound, out_shape = bind([layer], (c, *hw), rng, dtype=np.float64)
    layer.b[...] = rng.standard_normal(f)
    x = rng.standard_normal((3, c, *hw))
    out = layer.forward(x)
    assert out.shape == (3, *out_shape)
    np.testing.assert_allclose(out, naive_conv(x, layer.W, layer.b, stride, padding), atol=1e-12)


def test_reused_work_buffers_stay_right_across_changing_batch_sizes():
    # Every batch size has its own reused buffers (core.scratch); going back to an earlier
    # size reuses them, with bias, ReLU mask and db still right.
    rng = np.random.default_rng(8)
    layer = Conv2D(4, 3, stride=2, padding=1, activation="relu")
    bind([layer], (9, 7, 6), rng)
    layer.b[...] = rng.standard_normal(4)
    for n in (3, 2, 3, 1, 3):
        x = rng.standard_normal((n, 9, 7, 6)).astype(np.float32)
        want = np.maximum(naive_conv(x, layer.W, layer.b, 2, 1), 0)
        np.testing.assert_allclose(layer.forward(x, training=True), want, rtol=1e-5, atol=1e-5)
        layer.backward(np.ones((n, *layer.output_shape), np.float32))
        np.testing.assert_allclose(layer.db, np.sum(want > 0, axis=(0, 2, 3)), rtol=1e-6)


def test_forward_keeps_float32_and_accepts_any_memory_order():
    rng = np.random.default_rng(1)
    layer = Conv2D(4, 3, padding=1)
    bind([layer], (3, 5, 5), rng)
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    a = layer.forward(x)
    b = layer.forward(np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2))
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "c, f, k, stride, padding, hw",
    [(1, 2, 3, 1, 0, (5, 5)), (1, 2, 3, 1, 1, (5, 4)), (2, 3, 3, 2, 0, (7, 7)),
     (3, 2, 3, 2, 1, (6, 5)), (4, 3, (2, 3), 1, 1, (4, 5)), (8, 2, 3, 2, 1, (5, 5))],
)
def test_gradients(c, f, k, stride, padding, hw):
    rng = np.random.default_rng(2)
    errors = check_layer_gradients(
        Conv2D(f, k, stride=stride, padding=padding), (c, *hw), rng, batch=3
    )
    assert set(errors) == {"input", "W", "b"}


def test_fused_relu_matches_conv_then_relu_and_its_gradients():
    rng = np.random.default_rng(5)
    plain, fused = Conv2D(3, 3, padding=1), Conv2D(3, 3, padding=1, activation="relu")
    bind([plain], (2, 5, 5), np.random.default_rng(0), dtype=np.float64)
    bind([fused], (2, 5, 5), np.random.default_rng(0), dtype=np.float64)
    x = rng.standard_normal((2, 2, 5, 5))
    np.testing.assert_array_equal(fused.forward(x), np.maximum(plain.forward(x), 0))
    check_layer_gradients(Conv2D(3, 3, stride=2, activation="relu"), (2, 6, 6), rng, batch=3)


def test_col2im_is_the_adjoint_of_im2col():
    # <im2col(x), d> == <x, col2im(d)> for every x, d: the defining property of the backward.
    rng = np.random.default_rng(3)
    for stride, c in ((1, 3), (2, 3), (1, 9), (2, 9)):  # both im2col copies (c < 8, c >= 8)
        x = rng.standard_normal((2, 7, 6, c))
        cols = im2col(x, 3, 2, stride)
        d = rng.standard_normal(cols.shape)
        dx = col2im(d.transpose(3, 4, 0, 1, 2, 5), x.shape, stride)  # offset-first layout
        assert np.isclose(np.sum(cols * d), np.sum(x * dx))


def test_first_layer_can_skip_the_input_gradient():
    rng = np.random.default_rng(4)
    layer = Conv2D(2, 3)
    bind([layer], (1, 5, 5), rng)
    layer.forward(rng.standard_normal((2, 1, 5, 5)).astype(np.float32), training=True)
    layer.input_grad = False
    assert layer.backward(np.ones((2, 2, 3, 3), np.float32)) is None
    assert np.all(layer.db == 18)


def test_batchnorm_over_conv_feature_maps_gradients_and_memory_order():
    # BatchNorm is nn's layer; the CNN issue asks for its check over (n, c, h, w) maps.
    rng = np.random.default_rng(6)
    check_layer_gradients(BatchNorm(), (3, 4, 5), rng, batch=4)
    layer = BatchNorm()
    bind([layer], (3, 4, 5), rng, dtype=np.float64)
    x = rng.standard_normal((4, 3, 4, 5))
    g = rng.standard_normal(x.shape)
    out, dx = layer.forward(x, training=True).copy(), layer.backward(g.copy()).copy()
    last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)  # Conv2D's order
    np.testing.assert_allclose(layer.forward(last, training=True), out, atol=1e-12)
    np.testing.assert_allclose(layer.backward(g.copy()), dx, atol=1e-12)


def test_cnn_presets_rebuild_from_their_config_and_predict_alike():
    from numnet.nn import LAYERS, Sequential
    from numnet.presets import build_cnn, build_deep_cnn, build_reference_cnn

    assert {"Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D"} <= set(LAYERS)
    x = np.random.default_rng(7).random((5, 28, 28), dtype=np.float32)
    for model in (build_reference_cnn(seed=1), build_cnn(seed=2), build_deep_cnn(seed=3)):
        copy = Sequential.from_config(model.get_config(), seed=9)
        copy.flat.params[...] = model.flat.params
        copy.flat.buffers[...] = model.flat.buffers
        p = model.predict_proba(x)
        assert p.shape == (5, 10) and p.dtype == np.float32
        np.testing.assert_array_equal(copy.predict_proba(x), p)


def test_predicting_many_images_keeps_the_work_memory_of_one_batch():
    from numnet.presets import build_reference_cnn

    def work_bytes(model):
        return sum(a.nbytes for layer in model.layers
                   for a in layer.__dict__.get("_scratch", {}).values())

    x = np.random.default_rng(3).random((1000, 28, 28), dtype=np.float32)
    model = build_reference_cnn(seed=0)
    one_batch = model.predict_proba(x[:128])
    size = work_bytes(model)
    everything = model.predict_proba(x)
    # one set of arrays for the batches of 128, one for the last, partial batch; not 1000/128x
    assert work_bytes(model) <= 2 * size
    np.testing.assert_allclose(everything[:128], one_batch, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.predict_proba(x, batch_size=1000), everything,
                               rtol=1e-5, atol=1e-7)
