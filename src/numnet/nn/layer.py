"""The protocol every layer follows.

A layer is a small object with two methods that mirror each other:

- ``forward(x, training)``: compute the output, and keep on ``self`` (named attributes) what
  the backward pass will need;
- ``backward(grad)``: given dL/d(output), write dL/d(parameter) into the gradient arrays
  that sit beside the parameters, and return dL/d(input).

Shapes are row-major: a batch is ``(n, features)`` or ``(n, channels, height, width)``.

Parameters are not allocated by the layer.  The layer *declares* them (``param_shapes``)
and says how to initialise them (``init_params``); ``bind_layers`` builds every layer once,
lays out one flat float32 buffer for all parameters of a model and one for all gradients
(``numnet.nn.engine.buffers``), and hands each layer its views through ``attach``: each
parameter as an attribute (``layer.W``) and its gradient with a ``d`` prefix (``layer.dW``).
Non-trained state, such as BatchNorm's running statistics, is declared the same way in
``buffer_shapes`` (no gradient).  The views stay the model's: assigning ``layer.W = array``
copies the values into the buffer (a wrong shape is refused), so ``backward`` may write
``self.dW[...] = ...`` or ``np.matmul(x.T, g, out=self.dW)`` and a saved model always holds
what the layers use.

What else a layer declares, as class attributes:

- ``decay``: the parameters weight decay (L2 / AdamW) applies to;
- ``uses_rng``: it draws random numbers (Dropout); ``Sequential`` sets ``self.rng`` to
  ``model.rng`` so that one seed fixes a whole run, checkpoints included;
- ``input_grad``: whether ``backward`` must return dL/d(input).  ``Sequential`` sets it to
  False on the first layer with parameters, whose input gradient nobody reads; such a
  layer's ``backward`` may return None.

Two more rules that keep training fast: ``backward`` may overwrite the gradient array it
receives (layers work in place), and a layer whose inference is ``v <- act(v W + b)`` on one
vector (or nothing at all) says so in ``inference_step``, the one-image path of
``numnet.nn.engine.fastpath``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from numnet.nn.engine.buffers import FlatBuffers, Shape, spans
from numnet.nn.engine.fastpath import Step

__all__ = ["Layer", "Shape", "SizeMismatchError", "bind_layers", "forward_all", "backward_all"]


class SizeMismatchError(ValueError):
    """The numbers given for a model are not as many as its layers need."""


class Layer:
    """Base class: a layer with no parameters that passes shapes through unchanged."""

    #: names of parameters to which weight decay (L2 / AdamW) applies; biases and
    #: normalisation scales are usually left out.
    decay: tuple[str, ...] = ()
    uses_rng = False
    input_grad = True
    rng: np.random.Generator | None = None
    output_shape: Shape = ()  # set when built, for one sample
    _bound: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._bound:  # a view into the model's buffer: write into it
            view = getattr(self, name)
            value = np.asarray(value)
            if value.shape != view.shape:
                raise ValueError(
                    f"{type(self).__name__}.{name} has shape {view.shape}; cannot assign an "
                    f"array of shape {value.shape}"
                )
            view[...] = value
        else:
            object.__setattr__(self, name, value)

    def attach(self, views: dict[str, NDArray[Any]]) -> None:
        """Take the views of the model's flat buffers (name -> array) as attributes."""
        object.__setattr__(self, "_bound", frozenset())
        for name, view in views.items():
            object.__setattr__(self, name, view)
        object.__setattr__(self, "_bound", frozenset(views))

    def build(self, input_shape: Shape) -> Shape:
        """Fix the layer's shapes for one sample (no batch axis); return the output shape."""
        self.input_shape = tuple(input_shape)
        return self.input_shape

    def param_shapes(self) -> dict[str, Shape]:
        """Trainable parameters, name -> shape.  Known after ``build``."""
        return {}

    def buffer_shapes(self) -> dict[str, Shape]:
        """Non-trainable state saved with the model (e.g. running statistics)."""
        return {}

    def init_params(self, rng: np.random.Generator) -> dict[str, NDArray[Any]]:
        """Initial values for every parameter and buffer, name -> array (any float dtype)."""
        return {}

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        raise NotImplementedError

    def inference_step(self, steps: list[Step]) -> bool:
        """Add this layer to the one-vector plan ``steps`` (``numnet.nn.engine.fastpath``);
        False if it cannot run there (the model then takes the batched path)."""
        return False

    def backward(self, grad: NDArray[Any]) -> NDArray[Any] | None:
        """dL/d(output) -> dL/d(input); None only when ``input_grad`` is False."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments as JSON-able values: ``type(self)(**get_config())`` rebuilds it."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def bind_layers(
    layers: Sequence[Layer],
    input_shape: Shape,
    rng: np.random.Generator | None = None,
    dtype: DTypeLike = np.float32,
    sizes: tuple[int, int] | None = None,
) -> tuple[FlatBuffers, Shape]:
    """Build each layer once for one sample of ``input_shape``, allocate the flat buffers and
    attach the views; returns the buffers and the last layer's output shape (each layer
    keeps its own as ``layer.output_shape``).

    With ``rng`` the layers' ``init_params`` fill the buffers; without it they stay at zero
    and nothing random is drawn (for loading).  ``sizes`` = (parameters, buffer values) the
    caller expects: refused with SizeMismatchError, before anything is allocated, if the layers
    need other sizes.  ``dtype=np.float64`` is for gradient checks.
    """
    shape = tuple(input_shape)
    for layer in layers:
        shape = tuple(layer.build(shape))
        layer.output_shape = shape
    param_spans, n_params = spans([layer.param_shapes() for layer in layers])
    buffer_spans, n_buffers = spans([layer.buffer_shapes() for layer in layers])
    needs = {"params": n_params, "buffers": n_buffers}
    for (name, needed), given in zip(needs.items(), sizes or (), strict=False):
        if given != needed:
            raise SizeMismatchError(
                f"array {name!r} holds {given} values but the architecture needs {needed}"
            )
    flat = FlatBuffers.allocate(param_spans, buffer_spans, [la.decay for la in layers], dtype)
    for i, layer in enumerate(layers):
        views = flat.views(i)
        if rng is not None:
            for name, value in layer.init_params(rng).items():
                views[name][...] = value
        layer.attach(views)
    return flat, shape


def forward_all(layers: Sequence[Layer], x: NDArray[Any], training: bool = False) -> NDArray[Any]:
    """x through every layer in order; the last layer's outputs (a reused array)."""
    for layer in layers:
        x = layer.forward(x, training)
    return x


def backward_all(layers: Sequence[Layer], grad: NDArray[Any]) -> None:
    """dL/d(outputs) back through ``layers`` from the top, each filling its gradients, until
    a layer returns None (the first that learns, whose input gradient nobody reads)."""
    for layer in reversed(layers):
        below = layer.backward(grad)
        if below is None:
            return
        grad = below
