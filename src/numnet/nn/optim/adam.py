"""Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019).

    Adam        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
                p <- p - lr_t * mhat / (sqrt(vhat) + eps),  mhat = m/(1 - b1^t), vhat = v/(1 - b2^t)
    AdamW       Adam without the L2 term, and p <- p - lr_t * weight_decay * p where decay applies

Adam is computed in 10 passes over the buffers instead of 12 by keeping the moments
without their (1 - b) factors, M = m / (1 - b1) and V = v / (1 - b2) (``opt.M`` and
``opt.V`` hold these, not the paper's m and v), and folding every constant into two scalars
(mathematically the same update):

    M <- b1 M + g;   V <- b2 V + g^2;   p <- p - lr_t (c1 / c2) M / (sqrt(V) + eps / c2)
    with c1 = (1 - b1) / (1 - b1^t),  c2 = sqrt((1 - b2) / (1 - b2^t))

(mhat = c1 M and sqrt(vhat) = c2 sqrt(V)).  The gradient buffer serves as the scratch array.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.optim.optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015); ``weight_decay`` here is L2 added to the gradient."""

    state_names = ("M", "V")
    M: NDArray[Any]  # (P,) state arrays, allocated by ``attach``
    V: NDArray[Any]

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

    def update(self, p: NDArray[Any], g: NDArray[Any], lr: float, span: slice) -> None:
        M, V, f = self.M[span], self.V[span], p.dtype.type
        b1, b2, k = self.beta1, self.beta2, self.iterations
        if self.decoupled and self.weight_decay:  # AdamW: shrink before the Adam step
            shrink = self.scratch[span]
            np.multiply(p, self.decay_mask[span], out=shrink)
            shrink *= f(lr * self.weight_decay)
            p -= shrink
        M *= f(b1)  # M = m / (1 - b1), see the module docstring
        M += g
        np.multiply(g, g, out=g)  # g is ours to overwrite: it becomes the scratch array
        V *= f(b2)  # V = v / (1 - b2)
        V += g
        c1, c2 = (1 - b1) / (1 - b1**k), math.sqrt((1 - b2) / (1 - b2**k))
        np.sqrt(V, out=g)
        g += f(self.eps / c2)
        np.divide(M, g, out=g)
        g *= f(lr * c1 / c2)
        p -= g

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), where ``flat.decay``."""

    decoupled = True

    def __init__(self, lr: float = 1e-3, weight_decay: float = 0.01, **kw: Any) -> None:
        super().__init__(lr, weight_decay=weight_decay, **kw)
