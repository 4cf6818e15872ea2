"""numnet's speed and memory in one table, against the machine's own limit measured in the same run.

    python benchmarks/run.py                    # the full table (a few minutes on 2 cores)
    python benchmarks/run.py --json out.json    # the same, and the figures as JSON
    python benchmarks/run.py --quick            # a smoke run: small data, few repeats
    python benchmarks/run.py --threads 2        # BLAS threads for the whole run [1]

Everything (training, floor, inference) runs with ``--threads`` BLAS threads, set with
threadpoolctl: one by default, as ``Sequential.fit`` trains (``numnet.nn.engine.threads``);
``--threads 0`` leaves the BLAS as the environment set it.

Rows: MLP 784-128-10, MLP 784-512-256-10, the reference CNN and the CNN preset
(``numnet.presets``), each trained with Adam, batch 128, float32, no augmentation
(but for one column), on the MNIST training set (random images of the same shape if MNIST
is not found, or with ``--synthetic``: the timings do not depend on pixel values).

Columns:

- ``train samples/s``, ``epoch s``: MLPs, the median of ``--epochs`` whole epochs of
  ``Sequential.fit``.  CNNs (marked ``~``), ``--cnn-batches`` batches timed in blocks of 10;
  the median block, scaled to the 60,000 / 128 batches of an epoch.
- ``floor s``: the matrix products alone, for the same shapes, timed in the same run,
  between the timed epochs (blocks), so that both see the same neighbours, and scaled to
  one epoch in the same way.  Per ``Dense``: x W, dW = x^T g and dx = g W^T (no dx for the
  first layer that learns, as in training).  Per ``Conv2D``: the im2col product cols W,
  dW = cols^T g and the input-gradient products g W[i, j]^T.  Everything else a step does
  (biases, activations, pooling, im2col copies, loss, Adam, gathering the batch) is what
  numnet adds on top of the floor.
- ``floor/epoch``: floor time / epoch time; 100% would be nothing but the products.  In
  brackets the same ratio of this process's CPU times, which depends less on the
  neighbours (with one BLAS thread; with more, waiting threads spin and count).
- ``aug ms``, ``epoch s augmented``: the affine augmentation of ``numnet train --augment``
  (``numnet.data.augment.Augmenter``) on one batch alone, and the epoch time (measured as
  ``epoch s``) of training with it.  ``fit`` augments the next batch in a background thread
  while the model works on this one (``numnet.nn.engine.batches``): when the overlap works, the
  augmented epoch takes about the longer of the two, not their sum.
- ``infer img/s``: ``model.predict`` on the test set in batches of 1,000.
- ``1-image us``: latency of ``model.predict_classes(x[i:i+1])`` (float32 rows of the model's
  input shape), median and 99th percentile over ``--calls`` calls.
- ``peak RSS MB``: the peak resident memory (VmHWM) of a fresh process that loads MNIST,
  converts all of it to float32 (188 MB for the training set), trains on it (MLPs one
  epoch, CNNs ``--cnn-batches`` batches) and predicts the test set (``predict``'s default
  batches).

On a shared machine the seconds depend on the neighbours; quote the ratios of one run and
the load average printed with them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import numpy as np

from numnet.core.atomic import write_text
from numnet.nn import Conv2D, Dense, ReLU, Sequential
from numnet.nn.callbacks import Callback
from numnet.presets import PRESETS, build_cnn, build_reference_cnn

BATCH, N_TRAIN, N_TEST = 128, 60_000, 10_000


def mlp(*hidden: int) -> Callable[[], Sequential]:
    def build() -> Sequential:
        layers = [layer for units in hidden for layer in (Dense(units), ReLU())]
        return Sequential([*layers, Dense(10)], input_shape=(784,))

    return build


#: name -> (builder, is a CNN: timed per batch and extrapolated)
NETWORKS: dict[str, tuple[Callable[[], Sequential], bool]] = {
    "MLP 784-128-10": (mlp(128), False),
    "MLP 784-512-256-10": (mlp(512, 256), False),
    "reference CNN": (build_reference_cnn, True),
    "CNN preset": (build_cnn, True),
}


# -- data ------------------------------------------------------------------------------
def load(samples: int, n_test: int, synthetic: bool) -> tuple[np.ndarray, ...]:
    """(x_train (n, 784) float32, y_train, x_test, y_test, source); random if no MNIST."""
    if not synthetic:
        try:
            from numnet.datasets.mnist import load_data, preprocess

            (xtr, ytr), (xte, yte) = load_data(download=False, progress=False)
            return (preprocess(xtr[:samples]), ytr[:samples], preprocess(xte[:n_test]),
                    yte[:n_test], "MNIST")
        except Exception:  # no MNIST here: timings do not depend on pixel values
            pass
    rng = np.random.default_rng(0)
    return (rng.random((samples, 784), dtype=np.float32), rng.integers(0, 10, samples),
            rng.random((n_test, 784), dtype=np.float32), rng.integers(0, 10, n_test), "random")


def as_input(model: Sequential, x: np.ndarray) -> np.ndarray:
    return x.reshape(len(x), *model.input_shape)  # a view


# -- training time and its floor, interleaved -------------------------------------------
def product_step(model: Sequential, n: int, rng: np.random.Generator) -> Callable[[], None]:
    """One training step's matrix products for ``model`` at batch ``n``, on random arrays,
    with the same shapes, memory orders and ``out=`` arrays as the layers use."""
    work = []

    def rand(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)

    for layer in model.layers:
        if isinstance(layer, Dense):
            (d_in, d_out) = layer.W.shape
            a, W, g = rand(n, d_in), rand(d_in, d_out), rand(n, d_out)
            work.append((a, W, g, np.empty_like(W), np.empty_like(a) if layer.input_grad
                         else None, None))
        elif isinstance(layer, Conv2D):
            c = layer.input_shape[0]
            f, oh, ow = layer.output_shape
            k = layer.kh * layer.kw
            rows = n * oh * ow
            cols, W, g = rand(rows, k * c), rand(k * c, f), rand(rows, f)
            # dx: the k products g W[i, j]^T in one batched matmul, as Conv2D.backward does
            dcols = np.empty((k, rows, c), np.float32) if layer.input_grad else None
            work.append((cols, W, g, np.empty_like(W), dcols, W.reshape(k, c, f)))

    def step() -> None:
        for a, W, g, *_ in work:  # forward
            np.matmul(a, W, out=g)
        for a, W, g, dW, dx, W3 in reversed(work):  # backward
            np.matmul(a.T, g, out=dW)
            if dx is not None:
                np.matmul(g, W.T if W3 is None else W3.transpose(0, 2, 1), out=dx)

    return step


class Interleave(Callback):
    """Times training in blocks and runs the floor's product steps between blocks, so that
    both see the same neighbours on a shared machine; the floor's time is not training's.

    A block is ``block`` optimizer steps, or a whole epoch when ``block`` is None; after
    each, ``floor_steps`` product steps.  Training stops after ``blocks`` blocks.  Wall
    time and this process's CPU time are both kept (``train``, ``floor``: (wall, cpu)).
    """

    def __init__(self, step: Callable[[], None], block: int | None, floor_steps: int,
                 blocks: int) -> None:
        self.step, self.block, self.floor_steps, self.blocks = step, block, floor_steps, blocks

    @staticmethod
    def now() -> np.ndarray:
        return np.array([time.perf_counter(), time.process_time()])

    def on_train_begin(self, model, state) -> None:
        self.train, self.floor, self.steps = [], [], 0
        self.start = self.now()

    def _between_blocks(self) -> bool:
        self.train.append(self.now() - self.start)
        start = self.now()
        for _ in range(self.floor_steps):
            self.step()
        self.floor.append(self.now() - start)
        self.start = self.now()
        return len(self.train) >= self.blocks

    def on_step_end(self, model, state) -> bool:
        self.steps += 1
        return self.block is not None and self.steps % self.block == 0 and self._between_blocks()

    def on_epoch_end(self, model, state) -> bool:
        return self.block is None and self._between_blocks()


def timed_training(model: Sequential, x, y, cnn: bool, epochs: int, batches: int,
                   floor: bool = True, augment: Callable | None = None) -> dict:
    """Epoch seconds, wall and CPU, and with ``floor`` the floor's: medians over blocks (MLP:
    ``epochs`` epochs; CNN: ``batches`` batches in blocks of 10), scaled to an epoch of
    60,000 images.  ``augment`` is passed to ``fit``."""
    steps_per_epoch = math.ceil(len(x) / BATCH)
    block = min(10, batches) if cnn else None
    block_steps = block or steps_per_epoch
    blocks = math.ceil(batches / block) if cnn else epochs
    step = product_step(model, BATCH, np.random.default_rng(0)) if floor else lambda: None
    clock = Interleave(step, block, block_steps if floor else 0, blocks)
    model.fit(x, y, epochs=math.ceil(blocks * block_steps / steps_per_epoch), batch_size=BATCH,
              verbose=0, callbacks=[clock], threads=None, augment=augment)
    train = np.median(clock.train, axis=0) * N_TRAIN / (block * BATCH if cnn else len(x))
    times = {"epoch_s": train[0], "epoch_cpu_s": train[1]}
    if floor:
        floor_s = np.median(clock.floor, axis=0) * N_TRAIN / (block_steps * BATCH)
        times.update(floor_epoch_s=floor_s[0], floor_epoch_cpu_s=floor_s[1])
    return times


def augmented(model: Sequential, x, y, cnn: bool, epochs: int, batches: int) -> dict:
    """Milliseconds of the affine augmentation on one batch (median of 20), and the epoch
    time of training with it, timed as ``timed_training`` times it (without the floor)."""
    augment = PRESETS["mlp"].augmenter()
    batch, rng = x[:BATCH], np.random.default_rng(0)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        augment(batch, rng)
        times.append(time.perf_counter() - start)
    epoch = timed_training(model, x, y, cnn, epochs, batches, floor=False, augment=augment)
    return {"augment_ms": 1e3 * statistics.median(times),
            "augmented_epoch_s": float(epoch["epoch_s"])}


# -- inference ---------------------------------------------------------------------------
def inference(model: Sequential, x: np.ndarray, calls: int, repeat: int) -> dict[str, float]:
    """Images/s of predict in batches of 1,000, and single-image latency (median, p99)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        model.predict_classes(x, batch_size=1000)
        times.append(time.perf_counter() - start)
    warmup = min(50, calls)
    lat = np.empty(calls + warmup)
    clock = time.perf_counter_ns
    for k in range(calls + warmup):
        i = k % len(x)
        start = clock()
        model.predict_classes(x[i : i + 1])
        lat[k] = clock() - start
    lat = lat[warmup:] / 1e3
    return {"infer_images_per_s": len(x) / statistics.median(times),
            "latency_us_median": float(np.median(lat)),
            "latency_us_p99": float(np.percentile(lat, 99))}


