"""The classic two-layer network, function for function and call for call as the tutorial has it.

A drop-in for the tutorial
--------------------------
The well-known from-scratch MNIST tutorial defines a dozen small functions and then calls
them.  Delete its definitions, write ``from numnet.twolayer import *`` in their place, and
the rest of the script runs unchanged: every function below takes the tutorial's arguments in
the tutorial's order and returns what the tutorial's returns (``init_params()`` gives
``W1, b1, W2, b2``; ``forward_propagation(X, W1, b1, W2, b2)`` gives ``Z1, A1, Z2, A2``; and so
on).  What numnet adds is keyword-only (``hidden=``, ``seed=``, ``dtype=``, ``print_every=``,
``callback=``), so no positional call can reach it by accident.  The star import brings the
tutorial's thirteen names and nothing else.  Copies written from the *original* notebook, with
its names (``forward_prop``, ``backward_prop``, ``ReLU_deriv``, ``test_prediction``) and
argument orders, are served by one labelled block of one-line aliases near the end.

The problem
-----------
An MNIST image is 28 x 28 = 784 grey levels, scaled to [0, 1].  We want a function from those
784 numbers to the digit they show.  We build it from two layers of "neurons", and rather than
choosing its 7,960 numbers by hand we let the data choose them.

The tutorial stacks the m images as the *columns* of one matrix ``X`` of shape (784, m):
column i is image i.  (``numnet.nn`` puts images in rows instead; this module keeps the
tutorial's columns.)  The labels are ``Y`` : (m,) integers 0..9.

The network
-----------
A hidden layer of h units (10 in the tutorial) and an output layer of 10 units, one per digit::

    W1 : (h, 784)   b1 : (h, 1)        W2 : (10, h)   b2 : (10, 1)

Forward propagation turns images into class probabilities, four lines::

    Z1 = W1 X + b1          (h, m)     unit j's weighted sum for image i is Z1[j, i]
    A1 = ReLU(Z1)           (h, m)     ReLU(z) = max(z, 0): a unit is silent or proportional
    Z2 = W2 A1 + b2         (10, m)    one score per digit
    A2 = softmax(Z2)        (10, m)    A2[k, i] = e^Z2[k, i] / sum_j e^Z2[j, i]

The bias column b1 is added to every one of the m columns (NumPy broadcasts it).  Each column
of A2 is a probability distribution over the ten digits; the prediction is its largest entry.

How wrong is it?
----------------
The loss is the mean cross-entropy: minus the log of the probability given to the true digit,
averaged over images.  With ``one_hot(Y)`` : (10, m), the column of zeros with a 1 in row Y[i]::

    L = -1/m  sum_i sum_k  one_hot(Y)[k, i] log A2[k, i]  =  -1/m sum_i log A2[Y[i], i]

Learning
--------
Backward propagation is the chain rule applied to the four forward lines from the bottom up.
Softmax and cross-entropy together have a famously simple derivative, "prediction minus
truth"::

    dZ2 = (A2 - one_hot(Y)) / m        (10, m)
    dW2 = dZ2 A1^T                     (10, h)
    db2 = sum over images of dZ2       (10, 1)
    dZ1 = (W2^T dZ2) * ReLU'(Z1)       (h, m)    * is elementwise; ReLU'(z) = 1 if z > 0 else 0
    dW1 = dZ1 X^T                      (h, 784)
    db1 = sum over images of dZ1       (h, 1)

and gradient descent moves every parameter a small step ``alpha`` downhill::

    W1 <- W1 - alpha dW1     (and the same for b1, W2, b2)

Repeat a few hundred times on all 60,000 training images at once and about 90% of the test
images are read correctly.  ``examples/classic_tutorial.ipynb`` walks through it in Jupyter.

The mathematics is written out here, where the learner reads it.  Training runs in float32 by
default (half the memory of float64, and all the precision this network needs);
``dtype=np.float64`` is there for gradient checks.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from numnet.core.atomic import write_bytes
from numnet.core.errors import DivergenceError, ModelFileError
from numnet.tutorial import safe_pickle

# Exactly the tutorial's names: ``from numnet.twolayer import *`` brings these and no more.
__all__ = [
    "ReLU",
    "derivative_ReLU",
    "softmax",
    "init_params",
    "forward_propagation",
    "one_hot",
    "backward_propagation",
    "update_params",
    "get_predictions",
    "get_accuracy",
    "gradient_descent",
    "make_predictions",
    "show_prediction",
]

#: any NumPy array (the functions keep the dtype they are given: float32, or float64)
Array = NDArray[Any]

#: the parameters, in the tutorial's order
PARAM_NAMES = ("W1", "b1", "W2", "b2")

#: ``W1, b1, W2, b2``, as the tutorial passes them around
Params = tuple[Array, Array, Array, Array]


# --- the building blocks ------------------------------------------------------------------


def ReLU(Z: Array) -> Array:
    """ReLU(Z) = max(Z, 0), elementwise; any shape, same dtype."""
    return np.maximum(Z, 0)


def derivative_ReLU(Z: Array) -> Array:
    """ReLU'(Z): 1 where Z > 0, else 0; same shape and dtype as Z (the tutorial's ``Z > 0``)."""
    return (Z > 0).astype(Z.dtype)


def softmax(Z: Array) -> Array:
    """Column-wise softmax of Z : (10, m): A[k, i] = e^Z[k, i] / sum_j e^Z[j, i].

    Subtracting a constant from a column changes nothing (it cancels between numerator and
    denominator), so each column is shifted by its own maximum first: then e^ never overflows.
    (The tutorial shifts by the maximum of the whole matrix, which is the same mathematics
    but lets a column far below that maximum underflow to 0 / 0.)
    """
    E: Array = np.exp(Z - Z.max(axis=0, keepdims=True))
    E /= E.sum(axis=0, keepdims=True)
    return E


def one_hot(Y: ArrayLike, *, classes: int = 10, dtype: DTypeLike = np.float32) -> Array:
    """Labels Y : (m,) -> (classes, m) zeros with a 1 in row Y[i] of column i.

    Always ``classes`` rows (the tutorial's ``Y.max() + 1`` rows would lose a row whenever
    the batch happens to hold no 9).
    """
    Y = np.asarray(Y)
    one_hot_Y = np.zeros((classes, Y.size), dtype=dtype)
    one_hot_Y[Y, np.arange(Y.size)] = 1
    return one_hot_Y


def init_params(
    *,
    hidden: int = 10,
    inputs: int = 784,
    classes: int = 10,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
) -> Params:
    """Random weights and zero biases: ``W1, b1, W2, b2``.

    W1 : (hidden, inputs), b1 : (hidden, 1), W2 : (classes, hidden), b2 : (classes, 1).
    Weights are N(0, 1) * sqrt(1 / fan_in) (the tutorial's "performance" initialisation): that
    keeps each Z about as large as the layer's inputs, so no layer starts saturated or silent.
    The numbers are drawn in float64 and then cast, so one seed gives the same start in any
    dtype.
    """
    rng = np.random.default_rng(seed)
    W1 = (rng.standard_normal((hidden, inputs)) * np.sqrt(1 / inputs)).astype(dtype)
    W2 = (rng.standard_normal((classes, hidden)) * np.sqrt(1 / hidden)).astype(dtype)
    return W1, np.zeros((hidden, 1), dtype), W2, np.zeros((classes, 1), dtype)


# --- one step of learning -----------------------------------------------------------------


def _column(b: ArrayLike) -> Array:
    """A bias as an (h, 1) column; many copies of the tutorial keep (h,) vectors (a view)."""
    return np.reshape(b, (-1, 1))


def forward_propagation(
    X: Array, W1: Array, b1: Array, W2: Array, b2: Array
) -> tuple[Array, Array, Array, Array]:
    """Images X : (784, m) -> ``Z1, A1, Z2, A2``; A2 : (10, m) holds the probabilities."""
    Z1 = W1 @ X  # (h, m)
    Z1 += _column(b1)  # the bias column is added to each of the m columns (in place: no copy)
    A1 = ReLU(Z1)
    Z2 = W2 @ A1  # (10, m)
    Z2 += _column(b2)
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def backward_propagation(
    X: Array, Y: ArrayLike, A1: Array, A2: Array, W2: Array, Z1: Array, m: int
) -> tuple[Array, Array, Array, Array]:
    """Gradients ``dW1, db1, dW2, db2`` of the mean cross-entropy over the m images.

    X : (784, m) images, Y : (m,) integer labels, A1, Z1 : (h, m) and A2 : (10, m) from
    ``forward_propagation``, W2 : (10, h).  Each gradient has its parameter's shape; the
    biases' are (h, 1) columns.

    Two slips are common in copies of the tutorial, and numnet makes neither:

    - ``dZ2 = 2 * (A2 - one_hot_Y)``: the 2 belongs to the derivative of a *squared* error.
      For softmax with cross-entropy the derivative is exactly ``A2 - one_hot_Y``; the 2 only
      doubles every step, as if alpha were twice as large.
    - ``db2 = 1 / m * np.sum(dZ2)`` (the original notebook): without ``axis=1`` the sum runs
      over the units as well as the images, so all ten biases receive one shared number,
      the sum of their ten true gradients.  Each bias has its own gradient, the sum over the
      images of its own row of dZ; numnet sums per unit.
    """
    # dZ2[k, i] = dL/dZ2[k, i] = (A2[k, i] - one_hot(Y)[k, i]) / m: for image i and digit k,
    # the probability given minus the truth (1 for the right digit, else 0), over m.
    dZ2 = A2 - one_hot(Y, classes=A2.shape[0], dtype=A2.dtype)
    dZ2 *= 1 / m
    # dW2[k, j] = sum_i dZ2[k, i] A1[j, i]: the sum over images i is the matrix product.
    dW2 = dZ2 @ A1.T
    # db2[k] = sum_i dZ2[k, i]: b2 was added to every image's column, so its gradient sums
    # them (axis 1 runs over images; keepdims leaves the (10, 1) column b2 has).
    db2 = dZ2.sum(axis=1, keepdims=True)
    # dZ1[j, i] = sum_k W2[k, j] dZ2[k, i] * ReLU'(Z1[j, i]): the error flows back along the
    # same weights W2 (hence W2^T), and stops at units that were silent (Z1 <= 0).
    dZ1 = W2.T @ dZ2
    dZ1 *= derivative_ReLU(Z1)
    # dW1[j, p] = sum_i dZ1[j, i] X[p, i] for pixel p (X.T is a view: no copy of X).
    dW1 = dZ1 @ X.T
    db1 = dZ1.sum(axis=1, keepdims=True)
    return dW1, db1, dW2, db2


def update_params(
    alpha: float,
    W1: Array,
    b1: Array,
    W2: Array,
    b2: Array,
    dW1: Array,
    db1: Array,
    dW2: Array,
    db2: Array,
) -> Params:
    """One step of gradient descent, P <- P - alpha dP, in place; returns ``W1, b1, W2, b2``.

    In place, as the tutorial's ``W1 -= alpha * dW1``: the arrays passed in are the ones
    returned.  A bias gradient may be an (h, 1) column or an (h,) vector; it is laid along its
    bias (``b1 - alpha * db1`` with b1 (10, 1) and db1 (10,) would otherwise broadcast to a
    (10, 10) matrix).  A single number (the scalar-db slip, see ``backward_propagation``) is
    applied to every unit, as the original notebook's own update does.

    The original notebook passes alpha *last*, ``update_params(W1, b1, W2, b2, dW1, db1,
    dW2, db2, alpha)``.  alpha is the only number among arrays, so both orders are recognised.
    """
    if np.ndim(alpha) != 0:  # the original notebook's order: alpha came last
        if np.ndim(db2) != 0:
            raise TypeError("update_params: alpha, a number, goes first (or last), not an array")
        return update_params(db2, alpha, W1, b1, W2, b2, dW1, db1, dW2)  # type: ignore[arg-type]
    for P, dP in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
        P -= alpha * (dP if np.ndim(dP) == 0 else np.reshape(dP, P.shape))
    return W1, b1, W2, b2


def get_predictions(A2: Array) -> Array:
    """Probabilities A2 : (10, m) -> digits (m,): the most probable row of each column."""
    predictions: Array = np.argmax(A2, axis=0)
    return predictions


def get_accuracy(predictions: ArrayLike, Y: ArrayLike) -> float:
    """The fraction of predictions equal to the labels Y, as a float in [0, 1]."""
    Y = np.asarray(Y)
    return float(np.sum(np.asarray(predictions) == Y) / Y.size)


def _loss(A2: Array, Y: Array) -> float:
    """Mean cross-entropy -1/m sum_i log A2[Y[i], i] (log of at least the smallest float)."""
    right = A2[Y, np.arange(Y.size)]  # (m,): the probability given to each true digit
    return float(-np.log(np.maximum(right, np.finfo(A2.dtype).tiny)).mean())


# --- the whole training loop --------------------------------------------------------------

#: ``callback(iteration, accuracy, loss)``, called at every reported iteration
Callback = Callable[[int, float, float], None]


def gradient_descent(
    X: ArrayLike,
    Y: ArrayLike,
    alpha: float,
    iterations: int,
    *,
    hidden: int = 10,
    seed: int = 0,
    dtype: DTypeLike = np.float32,
    print_every: int = 10,
    verbose: bool = True,
    callback: Callback | None = None,
) -> Params:
    """Learn ``W1, b1, W2, b2`` from all of X at once: ``iterations`` steps of size ``alpha``.

    X : (784, m) floats in [0, 1], one image per column; Y : (m,) integer labels 0..9.
    X is converted to ``dtype`` once (float32 unless asked: no copy if it already is).

    Every ``print_every`` iterations, and at the last, the training accuracy of that
    iteration's forward pass (before its update) is printed on one short line, as the
    tutorial does (``verbose=False`` keeps quiet), and ``callback(iteration, accuracy,
    loss)`` is called if given: that is how to keep a history::

        history = []
        W1, b1, W2, b2 = gradient_descent(X, Y, 0.1, 500,
                                          callback=lambda *row: history.append(row))

    Raises ValueError for data of the wrong shape or kind, DivergenceError if the loss
    becomes NaN or infinite (alpha too large).
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.floating):
        raise ValueError(
            f"X must be a 2-D array of float pixels in [0, 1] (e.g. x / 255), got {X.dtype} "
            f"{X.shape}"
        )
    if Y.shape != (X.shape[1],) or not np.issubdtype(Y.dtype, np.integer):
        columns = Y.shape == (X.shape[0],)
        hint = " (transpose X: the tutorial's images are columns)" if columns else ""
        raise ValueError(
            f"X {X.shape} must hold one image per column and Y one integer label per image, "
            f"got Y {Y.dtype} {Y.shape}{hint}"
        )
    if Y.size and (Y.min() < 0 or Y.max() >= 10):
        raise ValueError(f"labels must be digits 0..9, found {Y.min()}..{Y.max()}")
    if print_every < 1:
        raise ValueError(f"print_every must be at least 1, got {print_every}")
    X = X.astype(dtype, copy=False)
    size, m = X.shape
    W1, b1, W2, b2 = init_params(hidden=hidden, inputs=size, seed=seed, dtype=dtype)
    width = len(str(iterations))
    # Overflow happens only when training diverges; it is reported once, below, as a
    # DivergenceError rather than a screenful of RuntimeWarnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(1, iterations + 1):
            Z1, A1, Z2, A2 = forward_propagation(X, W1, b1, W2, b2)
            dW1, db1, dW2, db2 = backward_propagation(X, Y, A1, A2, W2, Z1, m)
            W1, b1, W2, b2 = update_params(alpha, W1, b1, W2, b2, dW1, db1, dW2, db2)
            if i % print_every == 0 or i == iterations:
                accuracy, loss = get_accuracy(get_predictions(A2), Y), _loss(A2, Y)
                if not np.isfinite(loss):
                    raise DivergenceError(
                        f"training diverged at iteration {i} (loss {loss}) with alpha={alpha}; "
                        "try a smaller alpha"
                    )
                if verbose:
                    print(f"Iteration: {i:>{width}}/{iterations}   accuracy: {accuracy:.4f}")
                if callback is not None:
                    callback(i, accuracy, loss)
    return W1, b1, W2, b2


