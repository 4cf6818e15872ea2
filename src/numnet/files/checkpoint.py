"""Checkpoints: a training run that is killed loses no work and resumes bit for bit.

A checkpoint is one numnet archive (``model_file.write_archive``, written atomically) named
``step-<global step>.npz`` in the checkpoint folder.  It holds everything the next step of
``Sequential.fit`` depends on:

    params, buffers     the model's flat parameter and state buffers
    opt_<slot>          the optimizer's per-parameter state (Adam: M, V; SGD: velocity)
    meta (JSON)         format "numnet-checkpoint" and version; the architecture; the
                        optimizer's step count; ``model.rng``'s bit-generator state (Dropout
                        masks draw from it); the ``TrainState`` (epoch,
                        step, global step, seed, history, the running sums of the epoch in
                        progress); and the run's arguments (arch, epochs, lr ...).

Why resuming is exact: ``fit`` shuffles epoch e with a generator seeded by (seed, e) alone,
augments its step s with one seeded by (seed, e, s), every other random draw comes from
``model.rng``, and the learning-rate schedule is a
function of the optimizer's step count; all three are in the checkpoint.  A checkpoint is
taken only between two optimizer steps, and ``os.replace`` makes it appear whole or not at
all, so a SIGKILL at any moment leaves the newest complete one to resume from.

Ctrl-C is turned into a clean stop: the first SIGINT only raises a flag, the next step
boundary writes a checkpoint and raises :class:`TrainingInterrupted`; a second Ctrl-C
stops at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from numnet import __version__
from numnet.core.errors import ModelFileError
from numnet.files import model_file as io
from numnet.nn.callbacks import Callback
from numnet.nn.optim import Optimizer
from numnet.nn.training import METRICS, TrainState

FORMAT = "numnet-checkpoint"
FORMAT_VERSION = 1
_NAME = re.compile(r"step-(\d{9})\.npz")


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, after the checkpoint at ``path`` was written."""

    def __init__(self, path: Path, state: TrainState) -> None:
        super().__init__(f"interrupted at epoch {state.epoch + 1}, step {state.step}")
        self.path, self.state = path, state


def checkpoint_path(directory: Path, global_step: int) -> Path:
    return directory / f"step-{global_step:09d}.npz"


def checkpoints(directory: str | os.PathLike[str]) -> list[Path]:
    """The checkpoints in ``directory``, oldest first (by global step)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _NAME.fullmatch(p.name))


def save(
    path: str | os.PathLike[str], model: Any, state: TrainState, args: Mapping[str, Any]
) -> Path:
    """Write the checkpoint of ``model`` at ``state`` (see the module docstring) atomically."""
    opt = state.optimizer
    opt_state = opt.state_dict() if opt is not None else {"iterations": 0}
    slots = {k: v for k, v in opt_state.items() if isinstance(v, np.ndarray)}
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "numnet_version": __version__,
        "architecture": model.get_config(),
        "optimizer": {"iterations": int(opt_state["iterations"]), "slots": sorted(slots)},
        "rng": model.rng.bit_generator.state,
        "state": state.to_dict(),
        "args": dict(args),
    }
    arrays = {"params": model.flat.params, "buffers": model.flat.buffers}
    arrays.update({f"opt_{k}": v for k, v in slots.items()})
    return io.write_archive(path, arrays, meta)


@dataclass
class Checkpoint:
    """A checkpoint read back: the model at that point, where training was, and the run."""

    path: Path
    model: Any  # numnet.nn.Sequential, model.rng restored
    state: TrainState  # without its optimizer: see ``restore_optimizer``
    optimizer_state: dict[str, Any]  # iterations + slot arrays, for Optimizer.load_state_dict
    args: dict[str, Any]

    def restore_optimizer(self, optimizer: Optimizer) -> Optimizer:
        """Load the saved step count and moments into ``optimizer`` (built as the run built it)."""
        saved = sorted(k for k in self.optimizer_state if k != "iterations")
        if saved != sorted(optimizer.state_names):
            raise io.file_error(
                self.path,
                f"optimizer state {saved} does not fit the {type(optimizer).__name__} optimizer",
            )
        optimizer.load_state_dict(self.optimizer_state)
        self.state.optimizer = optimizer
        return optimizer


def _state(path: Path, fields: Any) -> TrainState:
    """A TrainState from its JSON fields, checked: counts are non-negative ints."""
    if not isinstance(fields, dict):
        raise io.file_error(path, "checkpoint has no training position")
    counts = ("epoch", "step", "global_step", "seed", "correct", "seen")
    history = fields.get("history")
    ok = (
        all(isinstance(fields.get(k), int) and fields[k] >= 0 for k in counts)
        and isinstance(fields.get("loss_sum"), float)
        and isinstance(history, dict)
        and set(history) == set(METRICS)
        and all(
            isinstance(v, list) and all(isinstance(f, float) for f in v) for v in history.values()
        )
        and set(fields) == {*counts, "loss_sum", "history"}
    )
    if not ok:
        raise io.file_error(path, "checkpoint's training position is damaged")
    return TrainState(**fields)


def load(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint; anything damaged or foreign raises a one-line ModelFileError."""
    path = Path(path)
    arrays, meta = io.read_archive(path, kind="checkpoint")
    io.check_format(path, meta, FORMAT, FORMAT_VERSION)
    model = io.build_model(path, meta.get("architecture"), arrays)
    state = _state(path, meta.get("state"))
    opt = meta.get("optimizer")
    if not isinstance(opt, dict) or not isinstance(opt.get("iterations"), int):
        raise io.file_error(path, "checkpoint's optimizer state is damaged")
    optimizer_state: dict[str, Any] = {"iterations": opt["iterations"]}
    for name, a in arrays.items():
        if name.startswith("opt_"):
            if a.shape != model.flat.params.shape or a.dtype != np.float32:
                raise io.file_error(path, f"optimizer array {name!r} does not fit the model")
            optimizer_state[name[len("opt_") :]] = a
    try:
        model.rng.bit_generator.state = meta.get("rng")
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise io.file_error(path, f"random-generator state is damaged ({io.one_line(e)})") from None
    args = meta.get("args")
    if not isinstance(args, dict):
        raise io.file_error(path, "checkpoint does not record the run's arguments")
    return Checkpoint(path, model, state, optimizer_state, args)


