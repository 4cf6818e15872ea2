"""Helper threads (numnet.nn.engine.helpers) and what uses them: the shared optimizer update
of a one-worker step and the next batch's gather."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from numnet.nn import SGD, Adam, AdamW, Dense, ReLU, Sequential, parallel
from numnet.nn.engine.batches import epoch_batches
from numnet.nn.engine.helpers import Helpers
from numnet.nn.parallel import helped_update


@pytest.fixture
def helpers():
    pool = Helpers(1)
    yield pool
    pool.close()


def test_every_chunk_runs_once(helpers) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def chunk(i: int) -> None:
        with lock:
            seen.append(i)

    for n in (1, 2, 7, 50):
        seen.clear()
        helpers.run(chunk, n)
        assert sorted(seen) == list(range(n))


def test_a_busy_helper_does_not_hold_the_caller_up(helpers) -> None:
    """While the helper is stuck in another job's chunk, the caller does a new job alone."""
    release, stuck = threading.Event(), threading.Event()

    def slow(i: int) -> None:
        if threading.current_thread() is not threading.main_thread():
            stuck.set()
            release.wait()

    first = helpers.submit(slow, 2)
    assert stuck.wait(5)  # the helper took a chunk of the first job and waits in it
    who: dict[int, str] = {}
    helpers.run(lambda i: who.setdefault(i, threading.current_thread().name), 4)
    assert who == {i: threading.main_thread().name for i in range(4)}
    release.set()
    first.finish()


def test_the_first_error_in_chunk_order_reaches_finish_after_every_chunk(helpers) -> None:
    done: list[int] = []

    def chunk(i: int) -> None:
        if i in (3, 5):
            raise ValueError(f"chunk {i}")
        done.append(i)

    with pytest.raises(ValueError, match="chunk 3"):
        helpers.run(chunk, 8)
    assert sorted(done) == [0, 1, 2, 4, 6, 7]
    helpers.run(lambda i: None, 3)  # still usable


def test_cancel_starts_no_more_chunks() -> None:
    pool = Helpers(1)
    pool.close()  # no helper at all: nothing is taken unless the submitter takes it
    ran: list[int] = []
    job = pool.submit(ran.append, 5)
    job.cancel()
    job.finish()
    assert ran == []


@pytest.mark.parametrize("make", [
    lambda: Adam(1e-2, weight_decay=1e-3, clipnorm=0.5),
    lambda: AdamW(1e-2, weight_decay=0.1),
    lambda: SGD(0.05, momentum=0.9, nesterov=True),
])
def test_the_shared_update_is_the_step_bit_for_bit(make, helpers, monkeypatch) -> None:
    monkeypatch.setattr(parallel, "CHUNK", 37)  # many chunks, boundaries off the layers'
    a, b = mlp(), mlp()
    opt_a, opt_b = make().attach(a.flat), make().attach(b.flat)
    rng = np.random.default_rng(1)
    for _ in range(3):
        g = rng.standard_normal(a.flat.grads.size, dtype=np.float32)
        a.flat.grads[...] = g
        b.flat.grads[...] = g
        opt_a.step()
        norm2 = helped_update(opt_b, helpers)
        np.testing.assert_array_equal(b.flat.params, a.flat.params)
        p = a.flat.params.astype(np.float64)
        assert norm2 == pytest.approx(float(p @ p), rel=1e-5)
    assert opt_b.iterations == opt_a.iterations == 3


def mlp() -> Sequential:
    return Sequential([Dense(32), ReLU(), Dense(10)], input_shape=(20,), seed=0)


def test_fit_with_helpers_is_the_one_thread_fit_bit_for_bit(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "CHUNK", 100)  # this small network gets helpers too
    rng = np.random.default_rng(0)
    x, y = rng.random((300, 20), dtype=np.float32), rng.integers(0, 10, 300)
    fits = []
    for threads in (1, 2, 3):
        m = mlp()
        h = m.fit(x, y, epochs=2, batch_size=32, verbose=0, threads=threads)
        fits.append((m.flat.params.copy(), h.history["loss"]))
    assert any(t.name.startswith("numnet-helper") for t in threading.enumerate())
    for params, losses in fits[1:]:
        np.testing.assert_array_equal(params, fits[0][0])
        assert losses == fits[0][1]


def test_batches_gathered_by_helpers_are_the_same_and_not_overwritten(helpers) -> None:
    x = np.arange(50 * 6, dtype=np.float32).reshape(50, 2, 3)
    y = np.arange(50) * 10
    perm = np.random.default_rng(0).permutation(50)
    with epoch_batches(x, y, perm, 8, start=1) as batches:
        plain = [(xb.copy(), yb.copy()) for xb, yb in batches]
    with epoch_batches(x, y, perm, 8, start=1, helpers=helpers) as batches:
        for (xb, yb), (ex, ey) in zip(batches, plain, strict=True):
            helpers.run(lambda i: None, 1)  # give the helper time for the next gather
            np.testing.assert_array_equal(xb, ex)
            np.testing.assert_array_equal(yb, ey)
    with epoch_batches(x, y, perm, 8, helpers=helpers) as batches:
        next(iter(batches))  # leaving early drops the batch being gathered


def test_helpers_that_never_help_rest() -> None:
    """A pool whose helper does none of LATE jobs in a row is not woken for REST jobs."""
    from numnet.nn.engine import helpers as module

    pool = Helpers(1)
    release, stuck = threading.Event(), threading.Event()

    def slow(i: int) -> None:
        if threading.current_thread() is not threading.main_thread():
            stuck.set()
            release.wait()

    blocker = pool.submit(slow, 2)
    assert stuck.wait(5)
    for _ in range(module.LATE):  # the helper is stuck: the caller does these alone
        pool.run(lambda i: None, 2)
    assert pool._resting == module.REST
    release.set()
    blocker.finish()
    generation = pool._generation
    pool.run(lambda i: None, 2)
    assert pool._generation == generation  # not woken
    pool.close()
