"""What ``fit`` shows while it trains, with Keras' meaning of ``verbose``.

    verbose=0   nothing
    verbose=1   a progress bar per epoch (loss and accuracy so far; at the end of the epoch
                the validation figures too), in a terminal and in Jupyter alike
    verbose=2   one line per epoch:  epoch 3/15 - 4.1s - loss: 0.0512 - accuracy: 0.9841 - ...

Nothing is silenced because the output is not a terminal: a notebook, a log file or CI show
the same as a terminal would.  In a Jupyter kernel with ipywidgets installed the bar is
tqdm's notebook widget; everywhere else it is tqdm's text bar on stderr.  ``tqdm.auto`` is
not imported: without ipywidgets it warns ``IProgress not found`` as soon as it is imported.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any

from tqdm.std import tqdm as text_bar


def _bar_class() -> Any:
    """tqdm's notebook bar inside a Jupyter kernel when ipywidgets is importable, else the
    text bar."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it)
            from tqdm.notebook import tqdm as notebook_bar
        except ImportError:
            return text_bar
        return notebook_bar
    return text_bar


def _metrics_text(metrics: Mapping[str, float]) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in metrics.items())


class Progress:
    """The display of one ``fit`` call: ``begin_epoch``, ``step`` (each batch), ``end_epoch``."""

    def __init__(self, verbose: int, epochs: int, steps: int) -> None:
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0 (silent), 1 (a bar) or 2 (a line per epoch),"
                             f" got {verbose!r}")
        self.verbose, self.epochs, self.steps = verbose, epochs, steps
        self.bar: Any = None
        self.started = 0.0

    def begin_epoch(self, epoch: int, step: int) -> None:
        """Epoch ``epoch`` (0-based) starts, or resumes after ``step`` batches."""
        self.started = time.perf_counter()
        if self.verbose == 1:
            self.bar = _bar_class()(total=self.steps, initial=step, leave=True, unit="batch",
                                    desc=f"epoch {epoch + 1}/{self.epochs}")

    def step(self, step: int, loss: float, accuracy: float) -> None:
        """Batch ``step`` (1-based) of the epoch is done; running means so far."""
        if self.bar is None:
            return
        if step % 20 == 0 or step == self.steps:
            self.bar.set_postfix(loss=f"{loss:.4f}", acc=f"{accuracy:.4f}", refresh=False)
        self.bar.update()

    def end_epoch(self, epoch: int, metrics: Mapping[str, float]) -> None:
        """The epoch's final figures: shown on the bar (1) or as one line (2)."""
        if self.bar is not None:
            short = {k.replace("accuracy", "acc"): f"{v:.4f}" for k, v in metrics.items()}
            self.bar.set_postfix(short, refresh=False)
            self.close()
        elif self.verbose == 2:
            seconds = time.perf_counter() - self.started
            print(f"epoch {epoch + 1}/{self.epochs} - {seconds:.1f}s - {_metrics_text(metrics)}",
                  flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
