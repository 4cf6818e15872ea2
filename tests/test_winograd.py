"""Winograd F(m x m, 3x3): Conv2D's Winograd path against its im2col path, and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_layer_gradients, rel_error
from numnet.nn.layer import bind_layers as bind
from numnet.nn.layers import conv, winograd
from numnet.nn.layers.conv import Conv2D
from numnet.nn.layers.winograd import (
    TILE_SIZES,
    Winograd3x3,
    filter_transform,
    filter_transform_adjoint,
    separable,
    tile_size,
    transform_matrices,
)


@pytest.fixture
def winograd_everywhere(monkeypatch):
    """Every 3x3 stride-1 Conv2D on the Winograd path (the math holds for any c and size)."""
    monkeypatch.setattr(conv, "WINOGRAD_MIN_CHANNELS", 1)
    monkeypatch.setattr(conv, "WINOGRAD_MIN_SIZE", 1)


def twin_layers(c, f, hw, padding, activation=None, dtype=np.float32, m=None):
    """The same Conv2D twice (same weights): one on the Winograd path (tiles of m, or the
    layer's own choice), one on im2col."""
    rng = np.random.default_rng(c * 100 + f)
    wino, ref = (
        Conv2D(f, 3, padding=padding, activation=activation),
        Conv2D(f, 3, padding=padding, activation=activation),
    )
    for layer in (wino, ref):
        bind([layer], (c, *hw), np.random.default_rng(3), dtype=dtype)
    ref._winograd = None
    assert wino._winograd is not None
    if m is not None:
        wino._winograd = Winograd3x3(m)
    wino.b[...] = ref.b[...] = rng.standard_normal(f)
    return wino, ref


def run(layer, x, g):
    out = layer.forward(x, training=True).copy()
    dx = layer.backward(g.copy())
    return out, None if dx is None else dx.copy(), layer.dW.copy(), layer.db.copy()


@pytest.mark.parametrize(
    "n, c, f, hw, padding",
    [
        (13, 16, 8, (13, 13), 0),
        (5, 32, 4, (11, 11), 0),
        (6, 16, 5, (8, 10), 1),
        (4, 24, 3, (7, 6), 1),
        (9, 16, 6, (6, 9), 0),
        (3, 16, 2, (3, 3), 0),
    ],
)
@pytest.mark.parametrize("m", TILE_SIZES)
def test_matches_the_im2col_path(n, c, f, hw, padding, m, monkeypatch, winograd_everywhere):
    # small chunks, so that several chunks (and a last, shorter one) are exercised
    monkeypatch.setattr(winograd, "_VALUES_PER_CHUNK", 40 * (m + 2) ** 2)
    wino, ref = twin_layers(c, f, hw, padding, m=m)
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, c, *hw), dtype=np.float32)
    oh, ow = hw[0] + 2 * padding - 2, hw[1] + 2 * padding - 2
    g = rng.standard_normal((n, f, oh, ow), dtype=np.float32)
    for _ in range(2):  # the second step runs on reused work arrays
        got, want = run(wino, x, g), run(ref, x, g)
        assert got[0].shape == want[0].shape == (n, f, oh, ow)
        for a, b in zip(got, want, strict=True):
            assert a.dtype == np.float32
            assert rel_error(a, b) < 1e-5 * m  # larger tiles round a little more
        x, g = x[:, :, ::-1].copy(), -g  # another input the second time


def test_fused_relu_and_no_input_gradient_match_the_im2col_path(winograd_everywhere):
    wino, ref = twin_layers(16, 6, (9, 9), 1, activation="relu")
    wino.input_grad = ref.input_grad = False
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 16, 9, 9), dtype=np.float32)
    g = rng.standard_normal((7, 6, 9, 9), dtype=np.float32)
    got, want = run(wino, x, g), run(ref, x, g)
    assert got[1] is None and want[1] is None
    for a, b in [(got[0], want[0]), (got[2], want[2]), (got[3], want[3])]:
        assert rel_error(a, b) < 1e-5


@pytest.mark.parametrize("m", TILE_SIZES)
@pytest.mark.parametrize("hw, padding", [((5, 6), 0), ((4, 5), 1), ((3, 3), 0), ((8, 7), 0)])
def test_gradients_match_finite_differences(hw, padding, m, winograd_everywhere, monkeypatch):
    monkeypatch.setattr(conv, "tile_size", lambda *shapes: m)
    layer = Conv2D(3, 3, padding=padding)
    errors = check_layer_gradients(layer, (4, *hw), np.random.default_rng(0), batch=3)
    assert layer._winograd is not None and layer._winograd.m == m  # the path under test
    assert set(errors) == {"input", "W", "b"}


