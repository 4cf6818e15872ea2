"""numnet.nn: a small layer library (row-major, float32) with a Keras-like ``Sequential``.

    layers       Dense (activation=), ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, Dropout,
                 BatchNorm, Flatten; Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool2D
    losses       SoftmaxCrossEntropy (fused, label smoothing), MeanSquaredError
    optimizers   SGD (momentum, Nesterov), Adam, AdamW; schedules; clipping by global norm
    model        Sequential (Input): compile / fit / evaluate / predict / predict_classes /
                 get_weights / set_weights / save / summary
    callbacks    EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler,
                 CSVLogger

``LAYERS`` maps a layer's type name to its class; model files store the name and rebuild
the layer with ``LAYERS[name](**config)``.
"""

from __future__ import annotations

from numnet.nn.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from numnet.nn.batchnorm import BatchNorm
from numnet.nn.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
)
from numnet.nn.dense import Dense
from numnet.nn.dropout import Dropout
from numnet.nn.flatten import Flatten
from numnet.nn.layer import Layer
from numnet.nn.losses import MeanSquaredError, SoftmaxCrossEntropy
from numnet.nn.model import Input, Sequential
from numnet.nn.optimizers import SGD, Adam, AdamW, Optimizer
from numnet.nn.schedules import Cosine, StepDecay, Warmup, warmup_cosine
from numnet.nn.training import History, TrainState

LAYERS: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (Dense, ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, Dropout, BatchNorm, Flatten)
}

__all__ = [
    "LAYERS", "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "Dropout",
    "BatchNorm", "Flatten", "Input", "Sequential", "History", "TrainState", "Callback",
    "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler",
    "CSVLogger",
    "SoftmaxCrossEntropy", "MeanSquaredError", "Optimizer", "SGD", "Adam", "AdamW",
    "Cosine", "StepDecay", "Warmup", "warmup_cosine",
]

# Convolutional layers (owned by the conv engineer), registered for model files.
from numnet.nn.conv import Conv2D  # noqa: E402
from numnet.nn.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D  # noqa: E402

LAYERS.update({c.__name__: c for c in (Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool2D)})
__all__ += ["Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D"]
