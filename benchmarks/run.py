"""numnet's speed and memory in one table, against the machine's own limit measured in the same run.

    python benchmarks/run.py                        # the full table (minutes on 2 cores)
    python benchmarks/run.py --json out.json        # the same, and the figures as JSON
    python benchmarks/run.py --quick                # a smoke run: small data, few repeats
    python benchmarks/run.py --threads 1,2,default  # rows for each thread count [default]
    python benchmarks/run.py --networks mlp128,ref  # some of the rows only
    python benchmarks/run.py --full-cnn             # and the real `numnet train --arch cnn`

``--threads`` is a comma-separated list; each network gets one row per entry.  A number N
trains with ``fit(..., threads=N)``; ``default`` calls ``fit`` without ``threads``, as users
do, and the ``threads`` column shows what that resolves to (fit's default when it is a
number, else the cores this process may use, ``os.sched_getaffinity``).  Inference runs with
the BLAS limited to N threads (threadpoolctl), and with ``threads=N`` as well if ``predict``
takes it; ``default`` leaves both as they are.

Rows: MLP 784-128-10, MLP 784-512-256-10, the reference CNN and the CNN preset
(``numnet.presets``), each trained with Adam, batch 128, float32, no augmentation
(but for one column), on the MNIST training set (random images of the same shape if MNIST
is not found, or with ``--synthetic``: the timings do not depend on pixel values).

Columns:

- ``threads``: the thread count of the row (``default (N)``: fit's default, N threads).
- ``cores used``: this process's CPU time / wall time over the timed training (the median
  block): how many cores the run kept busy (a spinning BLAS thread counts as busy).
- ``train samples/s``, ``epoch s``: MLPs, the median of ``--epochs`` whole epochs of
  ``Sequential.fit``.  CNNs (marked ``~``), ``--cnn-batches`` batches timed in blocks of 10;
  the median block, scaled to the 60,000 / 128 batches of an epoch.
- ``floor s``: the matrix products alone, for the same shapes, on one core (one BLAS
  thread), timed in the same run, between the timed epochs (blocks), so that both see the
  same neighbours, scaled to one epoch in the same way, and divided by the row's thread
  count: the limit of N cores that do nothing but the products.  Per ``Dense``: x W,
  dW = x^T g and dx = g W^T (no dx for the first layer that learns, as in training).  Per
  ``Conv2D``: the im2col product cols W, dW = cols^T g and the input-gradient products
  g W[i, j]^T.  Everything else a step does (biases, activations, pooling, im2col copies,
  loss, Adam, gathering the batch, waiting) is what numnet adds on top of the floor.
- ``floor/epoch``: floor time / epoch time; 100% would be nothing but the products on every
  core.  In brackets the ratio of this process's CPU times (the one-core floor's over
  training's, all threads): the share of the CPU time spent in the products, which depends
  less on the neighbours.
- ``aug ms``, ``epoch s augmented``: the affine augmentation of ``numnet train --augment``
  (``numnet.data.augment.Augmenter``) on one batch alone, and the epoch time (measured as
  ``epoch s``) of training with it.  ``fit`` augments the next batch in a background thread
  while the model works on this one (``numnet.nn.engine.batches``): when the overlap works, the
  augmented epoch takes about the longer of the two, not their sum.
- ``infer img/s``: ``model.predict_classes`` on the test set in batches of 1,000.
- ``1-image us``: latency of ``model.predict_classes(x[i:i+1])`` (float32 rows of the model's
  input shape), median and 99th percentile over ``--calls`` calls.
- ``peak RSS MB``: the peak resident memory (VmHWM) of a fresh process that loads MNIST,
  converts all of it to float32 (188 MB for the training set), trains on it (MLPs one
  epoch, CNNs ``--cnn-batches`` batches) and predicts the test set (``predict``'s default
  batches).
- ``full train s (test acc)``: with ``--full-cnn``, CNN preset rows only: the wall time of
  the real ``numnet train --arch cnn`` (15 epochs with its augmentation, the row's
  ``--threads``; default: no ``--threads``) run as a subprocess, from start to exit (loading
  MNIST, calibrating and saving included), the cores it used (its CPU time / wall time), and
  the test accuracy it printed.  It takes minutes; ``--full-cnn-args`` adds flags to the
  command (``"--data DIR"``; ``"--epochs 1 --limit 500"`` for a trial, then not the full run).

On a shared machine the seconds depend on the neighbours; quote the ratios of one run and
the load average printed with them.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
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


#: key (``--networks``) -> (name, builder, is a CNN: timed per batch and extrapolated)
NETWORKS: dict[str, tuple[str, Callable[[], Sequential], bool]] = {
    "mlp128": ("MLP 784-128-10", mlp(128), False),
    "mlp512": ("MLP 784-512-256-10", mlp(512, 256), False),
    "ref": ("reference CNN", build_reference_cnn, True),
    "cnn": ("CNN preset", build_cnn, True),
}


# -- threads -----------------------------------------------------------------------------
def thread_list(text: str) -> list[int | None]:
    """``--threads``: '1,2,default' -> [1, 2, None]; None is fit's default."""
    counts: list[int | None] = []
    for part in (p.strip() for p in text.split(",")):
        if part == "default":
            counts.append(None)
        elif part.isdigit() and int(part) >= 1:
            counts.append(int(part))
        else:
            raise argparse.ArgumentTypeError(f"{part!r} is neither a thread count nor 'default'")
    return counts


