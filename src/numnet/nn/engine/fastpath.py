"""Lean inference paths through a plain MLP: one image (the draw-a-digit page asks for one
at a time) and batches of rows (``predict`` over many images).

At inference an MLP made of ``Dense``, ``ReLU``, ``Dropout`` and ``Flatten`` layers is a
chain over the flattened inputs

    x <- act(x W + b)        act = ReLU or the identity; Dropout and Flatten do nothing

so ``plan(layers)`` turns it, once, into a ``Plan``: the steps ``(W, b, relu)`` (each layer
adds itself in ``Layer.inference_step``) and, for one row, the same chain with its output
rows preallocated.  W and b are the layers' own arrays (views into the model's flat
buffer), so weights trained or loaded later are used as they are; a model that binds new
buffers needs a new plan.  A model with any other layer (BatchNorm, convolutions) gets no
plan (None) and takes the layers' forward passes.

``run_rows(plan, x, owner)``, rows x (n, ...): for each step the operations of the layers'
own forward passes, on the same arrays (``np.matmul(x, W)`` into (n, d_out), ``+= b``,
``relu_into`` in place), so the outputs are bit for bit those of ``Sequential.forward``,
with one work array per layer (the forward passes write two for a Dense and its ReLU, and
look them up per layer), kept by ``owner`` (``core.scratch``): one owner per thread.

``run(plan, x)``, one row x (1, d): two or three NumPy calls per layer into the
preallocated vectors (the product through ``np.dot``, which calls the BLAS's matrix-vector
product with less overhead than ``np.matmul``).  A step's bias is folded into its product
where the model's flat buffer holds b right after W (as ``Dense`` lays them out): that
memory is the matrix [W; b] (d_in + 1, d_out), and the vector before it is kept with a
trailing 1, so x W + b is one product, [x, 1] [W; b].  Only the first step adds its bias
(its input is the caller's row).  The vectors are reused: one caller at a time (the web server
holds a lock).  A matrix-vector product sums in another order than the batched matrix
product (and the folded bias is one more term of the sum, not a separate addition), so the
one-row outputs agree with the batched ones up to float32 rounding, and the labels with
theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray

from numnet.core.scratch import scratch
from numnet.nn.engine.relu import relu_into

_ZERO = np.zeros((), np.float32)  # a 0-d array: the cheapest second operand of np.maximum


class Step(NamedTuple):
    """x W + b, then max(., 0) when ``relu``.  W : (d_in, d_out), b : (d_out,)."""

    W: NDArray[np.float32]
    b: NDArray[np.float32]
    relu: bool


class RowStep(NamedTuple):
    """One step for one row: ``product = x W`` (+ ``b`` unless it is None: folded into W),
    max(., 0) in place when ``relu``.  ``product`` (1, d_out) for the first step, whose
    input is the caller's row (1, d), and ``out`` (d_out,) are the same memory: NumPy's
    calls on 1-D arrays cost less than on (1, d) ones.  ``passed`` (``out``, or the vector
    holding it and a trailing 1) goes to the next step."""

    W: NDArray[np.float32]
    b: NDArray[np.float32] | None
    relu: bool
    product: NDArray[np.float32]
    out: NDArray[np.float32]
    passed: NDArray[np.float32]


class Plan(NamedTuple):
    steps: tuple[Step, ...]
    row: tuple[RowStep, ...]


class Steppable(Protocol):
    def inference_step(self, steps: list[Step]) -> bool: ...


def _with_bias_row(step: Step) -> NDArray[np.float32] | None:
    """The matrix [W; b] (d_in + 1, d_out) over the memory of W and b, if b follows W there
    (a read-only view); else None."""
    W, b = step.W, step.b
    if (W.dtype != b.dtype or not W.flags.c_contiguous or not b.flags.c_contiguous
            or b.ctypes.data != W.ctypes.data + W.nbytes):
        return None
    folded: NDArray[np.float32] = as_strided(W, (W.shape[0] + 1, W.shape[1]), writeable=False)
    return folded


def plan(layers: Iterable[Steppable]) -> Plan | None:
    """The plan of a chain of layers that all run on one row; None if any cannot."""
    steps: list[Step] = []
    for layer in layers:
        if not layer.inference_step(steps):
            return None
    if not steps:
        return None
    folded = [None] + [_with_bias_row(s) for s in steps[1:]]
    row: list[RowStep] = []
    for i, step in enumerate(steps):
        units = step.W.shape[1]
        fold_next = i + 1 < len(steps) and folded[i + 1] is not None
        passed = np.ones(units + fold_next, np.float32)
        out = passed[:units]
        Wi = folded[i]
        row.append(RowStep(step.W if Wi is None else Wi, step.b if Wi is None else None,
                           step.relu, out if i else out[None], out, passed))
    return Plan(tuple(steps), tuple(row))


def run(plan: Plan, x: NDArray[np.float32]) -> NDArray[np.float32]:
    """x : (1, d) float32 -> the last layer's outputs (k,), a reused array."""
    out = x
    for W, b, relu, product, out, passed in plan.row:
        np.dot(x, W, out=product)
        if b is not None:
            np.add(out, b, out=out)
        if relu:
            np.maximum(out, _ZERO, out=out)
        x = passed
    return out


def run_rows(plan: Plan, x: NDArray[np.float32], owner: object) -> NDArray[np.float32]:
    """x : (n, ...) float32, n rows of d values -> the last layer's outputs (n, k), an array
    reused by ``owner``'s next call with n rows; the bits of ``Sequential.forward``."""
    x = x.reshape(len(x), plan.steps[0].W.shape[0])  # what Flatten does, also for n = 0
    for i, (W, b, relu) in enumerate(plan.steps):
        y = scratch(owner, f"fastpath{i}", (len(x), W.shape[1]), np.float32)
        np.matmul(x, W, out=y)
        y += b
        if relu:
            relu_into(y, y)
        x = y
    return x
