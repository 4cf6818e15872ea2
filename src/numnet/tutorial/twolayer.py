"""The classic two-layer network, one function per step, as the well-known tutorial writes it.

The story
---------
An MNIST image is 28 x 28 = 784 grey levels.  We stack m images as the *columns* of a
matrix ``X`` of shape (784, m): column i is image i (this column-major layout is the
tutorial's; ``numnet.nn`` uses rows instead).  The labels are ``Y`` : (m,) integers 0..9.

The network has one hidden layer of ``h`` units (10 in the tutorial) and an output layer of
10 units, one per digit::

    W1 : (h, 784)   b1 : (h, 1)        W2 : (10, h)   b2 : (10, 1)

Forward propagation turns the images into class probabilities::

    Z1 = W1 X + b1          (h, m)     the bias column is broadcast over the m columns
    A1 = ReLU(Z1)           (h, m)     ReLU(z) = max(z, 0)
    Z2 = W2 A1 + b2         (10, m)
    A2 = softmax(Z2)        (10, m)    each column is a probability distribution

and the loss is the mean cross-entropy against the one-hot labels ``Y1h`` : (10, m)::

    L = -1/m  sum_i sum_k  Y1h[k, i] log A2[k, i]

Backward propagation is the chain rule applied to these four lines from the bottom up
(softmax and cross-entropy together have the famously simple derivative ``A2 - Y1h``)::

    dZ2 = (A2 - Y1h) / m               (10, m)
    dW2 = dZ2 A1^T                     (10, h)
    db2 = sum over columns of dZ2      (10, 1)
    dZ1 = (W2^T dZ2) * ReLU'(Z1)       (h, m)    * is elementwise
    dW1 = dZ1 X^T                      (h, 784)
    db1 = sum over columns of dZ1      (h, 1)

and gradient descent moves every parameter a step ``alpha`` against its gradient::

    W1 <- W1 - alpha dW1     (and the same for b1, W2, b2)

The mathematics itself (ReLU, softmax, one-hot, accuracy) lives in ``numnet.nn.functional``
and is reused here; this module arranges it in the tutorial's order and names.  Everything
is float32 by default (fast); pass float64 data for gradient checks.

Parameters travel as a dict ``{"W1", "b1", "W2", "b2"}``, whose keys are the tutorial's
argument names, so ``forward_propagation(**params, X=X)`` and
``make_predictions(X, **params)`` read as the tutorial does.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from numnet.core.atomic import write_bytes
from numnet.core.errors import DivergenceError, ModelFileError
from numnet.nn import functional
from numnet.tutorial import safe_pickle

#: the parameter names, in the tutorial's order
PARAM_NAMES = ("W1", "b1", "W2", "b2")

Params = dict[str, NDArray]


# --- the building blocks ------------------------------------------------------------------


def ReLU(Z: NDArray) -> NDArray:
    """ReLU(Z) = max(Z, 0), elementwise; any shape."""
    return functional.relu(Z)


def derivative_ReLU(Z: NDArray) -> NDArray:
    """dReLU/dZ: 1 where Z > 0, else 0; same shape and dtype as Z."""
    return functional.relu_grad(Z)


def softmax(Z: NDArray) -> NDArray:
    """Column-wise softmax: A[k, i] = e^Z[k, i] / sum_j e^Z[j, i]; Z : (10, m).

    Stable: each column is shifted by its maximum first, so e^ never overflows.
    """
    return functional.softmax(Z, axis=0)


def one_hot(Y: ArrayLike, num_classes: int = 10, dtype: DTypeLike = np.float32) -> NDArray:
    """Labels Y : (m,) -> one-hot columns (num_classes, m): column i has a 1 in row Y[i]."""
    return functional.one_hot(Y, num_classes, dtype=dtype).T


def init_params(
    hidden: int = 10,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
    inputs: int = 784,
    classes: int = 10,
) -> Params:
    """Random weights, zero biases: W ~ N(0, 1) * sqrt(1 / fan_in).

    Scaling by sqrt(1/fan_in) (Xavier's rule by fan-in) keeps the variance of Z about the
    variance of the layer's input, so neither layer starts saturated or silent.  The random
    numbers are drawn in float64 then cast, so one seed gives the same start in any dtype.
    """
    rng = np.random.default_rng(seed)
    return {
        "W1": (rng.standard_normal((hidden, inputs)) * np.sqrt(1 / inputs)).astype(dtype),
        "b1": np.zeros((hidden, 1), dtype=dtype),
        "W2": (rng.standard_normal((classes, hidden)) * np.sqrt(1 / hidden)).astype(dtype),
        "b2": np.zeros((classes, 1), dtype=dtype),
    }


# --- one step of learning -----------------------------------------------------------------


def forward_propagation(
    W1: NDArray, b1: NDArray, W2: NDArray, b2: NDArray, X: NDArray
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Images X : (784, m) -> (Z1, A1, Z2, A2); A2 : (10, m) holds the probabilities."""
    Z1 = W1 @ X
    Z1 += b1  # in place: one (h, m) array fewer per step
    A1 = ReLU(Z1)
    Z2 = W2 @ A1
    Z2 += b2
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def backward_propagation(
    Z1: NDArray,
    A1: NDArray,
    Z2: NDArray,
    A2: NDArray,
    W1: NDArray,
    W2: NDArray,
    X: NDArray,
    one_hot_Y: NDArray,
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Gradients (dW1, db1, dW2, db2) of the mean cross-entropy, by the chain rule.

    ``one_hot_Y`` : (10, m) is ``one_hot(Y)``, computed once by the caller rather than at
    every step.  Shapes of the results equal those of the parameters.  ``Z2`` and ``W1``
    are not needed by the equations; they are accepted so the call reads as the tutorial's.
    """
    m = X.shape[1]
    # dZ2[k, i] = dL/dZ2[k, i] = (A2[k, i] - Y1h[k, i]) / m : softmax and cross-entropy
    # together differentiate to "prediction minus truth", for image i and class k.
    dZ2 = A2 - one_hot_Y
    dZ2 *= 1 / m
    # dW2[k, j] = sum_i dZ2[k, i] A1[j, i]: the sum over images is the matrix product.
    dW2 = dZ2 @ A1.T
    # db2[k] = sum_i dZ2[k, i]: the bias was broadcast over i, so its gradient sums over i.
    db2 = dZ2.sum(axis=1, keepdims=True)
    # dA1[j, i] = sum_k W2[k, j] dZ2[k, i], then through ReLU: zero where Z1[j, i] <= 0.
    dZ1 = W2.T @ dZ2
    dZ1 *= derivative_ReLU(Z1)
    # dW1[j, p] = sum_i dZ1[j, i] X[p, i]  (X.T is a view; BLAS reads it without a copy)
    dW1 = dZ1 @ X.T
    db1 = dZ1.sum(axis=1, keepdims=True)
    return dW1, db1, dW2, db2


def update_params(
    W1: NDArray,
    b1: NDArray,
    W2: NDArray,
    b2: NDArray,
    dW1: NDArray,
    db1: NDArray,
    dW2: NDArray,
    db2: NDArray,
    alpha: float,
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """One gradient-descent step, P <- P - alpha dP, in place; returns the same arrays."""
    for P, dP in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
        P -= alpha * dP
    return W1, b1, W2, b2


def get_predictions(A2: NDArray) -> NDArray:
    """Probabilities A2 : (10, m) -> predicted digits (m,): the most probable row per column."""
    return np.argmax(A2, axis=0)


def get_accuracy(predictions: ArrayLike, Y: ArrayLike) -> float:
    """Fraction of predictions equal to the labels Y."""
    return functional.accuracy(predictions, Y)


# --- the whole training loop --------------------------------------------------------------

#: ``callback(iteration, accuracy, loss)``, called at every measured iteration
Callback = Callable[[int, float, float], None]


def gradient_descent(
    X: NDArray,
    Y: ArrayLike,
    alpha: float,
    iterations: int,
    hidden: int = 10,
    seed: int = 0,
    print_every: int = 10,
    verbose: bool = True,
    callback: Callback | None = None,
) -> tuple[Params, dict[str, list]]:
    """Train on all of X at once (full batch) for ``iterations`` steps of size ``alpha``.

    X : (784, m) float (its dtype is the parameters' dtype), Y : (m,) int labels.

    Every ``print_every`` iterations (and at the last) the training accuracy and loss of
    that iteration's forward pass (before its update) are measured, printed as the tutorial
    does when ``verbose``, handed to ``callback(iteration, accuracy, loss)``, and recorded.
    Returns ``(params, history)`` with ``history = {"iteration", "accuracy", "loss"}`` lists.
    Raises DivergenceError if the loss becomes NaN or infinite (alpha too large).
    """
    if not np.issubdtype(X.dtype, np.floating):
        raise TypeError(f"X must be float images scaled to [0, 1], not {X.dtype}")
    Y = np.asarray(Y)
    params = init_params(hidden, seed, dtype=X.dtype, inputs=X.shape[0])
    W1, b1, W2, b2 = (params[k] for k in PARAM_NAMES)
    one_hot_Y = one_hot(Y, W2.shape[0], dtype=X.dtype)
    history: dict[str, list] = {"iteration": [], "accuracy": [], "loss": []}
    # Overflow is possible only when training diverges; it is reported below, once, as a
    # DivergenceError instead of a screenful of RuntimeWarnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(1, iterations + 1):
            Z1, A1, Z2, A2 = forward_propagation(W1, b1, W2, b2, X)
            if i % print_every == 0 or i == iterations:
                accuracy = get_accuracy(get_predictions(A2), Y)
                loss = functional.cross_entropy(A2, one_hot_Y, axis=0)
                if not np.isfinite(loss):
                    raise DivergenceError(
                        f"training diverged at iteration {i} (loss {loss}) with alpha={alpha}; "
                        "try a smaller alpha"
                    )
                for key, value in zip(history, (i, accuracy, loss), strict=True):
                    history[key].append(value)
                if verbose:
                    print(f"Iteration: {i:>5}   accuracy: {accuracy:.4f}   loss: {loss:.4f}")
                if callback is not None:
                    callback(i, accuracy, loss)
            grads = backward_propagation(Z1, A1, Z2, A2, W1, W2, X, one_hot_Y)
            update_params(W1, b1, W2, b2, *grads, alpha)
    return params, history


# --- using the trained network ------------------------------------------------------------


def make_predictions(X: NDArray, W1: NDArray, b1: NDArray, W2: NDArray, b2: NDArray) -> NDArray:
    """Images X : (784, m) -> predicted digits (m,)."""
    *_, A2 = forward_propagation(W1, b1, W2, b2, X.astype(W1.dtype, copy=False))
    return get_predictions(A2)


#: Matplotlib backends that cannot open a window
_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def show_prediction(
    index: int,
    X: NDArray,
    Y: ArrayLike,
    W1: NDArray,
    b1: NDArray,
    W2: NDArray,
    b2: NDArray,
    path: str | os.PathLike[str] | None = None,
) -> Path | None:
    """Picture image ``index`` (column of X : (784, m)) with "predicted" and "actual".

    Prints the prediction and the label as the tutorial does.  With ``path``, the picture
    is written there; without, it opens on screen if there is one, else it is written to
    ``prediction_<index>.png``.  Returns the path written, or None if shown on screen.
    """
    from numnet import plots  # Matplotlib only when a picture is asked for

    x = X[:, index : index + 1]
    *_, A2 = forward_propagation(W1, b1, W2, b2, x.astype(W1.dtype, copy=False))
    predicted, actual = int(get_predictions(A2)[0]), int(np.asarray(Y)[index])
    print(f"Prediction: {predicted}   Label: {actual}")
    fig = plots.digit_prediction(x[:, 0], predicted, actual, probs=A2[:, 0])
    if path is None:
        import matplotlib
        import matplotlib.pyplot as plt

        if matplotlib.get_backend().lower() not in _NON_INTERACTIVE:
            plt.show()
            return None
        path = f"prediction_{index}.png"
    written = plots.save_figure(fig, path)
    print(f"saved {written}")
    return written


# --- files --------------------------------------------------------------------------------


def save_params(params: Params, path: str | os.PathLike[str]) -> Path:
    """Write ``{"W1", "b1", "W2", "b2"}`` to ``path`` as a pickle (atomically), as the tutorial.

    Only plain NumPy arrays go in, so ``load_params`` can read it through the allow-list.
    """
    params = _checked({k: params[k] for k in PARAM_NAMES}, path)
    write_bytes(path, pickle.dumps(params))
    return Path(path)


def load_params(path: str | os.PathLike[str]) -> Params:
    """Read parameters written by ``save_params`` (or a tutorial pickle of W1, b1, W2, b2).

    Unpickling goes through ``numnet.tutorial.safe_pickle``: only NumPy arrays and plain containers
    are built, anything else is refused before it runs.  Keys, shapes and dtypes are
    checked; a problem raises ModelFileError naming the file.
    """
    obj = safe_pickle.load(path)
    if isinstance(obj, (tuple, list)) and len(obj) == len(PARAM_NAMES):
        obj = dict(
            zip(PARAM_NAMES, obj, strict=True)
        )  # the tutorial's pickle.dump((W1, b1, W2, b2), f)
    if not isinstance(obj, dict) or set(obj) != set(PARAM_NAMES):
        found = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise ModelFileError(
            f"{path}: expected the classic network's parameters W1, b1, W2, b2, found {found}"
        )
    return _checked(obj, path)


def _checked(params: Params, path: str | os.PathLike[str]) -> Params:
    """Check W1 (h, d), b1 (h, 1), W2 (k, h), b2 (k, 1), one float dtype, finite values."""
    for name in PARAM_NAMES:
        a = params[name]
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            what = getattr(a, "dtype", type(a).__name__)
            raise ModelFileError(f"{path}: {name} must be a float32/float64 array, not {what}")
        if a.ndim != 2:
            raise ModelFileError(f"{path}: {name} must be 2-D, has shape {a.shape}")
    W1, b1, W2, b2 = (params[k] for k in PARAM_NAMES)
    h, k = W1.shape[0], W2.shape[0]
    expected = {"b1": (h, 1), "W2": (k, h), "b2": (k, 1)}
    for name, shape in expected.items():
        if params[name].shape != shape:
            raise ModelFileError(
                f"{path}: {name} has shape {params[name].shape}, expected {shape} "
                f"for W1 of shape {W1.shape}"
            )
    if len({params[k].dtype for k in PARAM_NAMES}) != 1:
        raise ModelFileError(f"{path}: W1, b1, W2, b2 must share one dtype")
    if not all(np.isfinite(params[k]).all() for k in PARAM_NAMES):
        raise ModelFileError(f"{path}: the parameters contain NaN or infinity")
    return params


# --- the model interface numnet's tools share ---------------------------------------------


class TwoLayerClassifier:
    """The classic network behind the row-major model interface (``numnet evaluate``, web page).

    ``predict_proba(x)`` / ``predict(x)`` take images as rows, like ``numnet.nn.Sequential``:
    ``(n, 28, 28)``, ``(n, 784)`` or ``(n, 1, 28, 28)``, uint8 (scaled by 1/255) or float in
    [0, 1], and transpose them to the tutorial's columns internally.
    """

    def __init__(self, params: Params, source: str | os.PathLike[str] = "parameters") -> None:
        self.params = _checked({k: params[k] for k in PARAM_NAMES}, source)
        W1, W2 = self.params["W1"], self.params["W2"]
        if W1.shape[1] != 784 or W2.shape[0] != 10:
            raise ModelFileError(
                f"{source}: W1 {W1.shape} and W2 {W2.shape} do not map 784 pixels to 10 digits"
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TwoLayerClassifier:
        """Read a pickle written by ``save_params`` (through the allow-list)."""
        return cls(load_params(path), source=path)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return save_params(self.params, path)

    @property
    def hidden(self) -> int:
        """Number of hidden units h."""
        return self.params["W1"].shape[0]

    def predict_proba(self, x: ArrayLike) -> NDArray:
        """Images (n, ...) -> probabilities (n, 10) float32, one row per image."""
        X = _as_rows(x, self.params["W1"].dtype).T  # (784, n): a view, no copy
        *_, A2 = forward_propagation(**self.params, X=X)
        return np.ascontiguousarray(A2.T, dtype=np.float32)

    def predict(self, x: ArrayLike) -> NDArray:
        """Images (n, ...) -> predicted digits (n,) int64."""
        return self.predict_proba(x).argmax(axis=1).astype(np.int64)

    def __repr__(self) -> str:
        return f"TwoLayerClassifier(hidden={self.hidden}, dtype={self.params['W1'].dtype})"


def _as_rows(x: ArrayLike, dtype: DTypeLike) -> NDArray:
    """(n, 28, 28), (n, 784) or (n, 1, 28, 28), uint8 or float -> (n, 784) in [0, 1]."""
    x = np.asarray(x)
    if x.ndim < 2 or np.prod(x.shape[1:]) != 784:
        raise ValueError(f"expected images of 784 pixels as (n, 28, 28) or (n, 784), got {x.shape}")
    x = x.reshape(len(x), 784)
    if x.dtype == np.uint8:
        return x.astype(dtype) * np.asarray(1 / 255, dtype=dtype)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"expected uint8 or float images, got {x.dtype}")
    return x.astype(dtype, copy=False)