# -- peak memory, in a fresh process ------------------------------------------------------
class StopAfter(Callback):
    """Stops training after ``steps`` optimizer steps."""

    def __init__(self, steps: float) -> None:
        self.steps = steps

    def on_step_end(self, model, state) -> bool:
        return state.global_step >= self.steps


def peak_rss_child(args: argparse.Namespace) -> None:
    """Runs in the child: load, convert, train, predict; print the peak resident set (MB)."""
    xtr, ytr, xte, _, _ = load(args.samples, args.test_samples, args.synthetic)
    build, cnn = NETWORKS[args.rss_child]
    model = build()
    stop = StopAfter(args.cnn_batches if cnn else math.inf)
    model.fit(as_input(model, xtr), ytr, epochs=1, batch_size=BATCH, verbose=0,
              callbacks=[stop], threads=None)
    model.predict(as_input(model, xte))
    print(json.dumps({"peak_rss_mb": peak_rss_of_this_process()}))


def peak_rss_of_this_process() -> float:
    """MB.  Linux: VmHWM, the peak of this process's own memory since it started.  Not
    ``ru_maxrss``: a child started with fork + exec inherits the parent's peak in it."""
    try:
        with open("/proc/self/status") as f:
            kb = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
        return int(kb) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb(name: str, args: argparse.Namespace) -> float:
    """Peak RSS of ``peak_rss_child`` for network ``name``, in a fresh interpreter."""
    cmd = [sys.executable, os.path.abspath(__file__), "--rss-child", name]
    for key in ("samples", "test_samples", "cnn_batches", "threads"):
        if getattr(args, key) is not None:
            cmd.append(f"--{key.replace('_', '-')}={getattr(args, key)}")
    cmd += ["--synthetic"] * args.synthetic
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])["peak_rss_mb"]


