"""fit sets the BLAS threads while it trains (nn.engine.threads) and restores them after: one
per worker when it splits the batches, every thread (but the augmenting one) for a batch
that trains on one worker."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.nn import Adam, Dense, ReLU, Sequential
from numnet.nn.callbacks import Callback
from numnet.nn.engine.threads import blas_threads
from numnet.nn.training import step_blas_threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_counts() -> list[int]:
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]


class Record(Callback):
    def on_step_end(self, model, state) -> None:
        self.seen = blas_counts()


@pytest.mark.parametrize(("threads", "min_work", "augment", "expected"), [
    (1, None, False, 1),  # the single-thread step
    (2, None, False, 2),  # too small to split: one worker, its products on both threads
    (3, None, True, 2),  # ... but for the thread that augments ahead
    (2, None, True, 1),
    (2, 1, False, 1),  # split over two workers: one BLAS thread each
])
def test_fit_sets_the_blas_threads_and_restores_them(
    threads: int, min_work: int | None, augment: bool, expected: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from numnet.nn import parallel

    if min_work is not None:
        monkeypatch.setattr(parallel, "MIN_WORK", min_work)
    before = blas_counts()
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4), dtype=np.float32), rng.integers(0, 3, 64)
    record = Record()
    with threadpoolctl.threadpool_limits(4, user_api="blas"):  # whatever was set outside
        outside = blas_counts()
        Sequential([Dense(3)], input_shape=(4,)).fit(
            x, y, epochs=1, batch_size=32, verbose=0, callbacks=[record], threads=threads,
            augment=(lambda batch, rng: batch) if augment else None,
        )
        assert blas_counts() == outside  # restored
    assert record.seen == [expected for _ in outside]
    assert step_blas_threads(threads, min_work is None, augment) == expected
    assert blas_counts() == before


def mlp() -> Sequential:
    # large enough for the BLAS to use its threads (784 x 64 weights, batches of 128),
    # too small for two workers
    return Sequential([Dense(64), ReLU(), Dense(10)], input_shape=(784,), seed=1)


def mnist_like(n: int = 1280):
    rng = np.random.default_rng(0)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


class StopAt(Callback):
    def __init__(self, n: int) -> None:
        self.n = n

    def on_step_end(self, model, state) -> bool:
        return state.global_step == self.n


def test_a_single_worker_on_two_blas_threads_is_reproducible_and_resumes_exactly(
    tmp_path,
) -> None:
    from numnet.files import checkpoint
    from numnet.nn import parallel

    x, y = mnist_like()
    assert parallel.team_size(128, 2, parallel.work_per_sample(mlp())) == 1
    runs = []
    for _ in range(2):
        m = mlp()
        history = m.fit(x, y, epochs=2, batch_size=128, verbose=0, threads=2)
        runs.append((m, history.history))
    np.testing.assert_array_equal(runs[0][0].flat.params, runs[1][0].flat.params)
    assert runs[0][1] == runs[1][1]
    # stopped after 13 steps (mid-epoch 2), checkpointed, resumed: the same weights
    saver = checkpoint.Checkpointer(tmp_path, {"run": 1}, every=1)
    mlp().fit(x, y, epochs=2, batch_size=128, verbose=0, threads=2,
              callbacks=[saver, StopAt(13)])
    saved = checkpoint.latest(tmp_path)
    assert saved is not None and saved.state.global_step == 13
    saved.restore_optimizer(Adam())
    history = saved.model.fit(x, y, epochs=2, batch_size=128, verbose=0, threads=2,
                              optimizer=saved.state.optimizer, initial_state=saved.state)
    np.testing.assert_array_equal(saved.model.flat.params, runs[0][0].flat.params)
    assert history.history == runs[0][1]


def test_none_changes_nothing() -> None:
    before = blas_counts()
    with blas_threads(None):
        assert blas_counts() == before


@pytest.mark.parametrize(("threads", "min_work", "ahead"), [
    (1, None, True),  # one worker: the other core augments
    (2, 1, False),  # two workers take both cores: augmentation stays in line
    (2, None, True),  # a network too small to split trains on one worker: ahead again
])
def test_augmentation_runs_ahead_in_a_thread_only_beside_a_single_worker(
    threads: int, min_work: int | None, ahead: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from numnet.nn import parallel

    if min_work is not None:
        monkeypatch.setattr(parallel, "MIN_WORK", min_work)
    where = set()

    def augment(batch, rng):
        where.add(threading.get_ident())
        return batch

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        rng = np.random.default_rng(0)
        x, y = rng.random((64, 4), dtype=np.float32), rng.integers(0, 3, 64)
        Sequential([Dense(3)], input_shape=(4,)).fit(
            x, y, epochs=1, batch_size=32, verbose=0, augment=augment, threads=threads
        )
    assert len(where) == 1
    assert (threading.get_ident() in where) == (not ahead)


class RecordInterval(Callback):
    def on_step_end(self, model, state) -> None:
        import sys

        self.seen = sys.getswitchinterval()


@pytest.mark.parametrize(("threads", "min_work", "expected"), [
    (1, None, None),  # one worker: the interval left as it is
    (2, 1, "step"),  # split over two workers: the shorter interval while training
])
def test_fit_shortens_the_switch_interval_only_for_split_batches_and_restores_it(
    threads: int, min_work: int | None, expected: str | None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from numnet.nn import parallel
    from numnet.nn.engine.threads import STEP_SWITCH_INTERVAL

    if min_work is not None:
        monkeypatch.setattr(parallel, "MIN_WORK", min_work)
    before = sys.getswitchinterval()
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4), dtype=np.float32), rng.integers(0, 3, 64)
    record = RecordInterval()
    Sequential([Dense(3)], input_shape=(4,)).fit(
        x, y, epochs=1, batch_size=32, verbose=0, callbacks=[record], threads=threads)
    assert record.seen == (STEP_SWITCH_INTERVAL if expected else before)
    assert STEP_SWITCH_INTERVAL != before
    assert sys.getswitchinterval() == before
