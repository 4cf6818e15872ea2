"""Finite-difference gradient check for any layer of ``numnet.nn`` (shared by the test files).

The loss is a random linear functional of the layer's output, L(x, theta) = sum(C * f(x)),
so dL/d(output) = C is what we feed to ``backward``.  Every entry (or a random sample of
``max_entries`` entries) of the input and of every parameter is then perturbed by +-h and

    dL/dv ~ (L(v + h) - L(v - h)) / 2h          (centred difference, error O(h^2))

is compared with the analytic gradient by the norm-wise relative error
||a - b|| / max(||a|| + ||b||, tiny).  Everything runs in float64 (``bind(dtype=np.float64)``).

Layers that draw random numbers (Dropout, ...) keep their generator in ``layer.rng``; the
check restores its state before every forward pass, so the mask is the same in every call.
BatchNorm in training mode works as is: its output depends only on the batch.
"""

from __future__ import annotations

import numpy as np

from numnet.nn.layer import bind_layers as bind


def _sample(size: int, rng: np.random.Generator, max_entries: int | None) -> np.ndarray:
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return rng.choice(size, max_entries, replace=False)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / max(||a|| + ||b||, tiny): 0 when equal, ~1 when unrelated."""
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-30))


def check_layer_gradients(
    layer,
    input_shape: tuple[int, ...],
    rng: np.random.Generator,
    batch: int = 4,
    training: bool = True,
    h: float = 1e-6,
    tol: float = 1e-6,
    max_entries: int | None = 300,
    x: np.ndarray | None = None,
) -> dict[str, float]:
    """Check ``layer``'s input and parameter gradients; return ``{name: relative error}``.

    layer       : an unbuilt layer (it is built and bound here in float64)
    input_shape : one sample's shape, without the batch axis
    x           : optional input (batch, *input_shape); random normal otherwise
    Raises AssertionError naming the first array whose error exceeds ``tol``.
    """
    bound, out_shape = bind([layer], input_shape, rng, dtype=np.float64)
    if hasattr(layer, "rng") and layer.rng is None:
        layer.rng = np.random.default_rng(1234)
    rng_state = layer.rng.bit_generator.state if hasattr(layer, "rng") else None
    if x is None:
        x = rng.standard_normal((batch, *input_shape))
    x = np.array(x, dtype=np.float64)
    C = rng.standard_normal((x.shape[0], *out_shape))

    def loss() -> float:
        if rng_state is not None:
            layer.rng.bit_generator.state = rng_state
        return float(np.sum(C * layer.forward(x, training)))

    loss()
    dx = np.array(layer.backward(C.copy()), dtype=np.float64)
    analytic = {"input": dx}
    for s in bound.param_spans:
        analytic[s.name] = bound.grads[s.start : s.stop].copy()
    targets = {"input": x.reshape(-1)}
    for s in bound.param_spans:
        targets[s.name] = bound.params[s.start : s.stop]  # a view: perturbing it moves the layer

    errors = {}
    for name, flat in targets.items():
        idx = _sample(flat.size, rng, max_entries)
        numeric = np.empty(idx.size)
        for j, i in enumerate(idx):
            old = flat[i]
            flat[i] = old + h
            up = loss()
            flat[i] = old - h
            down = loss()
            flat[i] = old
            numeric[j] = (up - down) / (2 * h)
        errors[name] = rel_error(analytic[name].reshape(-1)[idx], numeric)
        assert errors[name] < tol, f"{type(layer).__name__}: d{name} rel. error {errors[name]:.2e}"
    return errors
