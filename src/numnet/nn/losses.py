"""Losses: a number for how wrong a batch of outputs is, and its gradient.

A loss has ``forward(z, y) -> float`` (mean over the batch) and ``backward() -> dL/dz``.

SoftmaxCrossEntropy takes logits z : (n, k) and either integer labels y : (n,) or target
distributions y : (n, k) (one-hot rows, as Keras' ``categorical_crossentropy`` takes them).
Softmax and the cross-entropy are fused, because together they are both stable and simple:

    log p = z - max z - log sum_j e^(z_j - max z)          (stable log-softmax)
    t     = (1 - s) y + s / k          y = onehot(labels) or the given rows (smoothing s >= 0)
    L     = -1/n sum_i sum_k t_ik log p_ik
    dL/dz = (p - t) / n

Keras' names are accepted: ``"sparse_categorical_crossentropy"`` (labels) and
``"categorical_crossentropy"`` (one-hot rows) both mean this loss, which reads the model's
last outputs as logits.  A Keras model ends in ``Dense(k, activation="softmax")`` and its
loss reads probabilities; numnet fuses that softmax into the loss (see ``Sequential``), so
the two compute the same thing, numnet without the round trip through log(softmax).

MeanSquaredError takes outputs z : (n, k) and targets of the same shape (or integer labels,
which are one-hot encoded):  L = 1/n sum_i ||z_i - t_i||^2 / k,  dL/dz = 2 (z - t) / (n k).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch
from numnet.nn.functional import one_hot


class Loss:
    """Protocol: ``forward(z, y)`` returns the mean loss; ``backward()`` returns dL/dz."""

    def forward(self, z: NDArray[Any], y: NDArray[Any]) -> float:
        raise NotImplementedError

    def backward(self) -> NDArray[Any]:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy of softmax(z) against labels y, fused; optional label smoothing.

    The work runs on the logits transposed, (k, n): a batch has many rows of few classes
    (128 x 10), and reductions over the classes of such rows cost a NumPy loop per row,
    while over the rows of the transposed copy they are k - 1 vector operations.  The
    gradient is handed back as a transposed view of that array ((n, k), column-major),
    which the matrix products and the bias sum below read as they are.
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        self.label_smoothing = float(label_smoothing)

    def forward(self, z: NDArray[Any], y: NDArray[Any]) -> float:
        """z : (n, k) logits, y : (n,) int labels or (n, k) targets -> mean cross-entropy.

        Keeps e = exp(z - max z) and its sums per row for ``backward``; log p is needed at
        the labels only: log p_ik = (z_ik - max z_i) - log sum_j e_ij."""
        n, k = z.shape
        d = scratch(self, "d", (k, n), z.dtype)  # (k, n): see the class docstring
        np.copyto(d, z.T)
        np.subtract(d, d.max(axis=0), out=d)  # z - max z
        e = scratch(self, "e", (k, n), z.dtype)
        np.exp(d, out=e)
        self.sums = e.sum(axis=0)
        logsum = np.log(self.sums)  # (n,)
        self.e, self.y, self.picks = e, y, None
        s = self.label_smoothing
        if y.ndim == 2:  # sum_ik y_ik log p_ik = sum_ik y_ik d_ik - sum_i (sum_k y_ik) logsum_i
            yt = y.T.astype(d.dtype)
            picked = float(np.vdot(yt, d)) - float(np.dot(yt.sum(axis=0), logsum))
        else:  # the flat positions of d[y_i, i]
            self.picks = picks = scratch(self, "picks", (n,), np.intp)
            picks[...] = y  # any integer dtype
            picks *= n
            picks += np.arange(n)
            picked = float(np.subtract(np.take(d, picks), logsum).sum(dtype=np.float64))
        if s == 0:
            return float(-picked / n)
        total = d.sum(dtype=np.float64) - k * logsum.sum(dtype=np.float64)  # sum_ik log p_ik
        return float(-((1 - s) * picked + s / k * total) / n)

    def backward(self) -> NDArray[Any]:
        """dL/dz = (p - t) / n : (n, k) (a column-major view), with p / n = e / (n sum_j e)
        written over the stored e."""
        e, y = self.e, self.y
        k, n = e.shape
        s, f = self.label_smoothing, e.dtype.type
        e *= np.divide(f(1 / n), self.sums)
        if s:
            e -= f(s / (k * n))
        if self.picks is None:
            e -= y.T * f((1 - s) / n)
        else:
            flat = e.reshape(-1)
            flat[self.picks] -= f((1 - s) / n)
        grad: NDArray[Any] = e.T
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"label_smoothing": self.label_smoothing}


class MeanSquaredError(Loss):
    """Mean over samples of the mean squared difference; integer labels are one-hot encoded."""

    def forward(self, z: NDArray[Any], y: NDArray[Any]) -> float:
        """z : (n, k), y : (n, k) targets or (n,) int labels -> mean squared error."""
        if y.ndim == 1:
            y = one_hot(y, z.shape[1], z.dtype)
        self.diff = scratch(self, "diff", z.shape, z.dtype)
        np.subtract(z, y, out=self.diff)
        return float(np.vdot(self.diff, self.diff) / self.diff.size)

    def backward(self) -> NDArray[Any]:
        """dL/dz = 2 (z - t) / (n k)."""
        self.diff *= self.diff.dtype.type(2 / self.diff.size)
        return self.diff


LOSSES: dict[str, type[Loss]] = {
    "cross_entropy": SoftmaxCrossEntropy,
    "sparse_categorical_crossentropy": SoftmaxCrossEntropy,
    "categorical_crossentropy": SoftmaxCrossEntropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
}


def get_loss(loss: str | Loss) -> Loss:
    """A Loss instance from a name (numnet's "cross_entropy", "mse" or Keras' names for them:
    "sparse_categorical_crossentropy", "categorical_crossentropy", "mean_squared_error"),
    or the instance itself."""
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    return LOSSES[loss]()
