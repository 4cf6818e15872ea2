"""Checkpoints: a training run that is killed loses no work and resumes bit for bit.

A checkpoint is one numnet archive (``numnet.files.archive``, written atomically) named
``step-<global step>-<run id>.npz`` in the checkpoint folder.  It holds everything the next
step of ``Sequential.fit`` depends on:

    params, buffers     the model's flat parameter and state buffers
    opt_<slot>          the optimizer's per-parameter state (Adam: M, V; SGD: velocity)
    meta (JSON)         format "numnet-checkpoint" and version; the run id; the
                        architecture; the optimizer's step count and slot names;
                        ``model.rng``'s bit-generator state (Dropout masks draw from it);
                        the ``TrainState`` (epoch, step, global step, seed, history, the
                        running sums of the epoch in progress); and the run's settings
                        (arch, epochs, lr ...), never an output path.

Why resuming is exact: ``fit`` shuffles epoch e with a generator seeded by (seed, e) alone,
augments its step s with one seeded by (seed, e, s), every other random draw comes from
``model.rng``, and the learning-rate schedule is a
function of the optimizer's step count; all three are in the checkpoint.  A checkpoint is
taken only between two optimizer steps, and ``os.replace`` makes it appear whole or not at
all, so a SIGKILL at any moment leaves the newest complete one to resume from (and the next
run removes the dead process's temporary file).

One folder, one run: every run gets a random id, written in its checkpoints and their
names.  A new run refuses a folder holding another run's checkpoints, resuming refuses a
folder holding several runs', ``keep`` prunes only the run's own files, and a file whose
name and contents disagree is refused.

Ctrl-C, SIGTERM (``kill``, ``docker stop``, ``systemctl stop``) and SIGHUP (the terminal
closed) are turned into a clean stop: the first one only raises a flag, the next step
boundary writes a checkpoint and raises :class:`TrainingInterrupted`; a second one stops
at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from numnet import __version__
from numnet.core.atomic import remove_stale_temporaries
from numnet.core.errors import ModelFileError, NumnetError
from numnet.files.archive import Archive, check_format, file_error, one_line, write_archive
from numnet.files.model_file import build_model
from numnet.nn.callbacks import Callback
from numnet.nn.optim import Optimizer
from numnet.nn.training import METRICS, TrainState

FORMAT = "numnet-checkpoint"
FORMAT_VERSION = 2  # 2: the run id
_NAME = re.compile(r"step-(?P<step>\d{9})-(?P<run>[0-9a-f]{8})\.npz")
_UNNAMED = re.compile(r"step-\d{9}\.npz")  # numnet before run ids
#: the signals that checkpoint and stop (SIGHUP does not exist on Windows)
SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class TrainingInterrupted(KeyboardInterrupt):
    """A stop signal during training, after the checkpoint at ``path`` was written."""

    def __init__(self, path: Path, state: TrainState, signum: int = signal.SIGINT) -> None:
        self.signal_name = signal.Signals(signum).name
        super().__init__(
            f"interrupted ({self.signal_name}) at epoch {state.epoch + 1}, step {state.step}"
        )
        self.path, self.state, self.signum = path, state, signum


def new_run_id() -> str:
    """A fresh run id: 8 random hexadecimal digits."""
    return secrets.token_hex(4)


def checkpoint_path(directory: Path, run: str, global_step: int) -> Path:
    return directory / f"step-{global_step:09d}-{run}.npz"


def checkpoints(directory: str | os.PathLike[str], run: str | None = None) -> list[Path]:
    """The checkpoints in ``directory`` (of ``run`` only, if given), oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(m, p) for p in directory.iterdir() if (m := _NAME.fullmatch(p.name))]
    return [p for m, p in sorted(found, key=lambda mp: mp[0]["step"]) if run in (None, m["run"])]


def runs(directory: str | os.PathLike[str]) -> dict[str, int]:
    """Run id -> number of checkpoints in ``directory``; "" counts files without a run id."""
    counts: dict[str, int] = {}
    for p in checkpoints(directory):
        run = _NAME.fullmatch(p.name)["run"]  # type: ignore[index]
        counts[run] = counts.get(run, 0) + 1
    if Path(directory).is_dir():
        unnamed = sum(1 for p in Path(directory).iterdir() if _UNNAMED.fullmatch(p.name))
        if unnamed:
            counts[""] = unnamed
    return counts


def _describe_runs(counts: Mapping[str, int]) -> str:
    return ", ".join(
        f"{'an older numnet (no run id)' if run == '' else 'run ' + run}: "
        f"{n} file{'s' if n > 1 else ''}"
        for run, n in sorted(counts.items())
    )