@pytest.mark.parametrize("m", TILE_SIZES)
def test_the_filter_transform_adjoint_is_its_transpose(m):
    a = m + 2
    rng = np.random.default_rng(0)
    W, dU = rng.standard_normal((3, 3, 4, 5)), rng.standard_normal((a * a, 4, 5))
    U = filter_transform(W, np.empty((a * a, 4, 5)), m)
    dW = filter_transform_adjoint(dU, np.empty_like(W), m)
    assert np.isclose(np.vdot(U, dU), np.vdot(W, dW))
    # U[p] = (G w G^T)[p] for one (c, f): the definition, written out
    G = transform_matrices(m)[1]
    np.testing.assert_allclose(U[:, 2, 3].reshape(a, a), G @ W[:, :, 2, 3] @ G.T, rtol=1e-12)
    if m == 2:  # the matrices of the module docstring
        np.testing.assert_array_equal(G, [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


@pytest.mark.parametrize("m", TILE_SIZES)
def test_each_tile_is_the_3x3_correlation_of_its_patch(m):
    """Y = A^T [(G g G^T) * (B^T d B)] A is out[y, x] = sum_ij d[y + i, x + j] g[i, j]."""
    BT, G, AT = transform_matrices(m)
    assert BT.shape == (m + 2, m + 2) and G.shape == (m + 2, 3) and AT.shape == (m, m + 2)
    rng = np.random.default_rng(m)
    for _ in range(5):
        d, g = rng.standard_normal((m + 2, m + 2)), rng.standard_normal((3, 3))
        want = [[np.sum(d[y : y + 3, x : x + 3] * g) for x in range(m)] for y in range(m)]
        got = AT @ ((G @ g @ G.T) * (BT @ d @ BT.T)) @ AT.T
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("m", TILE_SIZES)
@pytest.mark.parametrize("which", [0, 2])
def test_separable_transform_is_the_kronecker_product(m, which):
    # X d X^T as two products with X equals kron(X, X) @ d, for B^T (a x a) and A^T (m x a)
    # and their transposes (the adjoints of the backward pass)
    rng = np.random.default_rng(m)
    for x in (transform_matrices(m)[which], transform_matrices(m)[which].T):
        r, s = x.shape
        src = rng.standard_normal((s * s, 7))
        out = np.full((r * r, 9), np.nan)[:, 1:8]  # a strided view, as V's column slices
        separable(x, src, out, np.empty(r * s * 7))
        np.testing.assert_allclose(out, np.kron(x, x) @ src, rtol=1e-12, atol=1e-12)


def test_the_tile_size_is_the_one_of_least_work():
    # the CNN preset's maps: 11x11 outputs tile best by 4 (a 12x12 grid), 9x9 by 3 (exact)
    assert tile_size(32, 64, 11, 11) == 4
    assert tile_size(64, 64, 9, 9) == 3
    # an 8x8 output is tiled exactly by 2 and 4, and 4 does fewer multiplications
    assert tile_size(64, 64, 8, 8) == 4
    # few filters: the transforms dominate, and on a 10x10 output the small tile, which
    # covers it exactly, wins (3 and 4 need a 12x12 grid)
    assert tile_size(64, 2, 10, 10) == 2
    assert tile_size(64, 64, 7, 7) in TILE_SIZES
    with pytest.raises(ValueError, match="tiles"):
        Winograd3x3(5)


@pytest.mark.parametrize(
    "c, kernel, stride, hw, uses",
    [
        (32, 3, 1, (9, 9), True),
        (64, 3, 1, (13, 11), True),
        (16, 3, 1, (13, 13), False),
        (32, 3, 1, (8, 13), False),
        (32, 3, 2, (13, 13), False),
        (32, 5, 1, (13, 13), False),
        (32, (3, 1), 1, (13, 13), False),
    ],
)
def test_only_3x3_stride_1_layers_with_enough_channels_and_pixels_take_the_winograd_path(
    c, kernel, stride, hw, uses
):
    layer = Conv2D(4, kernel, stride=stride)
    layer.build((c, *hw))
    assert (layer._winograd is not None) is uses


def test_the_cnn_presets_middle_layers_take_the_winograd_path():
    from numnet.presets import build_cnn

    convs = [layer for layer in build_cnn().layers if isinstance(layer, Conv2D)]
    assert [layer._winograd is not None for layer in convs] == [False, True, True]
    assert [layer._winograd.m for layer in convs[1:]] == [4, 3]
