"""Callbacks: code that ``fit`` calls at fixed points of training.

Hooks (all optional; a callback implements the ones it needs):

    on_train_begin(model, state)
    on_epoch_begin(model, state)  before each epoch's first step
    on_step_end(model, state)     after each optimizer step; return True to stop
    on_epoch_end(model, state)    after each epoch's metrics are in state.history; True stops
    on_train_end(model, state)

``state`` is the ``numnet.nn.training.TrainState`` (position, history, optimizer).  Unlike
Keras, a hook receives the model and the state as arguments (Keras: ``self.model`` and
``(epoch, logs)``); the epoch's figures are the last entries of ``state.history``.

The Keras callbacks, with Keras' arguments and meanings:

    EarlyStopping          stop when ``monitor`` stops improving; restore the best weights
    ModelCheckpoint        save the model after each epoch (or only when ``monitor`` improves)
    ReduceLROnPlateau      lr <- max(lr * factor, min_lr) when ``monitor`` stops improving
    LearningRateScheduler  lr <- schedule(epoch, lr) before each epoch
    CSVLogger              one row per epoch: epoch and every recorded figure

"Improving" means lower by more than ``min_delta``, or higher for a monitored accuracy.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from numnet.core.atomic import write_text

if TYPE_CHECKING:
    from numnet.nn.model import Sequential
    from numnet.nn.training import TrainState


class Callback:
    """No-op hooks; subclass and override what you need."""

    def on_train_begin(self, model: Sequential, state: TrainState) -> None:
        pass

    def on_epoch_begin(self, model: Sequential, state: TrainState) -> None:
        pass

    def on_step_end(self, model: Sequential, state: TrainState) -> bool | None:
        return None

    def on_epoch_end(self, model: Sequential, state: TrainState) -> bool | None:
        return None

    def on_train_end(self, model: Sequential, state: TrainState) -> None:
        pass


class Monitor:
    """The best value so far of one recorded figure, and whether the latest improved on it."""

    def __init__(self, monitor: str, min_delta: float = 0.0) -> None:
        self.monitor, self.min_delta = monitor, abs(float(min_delta))
        self.sign = -1.0 if "acc" in monitor else 1.0  # minimise sign * value
        self.best = math.inf

    def latest(self, state: TrainState) -> float:
        """The finished epoch's value; ValueError naming what is recorded if it is not."""
        values = state.history.get(self.monitor)
        if not values:
            recorded = ", ".join(k for k, v in state.history.items() if v)
            raise ValueError(f"callback monitors {self.monitor!r}, which fit does not record"
                             f" (recorded: {recorded}; val_* needs validation data)")
        return float(values[-1])

    def improved(self, state: TrainState) -> bool:
        """True (and the value becomes the best) if the latest value beats the best."""
        value = self.sign * self.latest(state)
        if value < self.best - self.min_delta:
            self.best = value
            return True
        return False


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; restore the best weights.

    "Improved" means lower by more than ``min_delta`` (higher for accuracies).  The best
    weights are one copy of the flat parameter buffer (plus running statistics), taken when
    the monitored value improves and put back when training ends.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
    ) -> None:
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, model: Sequential, state: TrainState) -> None:
        self.tracker = Monitor(self.monitor, self.min_delta)
        self.best_epoch: int | None = None
        self.wait = 0
        self.best_params: np.ndarray | None = None
        self.best_buffers: np.ndarray | None = None
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, model: Sequential, state: TrainState) -> bool:
        if self.tracker.improved(state):
            self.best_epoch, self.wait = state.epoch, 0
            if self.restore_best_weights:
                self.best_params = model.flat.params.copy()
                self.best_buffers = model.flat.buffers.copy()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = state.epoch
            return True
        return False

    def on_train_end(self, model: Sequential, state: TrainState) -> None:
        if self.best_params is not None and self.best_buffers is not None:
            np.copyto(model.flat.params, self.best_params)
            np.copyto(model.flat.buffers, self.best_buffers)


def _logs(state: TrainState) -> dict[str, float]:
    """The finished epoch's figures, name -> value."""
    return {k: float(v[-1]) for k, v in state.history.items() if v}


