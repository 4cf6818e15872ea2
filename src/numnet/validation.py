"""Checks of X and y as scikit-learn makes them, with scikit-learn's messages, in NumPy only.

``numnet.MLPClassifier`` validates its inputs here so that it behaves as scikit-learn's own
estimators do (and passes ``check_estimator``) whether scikit-learn is installed or not.

    check_X(X, who)   ->  (n, d) float32: 2-D (images (n, h, w) are flattened), numeric,
                          finite, real, dense, at least one sample and one feature
    check_y(y, n)     ->  (n,) labels: present, finite, discrete (not a regression target),
                          a column vector (n, 1) raveled with a DataConversionWarning

A sparse matrix is refused with a TypeError that says how to densify it.  The warning and
"not fitted" classes are scikit-learn's when it is importable, so ``except NotFittedError``
and ``pytest.warns(DataConversionWarning)`` work as scikit-learn users expect.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:  # scikit-learn's classes when it is installed, look-alikes otherwise
    from sklearn.exceptions import DataConversionWarning as DataConversionWarning
    from sklearn.exceptions import NotFittedError as NotFittedError
except ImportError:  # pragma: no cover - exercised in the test without scikit-learn

    class NotFittedError(ValueError, AttributeError):  # type: ignore[no-redef]
        """The estimator is used before ``fit``."""

    class DataConversionWarning(UserWarning):  # type: ignore[no-redef]
        """The input was converted (e.g. a column vector y raveled)."""


def _is_sparse(a: Any) -> bool:
    """A scipy.sparse matrix or array, recognised without importing SciPy."""
    return type(a).__module__.startswith("scipy.sparse")


def _as_array(a: Any, what: str) -> NDArray[Any]:
    if _is_sparse(a):
        raise TypeError(f"Sparse data was passed for {what}, but dense data is required. Use"
                        " '.toarray()' to convert to a dense numpy array.")
    arr = np.asarray(a)
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    if what == "X" and (arr.dtype.kind in "OUSV" or arr.dtype == bool):
        arr = arr.astype(np.float64)  # NumPy's own TypeError / ValueError for what is not a number
    return arr


def _check_finite(a: NDArray[Any], what: str) -> None:
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        kind = "NaN" if np.isnan(a).any() else f"infinity or a value too large for {a.dtype!r}"
        raise ValueError(f"Input {what} contains {kind}.")


def check_X(X: Any, who: str) -> NDArray[np.float32]:
    """X as (n, d) float32 (a view when it already is); ``who`` names the estimator."""
    a = _as_array(X, "X")
    if a.ndim < 2:
        raise ValueError(f"Expected 2D array, got {'scalar' if a.ndim == 0 else '1D'} array"
                         f" instead: array={a!r}. Reshape your data either using"
                         " array.reshape(-1, 1) if your data has a single feature or"
                         " array.reshape(1, -1) if it contains a single sample.")
    if a.shape[0] < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={a.shape}) while a minimum of 1"
                         f" is required by {who}.")
    a = a.reshape(len(a), -1)
    if a.shape[1] < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={a.shape}) while a minimum of"
                         f" 1 is required by {who}.")
    _check_finite(a, "X")
    return a.astype(np.float32, copy=False)


def check_y(y: Any, n_samples: int, who: str) -> NDArray[Any]:
    """Class labels (n_samples,) of any sortable type, checked as scikit-learn checks them."""
    if y is None:
        raise ValueError(f"{who} requires y to be passed, but the target y is None.")
    a = _as_array(y, "y")
    if a.ndim == 2 and a.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please change"
                      " the shape of y to (n_samples, ), for example using ravel().",
                      DataConversionWarning, stacklevel=3)
        a = a.ravel()
    if a.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {a.shape} instead.")
    if len(a) != n_samples:
        raise ValueError("Found input variables with inconsistent numbers of samples:"
                         f" [{n_samples}, {len(a)}]")
    _check_finite(a, "y")
    if a.dtype.kind == "f" and np.any(a != np.round(a)):
        raise ValueError("Unknown label type: continuous. Maybe you are trying to fit a"
                         " classifier, which expects discrete classes on a regression target"
                         " with continuous values.")
    return a
