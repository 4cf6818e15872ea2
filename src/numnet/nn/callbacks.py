"""Callbacks: code that ``fit`` calls at fixed points of training.

Hooks (all optional; a callback implements the ones it needs):

    on_train_begin(model, state)
    on_step_end(model, state)     after each optimizer step; return True to stop
    on_epoch_end(model, state)    after each epoch's metrics are in state.history; True stops
    on_train_end(model, state)

``state`` is the ``numnet.nn.training.TrainState`` (position, history, optimizer).
"""

from __future__ import annotations

import math

import numpy as np


class Callback:
    """No-op hooks; subclass and override what you need."""

    def on_train_begin(self, model, state) -> None:
        pass

    def on_step_end(self, model, state) -> bool | None:
        return None

    def on_epoch_end(self, model, state) -> bool | None:
        return None

    def on_train_end(self, model, state) -> None:
        pass


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
        self.sign = -1.0 if "acc" in monitor else 1.0  # minimise sign * value

    def on_train_begin(self, model, state) -> None:
        self.best, self.best_epoch, self.wait = math.inf, None, 0
        self.best_params = self.best_buffers = None
        self.stopped_epoch = None

    def on_epoch_end(self, model, state) -> bool:
        if self.monitor not in state.history or not state.history[self.monitor]:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which fit does not record"
                             f" (recorded: {', '.join(k for k, v in state.history.items() if v)})")
        value = self.sign * state.history[self.monitor][-1]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self.best_params = model.flat.params.copy()
                self.best_buffers = model.flat.buffers.copy()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = state.epoch
            return True
        return False

    def on_train_end(self, model, state) -> None:
        if self.best_params is not None:
            np.copyto(model.flat.params, self.best_params)
            np.copyto(model.flat.buffers, self.best_buffers)
