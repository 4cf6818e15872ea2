"""Checkpoints: a stopped, killed or interrupted run resumes to bit-identical weights."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from numnet.app.cli import main
from numnet.core.errors import ModelFileError, NumnetError
from numnet.data.augment import Augmenter
from numnet.files import archive, checkpoint
from numnet.files import model_file as io
from numnet.nn import Adam, BatchNorm, Dense, Dropout, ReLU, Sequential
from numnet.nn.callbacks import Callback
from numnet.nn.optim.schedules import Cosine, Restart
from realdata import mnist_dir

EPOCHS, BATCH = 3, 32


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (300, 28, 28), dtype=np.uint8), rng.integers(0, 10, 300)


def build() -> Sequential:
    return Sequential([Dense(24), BatchNorm(), ReLU(), Dropout(0.3), Dense(10)], seed=3)


def optimizer() -> Adam:
    """As ``numnet train`` with --finish-epochs 1: the last epoch restarted lower."""
    first = (EPOCHS - 1) * 9
    return Adam(1e-3, schedule=Restart(Cosine(first), first, Cosine(9), 0.1))


def fit(model: Sequential, **kwargs) -> dict:
    """With augmentation in all epochs but the last: two workers augment their own rows
    (numnet.nn.parallel), and the last batch of each epoch, on one worker, the whole batch."""
    x, y = data()
    return model.fit(
        x, y, epochs=EPOCHS, batch_size=BATCH, validation_split=0.1, verbose=0,
        augment=Augmenter(shift=2, rotation=10), augment_epochs=EPOCHS - 1, **kwargs
    ).history


class StopAt(Callback):
    """Stop training after global step ``n`` (as a crash would, but politely)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def on_step_end(self, model, state) -> bool:
        return state.global_step == self.n


@pytest.fixture(scope="module")
def reference() -> tuple[Sequential, dict]:
    with pytest.MonkeyPatch.context() as mp:
        split_small_networks(mp)
        model = build()
        history = fit(model, optimizer=optimizer(), threads=2)
    return model, history


def split_small_networks(monkeypatch) -> None:
    """This network is too small to be worth two workers (numnet.nn.parallel): split it."""
    from numnet.nn import parallel

    monkeypatch.setattr(parallel, "MIN_WORK", 1)


@pytest.fixture(scope="module")
def reference_1() -> tuple[Sequential, dict]:
    model = build()
    history = fit(model, optimizer=optimizer(), threads=1)
    return model, history


def test_two_workers_took_another_path(reference, reference_1) -> None:
    assert not np.array_equal(reference[0].flat.params, reference_1[0].flat.params)


@pytest.mark.parametrize("stop", [5, 10, 17, 26])
@pytest.mark.parametrize("every", [1, 4])
@pytest.mark.parametrize("threads", [1, 2])
def test_resume_is_bit_identical(tmp_path, monkeypatch, reference, reference_1, stop, every,
                                 threads) -> None:
    """9 steps per epoch: from mid-epoch checkpoints and from an end-of-epoch one (4, 10);
    the single-thread step and two workers (batch 32: 16 rows each; the last batch of an
    epoch, 14 rows, takes the single-thread step)."""
    split_small_networks(monkeypatch)
    saver = checkpoint.Checkpointer(tmp_path, {"run": 1}, every=every)
    fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(stop)], threads=threads)
    saved = checkpoint.latest(tmp_path)
    assert saved is not None and saved.state.global_step <= stop
    saved.restore_optimizer(optimizer())
    history = fit(saved.model, optimizer=saved.state.optimizer, initial_state=saved.state,
                  threads=threads)
    ref_model, ref_history = reference_1 if threads == 1 else reference
    np.testing.assert_array_equal(saved.model.flat.params, ref_model.flat.params)
    np.testing.assert_array_equal(saved.model.flat.buffers, ref_model.flat.buffers)
    assert history == ref_history
    assert saved.args == {"run": 1}


