"""fit holds the BLAS to one thread while it trains (nn.engine.threads), whatever the number
of worker threads, and restores it after."""

from __future__ import annotations

import numpy as np
import pytest

from numnet.nn import Dense, Sequential
from numnet.nn.callbacks import Callback
from numnet.nn.engine.threads import blas_threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_counts() -> list[int]:
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]


class Record(Callback):
    def on_step_end(self, model, state) -> None:
        self.seen = blas_counts()


@pytest.mark.parametrize("threads", [1, 2])
def test_fit_trains_with_one_blas_thread_per_worker(threads: int) -> None:
    before = blas_counts()
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 4), dtype=np.float32), rng.integers(0, 3, 64)
    record = Record()
    with threadpoolctl.threadpool_limits(4, user_api="blas"):  # whatever was set outside
        outside = blas_counts()
        Sequential([Dense(3)], input_shape=(4,)).fit(
            x, y, epochs=1, batch_size=16, verbose=0, callbacks=[record], threads=threads
        )
        assert blas_counts() == outside  # restored
    assert record.seen == [1 for _ in outside]
    assert blas_counts() == before


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
