"""Augmentation: reproducible, exact where it should be, shapes, dtype and range kept."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.data.augment import (
    Augmenter,
    bilinear_sample,
    change_thickness,
    elastic_fields,
    gaussian_matrix,
    grey_morphology,
    handwriting,
    low_resolution_matrix,
    lower_resolution,
)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    x = np.zeros((16, 1, 28, 28), np.float32)
    x[:, :, 6:22, 8:20] = rng.random((16, 1, 16, 12), dtype=np.float32)  # digits stay inside
    return x


def test_same_seed_same_batch_other_seed_other_batch(images):
    aug = Augmenter(elastic_alpha=34, elastic_sigma=5)
    a = aug(images, np.random.default_rng(7))
    b = aug(images, np.random.default_rng(7))
    c = aug(images, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_zero_magnitudes_give_the_input_back(images):
    aug = Augmenter(shift=0, rotation=0, scale=0, shear=0, elastic_alpha=0)
    np.testing.assert_array_equal(aug(images, np.random.default_rng(1)), images)


def test_integer_shift_moves_every_pixel_exactly(images):
    aug = Augmenter(shift=2, rotation=0, scale=0, shear=0, integer_shift=True)
    out = aug(images, np.random.default_rng(2))
    moved = 0
    for img, res in zip(images[:, 0], out[:, 0], strict=True):
        matches = []
        for ty in range(-2, 3):
            for tx in range(-2, 3):
                # the digit sits 6 px from every edge, so rolling never wraps anything
                if np.array_equal(res, np.roll(img, (ty, tx), axis=(0, 1))):
                    matches.append((ty, tx))
        assert len(matches) == 1
        moved += matches[0] != (0, 0)
    assert moved > 8  # most of the 16 images did move


@pytest.mark.parametrize("shape", [(5, 784), (5, 28, 28), (5, 1, 28, 28)])
def test_shapes_dtype_and_range(shape):
    rng = np.random.default_rng(3)
    x = rng.random(shape, dtype=np.float32)
    out = Augmenter(elastic_alpha=38, elastic_sigma=4)(x, rng)
    assert out.shape == shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert not np.array_equal(out, x)


def test_bilinear_sample_interpolates_and_reads_zero_outside():
    img = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    qy = np.array([[[0.5, 1.0, -5.0, 2.0]]], np.float32)
    qx = np.array([[[0.0, 1.5, 0.0, 3.5]]], np.float32)
    out = bilinear_sample(img, qy, qx)
    np.testing.assert_allclose(out, [[[2.0, 5.5, 0.0, 5.5]]])  # last: half of 11, half of 0


def test_gaussian_smoothing_is_normalised_and_fields_are_smooth():
    K = gaussian_matrix(64, 5.0)
    np.testing.assert_allclose(K[32].sum(), 1, atol=1e-6)  # interior rows hold the whole kernel
    np.testing.assert_allclose(K, K.T)
    d = elastic_fields(np.random.default_rng(4), 8, (28, 28), alpha=36, sigma=5)
    assert d.shape == (2, 8, 28, 28) and d.dtype == np.float32
    assert 0.2 < d.std() < 4  # a few pixels of displacement
    assert np.abs(np.diff(d, axis=-1)).mean() < 0.2 * np.abs(d).mean()  # neighbours move together


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="scale"):
        Augmenter(scale=1.5)
    with pytest.raises(ValueError, match="rotation"):
        Augmenter(rotation=-1)
    with pytest.raises(ValueError, match="takes"):
        Augmenter()(np.zeros((2, 3, 28, 28), np.float32), np.random.default_rng(0))


def test_reused_work_arrays_change_nothing(images):
    aug = Augmenter(elastic_alpha=34.0)
    first = aug(images, np.random.default_rng(1))
    kept = first.copy()
    aug(images[:3], np.random.default_rng(2))  # other batch sizes in between
    second = aug(images, np.random.default_rng(2))
    np.testing.assert_array_equal(first, kept)  # a result is not overwritten by later calls
    np.testing.assert_array_equal(aug(images, np.random.default_rng(1)), kept)
    np.testing.assert_array_equal(
        Augmenter(elastic_alpha=34.0)(images, np.random.default_rng(1)), kept
    )
    assert not np.array_equal(second, kept)


def _morphology_by_shifts(x: np.ndarray, op) -> np.ndarray:
    """Reference 3x3 grey morphology: the extremum of the nine shifted copies, zeros outside."""
    n, h, w = x.shape
    padded = np.zeros((n, h + 2, w + 2), x.dtype)
    padded[:, 1:-1, 1:-1] = x
    shifted = [padded[:, dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]
    return op.reduce(np.stack(shifted), axis=0)


@pytest.mark.parametrize("op", [np.maximum, np.minimum])
def test_grey_morphology_is_the_3x3_extremum(op):
    x = np.random.default_rng(5).random((4, 9, 11), dtype=np.float32)
    np.testing.assert_array_equal(grey_morphology(x, op), _morphology_by_shifts(x, op))


def test_a_dot_dilates_to_a_square_and_the_square_erodes_back():
    x = np.zeros((1, 9, 9), np.float32)
    x[0, 4, 4] = 1
    square = grey_morphology(x, np.maximum).copy()
    assert square.sum() == 9 and square[0, 3:6, 3:6].all()
    np.testing.assert_array_equal(grey_morphology(square, np.minimum), x)


def test_thickness_changes_ink_and_keeps_the_darkest_value(images):
    x = images[:, 0]
    out = change_thickness(x, np.random.default_rng(6), 1.0)
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1 + 1e-6
    np.testing.assert_allclose(out.max(axis=(1, 2)), x.max(axis=(1, 2)), rtol=1e-6)
    ink, before = out.sum(axis=(1, 2)), x.sum(axis=(1, 2))
    thicker, thinner = ink > before * 1.01, ink < before * 0.99
    assert thicker.sum() >= 3 and thinner.sum() >= 3  # both ways, at random
    dilated = _morphology_by_shifts(x, np.maximum)
    # a thickened image lies between the image and its dilation
    assert np.all(out[thicker] <= dilated[thicker] + 1e-6)
    assert np.all(out[thicker] >= x[thicker] - 1e-6)


def test_thickness_zero_leaves_the_random_stream_and_result_as_before(images):
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    a = Augmenter(elastic_alpha=20)(images, rng_a)
    b = Augmenter(elastic_alpha=20, thickness=0.0)(images, rng_b)
    np.testing.assert_array_equal(a, b)
    assert rng_a.random() == rng_b.random()
    c = Augmenter(elastic_alpha=20, thickness=0.5)(images, np.random.default_rng(9))
    assert not np.array_equal(a, c)


def test_handwriting_augmentation_is_seeded_and_refuses_thickness_above_one(images):
    aug = Augmenter(**handwriting())
    np.testing.assert_array_equal(
        aug(images, np.random.default_rng(3)), aug(images, np.random.default_rng(3))
    )
    with pytest.raises(ValueError, match="thickness"):
        Augmenter(thickness=1.5)


STILL = {"shift": 0, "rotation": 0, "scale": 0, "shear": 0}  # no warp: the degradation alone


def test_low_resolution_off_leaves_the_random_stream_and_result_as_before(images):
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    a = Augmenter(**handwriting())(images, rng_a)
    b = Augmenter(**handwriting(), low_resolution=0.0)(images, rng_b)
    np.testing.assert_array_equal(a, b)
    assert rng_a.random() == rng_b.random()
    c = Augmenter(**handwriting(), low_resolution=0.5)(images, np.random.default_rng(9))
    assert not np.array_equal(a, c)


def test_low_resolution_at_the_full_side_is_the_identity(images):
    np.testing.assert_array_equal(low_resolution_matrix(28, 28), np.eye(28))
    aug = Augmenter(**STILL, low_resolution=1.0, low_resolution_sides=(1.0, 1.0))
    np.testing.assert_array_equal(aug(images, np.random.default_rng(4)), images)


@pytest.mark.parametrize("side", [7, 10, 14, 27])
def test_low_resolution_keeps_a_constant_image_and_is_box_then_bicubic(side):
    M = low_resolution_matrix(28, side)
    assert M.shape == (28, 28) and M.dtype == np.float32
    flat = np.full((3, 28, 28), 0.6, np.float32)
    np.testing.assert_allclose(
        lower_resolution(flat, np.random.default_rng(0), 1.0, (side / 28, side / 28)),
        0.6,
        atol=1e-6,
    )
    # the same as the exact area average (each pixel split into side x side parts, the parts
    # grouped 28 x 28 into the coarse pixels) then Pillow's bicubic enlargement, wherever
    # the kernel's 4 taps fall inside the image (at the border Pillow renormalises the
    # kernel and M clamps the taps)
    from PIL import Image

    x = np.random.default_rng(side).random((28, 28), dtype=np.float32)
    parts = np.repeat(np.repeat(x, side, axis=0), side, axis=1)
    small = parts.reshape(side, 28, side, 28).mean(axis=(1, 3), dtype=np.float64)
    pil = np.asarray(
        Image.fromarray(small.astype(np.float32)).resize((28, 28), Image.Resampling.BICUBIC)
    )
    centre = np.floor((np.arange(28) + 0.5) * side / 28 - 0.5)
    inner = np.flatnonzero((centre >= 1) & (centre <= side - 3))
    assert len(inner) >= 14
    ours = (M @ x @ M.T)[np.ix_(inner, inner)]
    np.testing.assert_allclose(ours, pil[np.ix_(inner, inner)], atol=1e-5)


def test_low_resolution_removes_fine_detail_from_the_chosen_share():
    # stripes one pixel wide: nothing of them survives at 7-14 px, a blur of 0.5 is left
    stripes = np.zeros((400, 28, 28), np.float32)
    stripes[:, :, ::2] = 1
    out = Augmenter(**STILL, low_resolution=0.5)(stripes, np.random.default_rng(5))
    assert out.shape == stripes.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    changed = ~np.all(out == stripes, axis=(1, 2))
    assert 150 < changed.sum() < 250  # about half of them
    centre = out[changed][:, 4:-4, 4:-4]
    assert np.abs(centre - 0.5).max() < 0.2  # the stripes are gone
    np.testing.assert_array_equal(out[~changed], stripes[~changed])


def test_low_resolution_is_seeded_and_validated(images):
    aug = Augmenter(**handwriting(), low_resolution=0.7)
    a = aug(images, np.random.default_rng(3))
    np.testing.assert_array_equal(a, aug(images, np.random.default_rng(3)))
    assert not np.array_equal(a, aug(images, np.random.default_rng(4)))
    assert a.min() >= 0 and a.max() <= 1
    assert aug.get_config()["low_resolution"] == 0.7
    assert "low_resolution_sides=(0.25, 0.5)" in repr(aug)
    for bad in (
        {"low_resolution": 1.5},
        {"low_resolution": -0.1},
        {"low_resolution_sides": (0.6, 0.4)},
        {"low_resolution_sides": (0.0, 0.5)},
        {"low_resolution_sides": (0.5, 1.2)},
    ):
        with pytest.raises(ValueError, match="low_resolution"):
            Augmenter(**bad)  # type: ignore[arg-type]
