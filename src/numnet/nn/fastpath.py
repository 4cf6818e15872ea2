"""A lean inference path for one sample: the draw-a-digit page asks for one image at a time.

For one image the products are small (784 x 128: about 5 us), and the batched path's Python
work (input checks, a scratch look-up per layer, reductions over 2-D arrays) costs as much
again.  At inference an MLP made of ``Dense``, ``ReLU``, ``Dropout`` and ``Flatten`` layers
is a chain over one vector

    v <- act(v W + b)        act = ReLU or the identity; Dropout and Flatten do nothing

so ``plan(layers)`` turns it, once, into a tuple of steps ``(W, b, relu, out)`` with the
output vectors preallocated, and ``run(steps, v)`` is three NumPy calls per layer.  W and b
are the layers' own arrays (views into the model's flat buffer), so weights trained or
loaded later are used as they are.  A model with any other layer (BatchNorm, convolutions)
gets no plan and takes the batched path.  Like every layer's scratch arrays, the output
vectors are reused: one caller at a time (the web server holds a lock).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from numnet.nn.activations import ReLU
from numnet.nn.dense import Dense
from numnet.nn.dropout import Dropout
from numnet.nn.flatten import Flatten
from numnet.nn.layer import Layer

_ZERO = np.zeros((), np.float32)  # a 0-d array: the cheapest second operand of np.maximum


class Step(NamedTuple):
    """out = v W + b, then max(out, 0) in place when ``relu``.  W : (d_in, d_out)."""

    W: NDArray
    b: NDArray
    relu: bool
    out: NDArray


def plan(layers: Sequence[Layer]) -> tuple[Step, ...]:
    """The steps of an MLP made of Dense / ReLU / Dropout / Flatten; () for anything else."""
    steps: list[Step] = []
    for layer in layers:
        if isinstance(layer, Dense) and layer.W.dtype == np.float32:
            act = None if layer.logits else layer.activation
            if act not in (None, "relu"):
                return ()
            steps.append(Step(layer.W, layer.b, act == "relu", np.empty(layer.units, np.float32)))
        elif isinstance(layer, ReLU) and steps and not steps[-1].relu:
            steps[-1] = steps[-1]._replace(relu=True)  # fused into the Dense before it
        elif not isinstance(layer, (Dropout, Flatten)):  # identities at inference
            return ()
    return tuple(steps)


def run(steps: tuple[Step, ...], v: NDArray) -> NDArray:
    """v : (d,) float32 -> the last layer's outputs (k,), a reused array."""
    for W, b, relu, out in steps:
        np.matmul(v, W, out=out)
        np.add(out, b, out=out)
        if relu:
            np.maximum(out, _ZERO, out=out)
        v = out
    return v
