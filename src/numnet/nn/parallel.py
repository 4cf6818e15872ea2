"""Data-parallel training steps and batched inference over k worker threads.

A training step on a batch of n rows with k workers (``numnet.nn.engine.workers``; BLAS
held to one thread meanwhile, so each worker is one core):

    worker r takes rows [lo_r, hi_r) (contiguous views, sizes differing by at most 1) and
    runs forward, loss and backward on its replica (``numnet.nn.replicas``), with its loss
    gradient scaled by n_r / n: the k gradient buffers G_r then add up to the gradient of
    the whole batch's mean loss.  BatchNorm takes whole-batch statistics (SyncBN) through
    the workers' Collective.
    barrier
    worker r adds the k buffers over its own span [a_r, b_r) of the flat vector, in rank
    order, G_0 + G_1 + ... (into G_0 = model.flat.grads), and applies the optimizer to that
    span; clipping's global norm is the sum of the k partial norms (an all-reduce).
    The divergence check adds the k partial sums p.p, in rank order.

So a step gives the same result every time for a given seed and k (each worker's products
run on fixed rows with one BLAS thread, and every sum has a fixed order), and k = 1 is the
single-thread step.  Different k give the same step up to float32 rounding: sums are cut
into k parts and added in another order, so weights trained with 1 and 2 threads agree to
a few units in the last place after one step and drift apart slowly, as any two float
runs do.

How many workers a batch gets (``team_size``): at most ``threads``, and each must have at
least ``MIN_ROWS`` rows and at least ``MIN_WORK`` multiply-adds of forward pass
(``work_per_sample``: the products of Dense and Conv2D layers); down to one worker, where
the model's own step runs in the calling thread.  The second rule is there because
workers take turns for the GIL between kernels and meet at barriers: for a small network
(784-128-10: 13 million multiply-adds a batch of 128) those costs exceed the gain of a
second core, while 784-512-256-10 (69 million) and the CNNs gain most of it.

Dropout: each step draws one number from ``model.rng`` and seeds worker r's generator with
(that number, r), so the run is fixed by the seed and a checkpoint (which saves
``model.rng``) resumes exactly.

Augmentation (``fit(augment=...)`` with an augmenter that has ``thread_copy``, as
``numnet.data.augment.Augmenter``): worker r augments its own rows at the start of its
task, with its own copy and ``np.random.default_rng([seed, epoch, step, 1, r])``, so both
cores share that work instead of worker 1 waiting while the caller augments the whole
batch.  The draws then depend on (seed, epoch, step, r): a run stays fixed by its seed and
thread count and resumes exactly, and a batch is augmented differently than with one
thread (``numnet.nn.engine.batches``: ``[seed, epoch, step, 1]`` for the whole batch).

Inference (``predict``, ``evaluate``): each worker takes the next batch of the inputs not yet
taken (so a worker that lost its core to another program takes fewer), through its own
replica, or for a plain MLP through ``fastpath.run_rows``; every batch is computed as the
single thread would compute it, so outputs do not depend on k nor on who took which.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.engine import fastpath
from numnet.nn.engine.batches import Augment
from numnet.nn.engine.collective import Collective
from numnet.nn.engine.workers import Workers, shared_workers, spans
from numnet.nn.functional import count_correct
from numnet.nn.optim import Optimizer
from numnet.nn.replicas import Replica, make_replicas

if TYPE_CHECKING:
    from numnet.nn.model import Sequential

#: fewest rows a worker takes in a training step
MIN_ROWS = 16
#: fewest forward-pass multiply-adds a worker takes in a training step
MIN_WORK = 25_000_000
#: flat-vector spans of the reduction start at multiples of this (64-byte cache lines)
_ALIGN = 16


def work_per_sample(model: Sequential) -> int:
    """Multiply-adds of one sample's forward pass in the layers with a weight matrix ``W``:
    W.size for a Dense layer, W.size * oh * ow for a Conv2D layer with (f, oh, ow) outputs."""
    total = 0
    for layer in model.layers:
        W = getattr(layer, "W", None)
        if isinstance(W, np.ndarray):
            out = layer.output_shape
            total += W.size * (math.prod(out[1:]) if len(out) == 3 else 1)
    return total


def team_size(n: int, k: int, work: int = MIN_WORK) -> int:
    """Workers for a batch of ``n`` rows of ``work`` multiply-adds each when ``k`` may work:
    ``min(k, n // MIN_ROWS, n * work // MIN_WORK)``, at least 1."""
    return max(1, min(k, n // MIN_ROWS, n * work // MIN_WORK))


def _aligned_spans(size: int, k: int) -> list[slice]:
    """``k`` contiguous slices covering ``range(size)``, boundaries on multiples of _ALIGN."""
    cuts = [min(size, round(lo / _ALIGN) * _ALIGN) for lo, _ in spans(size, k)] + [size]
    return [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


class TrainingTeam:
    """``k`` workers, one replica each, for the training steps of one ``fit``."""

    def __init__(self, model: Sequential, k: int) -> None:
        self.model = model
        self.k = k
        self.workers: Workers = shared_workers(k)
        self.collective = Collective(k, self.workers.barrier)
        self.replicas: list[Replica] = make_replicas(model, k, self.collective)
        self.param_spans = _aligned_spans(model.flat.params.size, k)
        self.random = any(r.rng_layers for r in self.replicas)
        # per rank: (loss sum over its rows, correct, p.p over its span)
        self.results: list[tuple[float, int, float]] = [(0.0, 0, 0.0)] * k

    def step(self, opt: Optimizer, xb: NDArray[Any], yb: NDArray[Any],
             augment: Sequence[Augment] = (),
             augment_seed: Sequence[int] = ()) -> tuple[float, int, float]:
        """One optimizer step on (xb, yb); returns (mean loss, correct, p.p after the step).

        ``augment``: one augmenter per worker (``fit``'s, and thread copies of it); worker r
        then augments its own rows first, with ``np.random.default_rng([*augment_seed, r])``.
        """
        n, k = len(xb), self.k
        rows = spans(n, k)
        if self.random:
            seed = int(self.model.rng.integers(2**63))
            for rank, r in enumerate(self.replicas):
                r.set_rng(np.random.default_rng([seed, rank]))
        lr = opt.begin_step()
        grads = [r.grads for r in self.replicas]
        params = self.model.flat.params

        def task(rank: int) -> None:
            r = self.replicas[rank]
            lo, hi = rows[rank]
            xr = xb[lo:hi]
            if augment:
                xr = augment[rank](xr, np.random.default_rng([*augment_seed, rank]))
            z = r.forward(xr, training=True)
            loss = r.loss.forward(z, yb[lo:hi])
            correct = count_correct(z, yb[lo:hi])
            g = r.loss.backward()
            g *= g.dtype.type((hi - lo) / n)
            r.backward(g)
            self.workers.barrier.wait()
            span = self.param_spans[rank]
            total = grads[0][span]
            for other in grads[1:]:
                total += other[span]
            clip = None
            if opt.clipnorm is not None:
                assert r.member is not None
                part = np.array([np.dot(total, total)], np.float64)
                clip = opt.clip_factor(float(r.member.allreduce(part)[0]))
            opt.update_span(span, lr, clip)
            p = params[span]
            with np.errstate(over="ignore"):
                self.results[rank] = (loss * (hi - lo), correct, float(np.dot(p, p)))

        self.workers.run(task)
        loss_sum, correct, norm2 = 0.0, 0, 0.0
        for part_loss, part_correct, part_norm2 in self.results:
            loss_sum += part_loss
            correct += part_correct
            norm2 += part_norm2
        return loss_sum / n, correct, norm2


class InferenceTeam:
    """``k`` workers with one replica each, for ``predict`` and ``evaluate``; a plain MLP's
    batches go through ``fastpath.run_rows`` with its ``plan``, each replica the owner of
    its work arrays."""

    def __init__(self, model: Sequential, k: int, plan: fastpath.Plan | None = None) -> None:
        self.k = k
        self.flat = model.flat  # the buffers the replicas' views (and the plan's) point into
        self.workers = shared_workers(k)
        self.replicas = make_replicas(model, k, own_grads=False)
        self.forwards: list[Callable[[NDArray[Any]], NDArray[Any]]] = [
            r.forward if plan is None else partial(fastpath.run_rows, plan, owner=r)
            for r in self.replicas]

    def map(self, x: NDArray[Any], batch_size: int,
            fn: Callable[[int, slice, NDArray[Any]], None]) -> None:
        """For every batch i of ``x`` (rows [i*B, (i+1)*B)): ``fn(i, rows, outputs)`` in the
        worker that computed it.  Each worker takes the next batch nobody has taken yet, so a
        worker whose core is busy with another program takes fewer, not the same share."""
        batches = math.ceil(len(x) / batch_size)
        taken = itertools.count()  # next() is one call into C: atomic, under the GIL

        def task(rank: int) -> None:
            forward = self.forwards[rank]
            while (i := next(taken)) < batches:
                sl = slice(i * batch_size, (i + 1) * batch_size)
                fn(i, sl, forward(x[sl]))

        self.workers.run(task)