# --- using the trained network ------------------------------------------------------------


def make_predictions(X: Array, W1: Array, b1: Array, W2: Array, b2: Array) -> Array:
    """Images X : (784, m) -> predicted digits (m,)."""
    _, _, _, A2 = forward_propagation(X.astype(W1.dtype, copy=False), W1, b1, W2, b2)
    return get_predictions(A2)


#: Matplotlib backends that cannot show a picture (Jupyter's inline backend can)
_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def show_prediction(
    index: int,
    X: Array,
    Y: ArrayLike,
    W1: Array,
    b1: Array,
    W2: Array,
    b2: Array,
    *,
    path: str | os.PathLike[str] | None = None,
) -> Path | None:
    """Show image ``index`` (column ``index`` of X : (784, m)) with its prediction and label.

    Prints ``Prediction: 7   Label: 7`` as the tutorial does, then draws the digit beside
    the network's ten probabilities.  Without ``path`` the picture is shown: inline in
    Jupyter, in a window where there is a screen; only where neither is possible (a script on
    a server) is it written to ``prediction_<index>.png``, and that name is printed.  With
    ``path`` it is written there.  Returns the path written, or None when shown.
    """
    from numnet import plots  # Matplotlib only when a picture is asked for

    x = X[:, index, None]  # (784, 1): one column, still a matrix
    _, _, _, A2 = forward_propagation(x.astype(W1.dtype, copy=False), W1, b1, W2, b2)
    prediction, label = int(get_predictions(A2)[0]), int(np.asarray(Y)[index])
    print(f"Prediction: {prediction}   Label: {label}")
    fig = plots.digit_prediction(x[:, 0], prediction, label, probs=A2[:, 0])
    if path is None:
        import matplotlib

        if matplotlib.get_backend().lower() not in _NON_INTERACTIVE:
            plots.show(fig)
            return None
        path = f"prediction_{index}.png"
    written = plots.save_figure(fig, path)
    print(f"saved {written}")
    return written


