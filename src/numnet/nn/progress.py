"""What ``fit`` shows while it trains, with Keras' meaning of ``verbose``.

    verbose=0   nothing
    verbose=1   a progress bar while an epoch runs (loss and accuracy so far), then the
                epoch's line
    verbose=2   the epoch's line only:
                epoch 3/10  1.2 s  loss 0.2345  acc 0.9345  val_loss 0.1234  val_acc 0.9612

Both go to stderr (results, such as a command's final accuracy, go to stdout).  Nothing is
silenced because the output is not a terminal: a notebook, a log file or CI show the same
as a terminal would.  In an 80-column terminal the bar keeps its width (no rate shown) and
the line (about 75 characters) is whole.  In a Jupyter kernel with ipywidgets installed the
bar is tqdm's notebook widget; everywhere else it is tqdm's text bar.  ``tqdm.auto`` is not
imported: without ipywidgets it warns ``IProgress not found`` as soon as it is imported.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any

from tqdm.std import tqdm as text_bar

#: the epoch's bar without the rate, so the bar keeps its width in an 80-column terminal
BAR_FORMAT = (
    "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"
)
#: how the epoch's line names the figures of ``History.history``
SHORT = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}


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
            self.bar = _bar_class()(total=self.steps, initial=step, leave=False, unit="batch",
                                    desc=f"epoch {epoch + 1}/{self.epochs}",
                                    bar_format=BAR_FORMAT)

    def step(self, step: int, loss: float, accuracy: float) -> None:
        """Batch ``step`` (1-based) of the epoch is done; running means so far."""
        if self.bar is None:
            return
        if step % 20 == 0 or step == self.steps:
            self.bar.set_postfix(loss=f"{loss:.4f}", acc=f"{accuracy:.4f}", refresh=False)
        self.bar.update()

    def end_epoch(self, epoch: int, metrics: Mapping[str, float]) -> None:
        """The epoch is over: the bar gives way to the epoch's line, with ``metrics``
        (``History.history``'s names, the epoch's values)."""
        self.close()
        if self.verbose:
            seconds = time.perf_counter() - self.started
            figures = "".join(f"  {SHORT.get(k, k)} {v:.4f}" for k, v in metrics.items())
            text_bar.write(f"epoch {epoch + 1}/{self.epochs}  {seconds:.1f} s{figures}",
                           file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
