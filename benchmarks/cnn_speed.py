"""Training speed of the reference CNN and the CNN preset: samples/s and epoch time.

    python benchmarks/cnn_speed.py                 # both networks, 150 timed batches each
    python benchmarks/cnn_speed.py --batches 469   # a whole epoch (60,000 / 128)
    python benchmarks/cnn_speed.py --json

Each network trains through the public ``Sequential.fit`` (gather, forward, loss, backward,
Adam step: everything an epoch does) on real MNIST when ``NUMNET_DATA`` or the cache has it,
random images otherwise.  A callback timestamps every optimizer step; after a few warm-up
steps, the median step time gives samples/s = batch / median, and the epoch time is
estimated as 469 median steps (say so when you quote it; ``--batches 469`` measures one).
Wall-clock and process CPU time are both reported, with the load average: on a shared
machine the wall figure depends on the neighbours, the CPU figure much less.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np

from numnet.nn.callbacks import Callback
from numnet.nn.cnn_presets import build_cnn, build_reference_cnn

BATCH, TRAIN = 128, 60_000
NETWORKS = {"reference": build_reference_cnn, "preset": build_cnn}


class StepTimer(Callback):
    """Wall and CPU time of every optimizer step."""

    def on_train_begin(self, model, state) -> None:
        self.wall, self.cpu = [time.perf_counter()], [time.process_time()]

    def on_step_end(self, model, state) -> None:
        self.wall.append(time.perf_counter())
        self.cpu.append(time.process_time())


def mnist_images(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n training images (n, 1, 28, 28) float32 and labels; random when MNIST is absent."""
    try:
        from numnet.datasets.mnist import load_data

        (x, y), _ = load_data()
        x = x[:n].reshape(-1, 1, 28, 28).astype(np.float32) / np.float32(255)
        return x, y[:n]
    except Exception:  # no MNIST here: the timing does not depend on the pixel values
        rng = np.random.default_rng(0)
        return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def measure(name: str, batches: int, warmup: int = 5) -> dict:
    x, y = mnist_images((batches + warmup) * BATCH)
    model = NETWORKS[name]()
    timer = StepTimer()
    model.fit(x, y, epochs=1, batch_size=BATCH, optimizer="adam", callbacks=[timer], verbose=0)
    wall = np.diff(timer.wall)[warmup:]
    cpu = np.diff(timer.cpu)[warmup:]
    step, step_cpu = float(np.median(wall)), float(np.median(cpu))
    steps_per_epoch = math.ceil(TRAIN / BATCH)
    return {
        "network": name,
        "params": model.count_params(),
        "batches_timed": int(wall.size),
        "samples_per_s": BATCH / step,
        "samples_per_cpu_s": BATCH / step_cpu,
        "epoch_s_estimate": step * steps_per_epoch,
        "timed_total_s": float(wall.sum()),
        "ms_per_batch_median": 1e3 * step,
        "ms_per_batch_p90": 1e3 * float(np.percentile(wall, 90)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=150, help="timed batches per network")
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    results = [measure(name, args.batches) for name in args.networks]
    info = {"load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "default")}
    if args.json:
        print(json.dumps({"machine": info, "results": results}, indent=2))
        return
    print(f"load average {info['load_average_1min']:.2f} on {info['cpus']} CPUs, "
          f"OPENBLAS_NUM_THREADS={info['OPENBLAS_NUM_THREADS']}; batch {BATCH}, Adam")
    print(f"{'network':<10} {'params':>8} {'samples/s':>10} {'per CPU s':>10} "
          f"{'ms/batch':>9} {'p90':>6} {'epoch s (469 x median)':>23}")
    for r in results:
        print(f"{r['network']:<10} {r['params']:>8,} {r['samples_per_s']:>10,.0f} "
              f"{r['samples_per_cpu_s']:>10,.0f} {r['ms_per_batch_median']:>9.1f} "
              f"{r['ms_per_batch_p90']:>6.1f} {r['epoch_s_estimate']:>23.1f}")


if __name__ == "__main__":
    main()
