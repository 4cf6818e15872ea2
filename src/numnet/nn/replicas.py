"""Replicas of a model's layers: one per worker of a data-parallel step.

A replica is a shallow copy of every layer that shares the model's parameters (the same
views of ``model.flat.params`` and ``model.flat.buffers``, read-only while the passes run)
and owns everything a pass writes: its work arrays (``core.scratch``), the arrays it keeps
for the backward pass, its gradient buffer (P,) and its own Loss.  So k replicas can run
forward and backward on k slices of one batch at once, in k threads.

    replicas = make_replicas(model, k)          # replica 0 writes into model.flat.grads
    r = replicas[rank]
    z = r.forward(x[lo:hi], training=True);  r.loss.forward(z, y[lo:hi]);  r.backward(g)

Copying a layer keeps its configuration (``input_grad``, ``logits``, ``output_shape``,
built shapes ...), drops its work arrays and the arrays it kept from its last pass, copies
its sub-layers (``Dense.act``) and helpers (``Conv2D``'s Winograd3x3) the same way, and
attaches new views whose gradient part points into the replica's buffer.  ``sync`` (a
``numnet.nn.engine.collective.Collective`` view) is set on every layer that has the
attribute (BatchNorm), so whole-batch statistics can be combined across replicas; None
keeps each replica to its own rows (inference).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.engine.buffers import FlatBuffers
from numnet.nn.engine.collective import Collective, Member
from numnet.nn.layer import Layer, backward_all, forward_all
from numnet.nn.losses import Loss

if TYPE_CHECKING:
    from numnet.nn.model import Sequential


def _has_pass_state(value: object) -> bool:
    """A sub-layer (``Dense.act``) or a layer's helper object (``Conv2D``'s Winograd3x3,
    which keeps work arrays and the transformed input between the passes)."""
    return isinstance(value, Layer) or type(value).__module__.startswith("numnet.nn.layers.")


def fresh_copy(obj: Any) -> Any:
    """A shallow copy of a layer or loss without work arrays or kept arrays; sub-layers and
    helper objects are copied the same way (two replicas must never share one)."""
    twin = copy.copy(obj)
    d = twin.__dict__
    d.pop("_scratch", None)
    bound: frozenset[str] = getattr(obj, "_bound", frozenset())
    for name, value in list(d.items()):
        if _has_pass_state(value):
            d[name] = fresh_copy(value)
        elif isinstance(value, np.ndarray) and name not in bound:
            d[name] = None  # an array kept from the last pass (x, mask, xhat ...)
    return twin


class Replica:
    """One worker's copy of the layers, its Loss, its gradient buffer ``grads`` (P,) and its
    ``member`` of the workers' Collective (None for inference)."""

    def __init__(self, model: Sequential, grads: NDArray[Any], member: Member | None) -> None:
        self.grads = grads
        self.member = member
        flat: FlatBuffers = dataclasses.replace(model.flat, grads=grads)
        self.layers: list[Layer] = []
        for i, layer in enumerate(model.layers):
            twin: Layer = fresh_copy(layer)
            twin.attach(flat.views(i))
            if hasattr(twin, "sync"):
                object.__setattr__(twin, "sync", member)
            self.layers.append(twin)
        self.rng_layers = [layer for layer in self.layers if layer.uses_rng]
        self.loss: Loss = fresh_copy(model.loss)
        self.first = model._first

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        """As ``Sequential.forward``, on this replica's layers."""
        return forward_all(self.layers, x, training)

    def backward(self, grad: NDArray[Any]) -> None:
        """As ``Sequential.backward``: fills this replica's ``grads``."""
        backward_all(self.layers[self.first :], grad)

    def set_rng(self, rng: np.random.Generator) -> None:
        """Point every random layer (Dropout) of this replica at ``rng``."""
        for layer in self.rng_layers:
            layer.rng = rng


def make_replicas(model: Sequential, k: int, collective: Collective | None = None,
                  own_grads: bool = True) -> list[Replica]:
    """``k`` replicas of ``model``; replica 0 writes into ``model.flat.grads``, the others
    into buffers of their own (``own_grads=False``: all share ``model.flat.grads``, for
    inference, which writes no gradient).  ``collective``: BatchNorm combines its
    statistics through it (training); None: each replica keeps to its rows."""
    out = []
    for rank in range(k):
        grads = (model.flat.grads if rank == 0 or not own_grads
                 else np.zeros_like(model.flat.grads))
        member = collective.member(rank) if collective is not None else None
        out.append(Replica(model, grads, member))
    return out
