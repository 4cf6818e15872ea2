"""Fuzz ``numnet.files.checkpoint.load`` outside CI: N damaged checkpoints, only ModelFileError.

    python tests/fuzz/fuzz_checkpoint.py [N=10000] [--seed S]

A real checkpoint (an MLP with BatchNorm and Dropout, trained a few Adam steps) is damaged
in one of four ways, N in all, round-robin:

- a random stretch overwritten, or the file cut at a random length;
- random fields of the description replaced (run id, optimizer iterations and slots, the
  training position, the random-generator state, the run's settings, the architecture);
- arrays dropped, added, reshaped, retyped or made object arrays (``opt_*`` slots included),
  with the description left as it was or made to agree;
- the file saved under another run's name.

Prints a table of outcomes per kind (loaded / refused), the slowest case and the peak
memory, and exits 1 if anything else (another exception, a multi-line message) happened.
Not collected by pytest.
"""

from __future__ import annotations

import functools
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from fuzz_model_loader import random_json
from tally import Tally, arguments

from numnet.files import checkpoint
from numnet.nn import Adam, BatchNorm, Dense, Dropout, ReLU, Sequential
from numnet.nn.callbacks import Callback


class _StopAt(Callback):
    def __init__(self, n: int) -> None:
        self.n = n

    def on_step_end(self, model: Any, state: Any) -> bool:
        return state.global_step == self.n


def good_checkpoint(folder: Path) -> Path:
    model = Sequential([Dense(16), BatchNorm(), ReLU(), Dropout(0.1), Dense(10)], seed=0)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8), rng.integers(0, 10, 64)
    saver = checkpoint.Checkpointer(folder, {"arch": "mlp"}, every=3)
    model.fit(x, y, epochs=1, batch_size=16, optimizer=Adam(1e-3), verbose=0,
              callbacks=[saver, _StopAt(3)])  # fmt: skip
    (path,) = checkpoint.checkpoints(folder)
    return path


def parts(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return arrays, json.loads(arrays.pop("meta").tobytes())


def write(path: Path, arrays: dict[str, np.ndarray], meta: Any) -> None:
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, allow_pickle=True, **arrays, meta=blob)


def bytes_damage(rng: random.Random, good: bytes, arrays: dict, meta: dict, path: Path) -> None:
    if rng.random() < 0.5:
        path.write_bytes(good[: rng.randrange(len(good))])
        return
    blob = bytearray(good)
    at = rng.randrange(len(blob))
    blob[at : at + rng.randrange(1, 64)] = rng.randbytes(rng.randrange(1, 64))
    path.write_bytes(bytes(blob))


FIELDS = {
    "top": ["run", "format", "format_version", "architecture", "rng", "args", "optimizer"],
    "optimizer": ["iterations", "slots"],
    "state": ["epoch", "step", "global_step", "seed", "correct", "seen", "loss_sum", "history"],
    "rng": ["bit_generator", "state", "has_uint32", "uinteger"],
}
VALUES = [-5, -1, 0, 2**63, 1.5, "ab", None, [], {}, ["m"], ["m", "v", "w"], ["m", "m"],
          "0123abcd", "PCG64", {"state": 1, "inc": -1}, True, [1.0, "x"]]  # fmt: skip


def description_damage(
    rng: random.Random, good: bytes, arrays: dict, meta: dict, path: Path
) -> None:
    for _ in range(rng.randrange(1, 4)):
        where = rng.choice(list(FIELDS))
        value = rng.choice(VALUES) if rng.random() < 0.7 else random_json(rng)
        target = meta if where == "top" else meta.get(where)
        if where == "rng" and isinstance(target, dict):
            target = target.get("state") if rng.random() < 0.5 else target
        if isinstance(target, dict):
            target[rng.choice(FIELDS[where])] = value
    write(path, arrays, meta)


def array_damage(rng: random.Random, good: bytes, arrays: dict, meta: dict, path: Path) -> None:
    name = rng.choice([*arrays, "opt_w", "junk"])
    kind = rng.randrange(5)
    if kind == 0:
        arrays.pop(name, None)
    elif kind == 1:
        arrays[name] = np.zeros(rng.choice([0, 1, 100, arrays["params"].size]), np.float32)
    elif kind == 2 and name in arrays:
        arrays[name] = arrays[name].astype(rng.choice([np.float64, np.float16, np.int32]))
    elif kind == 3 and name in arrays:
        arrays[name] = arrays[name][: rng.randrange(arrays[name].size + 1)].reshape(-1, 1)
    else:
        arrays[name] = np.array([print, None], dtype=object)
    if rng.random() < 0.5 and isinstance(meta.get("optimizer"), dict):
        meta["optimizer"]["slots"] = sorted(k[4:] for k in arrays if k.startswith("opt_"))
    write(path, arrays, meta)


def renamed(rng: random.Random, good: bytes, arrays: dict, meta: dict, path: Path) -> None:
    path.write_bytes(good)


def main() -> int:
    n, rng = arguments(__doc__)
    kinds = {"bytes": bytes_damage, "description": description_damage,
             "arrays": array_damage, "renamed": renamed}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        good_path = good_checkpoint(Path(tmp) / "good")
        good = good_path.read_bytes()
        checkpoint.load(good_path)  # the undamaged one loads
        tally = Tally(list(kinds))
        for i in range(n):
            kind = list(kinds)[i % len(kinds)]
            run = checkpoint.new_run_id() if kind == "renamed" else good_path.name[-12:-4]
            path = Path(tmp) / f"step-000000003-{run}.npz"
            arrays, meta = parts(good_path)
            kinds[kind](rng, good, arrays, meta, path)
            tally.run(kind, i, functools.partial(checkpoint.load, path))
            path.unlink(missing_ok=True)
    return tally.report()


if __name__ == "__main__":
    sys.exit(main())
