"""Optimizers: update all parameters at once, in place, over the model's flat buffers.

``bind(bound)`` attaches an optimizer to a model's flat arrays (``bound.params``,
``bound.grads``, ``bound.decay``); ``step()`` then applies one update with a handful of
vectorised in-place operations (no loop over layers, no allocation).  Per step t, with
gradient g, parameters p and learning rate lr_t = schedule(lr, t):

    clipping    g <- g * min(1, clipnorm / ||g||)                    (global norm, optional)
    L2          g <- g + weight_decay * p        where decay applies (SGD, Adam)
    SGD         v <- mu v + g;   p <- p - lr_t v                     (momentum mu; v = g if mu = 0)
    Nesterov    v <- mu v + g;   p <- p - lr_t (g + mu v)
    Adam        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
                p <- p - lr_t * mhat / (sqrt(vhat) + eps),  mhat = m/(1 - b1^t), vhat = v/(1 - b2^t)
    AdamW       Adam without the L2 term, and p <- p - lr_t * weight_decay * p where decay applies

Adam is computed in 10 passes over the buffers instead of 12 by keeping the moments
without their (1 - b) factors, M = m / (1 - b1) and V = v / (1 - b2) (so ``opt.m``, ``opt.v``
hold M and V), and folding every constant into two scalars (mathematically the same update):

    M <- b1 M + g;   V <- b2 V + g^2;   p <- p - lr_t (c1 / c2) M / (sqrt(V) + eps / c2)
    with c1 = (1 - b1) / (1 - b1^t),  c2 = sqrt((1 - b2) / (1 - b2^t))

(mhat = c1 M and sqrt(vhat) = c2 sqrt(V)).  The gradient buffer serves as the scratch array.

``state_dict()`` returns the step counter and the moment arrays (copies); ``load_state_dict``
puts them back, so a checkpoint resumes the exact same trajectory.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.engine.buffers import Bound
from numnet.nn.optim.schedules import Schedule


class Optimizer:
    """Common parts: learning rate and schedule, L2 weight decay, clipping, state."""

    #: names of the per-parameter state arrays (same length as the flat parameter buffer)
    slots: tuple[str, ...] = ()
    decoupled = False

    def __init__(
        self,
        lr: float = 1e-3,
        schedule: Schedule | None = None,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
    ) -> None:
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr, self.weight_decay, self.clipnorm = float(lr), float(weight_decay), clipnorm
        self.schedule = schedule or Schedule()
        self.iterations = 0
        self.bound: Bound | None = None

    def bind(self, bound: Bound) -> Optimizer:
        """Attach to a model's flat buffers and allocate the state (zeros) if not yet there."""
        if self.bound is bound:
            return self
        self.bound = bound
        dtype = bound.params.dtype
        self.decay_mask = bound.decay.astype(dtype)
        self.tmp = np.empty_like(bound.params)
        for name in self.slots:
            if getattr(self, name, None) is None or getattr(self, name).shape != bound.params.shape:
                setattr(self, name, np.zeros_like(bound.params))
        return self

    @property
    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        return self.schedule(self.lr, self.iterations)

    def step(self) -> None:
        """One update of ``bound.params`` from ``bound.grads`` (the gradients may be modified)."""
        p, g, t = self.bound.params, self.bound.grads, self.tmp
        if self.clipnorm is not None:
            norm = math.sqrt(float(np.dot(g, g)))
            if norm > self.clipnorm:
                g *= g.dtype.type(self.clipnorm / norm)
        if self.weight_decay and not self.decoupled:  # L2: the gradient of wd/2 ||p||^2
            np.multiply(p, self.decay_mask, out=t)
            t *= t.dtype.type(self.weight_decay)
            g += t
        lr = self.current_lr
        self.iterations += 1
        self.update(p, g, lr)

    def update(self, p: NDArray, g: NDArray, lr: float) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """{"iterations": int, <slot>: array copy ...} for checkpoints."""
        return {"iterations": self.iterations, **{s: getattr(self, s).copy() for s in self.slots}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (call after ``bind``, or before: both work)."""
        self.iterations = int(state["iterations"])
        for s in self.slots:
            arr = np.asarray(state[s])
            if getattr(self, s, None) is not None and self.bound is not None:
                getattr(self, s)[...] = arr
            else:
                setattr(self, s, arr.copy())

    def get_config(self) -> dict[str, Any]:
        return {"lr": self.lr, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm}


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum."""

    def __init__(
        self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **kw: Any
    ) -> None:
        super().__init__(lr, **kw)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.slots = ("velocity",) if momentum else ()

    def update(self, p: NDArray, g: NDArray, lr: float) -> None:
        t, f = self.tmp, p.dtype.type
        if not self.momentum:
            np.multiply(g, f(lr), out=t)
        else:
            v = self.velocity
            v *= f(self.momentum)
            v += g
            if self.nesterov:
                np.multiply(v, f(self.momentum), out=t)
                t += g
                t *= f(lr)
            else:
                np.multiply(v, f(lr), out=t)
        p -= t

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015); ``weight_decay`` here is L2 added to the gradient."""

    slots = ("m", "v")

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        **kw: Any,
    ) -> None:
        super().__init__(lr, **kw)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def update(self, p: NDArray, g: NDArray, lr: float) -> None:
        m, v, f = self.m, self.v, p.dtype.type
        b1, b2, k = self.beta1, self.beta2, self.iterations
        if self.decoupled and self.weight_decay:  # AdamW: shrink before the Adam step
            t = self.tmp
            np.multiply(p, self.decay_mask, out=t)
            t *= f(lr * self.weight_decay)
            p -= t
        m *= f(b1)  # M = m / (1 - b1), see the module docstring
        m += g
        np.multiply(g, g, out=g)  # g is ours to overwrite: it becomes the scratch array
        v *= f(b2)  # V = v / (1 - b2)
        v += g
        c1, c2 = (1 - b1) / (1 - b1**k), math.sqrt((1 - b2) / (1 - b2**k))
        np.sqrt(v, out=g)
        g += f(self.eps / c2)
        np.divide(m, g, out=g)
        g *= f(lr * c1 / c2)
        p -= g

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), where ``bound.decay``."""

    decoupled = True

    def __init__(self, lr: float = 1e-3, weight_decay: float = 0.01, **kw: Any) -> None:
        super().__init__(lr, weight_decay=weight_decay, **kw)


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def get_optimizer(optimizer: str | Optimizer, lr: float | None = None) -> Optimizer:
    """An Optimizer from a name ("sgd", "adam", "adamw") and optional lr, or the instance."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            optimizer.lr = float(lr)
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[optimizer](**({} if lr is None else {"lr": lr}))
