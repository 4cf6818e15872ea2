"""A lean inference path for one sample: the draw-a-digit page asks for one image at a time.

For one image the products are small, and the batched path's Python
work (input checks, a scratch look-up per layer, reductions over 2-D arrays) costs as much
again.  At inference an MLP made of ``Dense``, ``ReLU``, ``Dropout`` and ``Flatten`` layers
is a chain over one vector

    v <- act(v W + b)        act = ReLU or the identity; Dropout and Flatten do nothing

so ``plan(layers)`` turns it, once, into a tuple of steps ``(W, b, relu, out)`` with the
output vectors preallocated (each layer adds itself in ``Layer.inference_step``), and
``run(steps, v)`` is three NumPy calls per layer (the product through ``np.dot``, which calls
the BLAS with less overhead than ``np.matmul``).  W and b
are the layers' own arrays (views into the model's flat buffer), so weights trained or
loaded later are used as they are.  A model with any other layer (BatchNorm, convolutions)
gets no plan and takes the batched path.  Like every layer's scratch arrays, the output
vectors are reused: one caller at a time (the web server holds a lock).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

_ZERO = np.zeros((), np.float32)  # a 0-d array: the cheapest second operand of np.maximum


class Step(NamedTuple):
    """out = v W + b, then max(out, 0) in place when ``relu``.  W : (d_in, d_out)."""

    W: NDArray[np.float32]
    b: NDArray[np.float32]
    relu: bool
    out: NDArray[np.float32]


class Steppable(Protocol):
    def inference_step(self, steps: list[Step]) -> bool: ...


def plan(layers: Iterable[Steppable]) -> tuple[Step, ...]:
    """The steps of a chain of layers that all run on one vector; () if any cannot."""
    steps: list[Step] = []
    for layer in layers:
        if not layer.inference_step(steps):
            return ()
    return tuple(steps)


def run(steps: tuple[Step, ...], v: NDArray[np.float32]) -> NDArray[np.float32]:
    """v : (d,) float32 -> the last layer's outputs (k,), a reused array."""
    for W, b, relu, out in steps:
        np.dot(v, W, out=out)
        np.add(out, b, out=out)
        if relu:
            np.maximum(out, _ZERO, out=out)
        v = out
    return v
