"""The part every optimizer shares: update all parameters at once, in place, over the
model's flat buffers.

``attach(flat)`` gives an optimizer a model's flat arrays (``flat.params``, ``flat.grads``,
``flat.decay``); ``step()`` then applies one update with a handful of vectorised in-place
operations (no loop over layers, no allocation).  Per step t, with gradient g, parameters p
and learning rate lr_t = schedule(lr, t), before the rule of the optimizer itself
(``update``):

    clipping    g <- g * min(1, clipnorm / ||g||)                    (global norm, optional)
    L2          g <- g + weight_decay * p        where decay applies (unless ``decoupled``)

``step()`` is ``begin_step`` (count the step, get lr_t) and ``update_span`` over the whole
buffer; a data-parallel step calls ``update_span`` on k disjoint spans, one per worker, with
the clipping factor from the global norm (``clip_factor``), which gives the same update.

``state_dict()`` returns the step counter and the per-parameter state arrays (copies, named
by ``state_names``); ``load_state_dict`` puts them back, so a checkpoint resumes the exact
same trajectory.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numnet.nn.engine.buffers import FlatBuffers
from numnet.nn.optim.schedules import Schedule


class Optimizer:
    """Common parts: learning rate and schedule, L2 weight decay, clipping, state."""

    #: names of the per-parameter state arrays (same length as the flat parameter buffer)
    state_names: tuple[str, ...] = ()
    decoupled = False

    def __init__(
        self,
        lr: float = 1e-3,
        schedule: Schedule | None = None,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
    ) -> None:
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr, self.weight_decay, self.clipnorm = float(lr), float(weight_decay), clipnorm
        self.schedule = schedule or Schedule()
        self.iterations = 0
        self.flat: FlatBuffers | None = None

    def attach(self, flat: FlatBuffers) -> Optimizer:
        """Work on a model's flat buffers; allocate the state (zeros) if not yet there."""
        if self.flat is flat:
            return self
        self.flat = flat
        self.decay_mask = flat.decay.astype(flat.params.dtype)
        self.scratch = np.empty_like(flat.params)
        for name in self.state_names:
            if getattr(self, name, None) is None or getattr(self, name).shape != flat.params.shape:
                setattr(self, name, np.zeros_like(flat.params))
        return self

    @property
    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        return self.schedule(self.lr, self.iterations)

    def step(self) -> None:
        """One update of ``flat.params`` from ``flat.grads`` (the gradients may be modified)."""
        flat = self._flat()
        g = flat.grads
        clip = self.clip_factor(float(np.dot(g, g))) if self.clipnorm is not None else None
        self.update_span(slice(None), self.begin_step(), clip)

    def _flat(self) -> FlatBuffers:
        if self.flat is None:
            raise RuntimeError(f"{type(self).__name__}.step() before attach(flat)")
        return self.flat

    # A step in parts, for k workers that each update their own span of the buffers
    # (``numnet.nn.engine.parallel``): ``begin_step`` once, then ``update_span`` on each span.
    def begin_step(self) -> float:
        """Count the step; the learning rate it uses."""
        self._flat()
        lr = self.current_lr
        self.iterations += 1
        return lr

    def clip_factor(self, sumsq: float) -> float | None:
        """The factor clipping applies to the gradients, from their squared norm; None for
        none."""
        norm = math.sqrt(sumsq)
        if self.clipnorm is not None and norm > self.clipnorm:
            return self.clipnorm / norm
        return None

    def update_span(self, span: slice, lr: float, clip: float | None) -> None:
        """Clip, L2 and the optimizer's rule on ``span`` of the flat buffers (and of the state
        arrays); the parameters outside it are not touched."""
        flat = self._flat()
        p, g, scratch = flat.params[span], flat.grads[span], self.scratch[span]
        if clip is not None:
            g *= g.dtype.type(clip)
        if self.weight_decay and not self.decoupled:  # L2: the gradient of wd/2 ||p||^2
            np.multiply(p, self.decay_mask[span], out=scratch)
            scratch *= scratch.dtype.type(self.weight_decay)
            g += scratch
        self.update(p, g, lr, span)

    def update(self, p: NDArray[Any], g: NDArray[Any], lr: float, span: slice) -> None:
        """The optimizer's own rule: change ``p`` in place from ``g`` (which it may overwrite);
        p and g are ``span`` of the flat buffers, and the state arrays are read at ``span``."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """{"iterations": int, <state name>: array copy ...} for checkpoints."""
        return {
            "iterations": self.iterations,
            **{s: getattr(self, s).copy() for s in self.state_names},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (call after ``attach``, or before: both work)."""
        self.iterations = int(state["iterations"])
        for s in self.state_names:
            arr = np.asarray(state[s])
            if getattr(self, s, None) is not None and self.flat is not None:
                getattr(self, s)[...] = arr
            else:
                setattr(self, s, arr.copy())

    def get_config(self) -> dict[str, Any]:
        return {"lr": self.lr, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm}
