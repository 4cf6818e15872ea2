"""The networks ``numnet train --arch`` knows: a model builder plus its training defaults.

    twolayer  the classic tutorial, 784 -> 10 -> 10, full-batch gradient descent
              (``numnet.twolayer``; its flags live in ``numnet.cli.train``)
    mlp       the default: 784 -> 512 (ReLU) -> 10, Adam, cosine decay       >= 98% in a minute
    cnn       a convolutional network with augmentation (``numnet.nn.cnn_presets``)

A preset is data: ``build(seed)`` makes a fresh ``Sequential`` and the other fields are the
defaults the command line starts from (``--epochs``, ``--batch-size``, ``--lr``,
``--optimizer``).  The learning rate follows ``schedule`` over the whole run:

    cosine   lr_t = lr (1 + cos(pi t / T)) / 2,  T = epochs * steps per epoch
             (after ``warmup`` steps of linear warm-up, when warmup > 0)
    constant lr_t = lr

Hyperparameters were chosen on a validation split of the training set (the last 10,000
training images), never on the test set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.errors import NumnetError
from numnet.nn import Dense, ReLU, Sequential
from numnet.nn.optimizers import Optimizer, get_optimizer
from numnet.nn.schedules import Cosine, Schedule, Warmup

SCHEDULES = ("cosine", "constant")


@dataclass(frozen=True)
class Preset:
    """An architecture and how to train it by default."""

    name: str
    summary: str
    build: Callable[[int], Sequential]
    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "adam"
    schedule: str = "cosine"
    warmup: int = 0  # steps of linear warm-up before the schedule
    weight_decay: float = 0.0
    augment: bool = False  # whether --augment is on by default
    augmentation: Callable[[NDArray, np.random.Generator], NDArray] | None = None

    def make_optimizer(
        self, name: str, lr: float, total_steps: int, schedule: str | None = None
    ) -> Optimizer:
        """Optimizer ``name`` at ``lr`` with this preset's schedule over ``total_steps``."""
        kind = schedule or self.schedule
        sched: Schedule = Cosine(total_steps - self.warmup) if kind == "cosine" else Schedule()
        if self.warmup:
            sched = Warmup(self.warmup, sched)
        opt = get_optimizer(name, lr)
        opt.schedule = sched
        if self.weight_decay:
            opt.weight_decay = self.weight_decay
        return opt

    def augmenter(self) -> Callable[[NDArray, np.random.Generator], NDArray]:
        """The batch transformation ``--augment`` applies: (images, rng) -> images."""
        if self.augmentation is None:
            raise NumnetError(f"--augment is not available for --arch {self.name}")
        return self.augmentation


def build_mlp(seed: int = 0) -> Sequential:
    """784 -> 512 -> 10 with ReLU, He initialisation."""
    return Sequential([Dense(512), ReLU(), Dense(10)], input_shape=(784,), seed=seed)


def _cnn_preset() -> Preset | None:
    """The convolutional preset, from ``numnet.nn.cnn_presets`` (owned by the conv work)."""
    try:
        from numnet.nn import cnn_presets
    except ImportError:
        return None
    recipe: dict[str, Any] = dict(getattr(cnn_presets, "RECIPE", {}))
    return Preset(
        name="cnn",
        summary="convolutional network with augmentation",
        build=lambda seed: cnn_presets.build_cnn(seed=seed),
        epochs=int(recipe.get("epochs", 10)),
        batch_size=int(recipe.get("batch_size", 128)),
        lr=float(recipe.get("lr", 1e-3)),
        optimizer=str(recipe.get("optimizer", "adam")),
        schedule=str(recipe.get("schedule", "cosine")),
        warmup=int(recipe.get("warmup", 0)),
        weight_decay=float(recipe.get("weight_decay", 0.0)),
        augment=bool(recipe.get("augment", True)),
    )


MLP = Preset(
    name="mlp",
    summary="784-512-10 ReLU network, Adam with cosine decay",
    build=build_mlp,
    epochs=8,
    batch_size=128,
    lr=1e-3,
)

#: --arch name -> preset (``twolayer`` is the tutorial's own code path in numnet.cli.train)
PRESETS: dict[str, Preset] = {"mlp": MLP}
if (_cnn := _cnn_preset()) is not None:
    PRESETS["cnn"] = _cnn
