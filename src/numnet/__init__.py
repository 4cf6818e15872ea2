"""numnet: neural networks that learn handwritten digits with NumPy and mathematics only.

The package is layered so that a reader can stop at any depth:

- ``numnet.nn.functional``  the mathematics as pure functions (relu, softmax, cross-entropy ...)
- ``numnet.tutorial.twolayer``    the classic tutorial network, one function per step
- ``numnet.nn``          a layer library: Dense, Conv2D, optimizers, ``Sequential``
- ``numnet.datasets``    MNIST: ``load_data()`` as Keras returns it
- ``numnet.files.model_file``          model files (safe formats only)

``import numnet`` stays light: Matplotlib and Pillow are imported only where pictures or
image files are needed.  The names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Sequential": "numnet.nn",
    "MLPClassifier": "numnet.estimator",
    "load_data": "numnet.datasets.mnist",
    "save": "numnet.files.model_file",
    "load": "numnet.files.model_file",
    "load_model": "numnet.files.model_file",
    "NumnetError": "numnet.core.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'numnet' has no attribute {name!r}")