# -- the machine -------------------------------------------------------------------------
def blas_info() -> dict[str, Any]:
    """The BLAS numpy calls: threadpoolctl's view (kernel, threads) if installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return {"name": blas.get("name"), "version": blas.get("version"),
                "kernel": "unknown (install threadpoolctl)", "threads": None}
    for pool in threadpool_info():
        if pool["user_api"] == "blas":
            return {"name": pool["internal_api"], "version": pool["version"],
                    "kernel": pool.get("architecture"), "threads": pool["num_threads"]}
    return {"name": None, "version": None, "kernel": None, "threads": None}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    env = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas_info(),
            "env": {k: os.environ[k] for k in env if k in os.environ}}


def thread_limit(threads: int):
    if not threads:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # then the environment decides (OPENBLAS_NUM_THREADS)
        print("threadpoolctl is not installed: --threads ignored", file=sys.stderr)
        return nullcontext()
    return threadpool_limits(threads, user_api="blas")


# -- the table ---------------------------------------------------------------------------
def measure(args: argparse.Namespace) -> dict[str, Any]:
    load_start = os.getloadavg()
    xtr, ytr, xte, _, source = load(args.samples, args.test_samples, args.synthetic)
    rows = []
    for name, (build, cnn) in NETWORKS.items():
        model = build()
        x, xt = as_input(model, xtr), as_input(model, xte)
        t = {k: float(v) for k, v in
             timed_training(model, x, ytr, cnn, args.epochs, args.cnn_batches).items()}
        row = {"network": name, "params": model.count_params(), **t, "epoch_extrapolated": cnn,
               "train_samples_per_s": N_TRAIN / t["epoch_s"],
               "floor_fraction": t["floor_epoch_s"] / t["epoch_s"],
               "floor_fraction_cpu": t["floor_epoch_cpu_s"] / t["epoch_cpu_s"]}
        row.update(augmented(model, x, ytr, cnn, args.epochs, args.cnn_batches))
        row.update(inference(model, xt, args.calls, repeat=3 if not args.quick else 1))
        row["peak_rss_mb"] = peak_rss_mb(name, args)
        rows.append(row)
        print(f"  measured {name}", file=sys.stderr)
    return {"machine": machine(), "data": source, "load_average_start": load_start,
            "load_average_end": os.getloadavg(),
            "settings": {"batch": BATCH, "optimizer": "adam", "samples": args.samples,
                         "test_samples": args.test_samples, "epochs": args.epochs,
                         "cnn_batches": args.cnn_batches, "calls": args.calls,
                         "threads": args.threads, "quick": args.quick},
            "rows": rows}


def table(result: dict[str, Any]) -> str:
    m, b = result["machine"], result["machine"]["blas"]
    la0, la1 = result["load_average_start"], result["load_average_end"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']}, "
        f"{b['name']} {b['version']} ({b['kernel']} kernel, {b['threads']} threads)"
        + (f"; env {m['env']}" if m["env"] else ""),
        f"load average (1, 5, 15 min): start {la0[0]:.2f} {la0[1]:.2f} {la0[2]:.2f}, "
        f"end {la1[0]:.2f} {la1[1]:.2f} {la1[2]:.2f}; data: {result['data']}, "
        f"Adam, batch {BATCH}, float32",
        "",
        "| network | params | train samples/s | epoch s | floor s | floor/epoch (CPU) "
        "| aug ms | epoch s augmented | infer img/s | 1-image us median / p99 | peak RSS MB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in result["rows"]:
        mark = "~" if r["epoch_extrapolated"] else ""
        lines.append(
            f"| {r['network']} | {r['params']:,} | {r['train_samples_per_s']:,.0f} "
            f"| {mark}{r['epoch_s']:.3f} | {mark}{r['floor_epoch_s']:.3f} "
            f"| {r['floor_fraction']:.0%} ({r['floor_fraction_cpu']:.0%}) "
            f"| {r['augment_ms']:.2f} | {mark}{r['augmented_epoch_s']:.3f} "
            f"| {r['infer_images_per_s']:,.0f} "
            f"| {r['latency_us_median']:.1f} / {r['latency_us_p99']:.1f} "
            f"| {r['peak_rss_mb']:.0f} |")
    s = result["settings"]
    lines += ["", f"MLP: median of {s['epochs']} epochs of fit.  ~ CNN: median over blocks of "
              f"{min(10, s['cnn_batches'])} of {s['cnn_batches']} timed batches, scaled to "
              f"{N_TRAIN / BATCH:.2f} batches.  Floor timed between the blocks (epochs)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH")
    parser.add_argument("--quick", action="store_true", help="small data, few repeats")
    parser.add_argument("--samples", type=int, help="training images [60000; --quick 2048]")
    parser.add_argument("--test-samples", type=int, help="test images [10000; quick 1000]")
    parser.add_argument("--epochs", type=int, help="MLP epochs and floor repeats [5; quick 2]")
    parser.add_argument("--cnn-batches", type=int, help="timed CNN batches [60; quick 3]")
    parser.add_argument("--calls", type=int, help="single-image calls [3000; quick 100]")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for everything [1, as fit; 0: leave the BLAS as set]")
    parser.add_argument("--synthetic", action="store_true", help="random images, not MNIST")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for key, full, quick in [("samples", N_TRAIN, 2048), ("test_samples", N_TEST, 1000),
                             ("epochs", 5, 2),
                             ("cnn_batches", 60, 3), ("calls", 3000, 100)]:
        if getattr(args, key) is None:
            setattr(args, key, quick if args.quick else full)
    with thread_limit(args.threads):
        if args.rss_child:
            peak_rss_child(args)
            return
        result = measure(args)
    print(table(result))
    if args.json:
        write_text(args.json, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
