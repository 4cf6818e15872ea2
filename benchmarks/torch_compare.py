"""numnet and PyTorch side by side on the same networks: the speed issue's ratios, reproducible.

    pip install torch                               # optional; never a numnet dependency
    python benchmarks/torch_compare.py              # the table (minutes on 2 cores)
    python benchmarks/torch_compare.py --json out.json
    python benchmarks/torch_compare.py --quick      # one round, few steps: a smoke run
    python benchmarks/torch_compare.py --works mlp128,ref --threads 1,2 --rounds 3

PyTorch is optional: without it the script says so in one line and exits (status 1).

Works (``--works``):

- ``mlp128``, ``mlp512``, ``ref``, ``cnn``: ms per training step at batch 128, Adam and
  cross-entropy, on random float32 images of MNIST's shape and random labels (the timings do
  not depend on the values), for MLP 784-128-10, MLP 784-512-256-10, the reference CNN
  (``numnet.presets.build_reference_cnn``: conv32-relu-pool-conv64-relu-pool-fc128-relu-fc10)
  and the CNN preset (``numnet.presets.build_cnn``: conv32-pool-bn-relu-conv64-bn-relu-
  conv64-pool-bn-relu-fc256-bn-relu-dropout0.4-fc10), each at every ``--threads`` entry.
  numnet is timed through ``Sequential.fit`` (one epoch over enough batches, as users train:
  shuffled batches gathered, loss and accuracy kept), PyTorch through the equivalent loop
  (a shuffled index gather, zero_grad, forward, loss, backward, step, loss and accuracy
  kept); the first ``--warmup`` steps are not counted, the rest are averaged.
- ``infer``: MLP-128 inference, images/s over 10,000 images in batches of 1,000 (labels:
  numnet ``predict_classes``, PyTorch ``model(x).argmax(1)`` under ``inference_mode``), the
  median of ``INFER_PASSES`` passes after one, at 2 threads (a pass takes some 20 ms: enough
  of them that a neighbour's burst does not decide the median).
- ``latency``: one image through MLP-128 (``predict_classes(x[i:i+1])``; PyTorch the same
  under ``inference_mode``), the median of ``--calls`` calls, at 1 thread.

Threads: a number N is ``fit(..., threads=N)`` for numnet (and the BLAS limited to N, plus
``threads=N`` if ``predict`` takes it, for inference: ``benchmarks/run.py``) and
``torch.set_num_threads(N)`` for PyTorch; ``default`` leaves each library at its own
default, whose thread count the table shows.

Every figure comes from a fresh process (``--child``), numnet and PyTorch alternating (the
order swapped every round), so that neither inherits the other's threads, caches or memory,
and both see the same neighbours; the table shows medians over ``--rounds`` rounds and
``numnet ahead by``: PyTorch's time / numnet's (for images/s, numnet's / PyTorch's), above
1 when numnet is faster.  Run it on an otherwise idle machine and quote the load average
printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
import run as bench  # benchmarks/run.py: the networks, threads and the machine

from numnet.core.atomic import write_text
from numnet.nn.callbacks import Callback

BATCH = bench.BATCH
TRAIN = ("mlp128", "mlp512", "ref", "cnn")
#: work key -> (the table's name, unit, higher is better)
WORKS: dict[str, tuple[str, str, bool]] = {
    "mlp128": ("MLP 784-128-10", "ms", False),
    "mlp512": ("MLP 784-512-256-10", "ms", False),
    "ref": ("reference CNN (conv32-pool-conv64-pool-fc128)", "ms", False),
    "cnn": ("CNN preset (3 conv, batch norm, fc256)", "ms", False),
    "infer": ("MLP-128 inference, batches of 1,000", "img/s", True),
    "latency": ("one image through MLP-128", "us", False),
}
#: timed training steps per work (``--quick``: a fifth), about a second or two each
STEPS = {"mlp128": 300, "mlp512": 100, "ref": 20, "cnn": 12}
INFER_THREADS, LATENCY_THREADS, INFER_IMAGES, INFER_PASSES = 2, 1, 10_000, 15


# -- PyTorch's networks, the same layers as numnet's ---------------------------------------
def torch_network(key: str) -> Any:
    from torch import nn

    if key == "mlp128" or key in ("infer", "latency"):
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    if key == "mlp512":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                             nn.Linear(256, 10))
    if key == "ref":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(  # cnn
        nn.Conv2d(1, 32, 3), nn.MaxPool2d(2), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3), nn.MaxPool2d(2), nn.BatchNorm2d(64), nn.ReLU(), nn.Flatten(),
        nn.Linear(64 * 4 * 4, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
        nn.Linear(256, 10))


def numnet_network(key: str) -> Any:
    return bench.NETWORKS["mlp128" if key in ("infer", "latency") else key][1]()


def random_data(shape: tuple[int, ...], n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((n, *shape), dtype=np.float32), rng.integers(0, 10, n)


# -- one measurement, in the child --------------------------------------------------------
class StepClock(Callback):
    """The time at the end of every optimizer step."""

    def on_train_begin(self, model: Any, state: Any) -> None:
        self.ends: list[float] = []

    def on_step_end(self, model: Any, state: Any) -> bool:
        self.ends.append(time.perf_counter())
        return False


def ms_per_step(ends: list[float], warmup: int) -> float:
    """Mean ms per step after the first ``warmup`` steps, from the steps' end times."""
    return 1e3 * (ends[-1] - ends[warmup - 1]) / (len(ends) - warmup)


