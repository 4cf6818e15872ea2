"""MLP-128 inference against its floor: how much of a pass is the first matrix product.

    python benchmarks/inference_floor.py                  # 2 workers, 10,000 random images
    python benchmarks/inference_floor.py --threads 1 --passes 40

What ``torch_compare.py --works infer,latency`` times, taken apart in one process.  Each
figure is the median of ``--passes`` passes, the kinds alternating pass by pass so that
all see the same neighbours:

- ``pass``: ``predict_classes(x, batch_size=1000, threads=N)`` over the random float32
  images x (n, 784), BLAS at one thread per worker, as ``predict_classes`` sets it.
- ``first product``: ``np.matmul(x_b, W1)`` (1000, 784) x (784, 128) alone for the same
  batches, taken the same way by the same N workers (``numnet.nn.engine.workers``): the
  floor of the pass; ``pass - first product`` is everything else (bias, ReLU, the second
  product, argmax, hand-offs, waiting).
- per batch, in this thread: the first product and each step after it, as
  ``fastpath.run_rows`` and ``predict_classes`` run them.
- one image: ``predict_classes(x[i:i+1])`` against its 784 x 128 product alone
  (``np.dot`` into the one-image plan's vector), one BLAS thread.
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import time
from collections.abc import Callable

import numpy as np
import run as bench  # benchmarks/run.py: the networks and the BLAS limit

from numnet.nn.engine.relu import relu_into
from numnet.nn.engine.workers import shared_workers

BATCH = 1000


def median_ms(fns: dict[str, Callable[[], object]], passes: int) -> dict[str, float]:
    """Median ms of each function over ``passes`` rounds, the functions alternating."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for f in fns.values():  # warm-up: work arrays, caches, the workers' threads
        f()
    for _ in range(passes):
        for name, f in fns.items():
            start = time.perf_counter()
            f()
            times[name].append(1e3 * (time.perf_counter() - start))
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="workers of the pass [2]")
    parser.add_argument("--images", type=int, default=10_000, help="images per pass [10000]")
    parser.add_argument("--passes", type=int, default=20, help="timed passes per figure [20]")
    parser.add_argument("--calls", type=int, default=2000, help="one-image calls [2000]")
    args = parser.parse_args(argv)
    model = bench.NETWORKS["mlp128"][1]()
    plan = model._plan_steps()
    assert plan is not None, "MLP-128 is a plain MLP: it has a plan"
    (W1, b1, _), (W2, b2, _) = plan.steps
    x = np.random.default_rng(0).random((args.images, 784), dtype=np.float32)
    workers = shared_workers(args.threads)
    batches = math.ceil(len(x) / BATCH)
    products = [np.empty((BATCH, W1.shape[1]), np.float32) for _ in range(args.threads)]

    def first_product() -> None:
        taken = itertools.count()

        def task(rank: int) -> None:
            while (i := next(taken)) < batches:
                xb = x[i * BATCH : (i + 1) * BATCH]
                np.matmul(xb, W1, out=products[rank][: len(xb)])

        workers.run(task)

    y, z = products[0], np.empty((BATCH, W2.shape[1]), np.float32)
    labels = np.empty(BATCH, np.int64)
    xb = x[:BATCH]
    pieces: dict[str, Callable[[], object]] = {
        "x W1": lambda: np.matmul(xb, W1, out=y),
        "+ b1": lambda: np.add(y, b1, out=y),
        "ReLU": lambda: relu_into(y, y),
        "h W2": lambda: np.matmul(y, W2, out=z),
        "+ b2": lambda: np.add(z, b2, out=z),
        "argmax": lambda: np.argmax(z, axis=1, out=labels),
    }
    with bench.blas_limit(1):
        passes = median_ms({
            "pass": lambda: model.predict_classes(x, batch_size=BATCH, threads=args.threads),
            "first product": first_product}, args.passes)
        per_batch = median_ms(pieces, 5 * args.passes)
        one, product = [], []
        row, vector = plan.row[0].W, plan.row[0].product
        clock = time.perf_counter_ns
        for k in range(args.calls):
            xi = x[k % len(x) : k % len(x) + 1]
            start = clock()
            model.predict_classes(xi)
            middle = clock()
            np.dot(xi, row, out=vector)
            one.append(middle - start)
            product.append(clock() - middle)
    n, t = len(x), args.threads
    print(f"MLP-128, {n:,} random images in batches of {BATCH:,}, {t} worker(s); medians")
    for name, ms in passes.items():
        print(f"  {name:14s} {ms:7.2f} ms  {n / ms:6.0f}k img/s")
    floor = passes["first product"] / passes["pass"]
    print(f"  the rest       {passes['pass'] - passes['first product']:7.2f} ms "
          f"(floor fraction {100 * floor:.0f}%)")
    print(f"per batch of {BATCH:,}, one thread: "
          + ", ".join(f"{name} {1e3 * ms:.0f} us" for name, ms in per_batch.items()))
    print(f"one image: predict_classes {statistics.median(one) / 1e3:.2f} us, "
          f"its 784 x 128 product alone {statistics.median(product) / 1e3:.2f} us")


if __name__ == "__main__":
    main()
