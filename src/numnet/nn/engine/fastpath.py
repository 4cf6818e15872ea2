"""Lean inference paths through a plain MLP: one image (the draw-a-digit page asks for one
at a time) and batches of rows (``predict`` over many images).

At inference an MLP made of ``Dense``, ``ReLU``, ``Dropout`` and ``Flatten`` layers is a
chain over the flattened inputs

    x <- act(x W + b)        act = ReLU or the identity; Dropout and Flatten do nothing

so ``plan(layers)`` turns it, once, into a tuple of steps ``(W, b, relu, out)`` (each layer
adds itself in ``Layer.inference_step``).  W and b are the layers' own arrays (views into
the model's flat buffer), so weights trained or loaded later are used as they are; a model
that binds new buffers needs a new plan.  A model with any other layer (BatchNorm,
convolutions) gets no plan and takes the layers' forward passes.

``run(steps, v)``, one vector v (d,): three NumPy calls per layer into the preallocated
output vectors ``out`` (the product through ``np.dot``, which calls the BLAS with less
overhead than ``np.matmul``); the outputs are reused, so one caller at a time (the web
server holds a lock).  For one row the BLAS takes a matrix-vector product, whose sums run
in another order than a matrix product's: the outputs agree with the batched ones up to
float32 rounding, and the labels with theirs.

``run_rows(steps, x, owner)``, rows x (n, ...): for each step the operations of the layers'
own forward passes, on the same arrays (``np.matmul(x, W)`` into (n, d_out), ``+= b``,
``relu_into`` in place), so the outputs are bit for bit those of ``Sequential.forward``,
with one work array per layer (the forward passes write two for a Dense and its ReLU, and
look them up per layer), kept by ``owner`` (``core.scratch``): one owner per thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch
from numnet.nn.engine.relu import relu_into

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


def run_rows(steps: tuple[Step, ...], x: NDArray[np.float32], owner: object) -> NDArray[np.float32]:
    """x : (n, ...) float32, n rows of d values -> the last layer's outputs (n, k), an array
    reused by ``owner``'s next call with n rows; the bits of ``Sequential.forward``."""
    x = x.reshape(len(x), -1)  # what Flatten does
    for i, (W, b, relu, _) in enumerate(steps):
        y = scratch(owner, f"fastpath{i}", (len(x), W.shape[1]), np.float32)
        np.matmul(x, W, out=y)
        y += b
        if relu:
            relu_into(y, y)
        x = y
    return x
