"""The protocol every layer follows.

A layer is a small object with two methods that mirror each other:

- ``forward(x, training)``: compute the output, and keep on ``self`` (named attributes) what
  the backward pass will need;
- ``backward(grad)``: given dL/d(output), write dL/d(parameter) into the gradient arrays
  that sit beside the parameters, and return dL/d(input).

Shapes are row-major: a batch is ``(n, features)`` or ``(n, channels, height, width)``.

Parameters are not allocated by the layer.  The layer *declares* them (``param_shapes``)
and says how to initialise them (``init_params``); ``numnet.nn.parameters.bind`` then
allocates one flat float32 buffer for all parameters of a model and one for all
gradients, and sets each parameter as an attribute (``layer.W``) and its gradient with a
``d`` prefix (``layer.dW``).  Both are ordinary arrays (views into the flat buffers), and
they stay views: assigning ``layer.W = array`` copies the values into the buffer (an array
of another shape is refused with a one-line ValueError), so a model saved or trained
afterwards uses them.  Backward still writes gradients in place, ``np.matmul(x.T, g,
out=self.dW)``: that costs no copy.

Non-trained state, such as BatchNorm's running statistics, is declared the same way in
``buffer_shapes`` and bound as attributes (no gradient).

Three more rules that keep training fast and reproducible:

- ``backward`` may overwrite the gradient array it receives (layers work in place);
- a layer that draws random numbers (Dropout) draws from ``self.rng``, which ``Sequential``
  points at ``model.rng`` so that one seed fixes a whole run, checkpoints included;
- when ``Sequential`` sets ``layer.input_grad = False`` (the first layer with parameters),
  the layer may skip computing dL/d(input): nobody needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Shape = tuple[int, ...]


class Layer:
    """Base class: a layer with no parameters that passes shapes through unchanged."""

    #: names of parameters to which weight decay (L2 / AdamW) applies; biases and
    #: normalisation scales are usually left out.
    decay: tuple[str, ...] = ()

    def bind_array(self, name: str, view: NDArray) -> None:
        """Make ``self.<name>`` the view ``view`` of a model's flat buffer (``parameters.bind``)."""
        self.__dict__[name] = view
        self.__dict__["_bound_names"] = self.__dict__.get("_bound_names", frozenset()) | {name}

    def __setattr__(self, name: str, value: Any) -> None:
        """Assignments to bound names copy into the buffer; other names are set as usual."""
        if name not in self.__dict__.get("_bound_names", ()):
            object.__setattr__(self, name, value)
            return
        view = self.__dict__[name]
        if value is view:  # ``layer.W += 1`` assigns the view to itself
            return
        value = np.asarray(value)
        if value.shape != view.shape:
            raise ValueError(f"{type(self).__name__}.{name} is {view.shape}; an array of shape"
                             f" {value.shape} cannot replace it (values are copied into the"
                             " model's parameter buffer)")
        np.copyto(view, value, casting="same_kind")

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

    def init_params(self, rng: np.random.Generator) -> dict[str, NDArray]:
        """Initial values for every parameter and buffer, name -> array (any float dtype)."""
        return {}

    def forward(self, x: NDArray, training: bool = False) -> NDArray:
        raise NotImplementedError

    def backward(self, grad: NDArray) -> NDArray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments as JSON-able values: ``type(self)(**get_config())`` rebuilds it."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