def check_folder(directory: str | os.PathLike[str], run: str | None) -> None:
    """Refuse to put checkpoints of ``run`` (None: a new run) into a folder holding
    another run's: one line saying which runs are there and what to do."""
    others = {r: n for r, n in runs(directory).items() if r != run}
    if others:
        raise NumnetError(
            f"checkpoint folder {directory} holds checkpoints of another run "
            f"({_describe_runs(others)}); continue that run with --checkpoint-dir {directory} "
            "--resume, or give an empty folder (or delete those files)"
        )


def save(
    path: str | os.PathLike[str],
    model: Any,
    state: TrainState,
    args: Mapping[str, Any],
    run: str,
) -> Path:
    """Write the checkpoint of ``model`` at ``state`` (see the module docstring) atomically."""
    opt = state.optimizer
    opt_state = opt.state_dict() if opt is not None else {"iterations": 0}
    slots = {k: v for k, v in opt_state.items() if isinstance(v, np.ndarray)}
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "numnet_version": __version__,
        "run": run,
        "architecture": model.get_config(),
        "optimizer": {"iterations": int(opt_state["iterations"]), "slots": sorted(slots)},
        "rng": model.rng.bit_generator.state,
        "state": state.to_dict(),
        "args": dict(args),
    }
    arrays = {"params": model.flat.params, "buffers": model.flat.buffers}
    arrays.update({f"opt_{k}": v for k, v in slots.items()})
    return write_archive(path, arrays, meta)


@dataclass
class Checkpoint:
    """A checkpoint read back: the model at that point, where training was, and the run."""

    path: Path
    run: str
    model: Any  # numnet.nn.Sequential, model.rng restored
    state: TrainState  # without its optimizer: see ``restore_optimizer``
    optimizer_state: dict[str, Any]  # iterations + slot arrays, for Optimizer.load_state_dict
    args: dict[str, Any]

    def restore_optimizer(self, optimizer: Optimizer) -> Optimizer:
        """Load the saved step count and moments into ``optimizer`` (built as the run built it)."""
        saved = sorted(k for k in self.optimizer_state if k != "iterations")
        if saved != sorted(optimizer.state_names):
            raise file_error(
                self.path,
                f"optimizer state {saved} does not fit the {type(optimizer).__name__} optimizer",
            )
        optimizer.load_state_dict(self.optimizer_state)
        self.state.optimizer = optimizer
        return optimizer


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _state(path: Path, fields: Any) -> TrainState:
    """A TrainState from its JSON fields, checked: counts are non-negative ints."""
    if not isinstance(fields, dict):
        raise file_error(path, "checkpoint has no training position")
    counts = ("epoch", "step", "global_step", "seed", "correct", "seen")
    history = fields.get("history")
    ok = (
        all(_count(fields.get(k)) for k in counts)
        and isinstance(fields.get("loss_sum"), float)
        and isinstance(history, dict)
        and set(history) == set(METRICS)
        and all(
            isinstance(v, list) and all(isinstance(f, float) for f in v) for v in history.values()
        )
        and set(fields) == {*counts, "loss_sum", "history"}
    )
    if not ok:
        raise file_error(path, "checkpoint's training position is damaged")
    return TrainState(**fields)


def _optimizer_slots(path: Path, opt: Any) -> tuple[int, list[str]]:
    """(iterations >= 0, slot names) from the description's optimizer entry."""
    slots = opt.get("slots") if isinstance(opt, dict) else None
    if (
        not isinstance(opt, dict)
        or not _count(opt.get("iterations"))
        or not isinstance(slots, list)
        or not all(isinstance(k, str) and re.fullmatch(r"[A-Za-z0-9_]{1,32}", k) for k in slots)
        or len(set(slots)) != len(slots)
    ):
        raise file_error(path, "checkpoint's optimizer state is damaged")
    return opt["iterations"], slots


