"""Stochastic gradient descent, with optional (Nesterov) momentum mu:

    SGD         p <- p - lr_t g                                      (mu = 0)
    momentum    v <- mu v + g;   p <- p - lr_t v
    Nesterov    v <- mu v + g;   p <- p - lr_t (g + mu v)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.optim.optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum."""

    velocity: NDArray[Any]  # (P,) state, allocated by ``attach`` when momentum is used

    def __init__(
        self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **kw: Any
    ) -> None:
        super().__init__(lr, **kw)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self.state_names = ("velocity",) if momentum else ()

    def update(self, p: NDArray[Any], g: NDArray[Any], lr: float, span: slice) -> None:
        step, f = self.scratch[span], p.dtype.type
        if not self.momentum:
            np.multiply(g, f(lr), out=step)
        else:
            v = self.velocity[span]
            v *= f(self.momentum)
            v += g
            if self.nesterov:
                np.multiply(v, f(self.momentum), out=step)
                step += g
                step *= f(lr)
            else:
                np.multiply(v, f(lr), out=step)
        p -= step

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
