"""Batch normalisation: standardise each feature (or channel) over the batch, then rescale.

For x : (n, f) the statistics are per feature over n; for x : (n, c, h, w) per channel over
n, h and w (m = number of values averaged).  In training:

    mu = mean(x),  var = mean((x - mu)^2),  xhat = (x - mu) / sqrt(var + eps)
    y  = gamma * xhat + beta
    running_mean <- momentum * running_mean + (1 - momentum) * mu      (same for running_var)

    backward   dgamma = sum(g * xhat),  dbeta = sum(g)
               dx = gamma / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat))

The sums run over a 2-D view of the memory: (n, f) as it is, and a channels-last
(n, c, h, w) map (as Conv2D and pooling store theirs) as (n*h*w, c) rows, summed per channel
by one BLAS product ``ones @ X``, with per-channel vectors tiled h*w times for the
elementwise passes, so no pass runs over a transposed view.  Other layouts take ``np.sum``
over the axes.

The training statistics come from one pass of sums, shifted by the running mean K (a
constant per channel, so that the sums stay small and float32 loses little to cancellation
when the mean is large against the spread):

    s1 = sum(x - K),  s2 = sum((x - K)^2),  mu = K + s1/m,  var = max(s2/m - (s1/m)^2, 0)

Data-parallel training (``numnet.nn.parallel``): ``sync`` is set on each worker's replica
and every sum above is taken over the whole batch (SyncBN): each worker's partial sums are
all-reduced (``numnet.nn.engine.collective``: the same totals in every worker), once for
(s1, s2) with the count, and once for (sum(g), sum(g xhat)) in the backward pass (each
exchange is a meeting of the workers, so one pass of sums makes one meeting fewer);
dgamma and dbeta hold the worker's own rows' sums, which the reduction of the gradients
adds up; worker 0 alone updates the running statistics, after the exchange (every worker
has read K by then).

At inference the running statistics replace the batch ones, so one sample's prediction
does not depend on the others in its batch.  The running statistics are buffers (saved with
the model, not trained).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.core.scratch import scratch, scratch_like
from numnet.nn.engine.collective import Member
from numnet.nn.layer import Layer, Shape


class BatchNorm(Layer):
    """Normalise over the batch (per feature for (n, f), per channel for (n, c, h, w))."""

    # views into the model's flat buffers, set by ``attach``: (c,) each
    gamma: NDArray[Any]
    beta: NDArray[Any]
    dgamma: NDArray[Any]
    dbeta: NDArray[Any]
    running_mean: NDArray[Any]
    running_var: NDArray[Any]
    #: the other workers of a data-parallel step (``numnet.nn.replicas``), or None
    sync: Member | None = None

    def __init__(self, momentum: float = 0.9, eps: float = 1e-5) -> None:
        self.momentum = float(momentum)
        self.eps = float(eps)

    def build(self, input_shape: Shape) -> Shape:
        if len(input_shape) not in (1, 3):
            raise ValueError(f"BatchNorm expects (f,) or (c, h, w) samples, got {input_shape}")
        self.input_shape = tuple(input_shape)
        self.channels = input_shape[0]
        # axes averaged over, and the shape that broadcasts (c,) against the batch
        self.axes = (0,) if len(input_shape) == 1 else (0, 2, 3)
        self.bshape = (1, self.channels) + (1,) * (len(input_shape) - 1)
        self.reps = 1 if len(input_shape) == 1 else input_shape[1] * input_shape[2]
        return self.input_shape

    def param_shapes(self) -> dict[str, Shape]:
        return {"gamma": (self.channels,), "beta": (self.channels,)}

    def buffer_shapes(self) -> dict[str, Shape]:
        return {"running_mean": (self.channels,), "running_var": (self.channels,)}

    def init_params(self, rng: np.random.Generator) -> dict[str, NDArray[Any]]:
        ones, zeros = np.ones(self.channels, np.float32), np.zeros(self.channels, np.float32)
        return {"gamma": ones, "beta": zeros, "running_mean": zeros, "running_var": ones}

    def _flat(self, *arrays: NDArray[Any]) -> tuple[list[NDArray[Any]], bool]:
        """Views of batches of one layout as 2-D matrices whose rows end with the channel
        axis: (n, f) as they are, (n, c, h, w) stored channels-last as (n, h*w*c).  Per-channel
        vectors are then tiled h*w times (``_per_channel``) and every pass runs over long
        contiguous rows.  Other layouts: the arrays as they are and False."""
        if arrays[0].ndim == 2:
            return list(arrays), True
        ts = [a.transpose(0, 2, 3, 1) for a in arrays]
        if all(t.flags.c_contiguous for t in ts):
            return [t.reshape(len(t), -1) for t in ts], True
        return list(arrays), False

    def _per_channel(self, v: NDArray[Any], flat: bool) -> NDArray[Any]:
        """A (c,) vector shaped to broadcast against the arrays ``_flat`` returned: tiled
        h*w times into a reused row (valid until the next call) for flat ones."""
        if not flat:
            return v.reshape(self.bshape)
        row = scratch(self, "row", (self.reps, self.channels), v.dtype)
        np.copyto(row, v)
        return row.reshape(-1)

    def _colsum(self, a: NDArray[Any], flat: bool) -> NDArray[Any]:
        """Per-channel sums (c,) of a batch ``_flat`` returned: one BLAS product
        ``ones @ A`` over the (rows, c) matrix of flat ones (as Conv2D's bias gradient), else
        ``np.sum``."""
        if not flat:
            sums: NDArray[Any] = a.sum(axis=self.axes)
            return sums
        rows = a.reshape(-1, self.channels)
        ones = scratch(self, "ones", (rows.shape[0],), a.dtype)
        if getattr(self, "_ones_ready", None) is not ones:  # a new buffer: fill it once
            ones.fill(1)
            self._ones_ready = ones
        # np.dot, not np.matmul: NumPy 2.4's matmul keeps the GIL through a product with one
        # or a few output rows, so a second worker thread waits for it
        colsums: NDArray[Any] = np.dot(ones, rows)
        return colsums

    def _total(self, *partials: NDArray[Any]) -> list[NDArray[Any]]:
        """The whole batch's sums: these partial sums added over the workers (``sync``), in
        one exchange; the partials themselves at one worker."""
        if self.sync is None:
            return list(partials)
        return list(self.sync.allreduce(np.stack(partials)))

    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        """x : (n, f) or (n, c, h, w) -> y of the same shape (a reused array)."""
        y4 = scratch_like(self, "y", x)
        if not training:
            (x2, y), flat = self._flat(x, y4)
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            np.multiply(x2, self._per_channel(scale, flat), out=y)
            y += self._per_channel(self.beta - self.running_mean * scale, flat)
            return y4
        # shifted sums (module docstring): xk = x - K is kept for the backward pass, y holds
        # its square until the end
        self.xk = scratch_like(self, "xk", x)
        (x2, xk, y), flat = self._flat(x, self.xk, y4)
        K = self.running_mean.copy()  # worker 0 updates it after the exchange
        np.subtract(x2, self._per_channel(K, flat), out=xk)
        count = np.full(self.channels, x.size // self.channels, x.dtype)
        s1, s2, m = self._total(self._colsum(xk, flat),
                                self._colsum(np.square(xk, out=y), flat), count)
        self.count = m  # values per channel in the whole batch, (c,)
        self.shift = d = s1 / m  # mu - K: xhat = (xk - d) * inv_std
        mu = K + d
        var = np.maximum(s2 / m - d * d, 0)
        self.inv_std = 1 / np.sqrt(var + self.eps)
        if self.sync is None or self.sync.rank == 0:  # the running statistics: once
            mo = self.momentum
            self.running_mean *= mo
            self.running_mean += (1 - mo) * mu
            self.running_var *= mo
            self.running_var += (1 - mo) * var
        # y = gamma xhat + beta = xk * (gamma inv_std) + (beta - d gamma inv_std)
        scale = self.gamma * self.inv_std
        np.multiply(xk, self._per_channel(scale, flat), out=y)
        y += self._per_channel(self.beta - d * scale, flat)
        return y4

    def backward(self, grad: NDArray[Any]) -> NDArray[Any]:
        """g -> dx (computed in place over g); dgamma and dbeta get this worker's sums.

        With xhat = (xk - d) s (s = inv_std) the sums over xhat are sums over xk, so xhat is
        never formed: sum(g xhat) = s (sum(g xk) - d sum(g)), and
        dx = gamma s (g - mean(g) - xhat mean(g xhat)) = a g - b xk - (gamma s mean(g) - b d)
        with a = gamma s, b = a s mean(g xhat).
        """
        tmp4 = scratch_like(self, "tmp", grad)
        (g, xk, tmp), flat = self._flat(grad, self.xk, tmp4)
        d, s = self.shift, self.inv_std
        self.dbeta[...] = self._colsum(g, flat)
        self.dgamma[...] = s * (self._colsum(np.multiply(g, xk, out=tmp), flat) - d * self.dbeta)
        dbeta, dgamma = self._total(self.dbeta, self.dgamma)
        a = self.gamma * s
        b = a * s * (dgamma / self.count)
        g *= self._per_channel(a, flat)
        g -= np.multiply(xk, self._per_channel(b, flat), out=tmp)
        g -= self._per_channel(a * (dbeta / self.count) - b * d, flat)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "eps": self.eps}
