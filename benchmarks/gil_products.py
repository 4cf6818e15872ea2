"""Which matrix products let a second worker thread run: np.matmul against np.dot.

    python benchmarks/gil_products.py

numnet's data-parallel step runs its workers as threads of one process, each with one BLAS
thread (``numnet.nn.parallel``), so two products run at once only if NumPy releases the GIL
around them.  For each shape this times ``--seconds`` of calls in one thread, then the same
number of calls in each of two threads at once (each with its own arrays), and prints the
ratio of the two wall times: 1.0 when the two threads ran side by side, 2.0 when they ran
one after the other.  The shapes are those of the products a worker of the CNN preset makes
on 64 rows: the column sums ``ones @ G`` of a bias or BatchNorm gradient, the first
convolution's weight gradient ``cols.T @ G`` (10 rows), and a large product for contrast.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

Call = Callable[[], object]


def shapes(rng: np.random.Generator) -> dict[str, tuple[Call, Call]]:
    """name -> (np.matmul call, np.dot call) on fresh arrays of that shape."""
    def pair(a: np.ndarray, b: np.ndarray) -> tuple[Call, Call]:
        out = np.empty((*a.shape[:-1], b.shape[-1]), np.float32)
        return (lambda: np.matmul(a, b, out=out)), (lambda: np.dot(a, b, out=out))

    def r(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)

    return {
        "ones(10816) @ (10816, 32)": pair(np.ones(10816, np.float32), r(10816, 32)),
        "ones(43264) @ (43264, 32)": pair(np.ones(43264, np.float32), r(43264, 32)),
        "cols.T (10, 43264) @ (43264, 32)": pair(r(43264, 10).T, r(43264, 32)),
        "(4096, 288) @ (288, 64)": pair(r(4096, 288), r(288, 64)),
    }


def side_by_side(calls: list[Call], seconds: float) -> tuple[float, float]:
    """(us per call in one thread, wall time of two threads / one thread)."""
    calls[0]()
    start, count = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        calls[0]()
        count += 1

    def run(k: int) -> float:
        def work(call: Call) -> None:
            for _ in range(count):
                call()
        threads = [threading.Thread(target=work, args=(calls[i],)) for i in range(k)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    one, two = run(1), run(2)
    return 1e6 * one / count, two / one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.3, help="time per measurement")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    first, second = shapes(rng), shapes(rng)
    print("product                            function  us/call  two threads / one")
    with threadpool_limits(1):
        for name in first:
            for f, label in ((0, "matmul"), (1, "dot")):
                us, ratio = side_by_side([first[name][f], second[name][f]], args.seconds)
                print(f"{name:34s} {label:8s} {us:8.1f}  {ratio:5.2f}x")


if __name__ == "__main__":
    main()
