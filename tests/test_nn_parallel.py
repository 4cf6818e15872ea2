"""Data-parallel training and inference (numnet.nn.parallel, engine.workers, engine.collective)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from numnet.nn import (
    SGD,
    Adam,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    ReLU,
    Sequential,
    parallel,
)
from numnet.nn.engine.collective import Collective
from numnet.nn.engine.workers import Workers, resolve_threads, spans
from numnet.nn.parallel import MIN_ROWS, TrainingTeam, team_size, work_per_sample
from numnet.nn.replicas import make_replicas


@pytest.fixture(autouse=True)
def split_small_networks(monkeypatch) -> None:
    """These networks are far too small to be worth splitting: split them anyway."""
    monkeypatch.setattr(parallel, "MIN_WORK", 1)


def data(n: int = 200, shape: tuple[int, ...] = (1, 8, 8), seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.random((n, *shape), dtype=np.float32), rng.integers(0, 10, n)


def cnn(seed: int = 0, dropout: float = 0.0) -> Sequential:
    # every bias followed by a nonlinearity before BatchNorm: a bias that BatchNorm cancels
    # has a gradient of rounding noise, which Adam blows up to full steps
    layers = [Conv2D(4, 3, activation="relu"), MaxPool2D(2), BatchNorm(), Flatten(),
              Dense(16), ReLU(), BatchNorm()]
    if dropout:
        layers.append(Dropout(dropout))
    return Sequential([*layers, Dense(10)], input_shape=(1, 8, 8), seed=seed)


def train(model: Sequential, threads: int, epochs: int = 2, **kw) -> Sequential:
    x, y = data()
    model.fit(x, y, epochs=epochs, batch_size=40, verbose=0, threads=threads, **kw)
    return model


# -- the pool ---------------------------------------------------------------------------
def test_spans_cover_the_range_in_near_equal_parts() -> None:
    assert spans(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert spans(2, 2) == [(0, 1), (1, 2)]


def test_resolve_threads() -> None:
    assert resolve_threads(3) == 3
    assert resolve_threads(None) == resolve_threads(0) >= 1
    with pytest.raises(ValueError):
        resolve_threads(-1)


def test_workers_run_every_rank_in_its_own_thread() -> None:
    pool = Workers(3)
    seen: dict[int, int] = {}
    pool.run(lambda rank: seen.__setitem__(rank, threading.get_ident()))
    assert sorted(seen) == [0, 1, 2] and seen[0] == threading.get_ident()
    assert len(set(seen.values())) == 3
    pool.close()


def test_an_exception_in_a_worker_reaches_the_caller_and_nobody_hangs() -> None:
    pool = Workers(2)

    def task(rank: int) -> None:
        if rank == 1:
            raise ZeroDivisionError("worker 1 failed")
        pool.barrier.wait()  # would wait forever if the barrier were not aborted

    for _ in range(2):  # and the pool still works afterwards
        with pytest.raises(ZeroDivisionError, match="worker 1 failed"):
            pool.run(task)
    ok: list[int] = []
    pool.run(lambda rank: (pool.barrier.wait(), ok.append(rank)))
    assert sorted(ok) == [0, 1]
    pool.close()


def test_allreduce_gives_every_worker_the_same_sum() -> None:
    pool = Workers(3)
    col = Collective(3, pool.barrier)
    members = [col.member(r) for r in range(3)]
    out: dict[tuple[int, int], np.ndarray] = {}

    def task(rank: int) -> None:
        for t in range(5):  # several calls in a row: the two slot lists alternate
            out[rank, t] = members[rank].allreduce(np.full(2, rank + 10.0 * t))

    pool.run(task)
    for t in range(5):
        for r in range(3):
            np.testing.assert_array_equal(out[r, t], np.full(2, 3 + 30.0 * t))
    pool.close()


def test_team_size_keeps_at_least_min_rows_per_worker() -> None:
    assert team_size(128, 2, 1) == 2
    assert team_size(2 * MIN_ROWS - 1, 2, 1) == 1
    assert team_size(5, 4, 1) == 1
    assert team_size(4 * MIN_ROWS, 8, 1) == 4


def test_team_size_keeps_small_networks_on_one_worker(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MIN_WORK", 1000)
    assert team_size(128, 2, 10) == 1  # 1,280 multiply-adds: one worker
    assert team_size(128, 4, 20) == 2  # 2,560: two workers of 1,280
    from numnet.presets import build_mlp, build_reference_cnn

    assert work_per_sample(build_mlp()) == 784 * 256 + 256 * 10
    conv = 3 * 3 * 32 * 26 * 26 + 3 * 3 * 32 * 64 * 11 * 11
    assert work_per_sample(build_reference_cnn()) == conv + 1600 * 128 + 128 * 10


# -- training ---------------------------------------------------------------------------
def test_two_fits_with_two_threads_are_bit_identical() -> None:
    a, b = train(cnn(dropout=0.3), 2), train(cnn(dropout=0.3), 2)
    np.testing.assert_array_equal(a.flat.params, b.flat.params)
    np.testing.assert_array_equal(a.flat.buffers, b.flat.buffers)


def test_split_batches_are_augmented_by_each_worker_with_its_own_copy() -> None:
    from numnet.data.augment import Augmenter

    seen: list[tuple[int, int, int]] = []  # (augmenter, thread, rows) of every call

    class Watched(Augmenter):
        def __call__(self, batch, rng):
            seen.append((id(self), threading.get_ident(), len(batch)))
            return super().__call__(batch, rng)

    runs = [train(cnn(), 2, epochs=1, augment=Watched(shift=2)) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].flat.params, runs[1].flat.params)  # reproducible
    calls = seen[: len(seen) // 2]
    assert {rows for _, _, rows in calls} == {20}  # batch 40: 20 rows per worker, 5 batches
    assert len(calls) == 10
    # each worker its own augmenter (their work arrays are not shared), in its own thread
    assert len({a for a, _, _ in calls}) == 2 and len({t for _, t, _ in calls}) == 2
    assert all(len({t for a2, t, _ in calls if a2 == a}) == 1 for a, _, _ in calls)
    # an augment function without thread_copy stays in line, on the whole batch
    plain, rows = Augmenter(shift=2), []
    train(cnn(), 2, epochs=1, augment=lambda b, rng: rows.append(len(b)) or plain(b, rng))
    assert rows == [40] * 5


def test_split_batches_are_augmented_only_in_the_first_augment_epochs() -> None:
    from numnet.data.augment import Augmenter

    rows: list[int] = []

    class Counted(Augmenter):
        def __call__(self, batch, rng):
            rows.append(len(batch))
            return super().__call__(batch, rng)

    train(cnn(), 2, epochs=3, augment=Counted(shift=2), augment_epochs=2)
    assert sum(rows) == 2 * 200  # two epochs of 200 images, split over the workers
    assert set(rows) == {20}  # each worker its rows: the split path did run
    finished = train(cnn(), 2, epochs=3, augment=Counted(shift=2), augment_epochs=0)
    np.testing.assert_array_equal(finished.flat.params, train(cnn(), 2, epochs=3).flat.params)
    assert sum(rows) == 2 * 200


@pytest.mark.parametrize("threads", [2, 3])
def test_thread_counts_agree_up_to_rounding(threads: int) -> None:
    """Without Dropout (whose masks are drawn per worker) k threads compute the same steps
    as one, up to float32 rounding: BatchNorm takes whole-batch statistics."""
    one, many = train(cnn(), 1, epochs=1), train(cnn(), threads, epochs=1)
    assert not np.array_equal(one.flat.params, many.flat.params)  # the other path did run
    np.testing.assert_allclose(many.flat.params, one.flat.params, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(many.flat.buffers, one.flat.buffers, rtol=1e-3, atol=1e-4)


def test_one_parallel_step_is_the_whole_batch_gradient_step_in_float64() -> None:
    """In float64 the data-parallel step (SyncBN, scaled losses, reduction, split Adam with
    clipping and L2) equals the single-thread step to 1e-12."""
    x, y = data(64)

    def one_step(threads: int) -> tuple[np.ndarray, np.ndarray]:
        from numnet.nn.layer import bind_layers

        m = cnn()
        m.flat, _ = bind_layers(m.layers, m.input_shape, np.random.default_rng(0), np.float64)
        opt = Adam(1e-2, weight_decay=1e-3, clipnorm=0.5).attach(m.flat)
        x64 = x.astype(np.float64)
        if threads == 1:
            m.backward(_loss_grad(m, x64, y))
            opt.step()
        else:
            TrainingTeam(m, threads).step(opt, x64, y)
        return m.flat.params.copy(), m.flat.buffers.copy()

    p1, b1 = one_step(1)
    p2, b2 = one_step(2)
    np.testing.assert_allclose(p2, p1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b2, b1, rtol=0, atol=1e-12)


def _loss_grad(m: Sequential, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    z = m.forward(x, training=True)
    m.loss.forward(z, y)
    return m.loss.backward()


@pytest.mark.parametrize("optimizer", [SGD(0.05, momentum=0.9, weight_decay=1e-3),
                                       Adam(1e-3, clipnorm=0.1)])
def test_optimizers_split_over_spans_agree(optimizer) -> None:
    a = train(cnn(), 1, epochs=1, optimizer=type(optimizer)(**optimizer.get_config()))
    b = train(cnn(), 2, epochs=1, optimizer=type(optimizer)(**optimizer.get_config()))
    np.testing.assert_allclose(b.flat.params, a.flat.params, rtol=1e-3, atol=1e-4)


def test_batches_too_small_to_split_take_the_single_thread_step() -> None:
    x, y = data(2 * MIN_ROWS - 1)
    a, b = cnn(), cnn()
    a.fit(x, y, epochs=1, batch_size=len(x), verbose=0, threads=1)
    b.fit(x, y, epochs=1, batch_size=len(x), verbose=0, threads=2)
    np.testing.assert_array_equal(a.flat.params, b.flat.params)


def test_a_layer_error_in_a_worker_reaches_fit() -> None:
    model = cnn()

    class Boom(ReLU):
        def forward(self, x, training=False):
            if training and threading.current_thread() is not threading.main_thread():
                raise FloatingPointError("boom in a worker")
            return super().forward(x, training)

    model.layers[5] = Boom()  # the ReLU after Dense(16)
    with pytest.raises(FloatingPointError, match="boom in a worker"):
        train(model, 2, epochs=1)
    train(cnn(), 2, epochs=1)  # the shared pool still works


# -- inference --------------------------------------------------------------------------
@pytest.mark.parametrize("threads", [2, 3])
def test_inference_does_not_depend_on_the_thread_count(threads: int) -> None:
    model = train(cnn(), 2, epochs=1)
    x, y = data(333, seed=1)
    np.testing.assert_array_equal(model.predict(x, batch_size=50, threads=threads),
                                  model.predict(x, batch_size=50, threads=1))
    np.testing.assert_array_equal(model.predict_classes(x, batch_size=50, threads=threads),
                                  model.predict_classes(x, batch_size=50, threads=1))
    assert (model.evaluate(x, y, batch_size=50, threads=threads)
            == model.evaluate(x, y, batch_size=50, threads=1))
    # and the batches are those of the one-thread loop
    z = np.concatenate([model.forward(x[i : i + 50]).copy() for i in range(0, 333, 50)])
    np.testing.assert_array_equal(model.logits(x, batch_size=50, threads=threads), z)


def mlp(seed: int = 0) -> Sequential:
    return Sequential([Flatten(), Dense(16), ReLU(), Dense(10)], input_shape=(1, 8, 8),
                      seed=seed)


@pytest.mark.parametrize("threads", [2, 3])
def test_mlp_inference_does_not_depend_on_the_thread_count(threads: int) -> None:
    """A plain MLP's batches take fastpath.run_rows in every worker: the bits of forward."""
    model = train(mlp(), 1, epochs=1)
    x, y = data(333, seed=1)
    z = np.concatenate([model.forward(x[i : i + 50]).copy() for i in range(0, 333, 50)])
    np.testing.assert_array_equal(model.logits(x, batch_size=50, threads=threads), z)
    np.testing.assert_array_equal(model.predict_classes(x, batch_size=50, threads=threads),
                                  z.argmax(axis=1))
    assert (model.evaluate(x, y, batch_size=50, threads=threads)
            == model.evaluate(x, y, batch_size=50, threads=1))


