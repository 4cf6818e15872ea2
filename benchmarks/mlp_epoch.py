"""Time one training epoch of an MLP against the matrix products it cannot avoid.

    python benchmarks/mlp_epoch.py [--repeat 5] [--json]

For 784-128-10 and 784-512-256-10 (Adam, batch 128, float32, 60,000 images): the median of
``--repeat`` epochs of ``Sequential.fit``, and, in the same run, the median time of the
matrix products alone for the same shapes (forward x W per layer, dW = x^T g per layer,
dx = g W^T for every layer but the first): the floor no implementation can beat with this
BLAS.  The data are random (timing does not depend on pixel values).

On a shared machine quote the ratio (floor/epoch), measured in one run, not the seconds:
with other jobs on the cores, a 2-thread BLAS can be several times slower than a 1-thread one
(``OPENBLAS_NUM_THREADS=1``); the load average is printed beside the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from numnet.nn import Dense, ReLU, Sequential

N, D, CLASSES, BATCH = 60_000, 784, 10, 128


def epoch_time(hidden: tuple[int, ...], x: np.ndarray, y: np.ndarray) -> float:
    layers = []
    for units in hidden:
        layers += [Dense(units), ReLU()]
    model = Sequential([*layers, Dense(CLASSES)], input_shape=(D,))
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=BATCH, optimizer="adam", verbose=0)
    return time.perf_counter() - start


def matmul_floor(hidden: tuple[int, ...], rng: np.random.Generator) -> float:
    sizes = [D, *hidden, CLASSES]
    shapes = zip(sizes[:-1], sizes[1:], strict=True)
    Ws = [rng.standard_normal(shape, dtype=np.float32) for shape in shapes]
    dWs = [np.empty_like(W) for W in Ws]
    batches = [BATCH] * (N // BATCH) + ([N % BATCH] if N % BATCH else [])
    acts = {n: [rng.random((n, s), dtype=np.float32) for s in sizes] for n in set(batches)}
    start = time.perf_counter()
    for n in batches:
        a = acts[n]
        for i, W in enumerate(Ws):  # forward
            np.matmul(a[i], W, out=a[i + 1])
        for i in reversed(range(len(Ws))):  # backward: g is a[i + 1] (same shape)
            np.matmul(a[i].T, a[i + 1], out=dWs[i])
            if i:
                np.matmul(a[i + 1], Ws[i].T, out=a[i])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((N, D), dtype=np.float32)
    y = rng.integers(0, CLASSES, N)
    rows = []
    for hidden in [(128,), (512, 256)]:
        epochs = [epoch_time(hidden, x, y) for _ in range(args.repeat)]
        floors = [matmul_floor(hidden, rng) for _ in range(args.repeat)]
        e, f = statistics.median(epochs), statistics.median(floors)
        rows.append({"arch": "-".join(map(str, [D, *hidden, CLASSES])), "epoch_s": e,
                     "matmul_floor_s": f, "floor_fraction": f / e, "samples_per_s": N / e})
    context = {"load_average": os.getloadavg(), "cpus": os.cpu_count(),
               "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}
    if args.json:
        print(json.dumps({"context": context, "rows": rows}, indent=2))
        return
    print(", ".join(f"{k}={v}" for k, v in context.items()))
    head = ("MLP", "epoch (s)", "matmul floor (s)", "floor/epoch", "samples/s")
    print(f"{head[0]:<16}{head[1]:>10}{head[2]:>18}{head[3]:>13}{head[4]:>11}")
    for r in rows:
        print(f"{r['arch']:<16}{r['epoch_s']:>10.3f}{r['matmul_floor_s']:>18.3f}"
              f"{r['floor_fraction']:>13.0%}{r['samples_per_s']:>11,.0f}")


if __name__ == "__main__":
    main()