def numnet_child(kind: str, threads: int | None, steps: int, warmup: int,
                calls: int) -> tuple[float, int]:
    """(the figure, the threads it ran with) for numnet."""
    model = numnet_network(kind)
    if kind in TRAIN:
        x, y = random_data(model.input_shape, (warmup + steps) * BATCH)
        clock = StepClock()
        model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0, optimizer="adam",
                  loss="cross_entropy", callbacks=[clock],
                  **bench.threads_kwargs(model.fit, threads))
        value = ms_per_step(clock.ends, warmup)
    elif kind == "infer":
        x, _ = random_data(model.input_shape, INFER_IMAGES)
        bench.images_per_s(model, x, 1, threads)  # warm-up
        value = bench.images_per_s(model, x, INFER_PASSES, threads)
    else:
        x, _ = random_data(model.input_shape, INFER_IMAGES)
        value = float(np.median(bench.latencies_us(model, x, calls, threads)))
    return value, threads or bench.fit_default_threads()


def torch_child(kind: str, threads: int | None, steps: int, warmup: int,
                calls: int) -> tuple[float, int]:
    """(the figure, the threads it ran with) for PyTorch."""
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch_network(kind)
    shape = (784,) if kind in ("mlp128", "mlp512", "infer", "latency") else (1, 28, 28)
    if kind in TRAIN:
        xn, yn = random_data(shape, (warmup + steps) * BATCH)
        x, y = torch.from_numpy(xn), torch.from_numpy(yn)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        perm = torch.randperm(len(x))
        model.train()
        ends, loss_sum, correct = [], 0.0, 0
        for i in range(warmup + steps):
            idx = perm[i * BATCH : (i + 1) * BATCH]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(yb)
            correct += int((out.argmax(1) == yb).sum())
            ends.append(time.perf_counter())
        return ms_per_step(ends, warmup), torch.get_num_threads()
    x = torch.from_numpy(random_data(shape, INFER_IMAGES)[0])
    model.eval()
    with torch.inference_mode():
        if kind == "infer":
            passes = []
            for _ in range(INFER_PASSES + 1):  # the first is a warm-up
                start = time.perf_counter()
                for i in range(0, len(x), 1000):
                    model(x[i : i + 1000]).argmax(1)
                passes.append(time.perf_counter() - start)
            return len(x) / statistics.median(passes[1:]), torch.get_num_threads()
        lat = []
        for k in range(calls + 50):  # 50 warm-up calls
            xi = x[k % len(x) : k % len(x) + 1]
            start = time.perf_counter_ns()
            model(xi).argmax(1)
            lat.append(time.perf_counter_ns() - start)
        return statistics.median(lat[50:]) / 1e3, torch.get_num_threads()


# -- the rounds, in the parent --------------------------------------------------------------
def measurements(args: argparse.Namespace) -> list[tuple[str, int | None]]:
    """(work, threads) in the order of the table."""
    out: list[tuple[str, int | None]] = []
    for work in args.works:
        if work in TRAIN:
            out += [(work, t) for t in args.threads]
        else:
            out.append((work, INFER_THREADS if work == "infer" else LATENCY_THREADS))
    return out


