"""One flat buffer for all parameters, one for all gradients, and where each array lives.

Why: an optimizer step becomes a handful of vectorised operations over one array (no loop
over layers), and saving a model is one array plus a description.  Each layer still sees
ordinary named arrays (``layer.W``, ``layer.dW``): views into these buffers, handed to it
by ``Layer.attach``.  This module knows shapes and names only, not layers.

The buffers start on a 64-byte boundary (a cache line), so the first layer's weights do
too: a matrix-vector product over them (the one-image path, ``fastpath``) loads whole
aligned lines, which NumPy's allocator (16-byte alignment) does not promise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

Shape = tuple[int, ...]
#: where every flat buffer starts: a multiple of this many bytes
ALIGN = 64


def aligned_zeros(n: int, dtype: DTypeLike) -> NDArray[Any]:
    """Zeros (n,) of ``dtype`` whose first element sits at a multiple of ``ALIGN`` bytes."""
    dtype = np.dtype(dtype)
    raw = np.zeros(n * dtype.itemsize + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start : start + n * dtype.itemsize].view(dtype)


@dataclass(frozen=True)
class Span:
    """Where one named array of one layer lives in a flat buffer: ``flat[start:stop]``."""

    layer: int
    name: str
    shape: Shape
    start: int
    stop: int


def spans(shapes: Sequence[Mapping[str, Shape]]) -> tuple[list[Span], int]:
    """Lay out the named arrays of every layer one after the other; (spans, total size)."""
    out: list[Span] = []
    offset = 0
    for i, named in enumerate(shapes):
        for name, shape in named.items():
            size = math.prod(shape)
            out.append(Span(i, name, tuple(shape), offset, offset + size))
            offset += size
    return out, offset


@dataclass
class FlatBuffers:
    """The flat buffers of a built model.

    params  : (P,) trainable parameters          grads : (P,) their gradients
    decay   : (P,) bool, True where weight decay applies
    buffers : (B,) non-trainable state (running statistics)
    """

    params: NDArray[Any]  # float32 (float64 for gradient checks), as are grads and buffers
    grads: NDArray[Any]
    decay: NDArray[np.bool_]
    buffers: NDArray[Any]
    param_spans: list[Span]
    buffer_spans: list[Span]

    @classmethod
    def allocate(
        cls,
        param_spans: list[Span],
        buffer_spans: list[Span],
        decayed: Sequence[tuple[str, ...]],
        dtype: DTypeLike = np.float32,
    ) -> FlatBuffers:
        """Zeroed buffers for the spans; ``decayed[i]`` names layer i's decayed parameters."""
        n_params = param_spans[-1].stop if param_spans else 0
        n_buffers = buffer_spans[-1].stop if buffer_spans else 0
        flat = cls(
            params=aligned_zeros(n_params, dtype),
            grads=aligned_zeros(n_params, dtype),
            decay=np.zeros(n_params, bool),
            buffers=aligned_zeros(n_buffers, dtype),
            param_spans=param_spans,
            buffer_spans=buffer_spans,
        )
        for s in param_spans:
            flat.decay[s.start : s.stop] = s.name in decayed[s.layer]
        return flat

    def views(self, layer: int) -> dict[str, NDArray[Any]]:
        """Layer ``layer``'s arrays as views: each parameter, its gradient ("d" + name), and
        each buffer, shaped as declared."""
        out: dict[str, NDArray[Any]] = {}
        for spans_, flat in ((self.param_spans, self.params), (self.buffer_spans, self.buffers)):
            for s in spans_:
                if s.layer == layer:
                    out[s.name] = flat[s.start : s.stop].reshape(s.shape)
        for s in self.param_spans:
            if s.layer == layer:
                out["d" + s.name] = self.grads[s.start : s.stop].reshape(s.shape)
        return out
