"""``MLPClassifier``: numnet's MLP behind scikit-learn's estimator conventions.

It follows the rules scikit-learn's tools rely on, without importing scikit-learn:

- the constructor only stores its arguments, unchanged, under the same names;
- ``get_params()`` / ``set_params(**params)`` read and write exactly those names (found by
  inspecting ``__init__``), so ``sklearn.base.clone``, pipelines and grid search work;
- ``fit(X, y)`` returns ``self`` and sets the learned attributes, which end with ``_``:
  ``classes_`` (the sorted distinct labels, of any type), ``model_`` (the
  ``numnet.nn.Sequential``), ``history_``, ``n_features_in_``;
- ``predict`` returns labels from ``classes_``, ``predict_proba`` their probabilities
  (columns in the order of ``classes_``), ``score`` the accuracy.

    clf = MLPClassifier(hidden_layer_sizes=(256,), epochs=5).fit(x_train, y_train)
    clf.score(x_test, y_test)
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numnet.nn import Dense, Dropout, LeakyReLU, ReLU, Sequential, Sigmoid, Tanh
from numnet.nn.functional import accuracy
from numnet.nn.optim import OPTIMIZERS

# activation name (scikit-learn's where it has one) -> (layer class, weight initialisation)
ACTIVATIONS = {
    "relu": (ReLU, "he"),
    "leaky_relu": (LeakyReLU, "he"),
    "tanh": (Tanh, "xavier"),
    "logistic": (Sigmoid, "xavier"),
}


class MLPClassifier:
    """A multi-layer perceptron classifier trained with numnet (Adam by default)."""

    _estimator_type = "classifier"

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (128,),
        activation: str = "relu",
        learning_rate: float = 1e-3,
        batch_size: int = 128,
        epochs: int = 10,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        dropout: float = 0.0,
        random_state: int | None = 0,
        verbose: int = 0,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, name -> value (``deep`` is accepted for scikit-learn)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> MLPClassifier:
        """Set constructor arguments by name; unknown names are an error.  Returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for MLPClassifier; valid: {valid}")
            setattr(self, name, value)
        return self

    def _build(self, n_features: int, n_classes: int, seed: int) -> Sequential:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; "
                             f"choose one of {', '.join(ACTIVATIONS)}")
        activation, init = ACTIVATIONS[self.activation]
        layers = []
        for units in self.hidden_layer_sizes:
            layers += [Dense(units, init=init), activation()]
            if self.dropout:
                layers.append(Dropout(self.dropout))
        layers.append(Dense(n_classes, init="xavier"))
        return Sequential(layers, input_shape=(n_features,), seed=seed)

    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPClassifier:
        """Learn from samples X (n, ...) and labels y (n,) of any type; returns self."""
        X, y = np.asarray(X), np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"expected labels y of shape ({len(X)},), got {y.shape}")
        self.classes_, y_index = np.unique(y, return_inverse=True)
        self.n_features_in_ = math.prod(X.shape[1:])
        seed = self.random_state
        if seed is None:  # scikit-learn's meaning: a fresh random run
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self.model_ = self._build(self.n_features_in_, len(self.classes_), seed)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; "
                             f"choose one of {', '.join(OPTIMIZERS)}")
        optimizer = OPTIMIZERS[self.optimizer](lr=self.learning_rate,
                                               weight_decay=self.weight_decay)
        self.history_ = self.model_.fit(
            X, y_index, epochs=self.epochs, batch_size=self.batch_size, optimizer=optimizer,
            seed=seed, verbose=self.verbose,
        ).history
        return self

    def _model(self) -> Sequential:
        if not hasattr(self, "model_"):
            raise AttributeError("this MLPClassifier is not fitted yet; call fit(X, y) first")
        return self.model_

    def predict_proba(self, X: ArrayLike) -> NDArray:
        """Probabilities (n, len(classes_)) float32, columns in the order of ``classes_``."""
        return self._model().predict_proba(X)

    def predict(self, X: ArrayLike) -> NDArray:
        """Predicted labels (n,), values taken from ``classes_``."""
        model = self._model()
        return self.classes_[model.predict(X)]

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Mean accuracy of ``predict(X)`` against ``y``."""
        return accuracy(self.predict(X), y)

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"MLPClassifier({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