def test_a_worker_held_up_takes_fewer_batches() -> None:
    """Batches go to whichever worker is free: while worker 1 is stuck in its first batch
    (its core taken by another program, say), worker 0 computes all the others."""
    model = mlp()
    x, _ = data(500, seed=3)
    main, rest_done = threading.get_ident(), threading.Event()
    by_main: list[int] = []

    def fn(i: int, rows: slice, z: np.ndarray) -> None:
        if threading.get_ident() != main:
            assert rest_done.wait(timeout=30), "worker 0 did not take the other batches"
        else:
            by_main.append(i)
            if len(by_main) == 9:
                rest_done.set()

    model._each_batch(x, 50, 2, fn)
    assert len(by_main) >= 9


def test_inference_follows_a_loss_set_later() -> None:
    model = Sequential([Dense(10, activation="softmax")], input_shape=(64,), seed=0)
    x = np.random.default_rng(0).random((300, 64), dtype=np.float32)
    before = model.predict(x, batch_size=50, threads=2)  # probabilities
    model.loss = "mse"  # the softmax layer now outputs probabilities itself
    np.testing.assert_allclose(model.predict(x, batch_size=50, threads=2), before, atol=1e-6)


def test_winograd_layers_train_and_predict_the_same_on_every_thread_count() -> None:
    """Conv2D's Winograd helper keeps work arrays and the transformed input between the
    passes: every replica must have its own (a shared one mixed the workers' batches)."""
    x, y = data(160, shape=(32, 9, 9))

    def model() -> Sequential:
        return Sequential([Conv2D(8, 3, activation="relu"), Flatten(), Dense(10)],
                          input_shape=(32, 9, 9), seed=0)

    one, two = model(), model()
    assert one.layers[0]._winograd is not None  # the path under test
    helpers = [r.layers[0]._winograd for r in make_replicas(one, 3)]
    assert len({id(h) for h in helpers}) == 3 and one.layers[0]._winograd not in helpers[1:]
    one.fit(x, y, epochs=2, batch_size=40, verbose=0, threads=1)
    two.fit(x, y, epochs=2, batch_size=40, verbose=0, threads=2)
    np.testing.assert_allclose(two.flat.params, one.flat.params, rtol=1e-3, atol=1e-4)
    np.testing.assert_array_equal(two.predict(x, batch_size=20, threads=2),
                                  two.predict(x, batch_size=20, threads=1))


def test_inference_replicas_follow_new_buffers() -> None:
    """Replicas hold views of the model's buffers; buffers bound anew (float64 for a gradient
    check, say) must not leave predict reading the old ones."""
    from numnet.nn.layer import bind_layers

    model = train(cnn(), 1, epochs=1)
    x, _ = data(120, seed=2)
    model.predict(x, batch_size=40, threads=2)  # makes the team
    model.flat, _ = bind_layers(model.layers, model.input_shape, np.random.default_rng(5))
    np.testing.assert_array_equal(model.predict(x, batch_size=40, threads=2),
                                  model.predict(x, batch_size=40, threads=1))