def dead_pid() -> int:
    """The pid of a process that has exited."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def test_keeps_the_newest_and_cleans_half_writes(tmp_path) -> None:
    saver = checkpoint.Checkpointer(tmp_path, {}, every=2, keep=2)
    half = tmp_path / f".step-000000001-{saver.run}.npz.numnet-{dead_pid()}-0123abcd.tmp"
    half.write_bytes(b"half a checkpoint")
    fit(build(), optimizer=optimizer(), callbacks=[saver])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"step-000000026-{saver.run}.npz", f"step-000000027-{saver.run}.npz"]


def test_damaged_newest_falls_back(tmp_path) -> None:
    saver = checkpoint.Checkpointer(tmp_path, {}, every=3)
    fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(7)])
    newest, older = checkpoint.checkpoints(tmp_path)[::-1]
    newest.write_bytes(newest.read_bytes()[:1000])
    assert checkpoint.latest(tmp_path).path == older
    older.write_bytes(b"nothing")
    with pytest.raises(ModelFileError, match=f"step-000000003-{saver.run}.npz"):
        checkpoint.latest(tmp_path)


def test_tampered_position_is_refused(tmp_path) -> None:
    saver = checkpoint.Checkpointer(tmp_path, {}, every=3)
    fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(3)])
    (path,) = checkpoint.checkpoints(tmp_path)
    arrays, meta = archive.read_archive(path)
    meta["state"]["epoch"] = -1
    archive.write_archive(path, arrays, meta)
    with pytest.raises(ModelFileError, match="training position"):
        checkpoint.load(path)
    meta["state"]["epoch"] = 0
    meta["rng"] = {"bit_generator": "MT19937", "state": 5}
    archive.write_archive(path, arrays, meta)
    with pytest.raises(ModelFileError, match="random-generator state"):
        checkpoint.load(path)


def test_a_checkpoint_is_not_a_model(tmp_path) -> None:
    saver = checkpoint.Checkpointer(tmp_path, {}, every=3)
    fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(3)])
    with pytest.raises(ModelFileError, match="numnet train --resume"):
        io.load(checkpoint.checkpoints(tmp_path)[0])


# --------------------------------------------------------------------------- the command


def train_args(folder: Path, epochs: int = 2) -> list[str]:
    """A small run: 360 training images, batch 20, 18 steps per epoch, checkpoints every 2."""
    return [
        "train", "--limit", "400", "--epochs", str(epochs), "--batch-size", "20",
        "--checkpoint-dir", str(folder / "ck"), "--checkpoint-every", "2",
        "--out", str(folder / "m.npz"), "--data", mnist_dir(),
    ]  # fmt: skip


def start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.Popen(
        [sys.executable, "-m", "numnet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for_checkpoint(folder: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not checkpoint.checkpoints(folder) and proc.poll() is None:
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> np.ndarray:
    folder = tmp_path_factory.mktemp("reference")
    assert main(train_args(folder)) == 0
    return io.load(folder / "m.npz").flat.params.copy()


@pytest.mark.slow
def test_sigkill_then_resume(tmp_path, reference_run) -> None:
    proc = start(train_args(tmp_path))
    wait_for_checkpoint(tmp_path / "ck", proc)
    time.sleep(random.uniform(0, 0.3))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert main([*train_args(tmp_path), "--resume"]) == 0
    np.testing.assert_array_equal(io.load(tmp_path / "m.npz").flat.params, reference_run)


@pytest.mark.slow
def test_ctrl_c_checkpoints_and_exits_130(tmp_path, reference_run) -> None:
    proc = start(train_args(tmp_path, epochs=40))
    wait_for_checkpoint(tmp_path / "ck", proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "checkpoint saved" in err and "--resume" in err
    saved = checkpoint.latest(tmp_path / "ck")
    assert saved is not None and saved.state.epoch < 40
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.slow
def test_divergence_keeps_the_previous_model(tmp_path, capsys) -> None:
    out = tmp_path / "m.npz"
    out.write_bytes(b"the previous, good model")
    args = ["train", "--limit", "1000", "--epochs", "1", "--optimizer", "sgd", "--lr", "1e9"]
    assert main([*args, "--out", str(out), "--data", mnist_dir()]) == 2
    # the epoch's progress bar (shown on any stderr, as Keras' verbose=1), then one line
    *bar, message, end = capsys.readouterr().err.split("\n")
    assert end == "" and all(line.startswith("\repoch 1/1") for line in bar)
    assert "diverged at epoch 1, step" in message and "--lr" in message
    assert out.read_bytes() == b"the previous, good model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


# --------------------------------------------------------------------------- issue 14


def tamper(path: Path, change) -> None:
    """Rewrite a checkpoint with ``change(meta)`` applied to its description."""
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    change(meta)
    with open(path, "wb") as f:
        np.savez(f, **arrays, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))


def test_negative_optimizer_iterations_are_refused(tmp_path) -> None:
    saver = checkpoint.Checkpointer(tmp_path, {}, every=3)
    fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(3)])
    (path,) = checkpoint.checkpoints(tmp_path)
    tamper(path, lambda meta: meta["optimizer"].update(iterations=-5))
    with pytest.raises(ModelFileError, match="optimizer state is damaged") as err:
        checkpoint.load(path)
    assert "\n" not in str(err.value)


def test_a_checkpoint_whose_model_is_not_10_classes_is_refused(tmp_path) -> None:
    model = Sequential([Dense(8), ReLU(), Dense(355)], seed=0)
    saver = checkpoint.Checkpointer(tmp_path, {}, every=3)
    model.fit(*data(), epochs=1, batch_size=BATCH, verbose=0, callbacks=[saver, StopAt(3)])
    (path,) = checkpoint.checkpoints(tmp_path)
    with pytest.raises(ModelFileError, match="not the 10 digit classes"):
        checkpoint.load(path)


def test_keep_counts_only_the_runs_own_checkpoints(tmp_path) -> None:
    first = checkpoint.Checkpointer(tmp_path, {}, every=3, keep=5)
    fit(build(), optimizer=optimizer(), callbacks=[first, StopAt(7)])
    mine = checkpoint.checkpoints(tmp_path)
    second = checkpoint.Checkpointer(tmp_path, {}, every=3, keep=5, run=first.run)
    assert checkpoint.checkpoints(tmp_path, second.run) == mine
    assert checkpoint.checkpoints(tmp_path, checkpoint.new_run_id()) == []


def test_a_new_run_never_mixes_with_another_runs_checkpoints(tmp_path, capsys) -> None:
    """A new run (no --resume) in a folder of an earlier run's checkpoints: one line, exit 2,
    and none of the earlier files deleted (they used to count against ``keep``)."""
    ck = tmp_path / "ck"
    saver = checkpoint.Checkpointer(ck, {}, every=3)
    fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(7)])
    before = sorted(ck.iterdir())
    assert main(train_args(tmp_path, epochs=1)) == 2
    err = capsys.readouterr().err
    assert "holds checkpoints of another run" in err and "--resume" in err
    assert sorted(ck.iterdir()) == before and not (tmp_path / "m.npz").exists()


def test_resume_refuses_a_folder_of_several_runs(tmp_path) -> None:
    for _ in range(2):
        saver = checkpoint.Checkpointer(tmp_path, {}, every=3, run=checkpoint.new_run_id())
        saver.on_train_begin = lambda model, state: None  # as if written by two processes
        fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(3)])
    with pytest.raises(NumnetError, match="several runs"):
        checkpoint.latest(tmp_path)


def test_a_renamed_checkpoint_is_refused(tmp_path) -> None:
    saver = checkpoint.Checkpointer(tmp_path, {}, every=3)
    fit(build(), optimizer=optimizer(), callbacks=[saver, StopAt(3)])
    (path,) = checkpoint.checkpoints(tmp_path)
    other = path.with_name(f"step-000000003-{checkpoint.new_run_id()}.npz")
    path.rename(other)
    with pytest.raises(ModelFileError, match="renamed or copied"):
        checkpoint.load(other)


def test_resume_never_writes_where_the_checkpoint_says(tmp_path) -> None:
    """A checkpoint claiming ``out: victim.txt``: resuming must leave that file alone."""
    assert main(train_args(tmp_path, epochs=1)) == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("an unrelated file")
    newest = checkpoint.checkpoints(tmp_path / "ck")[-1]
    tamper(newest, lambda meta: meta["args"].update(out=str(victim), epochs=2))
    resume = ["train", "--checkpoint-dir", str(tmp_path / "ck"), "--resume", "--data", mnist_dir()]
    main(resume)
    assert victim.read_text() == "an unrelated file"


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_checkpoint_like_ctrl_c(tmp_path, signum) -> None:
    proc = start(train_args(tmp_path, epochs=40))
    wait_for_checkpoint(tmp_path / "ck", proc)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err[-500:]
    assert "checkpoint saved" in err and "--resume" in err
    saved = checkpoint.latest(tmp_path / "ck")
    assert saved is not None and saved.state.epoch < 40