def load(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint; anything damaged or foreign raises a one-line ModelFileError.

    As for model files, the description is checked first and fixes every array's size;
    the arrays are then read straight into the model and the optimizer's slots.
    """
    path = Path(path)
    with Archive(path, "checkpoint") as archive:
        meta = archive.meta()
        check_format(path, meta, FORMAT, FORMAT_VERSION)
        named = _NAME.fullmatch(path.name)
        run = meta.get("run")
        if not isinstance(run, str) or not re.fullmatch(r"[0-9a-f]{8}", run):
            raise file_error(path, "checkpoint has no run id (written by an older numnet?)")
        if named is None or named["run"] != run:
            raise file_error(
                path, f"checkpoint of run {run} under another name; was it renamed or copied?"
            )
        state = _state(path, meta.get("state"))
        iterations, slots = _optimizer_slots(path, meta.get("optimizer"))
        args = meta.get("args")
        if not isinstance(args, dict):
            raise file_error(path, "checkpoint does not record the run's arguments")
        archive.require({"params", "buffers", *(f"opt_{k}" for k in slots)})
        n = archive.flat_size("params")
        for k in slots:  # each slot is one value per parameter: checked before any allocation
            if archive.flat_size(f"opt_{k}") != n:
                raise file_error(path, f"optimizer array 'opt_{k}' does not fit the model")
        model = build_model(path, meta.get("architecture"), archive)
        optimizer_state: dict[str, Any] = {"iterations": iterations}
        for k in slots:
            optimizer_state[k] = archive.read_into(f"opt_{k}", np.empty(n, np.float32))
    try:
        model.rng.bit_generator.state = meta.get("rng")
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise file_error(path, f"random-generator state is damaged ({one_line(e)})") from None
    return Checkpoint(path, run, model, state, optimizer_state, args)


def latest(directory: str | os.PathLike[str]) -> Checkpoint | None:
    """The newest checkpoint in ``directory`` that loads, or None if there is none.

    A folder holding several runs' checkpoints (or one of an older numnet) is refused:
    which run to continue is the user's choice.  Only if every checkpoint of the run is
    damaged does the newest one's error propagate.
    """
    counts = runs(directory)
    if len(counts) > 1 or "" in counts:
        raise NumnetError(
            f"checkpoint folder {directory} holds checkpoints of "
            f"{'several runs' if len(counts) > 1 else 'an older numnet'} "
            f"({_describe_runs(counts)}); keep one run per folder: move or delete the others"
        )
    found = checkpoints(directory)
    for path in reversed(found):
        try:
            return load(path)
        except ModelFileError:
            if path == found[0]:
                raise
    return None


class Checkpointer(Callback):
    """``fit`` callback: checkpoint every ``every`` steps and/or after every epoch; signals.

    ``directory``  where ``step-*.npz`` go (created when the first one is written)
    ``args``       the run's settings, saved so that ``--resume`` can rebuild the run
    ``every``      steps between checkpoints (0: none mid-epoch)
    ``epochs``     also after every epoch (False: only when interrupted)
    ``keep``       how many of the run's newest checkpoints to keep
    ``run``        the run's id (default: a new run; a resumed run passes its own)
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        args: Mapping[str, Any],
        every: int = 0,
        epochs: bool = True,
        keep: int = 2,
        run: str | None = None,
    ) -> None:
        self.directory, self.args = Path(directory), dict(args)
        self.every, self.epochs, self.keep = int(every), bool(epochs), max(int(keep), 1)
        self.run = run or new_run_id()
        self.interrupt: int | None = None  # the signal that asked to stop
        self.last: Path | None = None

    def save(self, model: Any, state: TrainState) -> Path:
        target = checkpoint_path(self.directory, self.run, state.global_step)
        path = save(target, model, state, self.args, self.run)
        for old in checkpoints(self.directory, self.run)[: -self.keep]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
        self.last = path
        return path

    def on_train_begin(self, model: Any, state: TrainState) -> None:
        check_folder(self.directory, self.run)
        remove_stale_temporaries(self.directory)  # of a write that was killed half-way

    def _boundary(self, model: Any, state: TrainState, due: bool) -> None:
        if due or self.interrupt is not None:
            path = self.save(model, state)
            if self.interrupt is not None:
                raise TrainingInterrupted(path, state, self.interrupt)

    def on_step_end(self, model: Any, state: TrainState) -> None:
        self._boundary(model, state, self.every > 0 and state.global_step % self.every == 0)

    def on_epoch_end(self, model: Any, state: TrainState) -> None:
        self._boundary(model, state, self.epochs)

    @contextlib.contextmanager
    def catch_interrupts(self) -> Iterator[None]:
        """While the block runs, the first SIGINT, SIGTERM or SIGHUP asks for a
        checkpoint-and-stop; a second one stops at once (KeyboardInterrupt)."""

        def handler(signum: int, frame: Any) -> None:
            if self.interrupt is not None:
                raise KeyboardInterrupt
            self.interrupt = signum

        previous = {s: signal.signal(s, handler) for s in SIGNALS}
        try:
            yield
        finally:
            for s, old in previous.items():
                signal.signal(s, old)