def network_list(text: str) -> list[str]:
    """``--networks``: 'mlp128,ref' -> the keys of NETWORKS, in the table's order."""
    keys = [k.strip() for k in text.split(",")]
    unknown = [k for k in keys if k not in NETWORKS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {','.join(NETWORKS)}")
    return [k for k in NETWORKS if k in keys]


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def fit_default_threads() -> int:
    """The threads ``fit`` uses when not told: its default when that is a number, else (None)
    every core this process may use."""
    default = inspect.signature(Sequential.fit).parameters["threads"].default
    return default if isinstance(default, int) else usable_cores()


def threads_kwargs(fn: Callable[..., Any], threads: int | None) -> dict[str, int]:
    """``{"threads": threads}`` for a call of ``fn`` if it takes ``threads`` and a count is
    given; else nothing (its default)."""
    takes = "threads" in inspect.signature(fn).parameters
    return {"threads": threads} if threads is not None and takes else {}


def blas_limit(threads: int | None) -> AbstractContextManager[Any]:
    """The BLAS limited to ``threads`` threads inside (threadpoolctl); None changes nothing."""
    if threads is None:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # then the environment decides (OPENBLAS_NUM_THREADS)
        print("threadpoolctl is not installed: the BLAS threads are not set", file=sys.stderr)
        return nullcontext()
    return threadpool_limits(threads, user_api="blas")


# -- data ------------------------------------------------------------------------------
def load(samples: int, n_test: int, synthetic: bool) -> tuple[Any, ...]:
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
    """Times training in blocks and runs the floor's product steps, on one BLAS thread,
    between blocks, so that both see the same neighbours on a shared machine; the floor's
    time is not training's.

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
        with blas_limit(1):
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
                   threads: int | None, floor: bool = True,
                   augment: Callable | None = None) -> dict:
    """Epoch seconds, wall and CPU, the cores used (CPU / wall), and with ``floor`` the
    floor's: medians over blocks (MLP: ``epochs`` epochs; CNN: ``batches`` batches in blocks
    of 10), scaled to an epoch of 60,000 images; the floor's wall time divided by the thread
    count.  ``fit`` trains with ``threads`` (None: its default) and ``augment``."""
    steps_per_epoch = math.ceil(len(x) / BATCH)
    block = min(10, batches) if cnn else None
    block_steps = block or steps_per_epoch
    blocks = math.ceil(batches / block) if cnn else epochs
    step = product_step(model, BATCH, np.random.default_rng(0)) if floor else lambda: None
    clock = Interleave(step, block, block_steps if floor else 0, blocks)
    model.fit(x, y, epochs=math.ceil(blocks * block_steps / steps_per_epoch), batch_size=BATCH,
              verbose=0, callbacks=[clock], augment=augment,
              **threads_kwargs(model.fit, threads))
    train = np.median(clock.train, axis=0) * N_TRAIN / (block * BATCH if cnn else len(x))
    times = {"epoch_s": train[0], "epoch_cpu_s": train[1],
             "cores_used": statistics.median(cpu / wall for wall, cpu in clock.train)}
    if floor:
        floor_s = np.median(clock.floor, axis=0) * N_TRAIN / (block_steps * BATCH)
        cores = threads or fit_default_threads()
        times.update(floor_epoch_s=floor_s[0] / cores, floor_epoch_cpu_s=floor_s[1])
    return times


def augmented(model: Sequential, x, y, cnn: bool, epochs: int, batches: int,
              threads: int | None) -> dict:
    """Milliseconds of the affine augmentation on one batch (median of 20), and the epoch
    time of training with it, timed as ``timed_training`` times it (without the floor)."""
    augment = PRESETS["mlp"].augmenter()
    batch, rng = x[:BATCH], np.random.default_rng(0)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        augment(batch, rng)
        times.append(time.perf_counter() - start)
    epoch = timed_training(model, x, y, cnn, epochs, batches, threads, floor=False,
                           augment=augment)
    return {"augment_ms": 1e3 * statistics.median(times),
            "augmented_epoch_s": float(epoch["epoch_s"])}


# -- inference ---------------------------------------------------------------------------
def images_per_s(model: Sequential, x: np.ndarray, repeat: int, threads: int | None) -> float:
    """Images/s of ``predict_classes`` in batches of 1,000, the median of ``repeat`` passes
    over ``x``, with ``threads`` threads (None: as they are)."""
    kwargs = threads_kwargs(model.predict_classes, threads)
    times = []
    with blas_limit(threads):
        for _ in range(repeat):
            start = time.perf_counter()
            model.predict_classes(x, batch_size=1000, **kwargs)
            times.append(time.perf_counter() - start)
    return len(x) / statistics.median(times)


def latencies_us(model: Sequential, x: np.ndarray, calls: int,
                 threads: int | None) -> np.ndarray:
    """Microseconds of ``calls`` calls ``predict_classes(x[i:i+1])``, after 50 unmeasured."""
    kwargs = threads_kwargs(model.predict_classes, threads)
    warmup = min(50, calls)
    lat = np.empty(calls + warmup)
    clock = time.perf_counter_ns
    with blas_limit(threads):
        for k in range(calls + warmup):
            i = k % len(x)
            start = clock()
            model.predict_classes(x[i : i + 1], **kwargs)
            lat[k] = clock() - start
    return lat[warmup:] / 1e3


def inference(model: Sequential, x: np.ndarray, calls: int, repeat: int,
              threads: int | None) -> dict[str, float]:
    """Images/s of predict in batches of 1,000, and single-image latency (median, p99)."""
    lat = latencies_us(model, x, calls, threads)
    return {"infer_images_per_s": images_per_s(model, x, repeat, threads),
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
    _, build, cnn = NETWORKS[args.rss_child]
    threads = args.threads[0]
    model = build()
    stop = StopAfter(args.cnn_batches if cnn else math.inf)
    model.fit(as_input(model, xtr), ytr, epochs=1, batch_size=BATCH, verbose=0,
              callbacks=[stop], **threads_kwargs(model.fit, threads))
    with blas_limit(threads):
        model.predict(as_input(model, xte), **threads_kwargs(model.predict, threads))
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


def peak_rss_mb(key: str, threads: int | None, args: argparse.Namespace) -> float:
    """Peak RSS of ``peak_rss_child`` for network ``key``, in a fresh interpreter."""
    cmd = [sys.executable, os.path.abspath(__file__), "--rss-child", key,
           f"--threads={threads or 'default'}"]
    for name in ("samples", "test_samples", "cnn_batches"):
        cmd.append(f"--{name.replace('_', '-')}={getattr(args, name)}")
    cmd += ["--synthetic"] * args.synthetic
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])["peak_rss_mb"]


# -- the CNN preset's real training, in a subprocess ---------------------------------------
#: the closing line of ``numnet train``
TRAINED = re.compile(r"test accuracy ([0-9.]+) \(.*\), trained in ([0-9.]+) s")


def children_cpu_s() -> float:
    """CPU seconds (user + system) of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def full_cnn(threads: int | None, extra: str) -> dict[str, Any]:
    """Runs ``numnet train --arch cnn [--threads N] EXTRA`` into a temporary folder: its
    wall time from start to exit, the cores it used (CPU / wall), its own training time and
    the test accuracy it printed.  A failed run ends the benchmark with its last line."""
    shown = ["numnet", "train", "--arch", "cnn", *(["--threads", str(threads)] if threads
                                                   else []), *shlex.split(extra)]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "numnet", *shown[1:], "--out", os.path.join(tmp, "cnn.npz")]
        cpu, start = children_cpu_s(), time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall, cpu = time.perf_counter() - start, children_cpu_s() - cpu
    found = TRAINED.search(proc.stdout)
    if proc.returncode or found is None:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise SystemExit(f"run.py: `{shlex.join(shown)}` failed: {last}")
    return {"full_cnn_command": shlex.join(shown), "full_cnn_s": wall,
            "full_cnn_train_s": float(found[2]), "full_cnn_cores_used": cpu / wall,
            "full_cnn_test_accuracy": float(found[1])}


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
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable_cores(),
            "fit_default_threads": fit_default_threads(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas_info(),
            "env": {k: os.environ[k] for k in env if k in os.environ}}


