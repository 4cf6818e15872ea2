"""``numnet.data.imaging.variants``: a prepared digit scaled and turned, and ``numnet read``
reading a number's digits as the mean over them."""

from __future__ import annotations

import numpy as np

from numnet.data.imaging import read_number
from numnet.data.imaging.variants import ANGLES, SCALES, variants
from test_cli_predict import TemplateModel
from test_read import _row


def _bar() -> np.ndarray:
    """A vertical bar 2 px wide, rows 4-23, centred in the 28x28 field: (1, 28, 28)."""
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 4:24, 13:15] = 1.0
    return x


def _rows(img: np.ndarray) -> np.ndarray:
    return np.flatnonzero(img.max(axis=1) > 0.5)


def test_the_first_variant_is_the_digit_the_others_scaled_and_turned():
    x = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)
    out = variants(x)
    assert out.shape == (3, 1 + len(SCALES) + len(ANGLES), 28, 28) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 0], x)
    bar = variants(_bar())[0]
    high = [_rows(v).size for v in bar]
    assert high[1] < high[0] < high[2]  # 0.9 times as large, 1.1 times
    for v in bar:  # about the centre: the ink's centre of mass stays
        ys, xs = np.nonzero(v)
        assert abs(np.average(ys, weights=v[ys, xs]) - 13.5) < 0.3
        assert abs(np.average(xs, weights=v[ys, xs]) - 13.5) < 0.3
    # turned: the bar's top leans one way, then the other
    tops = [np.average(np.arange(28), weights=v[5]) - 13.5 for v in bar[3:]]
    assert tops[0] * tops[1] < 0 and min(abs(t) for t in tops) > 0.8


def test_a_numbers_digits_are_read_as_the_mean_of_their_variants():
    model = TemplateModel()
    r = read_number(_row([1, 4, 0], [20, 20]), model)
    assert r.number == "140"
    for d in r.digits:
        seen = model.predict_proba(variants(d.pixels[None])[0])
        np.testing.assert_allclose(d.probabilities, seen.mean(axis=0), rtol=1e-5, atol=1e-6)
        assert not np.allclose(d.probabilities, model.predict_proba(d.pixels[None])[0])
    (alone,) = read_number(_row([4], []), model).digits  # one digit: read as it is
    np.testing.assert_allclose(alone.probabilities, model.predict_proba(alone.pixels[None])[0])
