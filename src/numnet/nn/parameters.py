"""One flat buffer for all parameters, one for all gradients, and views for each layer.

Why: an optimizer step becomes a handful of vectorised operations over one array (no loop
over layers), and saving a model is one array plus a description.  Each layer still sees
ordinary named arrays (``layer.W``, ``layer.dW``), which are views into the flat buffers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from numnet.nn.layer import Layer, Shape


@dataclass
class Slot:
    """Where one named array of one layer lives in a flat buffer."""

    layer: int
    name: str
    shape: Shape
    start: int
    stop: int


@dataclass
class Bound:
    """The flat buffers of a built model.

    params  : (P,) trainable parameters          grads : (P,) their gradients
    decay   : (P,) bool, True where weight decay applies
    buffers : (B,) non-trainable state (running statistics)
    """

    params: NDArray
    grads: NDArray
    decay: NDArray
    buffers: NDArray
    param_slots: list[Slot]
    buffer_slots: list[Slot]


def _layout(shapes: Sequence[dict[str, Shape]]) -> tuple[list[Slot], int]:
    slots, offset = [], 0
    for i, named in enumerate(shapes):
        for name, shape in named.items():
            size = int(np.prod(shape, dtype=np.int64))
            slots.append(Slot(i, name, tuple(shape), offset, offset + size))
            offset += size
    return slots, offset


def bind(
    layers: Sequence[Layer],
    input_shape: Shape,
    rng: np.random.Generator | None = None,
    dtype: type = np.float32,
) -> tuple[Bound, Shape]:
    """Build ``layers`` for one sample of ``input_shape``, allocate flat buffers, bind views.

    Returns the buffers and the output shape of the last layer.  With ``rng`` the layers'
    ``init_params`` fill the buffers; without it they are left at zero (for loading).
    ``dtype=np.float64`` is for gradient checks.
    """
    shape = tuple(input_shape)
    for layer in layers:
        shape = layer.build(shape)
    param_slots, n_params = _layout([layer.param_shapes() for layer in layers])
    buffer_slots, n_buffers = _layout([layer.buffer_shapes() for layer in layers])
    bound = Bound(
        params=np.zeros(n_params, dtype),
        grads=np.zeros(n_params, dtype),
        decay=np.zeros(n_params, bool),
        buffers=np.zeros(n_buffers, dtype),
        param_slots=param_slots,
        buffer_slots=buffer_slots,
    )
    initial = [layer.init_params(rng) if rng is not None else {} for layer in layers]
    for slots, flat in ((param_slots, bound.params), (buffer_slots, bound.buffers)):
        for s in slots:
            view = flat[s.start : s.stop].reshape(s.shape)
            if s.name in initial[s.layer]:
                view[...] = initial[s.layer][s.name]
            layers[s.layer].bind_array(s.name, view)
    for s in param_slots:
        layer = layers[s.layer]
        layer.bind_array("d" + s.name, bound.grads[s.start : s.stop].reshape(s.shape))
        bound.decay[s.start : s.stop] = s.name in layer.decay
    return bound, shape