def machine_lines(m: dict[str, Any], load_start: tuple[float, ...],
                  load_end: tuple[float, ...]) -> list[str]:
    """The machine and the load average around the run, as printed above a table."""
    b = m["blas"]
    return [
        f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable); Python "
        f"{m['python']}, NumPy {m['numpy']}, {b['name']} {b['version']} ({b['kernel']} "
        f"kernel, {b['threads']} threads); fit's default: {m['fit_default_threads']} threads"
        + (f"; env {m['env']}" if m["env"] else ""),
        "load average (1, 5, 15 min): start {:.2f} {:.2f} {:.2f}, end {:.2f} {:.2f} {:.2f}"
        .format(*load_start, *load_end),
    ]


# -- the table ---------------------------------------------------------------------------
def measure(args: argparse.Namespace) -> dict[str, Any]:
    load_start = os.getloadavg()
    xtr, ytr, xte, _, source = load(args.samples, args.test_samples, args.synthetic)
    rows = []
    for key in args.networks:
        name, build, cnn = NETWORKS[key]
        for threads in args.threads:
            model = build()
            x, xt = as_input(model, xtr), as_input(model, xte)
            t = {k: float(v) for k, v in timed_training(model, x, ytr, cnn, args.epochs,
                                                        args.cnn_batches, threads).items()}
            row = {"network": name, "threads": threads or fit_default_threads(),
                   "threads_default": threads is None, "params": model.count_params(), **t,
                   "epoch_extrapolated": cnn, "train_samples_per_s": N_TRAIN / t["epoch_s"],
                   "floor_fraction": t["floor_epoch_s"] / t["epoch_s"],
                   "floor_fraction_cpu": t["floor_epoch_cpu_s"] / t["epoch_cpu_s"]}
            row.update(augmented(model, x, ytr, cnn, args.epochs, args.cnn_batches, threads))
            row.update(inference(model, xt, args.calls, 3 if not args.quick else 1, threads))
            row["peak_rss_mb"] = peak_rss_mb(key, threads, args)
            if args.full_cnn and key == "cnn":
                print(f"  training the CNN preset ({threads or 'default'} threads) ...",
                      file=sys.stderr)
                row.update(full_cnn(threads, args.full_cnn_args))
            rows.append(row)
            print(f"  measured {name}, {threads or 'default'} threads", file=sys.stderr)
    return {"machine": machine(), "data": source, "load_average_start": load_start,
            "load_average_end": os.getloadavg(),
            "settings": {"batch": BATCH, "optimizer": "adam", "samples": args.samples,
                         "test_samples": args.test_samples, "epochs": args.epochs,
                         "cnn_batches": args.cnn_batches, "calls": args.calls,
                         "threads": [t or "default" for t in args.threads],
                         "full_cnn": args.full_cnn, "quick": args.quick},
            "rows": rows}


