"""Kill ``numnet train`` with SIGKILL at random moments, resume, and compare with a clean run.

    python tests/fuzz/kill_resume_loop.py [--runs 20] [--seed 0]

One uninterrupted reference run first, then ``--runs`` trials.  Each trial starts the same
run in a fresh folder and kills it (SIGKILL) either at a random time in the run or while a
checkpoint is being written (the moment a ``.step-*.tmp`` file appears in the checkpoint
folder); every other trial also kills the first resumed process.  The last resume runs to
the end, and its model must be bit-identical (parameters and buffers) to the reference.
Prints one line per trial and ``N/runs bit-identical``; exits 1 unless all are, with no
temporary file of a killed write left behind.
Not collected by pytest (needs MNIST, takes minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from numnet.files import checkpoint
from numnet.files import model_file as io

DATA = os.environ.get("NUMNET_DATA", str(Path(__file__).resolve().parents[3] / "shared/data/mnist"))


def command(folder: Path, resume: bool = False) -> list[str]:
    """2,000 images, 36 steps of 50 per epoch, 2 epochs, a checkpoint every 3 steps."""
    args = [
        sys.executable, "-m", "numnet", "train", "--limit", "2000", "--epochs", "2",
        "--batch-size", "50", "--checkpoint-dir", str(folder / "ck"), "--checkpoint-every", "3",
        "--out", str(folder / "m.npz"), "--data", DATA,
    ]  # fmt: skip
    return [*args, "--resume"] if resume else args


def start(folder: Path, resume: bool) -> subprocess.Popen:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.Popen(
        command(folder, resume), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )


def kill_at_random_time(proc: subprocess.Popen, duration: float, rng: random.Random) -> str:
    delay = rng.uniform(0, duration)
    try:
        proc.wait(timeout=delay)
        return f"finished before {delay:.2f} s"
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return f"killed at {delay:.2f} s"


def kill_during_write(proc: subprocess.Popen, folder: Path, rng: random.Random) -> str:
    """SIGKILL while the k-th checkpoint write seen is in progress (its temp file exists)."""
    ck, k, seen = folder / "ck", rng.randrange(1, 20), set()
    while proc.poll() is None:
        if ck.is_dir():
            tmp = {e.name for e in os.scandir(ck) if e.name.endswith(".tmp")}
            if tmp - seen:
                seen |= tmp
                if len(seen) >= k:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    return f"killed during checkpoint write #{len(seen)}"
        time.sleep(0.0005)
    return f"finished after {len(seen)} writes seen"


def weights(path: Path) -> np.ndarray:
    model = io.load(path)
    return np.concatenate([model.flat.params, model.flat.buffers])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ref_dir = root / "reference"
        began = time.perf_counter()
        subprocess.run(command(ref_dir), check=True, stdout=subprocess.DEVNULL)
        duration = time.perf_counter() - began
        reference = weights(ref_dir / "m.npz")
        print(f"reference run: {duration:.1f} s, {reference.size} values")
        identical = 0
        for trial in range(1, args.runs + 1):
            folder = root / f"trial{trial}"
            events = []
            kills = 2 if trial % 2 == 0 else 1
            for k in range(kills):
                proc = start(folder, resume=k > 0)
                if rng.random() < 0.5:
                    events.append(kill_during_write(proc, folder, rng))
                else:
                    events.append(kill_at_random_time(proc, duration, rng))
                latest = checkpoint.checkpoints(folder / "ck")
                events[-1] += f" (newest checkpoint: {latest[-1].stem if latest else 'none'})"
            done = subprocess.run(command(folder, resume=True), capture_output=True, text=True)
            same = done.returncode == 0 and np.array_equal(weights(folder / "m.npz"), reference)
            litter = sorted(p.name for p in folder.rglob("*.tmp"))  # of the killed writes
            identical += same and not litter
            verdict = "bit-identical" if same else f"DIFFERENT (exit {done.returncode})"
            verdict += f", temporaries left: {litter}" if litter else ", no temporaries left"
            print(f"trial {trial:>2}: {'; '.join(events)} -> resumed: {verdict}", flush=True)
            if done.returncode:
                print("   ", done.stderr.strip().splitlines()[-1:])
    print(f"{identical}/{args.runs} bit-identical")
    return 0 if identical == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
