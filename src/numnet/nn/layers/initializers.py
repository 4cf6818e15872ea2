"""Weight initialisation: draw W so that activations keep their scale from layer to layer.

For a layer with ``fan_in`` inputs and ``fan_out`` outputs, W ~ N(0, s^2) with

    he      s^2 = 2 / fan_in               (ReLU halves the variance; He et al. 2015)
    xavier  s^2 = 2 / (fan_in + fan_out)   (tanh / sigmoid; Glorot & Bengio 2010)
    lecun   s^2 = 1 / fan_in               (SELU / linear; LeCun et al. 1998)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

INITIALIZERS = ("he", "xavier", "lecun")


def init_weights(
    name: str, shape: tuple[int, ...], fan_in: int, fan_out: int, rng: np.random.Generator
) -> NDArray[np.float32]:
    """Normal weights of ``shape`` scaled by the rule ``name`` (one of ``INITIALIZERS``)."""
    variance = {"he": 2 / fan_in, "xavier": 2 / (fan_in + fan_out), "lecun": 1 / fan_in}
    if name not in variance:
        raise ValueError(f"unknown init {name!r}; choose one of {', '.join(INITIALIZERS)}")
    w = rng.standard_normal(shape, dtype=np.float32)
    w *= np.float32(np.sqrt(variance[name]))
    return w
