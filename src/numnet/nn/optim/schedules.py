"""Learning-rate schedules: the learning rate as a function of the step t (0, 1, 2 ...).

    constant                 lr_t = lr
    StepDecay(every, gamma)  lr_t = lr * gamma ^ floor(t / every)
    Cosine(T, floor)         lr_t = lr (floor + (1 - floor) (1 + cos(pi min(t, T) / T)) / 2)
    Warmup(steps, after)     lr_t = lr (t + 1) / steps for t < steps, then ``after`` (shifted by
                             ``steps``) or constant
    Restart(first, steps, after, scale)
                             lr_t = first(lr, t) for t < steps, then after(scale lr, t - steps):
                             a warm restart (Loshchilov & Hutter's SGDR) at a lower peak

A schedule is a callable ``schedule(lr, t) -> lr_t``; the optimizer calls it each step with
its own step counter, so a restored optimizer resumes the schedule where it was.
"""

from __future__ import annotations

import math


class Schedule:
    """Constant learning rate; the base of the others."""

    def __call__(self, lr: float, t: int) -> float:
        return lr


class StepDecay(Schedule):
    """Multiply the rate by ``gamma`` every ``every`` steps."""

    def __init__(self, every: int, gamma: float = 0.1) -> None:
        self.every, self.gamma = int(every), float(gamma)

    def __call__(self, lr: float, t: int) -> float:
        return lr * self.gamma ** (t // self.every)


class Cosine(Schedule):
    """Half a cosine from ``lr`` down to ``floor * lr`` over ``total`` steps, then flat."""

    def __init__(self, total: int, floor: float = 0.0) -> None:
        self.total, self.floor = max(int(total), 1), float(floor)

    def __call__(self, lr: float, t: int) -> float:
        c = (1 + math.cos(math.pi * min(t, self.total) / self.total)) / 2
        return lr * (self.floor + (1 - self.floor) * c)


class Warmup(Schedule):
    """Ramp linearly up to ``lr`` over ``steps`` steps, then follow ``after`` (if given)."""

    def __init__(self, steps: int, after: Schedule | None = None) -> None:
        self.steps, self.after = max(int(steps), 1), after or Schedule()

    def __call__(self, lr: float, t: int) -> float:
        if t < self.steps:
            return lr * (t + 1) / self.steps
        return self.after(lr, t - self.steps)


class Restart(Schedule):
    """``first`` for ``steps`` steps, then ``after`` from its own step 0 at ``scale`` times
    the rate."""

    def __init__(self, first: Schedule, steps: int, after: Schedule, scale: float = 1.0) -> None:
        self.first, self.steps, self.after, self.scale = first, int(steps), after, float(scale)

    def __call__(self, lr: float, t: int) -> float:
        if t < self.steps:
            return self.first(lr, t)
        return self.after(lr * self.scale, t - self.steps)


def warmup_cosine(total: int, warmup: int, floor: float = 0.0) -> Schedule:
    """Linear warm-up for ``warmup`` steps, then cosine decay over the remaining steps."""
    return Warmup(warmup, Cosine(total - warmup, floor))
