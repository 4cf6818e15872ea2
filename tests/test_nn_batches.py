"""epoch_batches: the right rows in the right order, augmented in a thread, stoppable."""

import threading

import numpy as np
import pytest

from numnet.nn.engine.batches import epoch_batches


def data(n=10):
    x = np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3)
    return x, np.arange(n) * 10


def noisy(batch, rng):
    """An augmentation whose result shows the generator it was given and the thread."""
    noisy.threads.add(threading.get_ident())
    return batch + rng.standard_normal(batch.shape, dtype=np.float32)


def batcher_threads():
    return [t for t in threading.enumerate() if t.name == "numnet-batches"]


def test_gathers_the_permuted_rows_from_the_start_step():
    x, y = data()
    perm = np.random.default_rng(0).permutation(10)
    with epoch_batches(x, y, perm, batch_size=4, start=1) as batches:
        got = [(xb.copy(), yb.copy()) for xb, yb in batches]
    assert [len(yb) for _, yb in got] == [4, 2]  # steps 1 and 2 of 3; the last one partial
    for step, (xb, yb) in enumerate(got, 1):
        rows = perm[step * 4 : (step + 1) * 4]
        np.testing.assert_array_equal(xb, x[rows])
        np.testing.assert_array_equal(yb, y[rows])


def test_augments_each_step_from_its_own_seed_in_another_thread():
    x, y = data(9)
    perm = np.arange(9)[::-1]
    noisy.threads = set()
    with epoch_batches(x, y, perm, 3, augment=noisy, seed=(7, 2)) as batches:
        got = [(xb.copy(), yb.copy()) for xb, yb in batches]
    assert len(got) == 3 and threading.get_ident() not in noisy.threads
    for step, (xb, yb) in enumerate(got):
        rows = perm[step * 3 : (step + 1) * 3]
        expected = x[rows] + np.random.default_rng([7, 2, step, 1]).standard_normal(
            (3, 2, 3), dtype=np.float32)
        np.testing.assert_array_equal(xb, expected)
        np.testing.assert_array_equal(yb, y[rows])
    # a resumed epoch draws the same augmentation for the same step
    with epoch_batches(x, y, perm, 3, start=2, augment=noisy, seed=(7, 2)) as batches:
        np.testing.assert_array_equal(next(iter(batches))[0], got[2][0])
    assert not batcher_threads()


def test_a_batch_is_not_overwritten_while_the_next_ones_are_made():
    x, y = data(40)
    with epoch_batches(x, y, np.arange(40), 4, augment=lambda b, rng: b) as batches:
        for step, (xb, _) in enumerate(batches):
            expected = x[step * 4 : (step + 1) * 4].copy()
            threading.Event().wait(0.002)  # the thread runs ahead meanwhile
            np.testing.assert_array_equal(xb, expected)


def test_an_error_while_augmenting_reaches_the_training_thread():
    def broken(batch, rng):
        raise ValueError("augmentation: bad image")

    x, y = data()
    with pytest.raises(ValueError, match="bad image"):
        with epoch_batches(x, y, np.arange(10), 4, augment=broken) as batches:
            list(batches)
    assert not batcher_threads()


def test_leaving_early_stops_the_thread():
    x, y = data(400)
    with epoch_batches(x, y, np.arange(400), 4, augment=lambda b, rng: b) as batches:
        next(iter(batches))
        assert batcher_threads()
    assert not batcher_threads()


def test_in_line_augmentation_gives_the_same_batches():
    x, y = data(9)
    perm = np.arange(9)
    noisy.threads = set()
    runs = []
    for background in (True, False):
        with epoch_batches(x, y, perm, 3, augment=noisy, seed=(1,), background=background) as b:
            runs.append([xb.copy() for xb, _ in b])
    assert threading.get_ident() in noisy.threads and len(noisy.threads) == 2
    np.testing.assert_array_equal(runs[0], runs[1])