# --- the original notebook's names --------------------------------------------------------
# The original notebook of this tutorial, and the many scripts copied from it, use other names
# and argument orders for the same steps.  Each is a one-line alias over the functions above,
# so those scripts run too (import these by name: they are not in __all__).  The names the
# two share (init_params, get_predictions, get_accuracy, gradient_descent, make_predictions)
# are the functions above; update_params accepts the original's order, alpha last, as well.


def forward_prop(
    W1: Array, b1: Array, W2: Array, b2: Array, X: Array
) -> tuple[Array, Array, Array, Array]:
    """The original's ``forward_prop(W1, b1, W2, b2, X)``: ``forward_propagation``."""
    return forward_propagation(X, W1, b1, W2, b2)


def backward_prop(
    Z1: Array,
    A1: Array,
    Z2: Array,
    A2: Array,
    W1: Array,
    W2: Array,
    X: Array,
    Y: ArrayLike,
) -> tuple[Array, Array, Array, Array]:
    """The original's ``backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)``: m is Y's size."""
    return backward_propagation(X, Y, A1, A2, W2, Z1, np.size(Y))


ReLU_deriv = derivative_ReLU


def test_prediction(
    index: int,
    W1: Array,
    b1: Array,
    W2: Array,
    b2: Array,
    *,
    X: Array | None = None,
    Y: ArrayLike | None = None,
) -> Path | None:
    """The original's ``test_prediction(index, W1, b1, W2, b2)``: ``show_prediction``.

    The original reads the notebook's global ``X_train`` and ``Y_train``; so does this (the
    caller's globals), unless ``X=`` and ``Y=`` are given.
    """
    caller = sys._getframe(1).f_globals
    X = caller.get("X_train") if X is None else X
    Y = caller.get("Y_train") if Y is None else Y
    if X is None or Y is None:
        raise NameError("test_prediction shows X_train[:, index]: define X_train and Y_train")
    return show_prediction(index, X, Y, W1, b1, W2, b2)