def threads_label(row: dict[str, Any]) -> str:
    return f"default ({row['threads']})" if row["threads_default"] else str(row["threads"])


def full_cnn_cell(row: dict[str, Any]) -> str:
    if "full_cnn_s" not in row:
        return "-"
    return (f"{row['full_cnn_s']:.0f} s, {row['full_cnn_cores_used']:.2f} cores "
            f"({row['full_cnn_test_accuracy']:.2%})")


def table(result: dict[str, Any]) -> str:
    lines = [
        *machine_lines(result["machine"], result["load_average_start"],
                       result["load_average_end"]),
        f"data: {result['data']}, Adam, batch {BATCH}, float32",
        "",
        "| network | threads | cores used | params | train samples/s | epoch s | floor s "
        "| floor/epoch (CPU) | aug ms | epoch s augmented | infer img/s "
        "| 1-image us median / p99 | peak RSS MB | full training (test accuracy) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in result["rows"]:
        mark = "~" if r["epoch_extrapolated"] else ""
        lines.append(
            f"| {r['network']} | {threads_label(r)} | {r['cores_used']:.2f} | {r['params']:,} "
            f"| {r['train_samples_per_s']:,.0f} "
            f"| {mark}{r['epoch_s']:.3f} | {mark}{r['floor_epoch_s']:.3f} "
            f"| {r['floor_fraction']:.0%} ({r['floor_fraction_cpu']:.0%}) "
            f"| {r['augment_ms']:.2f} | {mark}{r['augmented_epoch_s']:.3f} "
            f"| {r['infer_images_per_s']:,.0f} "
            f"| {r['latency_us_median']:.1f} / {r['latency_us_p99']:.1f} "
            f"| {r['peak_rss_mb']:.0f} | {full_cnn_cell(r)} |")
    s = result["settings"]
    lines += ["", f"MLP: median of {s['epochs']} epochs of fit.  ~ CNN: median over blocks of "
              f"{min(10, s['cnn_batches'])} of {s['cnn_batches']} timed batches, scaled to "
              f"{N_TRAIN / BATCH:.2f} batches.  Floor: the products on one core, timed between "
              "the blocks (epochs), divided by the threads."]
    commands = sorted({r["full_cnn_command"] for r in result["rows"] if "full_cnn_command" in r})
    if commands:
        lines.append("Full training: `" + "`, `".join(commands) + "`, start to exit.")
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
    parser.add_argument("--threads", type=thread_list, default=[None], metavar="N,...",
                        help="a row for each: thread counts, or 'default' (fit's) [default]")
    parser.add_argument("--networks", type=network_list, default=list(NETWORKS),
                        metavar="KEY,...", help=f"rows to measure [{','.join(NETWORKS)}]")
    parser.add_argument("--full-cnn", action="store_true",
                        help="also time `numnet train --arch cnn` (minutes) for the CNN preset")
    parser.add_argument("--full-cnn-args", default="", metavar="FLAGS",
                        help="more flags for that command, e.g. '--data DIR'")
    parser.add_argument("--synthetic", action="store_true", help="random images, not MNIST")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for key, full, quick in [("samples", N_TRAIN, 2048), ("test_samples", N_TEST, 1000),
                             ("epochs", 5, 2),
                             ("cnn_batches", 60, 3), ("calls", 3000, 100)]:
        if getattr(args, key) is None:
            setattr(args, key, quick if args.quick else full)
    if args.rss_child:
        peak_rss_child(args)
        return
    result = measure(args)
    print(table(result))
    if args.json:
        write_text(args.json, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
