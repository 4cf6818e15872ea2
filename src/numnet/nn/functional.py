"""The mathematics of a neural network, as pure NumPy functions.

Nothing here keeps state, reads files or prints.  Each forward function sits next to its
derivative.  Functions that work along a "class" axis take ``axis``: the classic network
(``numnet.twolayer``) is column-major and uses ``axis=0``; the layer library (``numnet.nn``)
is row-major and uses the default ``axis=-1``.  dtypes are preserved (float32 in, float32
out), so the same code serves fast training and float64 gradient checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray


def relu(z: NDArray[Any]) -> NDArray[Any]:
    """ReLU(z) = max(z, 0), elementwise."""
    out: NDArray[Any] = np.maximum(z, 0)
    return out


def relu_grad(z: NDArray[Any]) -> NDArray[Any]:
    """dReLU/dz = 1 where z > 0, else 0 (the subgradient at 0 is taken as 0)."""
    return (z > 0).astype(z.dtype)


def sigmoid(z: NDArray[Any]) -> NDArray[Any]:
    """sigma(z) = 1 / (1 + e^-z), computed without overflow for large |z|.

    For z >= 0 use 1 / (1 + e^-z); for z < 0 use e^z / (1 + e^z): the exponent is never
    positive, so exp never overflows.
    """
    e: NDArray[Any] = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def softmax(z: NDArray[Any], axis: int = -1) -> NDArray[Any]:
    """softmax(z)_k = e^(z_k - max z) / sum_j e^(z_j - max z) along ``axis``.

    Shifting by the maximum changes nothing mathematically and keeps exp from overflowing.
    """
    e: NDArray[Any] = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(
    z: NDArray[Any], axis: int = -1, out: NDArray[Any] | None = None
) -> NDArray[Any]:
    """log softmax(z)_k = (z_k - max z) - log sum_j e^(z_j - max z), stable for any z.

    ``out`` (same shape as z) receives the result, for callers that reuse a buffer per batch.
    """
    shifted: NDArray[Any] = np.subtract(z, z.max(axis=axis, keepdims=True), out=out)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def one_hot(y: ArrayLike, num_classes: int = 10, dtype: DTypeLike = np.float32) -> NDArray[Any]:
    """Labels (n,) int -> one-hot rows (n, num_classes): row i has a 1 in column y[i]."""
    labels = np.asarray(y)
    out = np.zeros((labels.size, num_classes), dtype=dtype)
    out[np.arange(labels.size), labels.ravel()] = 1
    return out


def cross_entropy(probs: NDArray[Any], targets: NDArray[Any], axis: int = -1) -> float:
    """Mean cross-entropy -1/n sum_i sum_k t_ik log p_ik, for one-hot (or soft) targets.

    ``probs`` and ``targets`` have the same shape; the classes lie along ``axis``.
    Probabilities are clipped away from 0 so that log never returns -inf.
    """
    n = probs.size // probs.shape[axis]
    eps = np.finfo(probs.dtype).tiny
    return float(-(targets * np.log(np.maximum(probs, eps))).sum() / n)


def accuracy(predictions: ArrayLike, labels: ArrayLike) -> float:
    """Fraction of predictions equal to the labels."""
    return float(np.mean(np.asarray(predictions) == np.asarray(labels)))


def confusion_counts(
    labels: NDArray[np.integer[Any]], predicted: NDArray[np.integer[Any]], k: int = 10
) -> NDArray[np.intp]:
    """C (k, k) int64: C[i, j] = number of samples of class i predicted as j."""
    return np.bincount(labels.astype(np.int64) * k + predicted, minlength=k * k).reshape(k, k)


def count_correct(z: NDArray[Any], y: NDArray[Any]) -> int:
    """Number of rows of z (n, k) whose largest entry is the label y (n,) (or, for one-hot or
    soft targets y (n, k), the target's largest entry)."""
    labels = y if y.ndim == 1 else y.argmax(axis=1)
    return int(np.count_nonzero(z.argmax(axis=1) == labels))