def run_child(lib: str, work: str, threads: int | None, args: argparse.Namespace) -> dict:
    steps = max(5, STEPS.get(work, 0) // (5 if args.quick else 1))
    cmd = [sys.executable, os.path.abspath(__file__), "--child", lib, "--works", work,
           f"--threads={threads or 'default'}", f"--steps={steps}",
           f"--warmup={args.warmup}", f"--calls={args.calls}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        last = (proc.stderr.strip() or "no output").splitlines()[-1]
        raise SystemExit(f"torch_compare: the {lib} {work} measurement failed: {last}")
    return json.loads(proc.stdout.splitlines()[-1])


def same_networks(works: list[str]) -> None:
    """Exits if a PyTorch network has not the parameter count of numnet's."""
    for work in works:
        ours = numnet_network(work).count_params()
        theirs = sum(p.numel() for p in torch_network(work).parameters())
        if ours != theirs:
            raise SystemExit(f"torch_compare: {work}: numnet has {ours:,} parameters, the "
                             f"PyTorch network {theirs:,}; they are not the same network")


def measure(args: argparse.Namespace, torch_version: str) -> dict[str, Any]:
    load_start = os.getloadavg()
    todo = measurements(args)
    samples: dict[tuple[str, int | None], dict[str, list[dict]]] = {
        m: {"numnet": [], "torch": []} for m in todo}
    for r in range(args.rounds):
        for work, threads in todo:
            for lib in ("numnet", "torch") if r % 2 == 0 else ("torch", "numnet"):
                samples[work, threads][lib].append(run_child(lib, work, threads, args))
        print(f"  round {r + 1} of {args.rounds}", file=sys.stderr)
    rows = []
    for (work, threads), by_lib in samples.items():
        name, unit, higher = WORKS[work]
        row: dict[str, Any] = {"work": work, "name": name, "unit": unit,
                               "threads": threads or "default"}
        for lib, got in by_lib.items():
            row[lib] = statistics.median(s["value"] for s in got)
            row[f"{lib}_samples"] = [s["value"] for s in got]
            row[f"{lib}_threads"] = got[0]["threads"]
        row["numnet_ahead_by"] = (row["numnet"] / row["torch"] if higher
                                  else row["torch"] / row["numnet"])
        rows.append(row)
    return {"machine": {**bench.machine(), "torch": torch_version},
            "load_average_start": load_start, "load_average_end": os.getloadavg(),
            "settings": {"batch": BATCH, "rounds": args.rounds, "warmup": args.warmup,
                         "calls": args.calls, "quick": args.quick,
                         "steps": {w: max(5, s // (5 if args.quick else 1))
                                   for w, s in STEPS.items()}},
            "rows": rows}


def figure(value: float, unit: str) -> str:
    if unit == "img/s":
        return f"{value / 1e3:,.0f}k img/s"
    return f"{value:.3g} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def table(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        *bench.machine_lines(m, result["load_average_start"], result["load_average_end"]),
        f"PyTorch {m['torch']}; batch {BATCH}, Adam, cross-entropy, random float32 data of "
        f"MNIST's shape; medians of {result['settings']['rounds']} rounds of fresh processes, "
        "numnet and PyTorch alternating",
        "",
        "| work | threads | numnet | PyTorch | numnet ahead by |",
        "|---|--:|--:|--:|--:|",
    ]
    for r in result["rows"]:
        threads = str(r["threads"])
        if threads == "default":
            threads = f"default ({r['numnet_threads']} / {r['torch_threads']})"
        lines.append(f"| {r['name']} | {threads} | {figure(r['numnet'], r['unit'])} "
                     f"| {figure(r['torch'], r['unit'])} | {r['numnet_ahead_by']:.2f}x |")
    lines += ["", "ms: per training step; numnet ahead by: PyTorch's time / numnet's (images/s: "
              "numnet's / PyTorch's); default (numnet / PyTorch threads)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH")
    parser.add_argument("--quick", action="store_true", help="one round, a fifth of the steps")
    parser.add_argument("--rounds", type=int, help="fresh processes per figure and library [5]")
    parser.add_argument("--works", type=lambda s: [w.strip() for w in s.split(",")],
                        default=list(WORKS), metavar="KEY,...",
                        help=f"what to time [{','.join(WORKS)}]")
    parser.add_argument("--threads", type=bench.thread_list, default=[1, 2, None],
                        metavar="N,...", help="training rows: thread counts or 'default' "
                        "[1,2,default]")
    parser.add_argument("--warmup", type=int, default=5, help="untimed first steps [5]")
    parser.add_argument("--calls", type=int, default=2000, help="one-image calls [2000]")
    parser.add_argument("--child", choices=("numnet", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [w for w in args.works if w not in WORKS]
    if unknown or args.warmup < 1:
        parser.error(f"--works: choose from {','.join(WORKS)}" if unknown
                     else "--warmup must be at least 1")
    if args.child:
        child = numnet_child if args.child == "numnet" else torch_child
        value, threads = child(args.works[0], args.threads[0], args.steps, args.warmup,
                               args.calls)
        print(json.dumps({"value": value, "threads": threads}))
        return
    try:
        import torch
    except Exception as e:  # not installed, or a broken install: one line, no traceback
        sys.exit(f"torch_compare: PyTorch is not importable ({type(e).__name__}: {e}); it is "
                 "optional, for this comparison only: pip install torch")
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    same_networks([w for w in args.works if w in TRAIN])
    result = measure(args, torch.__version__)
    print(table(result))
    if args.json:
        write_text(args.json, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
