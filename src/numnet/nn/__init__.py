"""numnet.nn: a small layer library (row-major, float32) with a Keras-like ``Sequential``.

    layers       Dense, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout, BatchNorm, Flatten
    losses       SoftmaxCrossEntropy (fused, label smoothing), MeanSquaredError
    optimizers   SGD (momentum, Nesterov), Adam, AdamW; schedules; clipping by global norm
    model        Sequential: fit / evaluate / predict / predict_proba / score / summary

``LAYERS`` maps a layer's type name to its class; model files store the name and rebuild
the layer with ``LAYERS[name](**config)``.
"""

from __future__ import annotations

from numnet.nn.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from numnet.nn.batchnorm import BatchNorm
from numnet.nn.dense import Dense
from numnet.nn.dropout import Dropout
from numnet.nn.flatten import Flatten
from numnet.nn.layer import Layer

LAYERS: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (Dense, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout, BatchNorm, Flatten)
}

__all__ = [
    "LAYERS", "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Dropout",
    "BatchNorm", "Flatten",
]