class ModelCheckpoint(Callback):
    """Save the model (``Sequential.save``, atomic) at the end of every epoch.

    ``filepath`` may hold Keras' fields, ``"model-{epoch:02d}-{val_loss:.3f}.npz"``: epoch
    (1-based) and the recorded figures.  ``save_best_only``: save only when ``monitor``
    improves, so the file holds the best model so far.
    """

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss",
                 save_best_only: bool = False, verbose: int = 0) -> None:
        self.filepath, self.monitor = os.fspath(filepath), monitor
        self.save_best_only, self.verbose = bool(save_best_only), int(verbose)

    def on_train_begin(self, model: Sequential, state: TrainState) -> None:
        self.tracker = Monitor(self.monitor)

    def on_epoch_end(self, model: Sequential, state: TrainState) -> None:
        if self.save_best_only and not self.tracker.improved(state):
            return
        logs = _logs(state)
        path = self.filepath.format(epoch=state.epoch, **logs)
        model.save(path, record={"epoch": state.epoch, "final": logs})
        if self.verbose:
            print(f"epoch {state.epoch}: saved the model to {path}", flush=True)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved (by more
    than ``min_delta``) for ``patience`` epochs; then wait ``cooldown`` epochs before
    counting again; never below ``min_lr``."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0,
                 verbose: int = 0) -> None:
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau factor must be in (0, 1), got {factor}")
        self.monitor, self.factor, self.patience = monitor, float(factor), int(patience)
        self.min_delta, self.cooldown, self.min_lr = float(min_delta), int(cooldown), min_lr
        self.verbose = int(verbose)

    def on_train_begin(self, model: Sequential, state: TrainState) -> None:
        self.tracker = Monitor(self.monitor, self.min_delta)
        self.wait = self.cooling = 0

    def on_epoch_end(self, model: Sequential, state: TrainState) -> None:
        if self.tracker.improved(state):
            self.wait = 0
            return
        if self.cooling:
            self.cooling -= 1
            return
        self.wait += 1
        opt = state.optimizer
        if self.wait >= self.patience and opt is not None and opt.lr > self.min_lr:
            opt.lr = max(opt.lr * self.factor, self.min_lr)
            self.wait, self.cooling = 0, self.cooldown
            if self.verbose:
                print(f"epoch {state.epoch}: learning rate reduced to {opt.lr:g}", flush=True)


class LearningRateScheduler(Callback):
    """Before each epoch, lr <- ``schedule(epoch, lr)`` (epoch 0-based, as in Keras)."""

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        self.schedule, self.verbose = schedule, int(verbose)

    def on_epoch_begin(self, model: Sequential, state: TrainState) -> None:
        opt = state.optimizer
        if opt is None:
            return
        lr = float(self.schedule(state.epoch, opt.lr))
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"the schedule gave learning rate {lr} for epoch {state.epoch}")
        opt.lr = lr
        if self.verbose:
            print(f"epoch {state.epoch + 1}: learning rate {lr:g}", flush=True)


class CSVLogger(Callback):
    """Write ``epoch`` and every recorded figure, one row per epoch (Keras' columns: epoch,
    then the names in alphabetical order).  The file is rewritten whole (atomically) after
    each epoch, so it is never half written; ``append`` keeps the rows already in it."""

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",",
                 append: bool = False) -> None:
        self.path, self.separator, self.append = Path(filename), separator, bool(append)

    def on_train_begin(self, model: Sequential, state: TrainState) -> None:
        keep = self.append and self.path.exists()
        old = self.path.read_text("utf-8").splitlines() if keep else []
        self.header: list[str] | None = old[0].split(self.separator) if old else None
        self.lines = old

    def on_epoch_end(self, model: Sequential, state: TrainState) -> None:
        logs: dict[str, Any] = {"epoch": state.epoch - 1, **dict(sorted(_logs(state).items()))}
        if self.header is None:
            self.header = list(logs)
            self.lines = [self.separator.join(self.header)]
        self.lines.append(self.separator.join(str(logs.get(k, "")) for k in self.header))
        write_text(self.path, "\n".join(self.lines) + "\n")