test_prediction.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest


# --- files --------------------------------------------------------------------------------


def save_params(path: str | os.PathLike[str], W1: Array, b1: Array, W2: Array, b2: Array) -> Path:
    """Write the tutorial's pickle, ``pickle.dump((W1, b1, W2, b2), f)``, atomically.

    The file is exactly the tutorial's, so its ``W1, b1, W2, b2 = pickle.load(f)`` reads it;
    numnet reads it back with ``load_params``.  Only plain NumPy arrays go in.
    """
    params = _checked((W1, b1, W2, b2), path)
    write_bytes(path, pickle.dumps(params))
    return Path(path)


def load_params(path: str | os.PathLike[str]) -> Params:
    """Read ``W1, b1, W2, b2`` from a tutorial pickle, through numnet's allow-list.

    Accepts the tutorial's tuple (or list) ``(W1, b1, W2, b2)`` and a dict with those four
    keys (what numnet wrote before).  Unpickling goes through ``numnet.tutorial.safe_pickle``: only
    NumPy arrays and plain containers are built, anything else is refused before it runs.
    Shapes and dtypes are checked; a problem raises ModelFileError naming the file.
    """
    obj = safe_pickle.load(path)
    if isinstance(obj, dict) and set(obj) == set(PARAM_NAMES):
        obj = tuple(obj[k] for k in PARAM_NAMES)
    if not isinstance(obj, (tuple, list)) or len(obj) != len(PARAM_NAMES):
        found = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise ModelFileError(
            f"{path}: expected the classic network's parameters (W1, b1, W2, b2), found {found}"
        )
    return _checked(tuple(obj), path)


