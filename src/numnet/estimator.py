"""``MLPClassifier``: scikit-learn's ``sklearn.neural_network.MLPClassifier``, trained by numnet.

    from numnet import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(256,), max_iter=20).fit(X_train, y_train)
    clf.predict(X_test);  clf.predict_proba(X_test);  clf.score(X_test, y_test)

The constructor takes scikit-learn's names with scikit-learn's defaults and meanings:
``hidden_layer_sizes``, ``activation`` ("identity", "logistic", "tanh", "relu"), ``solver``
("adam", "sgd"), ``alpha`` (L2 penalty: alpha ||W||^2 / (2 batch) added to the loss, biases
left out), ``batch_size`` ("auto" = min(200, n)), ``learning_rate`` ("constant",
"invscaling", "adaptive"; for "sgd"), ``learning_rate_init``, ``power_t``, ``max_iter``
(epochs), ``shuffle``, ``random_state``, ``tol``, ``verbose``, ``warm_start``, ``momentum``,
``nesterovs_momentum``, ``early_stopping``, ``validation_fraction``, ``beta_1``, ``beta_2``,
``epsilon``, ``n_iter_no_change``, ``max_fun`` (accepted; it only concerns "lbfgs").

Stopping, as scikit-learn: training ends when the loss (or, with ``early_stopping``, the
accuracy on a held-out ``validation_fraction``, whose best weights are then kept) has not
improved by ``tol`` for more than ``n_iter_no_change`` epochs, or after ``max_iter`` epochs
(with a ConvergenceWarning).  "adaptive" divides the rate by 5 instead of stopping.

Fitted attributes: ``classes_``, ``n_features_in_``, ``loss_curve_``, ``best_loss_``,
``n_iter_``, ``t_`` (samples seen), ``coefs_`` / ``intercepts_`` (views of the weights: W
(d_in, d_out), b (d_out,)), ``n_layers_``, ``n_outputs_``, ``out_activation_``,
``validation_scores_`` / ``best_validation_score_`` (with ``early_stopping``), and numnet's
``model_`` (the ``numnet.nn.Sequential``) and ``history_``.  ``partial_fit(X, y, classes)``
trains one epoch, keeping the optimizer's state.

Where it differs from scikit-learn's: the output layer is a softmax over all classes also
for two classes (scikit-learn uses one logistic unit, so its last ``coefs_`` has one column
where this has two); "lbfgs" is not offered; computation is float32; images (n, 28, 28) are
accepted and flattened.  scikit-learn is not needed: with it installed the class is a
``BaseEstimator`` (tags, clone, HTML repr, pipelines); without it, a look-alike base gives
``get_params`` / ``set_params``.  Inputs are checked by ``numnet.validation`` either way.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numnet.nn import (
    SGD,
    Adam,
    Callback,
    Dense,
    EarlyStopping,
    LearningRateScheduler,
    Optimizer,
    ReduceLROnPlateau,
    Sequential,
)
from numnet.nn.functional import accuracy
from numnet.validation import NotFittedError, check_X, check_y

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # pragma: no cover - exercised in the test without scikit-learn

    class BaseEstimator:  # type: ignore[no-redef]
        """get_params / set_params from the constructor's signature, as scikit-learn's."""

        @classmethod
        def _get_param_names(cls) -> list[str]:
            return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

        def get_params(self, deep: bool = True) -> dict[str, Any]:
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params: Any) -> Any:
            valid = self._get_param_names()
            for name, value in params.items():
                if name not in valid:
                    raise ValueError(f"Invalid parameter {name!r} for estimator {self}."
                                     f" Valid parameters are: {valid!r}.")
                setattr(self, name, value)
            return self

        def __repr__(self) -> str:
            defaults = {p.name: p.default
                        for p in inspect.signature(type(self).__init__).parameters.values()}
            changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
            return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    class ClassifierMixin:  # type: ignore[no-redef]
        _estimator_type = "classifier"

        def score(self, X: ArrayLike, y: ArrayLike, sample_weight: Any = None) -> float:
            return accuracy(self.predict(X), y)  # type: ignore[attr-defined]

    class ConvergenceWarning(UserWarning):  # type: ignore[no-redef]
        """The training stopped at max_iter before it converged."""


#: scikit-learn's activation names -> Dense(activation=...)
ACTIVATIONS = {"identity": None, "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
SOLVERS = ("adam", "sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


class _InverseScaling:
    """lr = learning_rate_init / (t + 1) ** power_t, t the samples seen (scikit-learn's
    "invscaling"), set before each epoch."""

    def __init__(self, lr: float, power_t: float, samples_per_epoch: int, t0: int) -> None:
        self.lr, self.power_t, self.n, self.t0 = lr, power_t, samples_per_epoch, t0

    def __call__(self, epoch: int, lr: float) -> float:
        decay: float = (self.t0 + epoch * self.n + 1) ** self.power_t
        return self.lr / decay


# scikit-learn ships no type hints, so its base classes are Any to mypy
class MLPClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A multi-layer perceptron classifier trained with numnet; see the module docstring."""

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # -- settings ------------------------------------------------------------------------
    def _check_settings(self) -> None:
        for name, value, valid in (("activation", self.activation, tuple(ACTIVATIONS)),
                                   ("solver", self.solver, SOLVERS),
                                   ("learning_rate", self.learning_rate, LEARNING_RATES)):
            if value not in valid:
                raise ValueError(f"The '{name}' parameter of MLPClassifier must be one of"
                                 f" {', '.join(map(repr, valid))}; got {value!r}"
                                 + (" (numnet does not offer 'lbfgs')" if value == "lbfgs"
                                    else ""))
        sizes = np.atleast_1d(self.hidden_layer_sizes)
        if sizes.ndim != 1 or (sizes.size and (sizes.dtype.kind not in "iu" or sizes.min() < 1)):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got"
                             f" {self.hidden_layer_sizes!r}")
        if not (isinstance(self.max_iter, int | np.integer) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be an integer >= 1, got {self.max_iter!r}")
        if not self.learning_rate_init > 0:
            raise ValueError(f"learning_rate_init must be > 0, got {self.learning_rate_init!r}")
        if not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in (0, 1), got"
                             f" {self.validation_fraction!r}")

    def _seed(self) -> int:
        """An int seed from ``random_state`` (None: fresh entropy, as scikit-learn)."""
        rs = self.random_state
        if rs is None:
            return int(np.random.SeedSequence().generate_state(1)[0])
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2**31 - 1))
        return int(rs)

    def _batch(self, n: int) -> int:
        if self.batch_size == "auto":
            return min(200, n)
        if not (isinstance(self.batch_size, int | np.integer) and self.batch_size >= 1):
            raise ValueError(f"batch_size must be 'auto' or an integer >= 1, got"
                             f" {self.batch_size!r}")
        return min(int(self.batch_size), n)

    def _optimizer(self, batch: int) -> Optimizer:
        decay = self.alpha / batch  # d/dW of alpha ||W||^2 / (2 batch), added to the gradient
        if self.solver == "sgd":
            return SGD(lr=self.learning_rate_init, momentum=self.momentum,
                       nesterov=self.nesterovs_momentum and self.momentum > 0,
                       weight_decay=decay)
        return Adam(lr=self.learning_rate_init, beta1=self.beta_1, beta2=self.beta_2,
                    eps=self.epsilon, weight_decay=decay)

    def _build(self, n_features: int, n_classes: int, batch: int) -> Sequential:
        act = ACTIVATIONS[self.activation]
        init = "he" if act == "relu" else "xavier"
        layers = [Dense(int(units), init=init, activation=act)
                  for units in np.atleast_1d(self.hidden_layer_sizes)]
        layers.append(Dense(n_classes, init="xavier", activation="softmax"))
        model = Sequential(layers, input_shape=(n_features,), seed=self._seed())
        model.compile(optimizer=self._optimizer(batch), loss="sparse_categorical_crossentropy")
        return model

    # -- fitting -------------------------------------------------------------------------
    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPClassifier:
        """Train on X (n, d) and labels y (n,) of any sortable type; returns self.

        With ``warm_start`` and a fitted model, training continues from its weights."""
        self._check_settings()
        keep = self.warm_start and hasattr(self, "model_")
        return self._fit(X, y, None, reset=not keep, epochs=int(self.max_iter))

    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None,
                    ) -> MLPClassifier:
        """One epoch over (X, y); ``classes`` (all labels there will be) on the first call."""
        if not hasattr(self, "model_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self._check_settings()
            return self._fit(X, y, classes, reset=True, epochs=1)
        return self._fit(X, y, None, reset=False, epochs=1)

    def _fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None, reset: bool,
             epochs: int) -> MLPClassifier:
        X = check_X(X, "MLPClassifier")
        labels = check_y(y, len(X), "MLPClassifier")
        batch = self._batch(len(X))
        if reset:
            self.classes_ = np.unique(labels if classes is None else np.asarray(classes))
            self.n_features_in_ = X.shape[1]
            self.model_ = self._build(self.n_features_in_, len(self.classes_), batch)
            self.loss_curve_: list[float] = []
            self.best_loss_ = math.inf
            self.n_iter_ = self.t_ = 0
            self.history_: dict[str, list[float]] = {}
            if self.early_stopping:
                self.validation_scores_: list[float] = []
        else:
            self._check_features(X)
        index = np.searchsorted(self.classes_, labels)
        index = np.minimum(index, len(self.classes_) - 1)
        if np.any(self.classes_[index] != labels):
            unseen = np.setdiff1d(labels, self.classes_)
            raise ValueError(f"y has labels {unseen[:5].tolist()} not in classes_"
                             f" {self.classes_.tolist()}")
        validation, stop = self._stopping(X, index, epochs)
        x_train, y_train = X, index
        if validation is not None:
            keep, held = validation
            x_train, y_train = X[keep], index[keep]
            validation = (X[held], index[held])
        callbacks = list(stop)
        if self.solver == "sgd" and self.learning_rate == "invscaling":
            callbacks.append(LearningRateScheduler(
                _InverseScaling(self.learning_rate_init, self.power_t, len(x_train), self.t_)))
        history = self.model_.fit(
            x_train, y_train, batch_size=batch, epochs=epochs, shuffle=bool(self.shuffle),
            validation_data=validation, callbacks=callbacks, verbose=2 if self.verbose else 0,
            seed=self.model_.seed + self.n_iter_,
        ).history
        for key, values in history.items():
            self.history_.setdefault(key, []).extend(values)
        ran = len(history["loss"])
        self.loss_curve_ += history["loss"]
        self.best_loss_ = min(self.loss_curve_)
        self.n_iter_ += ran
        self.t_ += ran * len(x_train)
        if self.early_stopping:
            self.validation_scores_ += history["val_accuracy"]
            self.best_validation_score_ = max(self.validation_scores_)
        stopped = any(getattr(cb, "stopped_epoch", None) is not None for cb in stop)
        if epochs > 1 and ran == epochs and not stopped:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({epochs}) reached and the"
                          " optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        return self

    def _stopping(self, X: NDArray[Any], y: NDArray[Any], epochs: int,
                  ) -> tuple[tuple[NDArray[Any], NDArray[Any]] | None, list[Callback]]:
        """(train / held-out row indices or None, the stopping callbacks) of scikit-learn's
        rule: more than ``n_iter_no_change`` epochs without an improvement of ``tol``."""
        if epochs == 1:  # partial_fit: one epoch, no stopping rule
            return None, []
        patience = int(self.n_iter_no_change) + 1
        if self.early_stopping:
            n_val = int(len(X) * self.validation_fraction)
            if n_val < 2:
                raise ValueError("The validation set is too small. Increase"
                                 " 'validation_fraction' or the size of your dataset.")
            order = np.random.default_rng(self.model_.seed).permutation(len(X))
            split = (np.sort(order[n_val:]), np.sort(order[:n_val]))
            return split, [EarlyStopping("val_accuracy", patience, self.tol,
                                         restore_best_weights=True)]
        if self.solver == "sgd" and self.learning_rate == "adaptive":
            return None, [ReduceLROnPlateau("loss", factor=0.2, patience=patience,
                                            min_delta=self.tol, min_lr=1e-6)]
        return None, [EarlyStopping("loss", patience, self.tol, restore_best_weights=False)]

    # -- prediction ----------------------------------------------------------------------
    def _model(self) -> Sequential:
        if not hasattr(self, "model_"):
            raise NotFittedError("This MLPClassifier instance is not fitted yet. Call 'fit'"
                                 " with appropriate arguments before using this estimator.")
        return self.model_

    def _check_features(self, X: NDArray[Any]) -> None:
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but MLPClassifier is expecting"
                             f" {self.n_features_in_} features as input.")

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float32]:
        """Probabilities (n, len(classes_)) float32, columns in the order of ``classes_``."""
        model = self._model()
        X = check_X(X, "MLPClassifier")
        self._check_features(X)
        return model.predict(X)

    def predict_log_proba(self, X: ArrayLike) -> NDArray[np.float32]:
        """log of ``predict_proba`` (n, len(classes_))."""
        with np.errstate(divide="ignore"):
            log_p: NDArray[np.float32] = np.log(self.predict_proba(X))
        return log_p

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predicted labels (n,), values taken from ``classes_``."""
        model = self._model()
        X = check_X(X, "MLPClassifier")
        self._check_features(X)
        return self.classes_[model.predict_classes(X)]

    # -- the weights, as scikit-learn names them -----------------------------------------
    def _dense(self) -> list[Dense]:
        return [layer for layer in self._model().layers if isinstance(layer, Dense)]

    @property
    def coefs_(self) -> list[NDArray[Any]]:
        """Weight matrices W (d_in, d_out) per layer: views of the model's parameters."""
        return [layer.W for layer in self._dense()]

    @property
    def intercepts_(self) -> list[NDArray[Any]]:
        """Bias vectors b (d_out,) per layer: views of the model's parameters."""
        return [layer.b for layer in self._dense()]

    @property
    def n_layers_(self) -> int:
        return len(self._dense()) + 1

    @property
    def n_outputs_(self) -> int:
        return self._dense()[-1].units

    @property
    def out_activation_(self) -> str:
        return "softmax"
