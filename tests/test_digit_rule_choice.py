"""benchmarks/choose_digit_rule.py and the foreign split of benchmarks/checksets.py: the grid
counts equal a direct count, the choice keeps to its budgets, the halves split UCI's digits."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import checksets  # noqa: E402
import choose_digit_rule as choose  # noqa: E402

EVIDENCES = np.array([-np.inf, 0.0, 2.5, 5.0, 7.5])


def _samples(n: int, seed: int) -> np.ndarray:
    """(n, 5) [fill, aspect, confidence, right, largest logit], some exactly on grid values."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.uniform(0.2, 0.9, n),
            rng.uniform(0.8, 4.5, n),
            rng.uniform(0, 1, n),
            rng.integers(0, 2, n),
            rng.uniform(-2, 10, n),
        ]
    )
    x[:5, 0], x[5:10, 2], x[10:15, 4] = choose.FILLS[3], choose.CONFIDENCES[40], 5.0
    return x


def test_the_grid_counts_what_each_rule_keeps():
    x = _samples(200, 0)
    counts = choose.accepted(x, EVIDENCES)
    grids = np.meshgrid(choose.FILLS, choose.ASPECTS, choose.CONFIDENCES, EVIDENCES, indexing="ij")
    rng = np.random.default_rng(1)
    for _ in range(300):
        cell = tuple(int(rng.integers(0, s)) for s in counts.shape)
        f, a, c, e = (g[cell] for g in grids)
        kept = (x[:, 0] <= f) & (x[:, 1] <= a) & (x[:, 2] >= c) & (x[:, 4] >= e)
        assert counts[cell] == kept.sum()


def test_pick_takes_the_fewest_bad_within_the_allowed_then_the_tightest():
    bad = choose.accepted(_samples(100, 2), EVIDENCES)
    refused = 300 - choose.accepted(_samples(300, 3), EVIDENCES)
    allowed = refused <= refused.min() + 5
    cell = choose.pick(allowed, bad, refused)
    assert allowed[cell] and bad[cell] == bad[allowed].min()
    same = allowed & (bad == bad[cell]) & (refused == refused[cell])
    assert cell[3] == np.argwhere(same)[:, 3].max()  # the highest evidence floor of the ties


@pytest.mark.parametrize("n", [1797, 10, 11])
def test_the_foreign_halves_split_the_uci_digits(n):
    val, test = checksets.foreign_part("validation", n), checksets.foreign_part("test", n)
    assert set(val).isdisjoint(test) and set(val) | set(test) == set(range(n))
    assert list(checksets.foreign_part("all", n)) == list(range(n))
    assert len(val) - len(test) in (0, 1) and max(val) < min(test)  # first half, last half


def _shapes(n: int, seed: int) -> np.ndarray:
    """(n, len(SHAPE)) signed shape measures, some exactly on grid values."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.uniform(lo, hi, n)
            for lo, hi in [(0.1, 0.7), (0.5, 5.5), (-1.0, -0.1), (0, 14), (0, 16), (0, 5)]
        ]
    )
    x[:, 3:] = np.round(x[:, 3:])  # junctions, ends and loops are counts
    x[:5, 1], x[5:10, 2] = choose.SHAPE_LIMITS[1][4], choose.SHAPE_LIMITS[2][3]
    return x


def test_the_shape_grid_counts_what_each_limit_keeps():
    x = _shapes(300, 4)
    counts = choose.shape_accepted(x)
    rng = np.random.default_rng(5)
    for _ in range(300):
        cell = tuple(int(rng.integers(0, s)) for s in counts.shape)
        limits = [g[j] for g, j in zip(choose.SHAPE_LIMITS, cell, strict=True)]
        assert counts[cell] == (x <= np.array(limits)).all(axis=1).sum()
    assert counts[(-1,) * counts.ndim] == len(x)  # no limit keeps them all


def test_pick_shape_takes_the_fewest_bad_then_the_loosest_limits():
    bad = choose.shape_accepted(_shapes(60, 6))
    refused = 200 - choose.shape_accepted(_shapes(200, 7))
    allowed = refused <= 2
    cell = choose.pick_shape(allowed, bad, refused)
    assert allowed[cell] and bad[cell] == bad[allowed].min()
    same = allowed & (bad == bad[cell]) & (refused == refused[cell])
    assert cell[0] == np.argwhere(same)[:, 0].max()  # the loosest width limit of the ties


def test_a_number_is_kept_when_its_worst_digit_is():
    """number_rows' maxima: a cell keeps the column-wise maximum of a number's digits exactly
    when it keeps every one of them."""
    digits = _shapes(400, 8)
    number = np.random.default_rng(9).integers(0, 80, len(digits))
    worst = np.array([digits[number == k].max(axis=0) for k in np.unique(number)])
    counts = choose.shape_accepted(worst)
    rng = np.random.default_rng(10)
    for _ in range(100):
        cell = tuple(int(rng.integers(0, s)) for s in counts.shape)
        limits = np.array([g[j] for g, j in zip(choose.SHAPE_LIMITS, cell, strict=True)])
        kept = (digits <= limits).all(axis=1)
        assert counts[cell] == sum(kept[number == k].all() for k in np.unique(number))
