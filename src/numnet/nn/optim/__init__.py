"""Optimizers over the model's flat parameter buffer, and learning-rate schedules.

- ``optimizers.py``  Optimizer (L2, clipping, state), SGD (momentum, Nesterov), Adam, AdamW
- ``schedules.py``   constant, step decay, cosine, warm-up
"""

from numnet.nn.optim.optimizers import OPTIMIZERS, SGD, Adam, AdamW, Optimizer, get_optimizer
from numnet.nn.optim.schedules import Cosine, Schedule, StepDecay, Warmup, warmup_cosine

__all__ = [
    "OPTIMIZERS", "SGD", "Adam", "AdamW", "Optimizer", "get_optimizer",
    "Cosine", "Schedule", "StepDecay", "Warmup", "warmup_cosine",
]