def _checked(params: tuple[Any, ...], path: str | os.PathLike[str]) -> Params:
    """Check W1 (h, d), b1 (h, 1), W2 (k, h), b2 (k, 1): one float dtype, finite values.

    (h,) bias vectors, which some copies of the tutorial save, become (h, 1) columns (views).
    """
    for name, a in zip(PARAM_NAMES, params, strict=True):
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            what = getattr(a, "dtype", type(a).__name__)
            raise ModelFileError(f"{path}: {name} must be a float32/float64 array, not {what}")
    W1, b1, W2, b2 = params
    if W1.ndim != 2 or W2.ndim != 2:
        raise ModelFileError(f"{path}: W1 {W1.shape} and W2 {W2.shape} must be 2-D matrices")
    h, k = W1.shape[0], W2.shape[0]
    b1, b2 = (_column(b) if b.ndim == 1 else b for b in (b1, b2))
    for name, a, shape in (("b1", b1, (h, 1)), ("W2", W2, (k, h)), ("b2", b2, (k, 1))):
        if a.shape != shape:
            raise ModelFileError(
                f"{path}: {name} has shape {a.shape}, expected {shape} for W1 of shape {W1.shape}"
            )
    checked = (W1, b1, W2, b2)
    if len({a.dtype for a in checked}) != 1:
        raise ModelFileError(f"{path}: W1, b1, W2, b2 must share one dtype")
    if not all(np.isfinite(a).all() for a in checked):
        raise ModelFileError(f"{path}: the parameters contain NaN or infinity")
    return checked


