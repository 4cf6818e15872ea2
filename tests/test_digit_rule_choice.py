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


def test_pick_shape_takes_the_fewest_bad_then_the_middle_of_the_ties():
    bad = choose.shape_accepted(_shapes(60, 6))
    refused = 200 - choose.shape_accepted(_shapes(200, 7))
    allowed = refused <= 2
    cell = choose.pick_shape(allowed, bad, refused)
    assert allowed[cell] and bad[cell] == bad[allowed].min()
    assert refused[cell] == refused[allowed & (bad == bad[cell])].min()


def test_pick_shape_takes_the_middle_of_a_run_of_ties():
    """One measure matters: limits 0-2 of its grid let a non-digit through, 3 and above
    none; every other limit is free.  The chosen limit is the middle of 3..end, not the
    loosest (no limit)."""
    shape = tuple(len(g) for g in choose.SHAPE_LIMITS)
    bad = np.zeros(shape, np.int64)
    refused = np.zeros(shape, np.int64)
    refused[:3] = 1  # the width limits below the 4th refuse a real digit
    cell = choose.pick_shape(np.ones(shape, bool), bad, refused)
    assert cell[0] == 3 + (shape[0] - 1 - 3) // 2
    assert all(c == (n - 1) // 2 for c, n in zip(cell[1:], shape[1:], strict=True))


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


def _rows(n: int, seed: int) -> np.ndarray:
    """(n, 11) rows of ``features``: [fill, aspect, confidence, right, largest logit, width,
    length, -length, junctions, ends, loops], some exactly on grid values."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [_samples(n, seed), _shapes(n, seed + 100)[:, :1] * 0.5, _shapes(n, seed)[:, 1:]]
    )
    x[:, 4] = rng.uniform(-2, 10, n)
    x[:5, 2], x[5:10, 4] = choose.PLAIN_CONFIDENCES[4], choose.STRICT_EVIDENCES[9]
    x[10:15, choose.WIDTH] = choose.PLAIN_WIDTHS[3]
    return x


def test_the_two_tier_grid_counts_what_each_pair_of_floors_keeps():
    x = _rows(300, 11)
    rng = np.random.default_rng(12)
    for w, j, e in [(0.16, 2, 3), (0.1, 0, 1), (0.3, 4, 4)]:
        counts = choose.tiers_accepted(x, w, j, e)
        for _ in range(200):
            pc, pv, c, v = (int(rng.integers(0, s)) for s in counts.shape)
            floors = choose.Floors(
                w, j, e, choose.PLAIN_CONFIDENCES[pc], choose.PLAIN_EVIDENCES[pv],
                choose.CONFIDENCES[c], choose.STRICT_EVIDENCES[v],
            )  # fmt: skip
            assert counts[pc, pv, c, v] == choose.keep_floors(x, floors).sum()


def test_pick_floors_keeps_to_the_budgets_with_the_fewest_bad(monkeypatch):
    digits = {"photos": _rows(200, 13), "foreign": _rows(150, 14)}
    totals = {"photos": 210, "foreign": 150}  # 10 photos the ink limits refused already
    budgets = {"photos": 60.0, "foreign": 40.0}
    bad = _rows(80, 15)
    # coarser grids of the strict tier, to keep the test short
    monkeypatch.setattr(choose, "CONFIDENCES", np.round(np.arange(0.0, 0.99, 0.1), 1))
    monkeypatch.setattr(choose, "STRICT_EVIDENCES", np.array([-np.inf, 0.0, 2.5, 5.0, 7.5]))
    fl = choose.pick_floors(digits, totals, bad, budgets)
    refused = {k: totals[k] - choose.keep_floors(x, fl).sum() for k, x in digits.items()}
    assert all(refused[k] <= budgets[k] for k in digits)
    n_bad = choose.keep_floors(bad, fl).sum()
    rng = np.random.default_rng(16)  # no other floors within the budgets keep fewer
    for _ in range(300):
        other = choose.Floors(
            float(rng.choice(choose.PLAIN_WIDTHS)), int(rng.choice(choose.PLAIN_JUNCTIONS)),
            int(rng.choice(choose.PLAIN_ENDS)), float(rng.choice(choose.PLAIN_CONFIDENCES)),
            float(rng.choice(choose.PLAIN_EVIDENCES)), float(rng.choice(choose.CONFIDENCES)),
            float(rng.choice(choose.STRICT_EVIDENCES)),
        )  # fmt: skip
        r = {k: totals[k] - choose.keep_floors(x, other).sum() for k, x in digits.items()}
        if all(r[k] <= budgets[k] for k in digits):
            assert choose.keep_floors(bad, other).sum() >= n_bad


def test_the_non_digits_are_stopped_with_a_margin():
    x = _rows(50, 17)
    near = choose.nearer(x)
    assert (near[:, 2] >= x[:, 2]).all() and (near[:, 2] <= 1).all()
    assert (near[:, 4] > x[:, 4]).all() and (near[:, choose.WIDTH] > x[:, choose.WIDTH]).all()
    assert (near[:, choose.JUNCTIONS] <= x[:, choose.JUNCTIONS]).all()
    assert (near[:, [0, 1, 3]] == x[:, [0, 1, 3]]).all()  # ink and truth as they were


def test_several_sets_of_a_kind_are_measured_as_one(monkeypatch):
    def features(model, folder):
        k = int(folder.name[-1])
        return np.full((k, 2), float(k)), [f"{i}.jpg" for i in range(k)]

    monkeypatch.setattr(choose, "load_model", lambda path: None)
    monkeypatch.setattr(choose, "features", features)
    monkeypatch.setattr(
        choose, "number_rows", lambda m, f: (features(m, f)[0], 10 * int(f.name[-1]))
    )

    def args(*sets):
        kinds = dict(zip(("digits", "nondigits", "foreign", "numbers"), sets, strict=True))
        return choose.argparse.Namespace(
            model=None, **{k: choose.folders(v) for k, v in kinds.items()}
        )

    sets, n_numbers, names = choose.measure_sets(
        args("a/p1,b/p2", "a/n2,b/n3", "a/f3", "a/m1,b/m3")
    )
    assert sets["photos"][:, 0].tolist() == [1, 2, 2]
    assert sets["foreign"].shape == (3, 2)
    assert sets["numbers"][:, 0].tolist() == [1, 3, 3, 3]
    assert n_numbers == 40
    assert sets["nondigits"].shape == (5, 2)
    assert names == ["n2/0.jpg", "n2/1.jpg", "n3/0.jpg", "n3/1.jpg", "n3/2.jpg"]
    one = choose.measure_sets(args("p1", "n2", "f3", "m1"))
    assert one[2] == ["0.jpg", "1.jpg"]  # a single set keeps its file names