def latest(directory: str | os.PathLike[str]) -> Checkpoint | None:
    """The newest checkpoint in ``directory`` that loads, or None if there is none.

    Only if every checkpoint there is damaged does the newest one's error propagate.
    """
    found = checkpoints(directory)
    for path in reversed(found):
        try:
            return load(path)
        except ModelFileError:
            if path == found[0]:
                raise
    return None


class Checkpointer(Callback):
    """``fit`` callback: checkpoint every ``every`` steps and/or after every epoch; Ctrl-C.

    ``directory``  where ``step-*.npz`` go (created when the first one is written)
    ``every``      steps between checkpoints (0: none mid-epoch)
    ``epochs``     also after every epoch (False: only when interrupted)
    ``args``       the run's arguments, saved so that ``--resume`` can rebuild the run
    ``keep``       how many of the newest checkpoints to keep
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        args: Mapping[str, Any],
        every: int = 0,
        epochs: bool = True,
        keep: int = 2,
    ) -> None:
        self.directory, self.args = Path(directory), dict(args)
        self.every, self.epochs, self.keep = int(every), bool(epochs), max(int(keep), 1)
        self.interrupt_requested = False
        self.last: Path | None = None

    def save(self, model: Any, state: TrainState) -> Path:
        path = save(checkpoint_path(self.directory, state.global_step), model, state, self.args)
        for old in checkpoints(self.directory)[: -self.keep]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
        self.last = path
        return path

    def on_train_begin(self, model: Any, state: TrainState) -> None:
        # Temporary files of a write that was killed half-way: never a checkpoint, remove.
        if self.directory.is_dir():
            for tmp in self.directory.glob(".step-*.npz.*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()

    def _boundary(self, model: Any, state: TrainState, due: bool) -> None:
        if due or self.interrupt_requested:
            path = self.save(model, state)
            if self.interrupt_requested:
                raise TrainingInterrupted(path, state)

    def on_step_end(self, model: Any, state: TrainState) -> None:
        self._boundary(model, state, self.every > 0 and state.global_step % self.every == 0)

    def on_epoch_end(self, model: Any, state: TrainState) -> None:
        self._boundary(model, state, self.epochs)

    @contextlib.contextmanager
    def catch_interrupts(self) -> Iterator[None]:
        """While the block runs, the first Ctrl-C asks for a checkpoint-and-stop; the second
        stops at once (KeyboardInterrupt)."""

        def handler(signum: int, frame: Any) -> None:
            if self.interrupt_requested:
                raise KeyboardInterrupt
            self.interrupt_requested = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