# --- the model interface numnet's tools share ---------------------------------------------


class TwoLayerClassifier:
    """The classic network behind the row-major model interface (``numnet evaluate``, web page).

    ``predict_proba(x)`` / ``predict(x)`` take images as rows, like ``numnet.nn.Sequential``:
    ``(n, 28, 28)``, ``(n, 784)`` or ``(n, 1, 28, 28)``, uint8 (scaled by 1/255) or float in
    [0, 1], and transpose them to the tutorial's columns internally.  ``params`` names the
    arrays: ``{"W1": ..., "b1": ..., "W2": ..., "b2": ...}``.
    """

    def __init__(
        self,
        W1: Array,
        b1: Array,
        W2: Array,
        b2: Array,
        *,
        source: str | os.PathLike[str] = "parameters",
    ) -> None:
        checked = _checked((W1, b1, W2, b2), source)
        if checked[0].shape[1] != 784 or checked[2].shape[0] != 10:
            raise ModelFileError(
                f"{source}: W1 {checked[0].shape} and W2 {checked[2].shape} do not map 784 "
                "pixels to 10 digits"
            )
        self.params = dict(zip(PARAM_NAMES, checked, strict=True))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TwoLayerClassifier:
        """Read a tutorial pickle (through the allow-list)."""
        return cls(*load_params(path), source=path)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the tutorial's pickle of ``(W1, b1, W2, b2)``."""
        return save_params(path, *self.params.values())

    @property
    def hidden(self) -> int:
        """Number of hidden units h."""
        return int(self.params["W1"].shape[0])

    def predict_proba(self, x: ArrayLike) -> Array:
        """Images (n, ...) -> probabilities (n, 10) float32, one row per image."""
        X = _as_rows(x, self.params["W1"].dtype).T  # (784, n): a view, no copy
        _, _, _, A2 = forward_propagation(X, *self.params.values())
        return np.ascontiguousarray(A2.T, dtype=np.float32)

    def predict(self, x: ArrayLike) -> Array:
        """Images (n, ...) -> predicted digits (n,) int64."""
        digits: Array = self.predict_proba(x).argmax(axis=1).astype(np.int64)
        return digits

    def __repr__(self) -> str:
        return f"TwoLayerClassifier(hidden={self.hidden}, dtype={self.params['W1'].dtype})"


def _as_rows(x: ArrayLike, dtype: DTypeLike) -> Array:
    """(n, 28, 28), (n, 784) or (n, 1, 28, 28), uint8 or float -> (n, 784) in [0, 1]."""
    x = np.asarray(x)
    if x.ndim < 2 or np.prod(x.shape[1:]) != 784:
        raise ValueError(f"expected images of 784 pixels as (n, 28, 28) or (n, 784), got {x.shape}")
    x = x.reshape(len(x), 784)
    if x.dtype == np.uint8:
        scaled: Array = x.astype(dtype) * np.asarray(1 / 255, dtype=dtype)
        return scaled
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"expected uint8 or float images, got {x.dtype}")
    return x.astype(dtype, copy=False)
