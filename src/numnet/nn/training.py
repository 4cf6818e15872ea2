"""The training loop behind ``Sequential.fit``, written so that it can be stopped and resumed.

One epoch:

    perm = np.random.default_rng([seed, epoch]).permutation(n)      (shuffle=True)
    for step in range(state.step, steps_per_epoch):
        batch   = x[perm[step*B : (step+1)*B]]     gathered into one reused float32 buffer
        batch   = augment(batch, rng(seed, epoch, step))    (optional, prepared one batch
                                                   ahead in a thread: numnet.nn.engine.batches;
                                                   a split batch's workers augment their own
                                                   rows: numnet.nn.parallel)
        z       = model.forward(batch, training=True)
        L       = loss.forward(z, y_batch);  model.backward(loss.backward());  optimizer.step()
                  (with threads > 1, split over worker threads: numnet.nn.parallel,
                  or, for a batch too small to split, its products over BLAS threads)
        stop with DivergenceError if L or the parameters are not finite
        callbacks.on_step_end(model, state)

Checkpoint / resume contract (what ``numnet.files.checkpoint`` saves and restores):

- The shuffle of epoch e depends only on ``(seed, e)``, and the augmentation of step s in
  it only on ``(seed, e, s)`` (and worker r's rows of a split batch on ``(seed, e, s, r)``),
  never on earlier draws.
- Every other random draw while training (Dropout masks) comes from ``model.rng``; its
  ``model.rng.bit_generator.state`` is a plain dict to save and set.
- ``TrainState`` is the position: ``epoch`` (0-based epoch in progress), ``step`` (batches
  done in it), ``global_step``, ``seed``, ``history`` so far, the running sums of the
  epoch in progress, and the ``optimizer`` (``optimizer.state_dict()`` holds its step
  count and moments; its config is ``optimizer.get_config()``).
- So a checkpoint = model parameters and buffers (``model.flat.params`` / ``.buffers``)
  + optimizer state + ``model.rng`` state + ``TrainState`` fields, taken in
  ``on_step_end`` or ``on_epoch_end``.  ``fit(..., initial_state=state)`` with the same
  data, batch size and epochs then continues at ``state.epoch`` / ``state.step`` and ends
  with weights bit-identical to an uninterrupted run.
- In ``on_epoch_end`` the state already points at the next epoch (``step == 0``) and the
  finished epoch's metrics are the last entries of ``state.history``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numnet.core.errors import DataError, DivergenceError
from numnet.nn.callbacks import Callback
from numnet.nn.engine.batches import Augment, epoch_batches
from numnet.nn.engine.threads import STEP_SWITCH_INTERVAL, blas_threads, switch_interval
from numnet.nn.engine.workers import resolve_threads
from numnet.nn.functional import count_correct
from numnet.nn.losses import Loss
from numnet.nn.optim import Optimizer, get_optimizer
from numnet.nn.parallel import TrainingTeam, team_size, work_per_sample
from numnet.nn.progress import Progress

if TYPE_CHECKING:
    from numnet.nn.model import Sequential

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _empty_history() -> dict[str, list[float]]:
    return {k: [] for k in METRICS}


@dataclass
class TrainState:
    """Where training is, and everything besides the model needed to continue from there."""

    epoch: int = 0
    step: int = 0
    global_step: int = 0
    seed: int = 0
    history: dict[str, list[float]] = field(default_factory=_empty_history)
    optimizer: Optimizer | None = None
    loss_sum: float = 0.0  # sum over the epoch's samples so far of the per-sample loss
    correct: int = 0
    seen: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields (the optimizer is saved separately through its state_dict)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}


class History:
    """What ``fit`` returns, as Keras' History: ``history`` {"loss": [...], "accuracy": [...],
    "val_loss": ..., "val_accuracy": ...} (one value per epoch), ``epoch`` [0, 1, ...] and
    ``params`` {"epochs", "steps" (batches per epoch), "verbose", "batch_size"}."""

    def __init__(self, history: dict[str, list[float]],
                 params: dict[str, Any] | None = None) -> None:
        self.history = {k: list(v) for k, v in history.items() if v}
        self.epoch = list(range(len(self.history.get("loss", []))))
        self.params = dict(params or {})

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, metrics={list(self.history)})"


def _step(model: Sequential, loss_fn: Loss, opt: Optimizer, xb: NDArray[Any],
          yb: NDArray[Any]) -> tuple[float, int, float]:
    """One optimizer step on the batch (xb, yb) in this thread: (mean loss, correct, p.p)."""
    z = model.forward(xb, training=True)
    batch_loss = loss_fn.forward(z, yb)
    correct = count_correct(z, yb)
    model.backward(loss_fn.backward())
    opt.step()
    # p.p is finite exactly when every weight is (none beyond 1e19): one BLAS pass
    params = model.flat.params
    with np.errstate(over="ignore"):
        norm2 = float(np.dot(params, params))
    return batch_loss, correct, norm2


class _Stepper:
    """The training steps of one ``fit`` with ``threads`` workers: the single-thread step,
    or a data-parallel one (``numnet.nn.parallel``) with as many workers as the batch and
    the network's size allow (``team_size``); the teams are made on first use and kept for
    the fit."""

    def __init__(self, model: Sequential, loss_fn: Loss, opt: Optimizer, threads: int) -> None:
        self.model, self.loss_fn, self.opt, self.threads = model, loss_fn, opt, threads
        self.teams: dict[int, TrainingTeam] = {}
        self.augmenters: list[Augment] = []  # fit's augmenter and its thread copies
        self.work = work_per_sample(model)

    def __call__(self, xb: NDArray[Any], yb: NDArray[Any], state: TrainState,
                 augment: Augment | None = None) -> None:
        """One step on (xb, yb), counted in ``state``; DivergenceError when the loss or the
        weights stop being finite.  ``augment``: xb is not augmented yet; the workers of a
        split batch augment their own rows (``numnet.nn.parallel``), one worker the batch."""
        k = team_size(len(xb), self.threads, self.work)
        seed = (state.seed, state.epoch, state.step, 1)  # as numnet.nn.engine.batches
        if k == 1:
            if augment is not None:
                xb = augment(xb, np.random.default_rng(seed))
            batch_loss, correct, norm2 = _step(self.model, self.loss_fn, self.opt, xb, yb)
        else:
            if k not in self.teams:
                self.teams[k] = TrainingTeam(self.model, k)
            if augment is not None and len(self.augmenters) < k:
                # fit passes only augmenters that have it (Augment does not declare it)
                copy: Callable[[], Augment] = getattr(augment, "thread_copy")  # noqa: B009
                self.augmenters = [augment] + [copy() for _ in range(k - 1)]
            batch_loss, correct, norm2 = self.teams[k].step(
                self.opt, xb, yb, self.augmenters[:k] if augment is not None else (), seed)
        state.correct += correct
        state.step += 1
        state.global_step += 1
        state.loss_sum += batch_loss * len(yb)
        state.seen += len(yb)
        if not (math.isfinite(batch_loss) and math.isfinite(norm2)):
            raise DivergenceError(
                f"training diverged at epoch {state.epoch + 1}, step {state.step}: "
                f"{'loss' if not math.isfinite(batch_loss) else 'weights'} not finite; "
                f"try a lower learning rate (it was {self.opt.lr:g})"
            )


def step_blas_threads(workers: int, single: bool, augment: bool) -> int:
    """BLAS threads for the steps of a fit with ``workers`` threads: one per worker when the
    batches are split (``single`` False); with one worker for the whole batch, every thread
    but the one that augments ahead (``numnet.nn.engine.threads``)."""
    return max(1, workers - int(augment)) if single else 1


def _check_targets(y: NDArray[Any], n_outputs: int) -> None:
    """Integer labels (n,) in [0, k) or target rows (n, k); one-line DataError otherwise."""
    if y.ndim == 2 and y.shape[1] == n_outputs:
        return
    if y.ndim != 1:
        raise DataError(f"targets of shape {y.shape}: expected labels (n,) or one row of"
                        f" {n_outputs} values per sample (n, {n_outputs})")
    if len(y) and (y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= n_outputs):
        raise DataError(f"labels must be integers 0..{n_outputs - 1} for this model's"
                        f" {n_outputs} outputs; got {y.dtype} values from {y.min()} to {y.max()}")


def fit(
    model: Sequential,
    x: ArrayLike,
    y: ArrayLike,
    batch_size: int = 128,
    epochs: int = 10,
    verbose: int = 1,
    callbacks: Sequence[Callback] = (),
    validation_split: float = 0.0,
    validation_data: tuple[ArrayLike, ArrayLike] | None = None,
    shuffle: bool = True,
    *,
    optimizer: str | Optimizer | None = None,
    lr: float | None = None,
    loss: str | Loss | None = None,
    seed: int | None = None,
    augment: Callable[[NDArray[Any], np.random.Generator], NDArray[Any]] | None = None,
    initial_state: TrainState | None = None,
    threads: int | None = None,
    augment_epochs: int | None = None,
) -> History:
    """Train on images ``x`` and labels ``y`` (n,) (or one-hot rows (n, k)); returns a
    History (``history.history["val_accuracy"]``, ``history.params`` ...).  This is
    ``Sequential.fit``: ``model.fit(x, y, ...)``; the first parameters in Keras' order.

    batch_size, epochs  : as in Keras (numnet's defaults: 128 and 10)
    verbose             : 0 silent, 1 a progress bar per epoch, 2 one line per epoch
                          (``numnet.nn.progress``)
    callbacks           : ``numnet.nn.callbacks`` (EarlyStopping, ModelCheckpoint ...)
    validation_split    : hold out this fraction, the last samples, as Keras does
    validation_data     : (x_val, y_val) instead
    shuffle             : a new order each epoch, from (seed, epoch)
    optimizer, lr, loss : override ``compile`` for this call; None: ``compile``'s (a
                          compiled optimizer keeps its state from one ``fit`` to the next,
                          as in Keras), or Adam and cross-entropy for a model never compiled
    seed                : the run's seed (None: the model's)
    augment             : a function (batch, rng) -> batch, e.g. ``numnet.data.augment``
    augment_epochs      : augment the first ``augment_epochs`` epochs only (None: all);
                          the rest train on the images as they are
    initial_state       : a TrainState to resume from (``numnet.files.checkpoint``)
    threads             : worker threads; None or 0: every core this process may use.
                          One is the single-thread step (BLAS held to one thread);
                          k > 1 splits each batch over up to k workers, as many as the
                          batch and the network's size make worth it
                          (``numnet.nn.parallel``), with one BLAS thread each; a batch
                          too small to split trains on one worker whose matrix products
                          use the k threads (``step_blas_threads``).  A run is
                          bit-for-bit reproducible for a given seed and thread count;
                          different thread counts agree up to float32 rounding (the sums
                          are split differently)
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    x = np.ascontiguousarray(model.prepare(x))
    y = np.ascontiguousarray(y)
    if len(x) != len(y):
        raise DataError(f"{len(x)} images but {len(y)} labels")
    _check_targets(y, math.prod(model.output_shape))
    if not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
    n_val = int(len(x) * validation_split)
    if validation_data is None and n_val > 0:  # the last samples, as Keras does
        x, y, validation_data = x[:-n_val], y[:-n_val], (x[-n_val:], y[-n_val:])
    if loss is not None:
        model.loss = loss
    loss_fn = model.loss
    state = initial_state or TrainState(seed=model.seed if seed is None else int(seed))
    if state.optimizer is None:
        state.optimizer = get_optimizer(
            optimizer if optimizer is not None else model.optimizer or "adam", lr)
    opt = state.optimizer.attach(model.flat)

    steps = math.ceil(len(x) / batch_size)
    progress = Progress(verbose, epochs, steps)
    workers = resolve_threads(threads)
    step = _Stepper(model, loss_fn, opt, workers)
    # one worker for a whole batch leaves the other cores to its matrix products and to the
    # augmentation, which then runs ahead in a thread of its own (numnet.nn.engine.batches)
    background = team_size(min(batch_size, len(x)), workers, step.work) == 1
    # split batches: each worker augments its own rows, with an augmenter of its own
    in_workers = augment if not background and hasattr(augment, "thread_copy") else None
    # split batches: workers hand the GIL to each other sooner (numnet.nn.engine.threads)
    with (
        blas_threads(step_blas_threads(workers, background, augment is not None)),
        switch_interval(None if background else STEP_SWITCH_INTERVAL),
    ):
        for cb in callbacks:
            cb.on_train_begin(model, state)
        stop = False
        while state.epoch < epochs and not stop:
            perm = (np.random.default_rng([state.seed, state.epoch]).permutation(len(x))
                    if shuffle else np.arange(len(x)))
            for cb in callbacks:
                cb.on_epoch_begin(model, state)
            progress.begin_epoch(state.epoch, state.step)
            augmenting = augment_epochs is None or state.epoch < augment_epochs
            with epoch_batches(x, y, perm, batch_size, state.step,
                               augment if in_workers is None and augmenting else None,
                               seed=(state.seed, state.epoch), background=background) as batches:
                for xb, yb in batches:
                    try:
                        step(xb, yb, state, in_workers if augmenting else None)
                    except DivergenceError:
                        progress.close()
                        raise
                    progress.step(state.step, state.loss_sum / state.seen,
                                  state.correct / state.seen)
                    stop = any([bool(cb.on_step_end(model, state)) for cb in callbacks])
                    if stop:
                        break
            if stop and state.step < steps:
                progress.close()
                break
            h = state.history
            h["loss"].append(state.loss_sum / max(state.seen, 1))
            h["accuracy"].append(state.correct / max(state.seen, 1))
            if validation_data is not None:
                val_loss, val_acc = model.evaluate(*validation_data, loss=loss_fn,
                                                   threads=workers)
                h["val_loss"].append(val_loss)
                h["val_accuracy"].append(val_acc)
            progress.end_epoch(state.epoch, {k: v[-1] for k, v in h.items() if v})
            state.epoch, state.step = state.epoch + 1, 0
            state.loss_sum, state.correct, state.seen = 0.0, 0, 0
            # a stop asked on the epoch's last step must survive the epoch-end callbacks
            stop = any([bool(cb.on_epoch_end(model, state)) for cb in callbacks]) or stop
        for cb in callbacks:
            cb.on_train_end(model, state)
    return History(state.history, {"epochs": epochs, "steps": steps, "verbose": verbose,
                                   "batch_size": batch_size})
