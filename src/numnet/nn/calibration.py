"""Calibrated confidence: temperature scaling and the expected calibration error.

A network's probabilities p = softmax(z) often mean less (or more) than they say: a model
trained with label smoothing shows correct answers at 71-90%.  Temperature scaling (Guo,
Pleiss, Sun & Weinberger, 2017) divides the outputs z (n, k) by one number T > 0 fitted on
held-out data, which changes every confidence and no prediction:

    p_T = softmax(z / T)
    NLL(T) = mean_i [ logsumexp(z_i / T) - z_i[y_i] / T ]           (minimised over T)

NLL is convex in b = 1/T (a log-sum-exp of lines in b, minus a line), so a golden-section
search over b finds its minimum; it runs in float64 on the (n, k) outputs.

The expected calibration error over M equal-width confidence bins B_m of (0, 1]:

    ECE = sum_m |B_m| / n * | accuracy(B_m) - mean confidence(B_m) |

with the confidence of a sample its largest probability (Naeini et al., 2015; M = 15).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numnet.nn.functional import log_softmax, softmax

if TYPE_CHECKING:
    from numnet.nn.model import Sequential

#: the search interval of b = 1 / T: temperatures 1/20 to 20
_B_RANGE = (0.05, 20.0)


def nll(z: ArrayLike, y: NDArray[np.integer[Any]], temperature: float) -> float:
    """Mean negative log-likelihood of labels y (n,) under softmax(z / T), z (n, k), float64."""
    logp = log_softmax(np.asarray(z, dtype=np.float64) / temperature, axis=1)
    return float(-np.mean(logp[np.arange(len(logp)), y]))


def fit_temperature(z: ArrayLike, y: ArrayLike, tol: float = 1e-6) -> float:
    """The T > 0 minimising ``nll(z, y, T)``: golden-section search on b = 1/T in
    [0.05, 20] to a width of ``tol``.  z : (n, k) outputs, y : (n,) integer labels."""
    z64, labels = np.asarray(z, dtype=np.float64), np.asarray(y)
    if z64.ndim != 2 or len(z64) == 0 or labels.shape != (len(z64),):
        raise ValueError(f"fit_temperature needs outputs (n, k) and labels (n,), "
                         f"got {z64.shape} and {labels.shape}")
    g = (math.sqrt(5) - 1) / 2
    lo, hi = _B_RANGE
    c, d = hi - g * (hi - lo), lo + g * (hi - lo)
    fc, fd = nll(z64, labels, 1 / c), nll(z64, labels, 1 / d)
    while hi - lo > tol:
        if fc < fd:
            hi, d, fd = d, c, fc
            c = hi - g * (hi - lo)
            fc = nll(z64, labels, 1 / c)
        else:
            lo, c, fc = c, d, fd
            d = lo + g * (hi - lo)
            fd = nll(z64, labels, 1 / d)
    return 2 / (lo + hi)


def expected_calibration_error(probs: ArrayLike, y: ArrayLike, bins: int = 15) -> float:
    """ECE (module docstring) of probabilities (n, k) against labels (n,), ``bins`` bins."""
    p, labels = np.asarray(probs), np.asarray(y)
    confidence = p.max(axis=1).astype(np.float64)
    correct = p.argmax(axis=1) == labels
    # bin m holds confidences in (m/M, (m+1)/M]; a confidence of exactly 0 joins bin 0
    which = np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)
    gap = np.bincount(which, weights=correct - confidence, minlength=bins)
    return float(np.abs(gap).sum() / max(len(p), 1))


def ece_at(z: NDArray[np.floating[Any]], y: ArrayLike, temperature: float, bins: int = 15) -> float:
    """The ECE of softmax(z / T) for outputs z (n, k) and labels y (n,)."""
    return expected_calibration_error(softmax(z / np.float32(temperature), axis=1), y, bins)


def calibrate(model: Sequential, x: ArrayLike, y: ArrayLike) -> dict[str, float]:
    """Fit ``model.temperature`` on held-out (x, y) and set it; returns what changed:
    {"temperature", "nll_before", "nll_after", "ece_before", "ece_after"} (at T = 1 and at
    the fitted T, on these samples)."""
    z = model.logits(x)
    labels = np.asarray(y)
    t = fit_temperature(z, labels)
    report = {"temperature": t, "nll_before": nll(z, labels, 1.0), "nll_after": nll(z, labels, t)}
    for key, temp in (("ece_before", 1.0), ("ece_after", t)):
        report[key] = ece_at(z, labels, temp)
    model.temperature = t
    return report

