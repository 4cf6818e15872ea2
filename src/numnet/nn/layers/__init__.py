"""Every layer numnet knows, one module each, and ``LAYERS``: type name -> class.

Model files store each layer's type name and rebuild it with ``LAYERS[name](**config)``, so
a new layer is one module here plus one entry in ``LAYERS`` below.

- ``dense.py``        y = x W + b
- ``conv.py``         2-D convolution as im2col and one matrix product (``im2col.py``)
- ``pooling.py``      max, average and global-average pooling
- ``batchnorm.py``    batch normalisation (dense and convolutional)
- ``activations.py``  ReLU, LeakyReLU, Tanh, Sigmoid, Softmax
- ``dropout.py``      inverted dropout
- ``flatten.py``      (n, c, h, w) -> (n, c*h*w)
- ``initializers.py`` He, Xavier and LeCun initialisation
"""

from numnet.nn.layer import Layer
from numnet.nn.layers.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from numnet.nn.layers.batchnorm import BatchNorm
from numnet.nn.layers.conv import Conv2D
from numnet.nn.layers.dense import Dense
from numnet.nn.layers.dropout import Dropout
from numnet.nn.layers.flatten import Flatten
from numnet.nn.layers.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D

LAYERS: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (
        Dense, ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, Dropout, BatchNorm, Flatten,
        Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool2D,
    )
}

__all__ = [
    "LAYERS", "Dense", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "Dropout", "BatchNorm",
    "Flatten", "Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D",
]
