"""numnet.nn: a small layer library (row-major, float32) with a Keras-like ``Sequential``.

    layer.py     the protocol every layer follows (declare, build once, forward/backward)
    layers/      Dense, Conv2D, pooling, BatchNorm, activations, Dropout, Flatten; ``LAYERS``
    losses.py    SoftmaxCrossEntropy (fused, label smoothing), MeanSquaredError
    optim/       SGD (momentum, Nesterov), Adam, AdamW; schedules; clipping by global norm
    model.py     Sequential (and Input): compile / fit / evaluate / predict /
                 predict_classes / get_weights / set_weights / save / summary
    training.py  the loop behind ``fit``, its TrainState and History; progress.py what it
                 shows (verbose 0 / 1 / 2)
    callbacks.py EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler,
                 CSVLogger
    parallel.py  data-parallel training steps and batched inference over worker threads;
                 replicas.py the per-worker copies of the layers they run on
    functional.py  the mathematics as pure functions (softmax, log-softmax, one-hot ...)
    engine/      the speed machinery: flat buffers, work arrays, the one-image path,
                 threads, the worker pool

``LAYERS`` maps a layer's type name to its class; model files store the name and rebuild
the layer with ``LAYERS[name](**config)``.
"""

from __future__ import annotations

from numnet.nn.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
)
from numnet.nn.layer import Layer
from numnet.nn.layers import (
    LAYERS,
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2D,
    LeakyReLU,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from numnet.nn.losses import MeanSquaredError, SoftmaxCrossEntropy
from numnet.nn.model import Input, Sequential
from numnet.nn.optim import SGD, Adam, AdamW, Cosine, Optimizer, StepDecay, Warmup, warmup_cosine
from numnet.nn.training import History, TrainState

__all__ = [
    "LAYERS", "Layer", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "Dropout",
    "BatchNorm", "Flatten", "Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D",
    "Input", "Sequential", "History", "TrainState", "Callback", "EarlyStopping",
    "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
    "SoftmaxCrossEntropy", "MeanSquaredError", "Optimizer", "SGD", "Adam", "AdamW",
    "Cosine", "StepDecay", "Warmup", "warmup_cosine",
]
