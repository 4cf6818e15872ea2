"""Optimizers over the model's flat parameter buffer, and learning-rate schedules.

- ``optimizer.py``  what every optimizer shares: L2, clipping by global norm, state, attach
- ``sgd.py``        SGD (momentum, Nesterov)
- ``adam.py``       Adam, AdamW
- ``schedules.py``  constant, step decay, cosine, warm-up

``OPTIMIZERS`` maps the names ``fit(optimizer=...)`` and ``numnet train --optimizer`` accept
to the classes: a new optimizer is a module here plus one entry below.
"""

from __future__ import annotations

from numnet.nn.optim.adam import Adam, AdamW
from numnet.nn.optim.optimizer import Optimizer
from numnet.nn.optim.schedules import (
    Cosine,
    Restart,
    Schedule,
    StepDecay,
    Warmup,
    warmup_cosine,
)
from numnet.nn.optim.sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def get_optimizer(optimizer: str | Optimizer, lr: float | None = None) -> Optimizer:
    """An Optimizer from a name ("sgd", "adam", "adamw") and optional lr, or the instance."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            optimizer.lr = float(lr)
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[optimizer]
    return cls() if lr is None else cls(lr=lr)


__all__ = [
    "OPTIMIZERS", "SGD", "Adam", "AdamW", "Optimizer", "get_optimizer",
    "Cosine", "Restart", "Schedule", "StepDecay", "Warmup", "warmup_cosine",
]
