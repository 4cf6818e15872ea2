"""Where a training step's time goes: each layer's forward and backward pass, one BLAS thread.

    flock -x /work/notes/cpu.lock python benchmarks/layer_times.py [--arch cnn] [--rows 64]
        [--runs 30] [--pair]

Builds the preset's network (``numnet.presets``: ``cnn``, ``digits``, ``reference``), runs
``--runs`` forward (training mode) and backward passes of ``--rows`` random images through
its layers, and prints the median ms of every layer's forward and backward call, then the
sums.  ``--rows 64`` is what each of two workers does with a batch of 128
(``numnet.nn.parallel``).  ``--pair`` times the same loop alone and then in two threads at
once (each with its own network): on a machine whose cores share memory bandwidth the
memory-bound layers slow down when both cores work, which is where a two-worker step loses
against twice the one-worker speed.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

import numpy as np

from numnet.nn.engine.threads import blas_threads
from numnet.nn.model import Sequential
from numnet.presets import PRESETS, build_reference_cnn

BUILDS: dict[str, Callable[[int], Sequential]] = {"reference": build_reference_cnn}
BUILDS.update({k: p.build for k, p in PRESETS.items() if p.build is not None and k != "mlp"})


def layer_times(model: Sequential, rows: int, runs: int) -> list[tuple[str, float, float]]:
    """(layer, median forward ms, median backward ms) for every layer, the first few runs
    left out (they make the work arrays)."""
    x0 = np.random.default_rng(0).random((rows, *model.input_shape), dtype=np.float32)
    fwd: list[list[float]] = [[] for _ in model.layers]
    bwd: list[list[float]] = [[] for _ in model.layers]
    clock = time.perf_counter
    for _ in range(runs):
        x = x0
        for i, layer in enumerate(model.layers):
            t = clock()
            x = layer.forward(x, True)
            fwd[i].append(clock() - t)
        g: np.ndarray | None = np.ones(x.shape, np.float32)
        for i in reversed(range(model._first, len(model.layers))):
            t = clock()
            g = model.layers[i].backward(g)
            bwd[i].append(clock() - t)
            if g is None:
                break
    skip = min(3, runs - 1)
    return [(f"{type(layer).__name__} {layer.output_shape}",
             1e3 * statistics.median(fwd[i][skip:]),
             1e3 * statistics.median(bwd[i][skip:]) if bwd[i] else 0.0)
            for i, layer in enumerate(model.layers)]


def table(times: list[tuple[str, float, float]]) -> str:
    lines = [f"{'layer':32s} {'forward ms':>10s} {'backward ms':>11s}"]
    lines += [f"{name:32s} {f:10.2f} {b:11.2f}" for name, f, b in times]
    tf, tb = sum(t[1] for t in times), sum(t[2] for t in times)
    lines.append(f"{'sum':32s} {tf:10.2f} {tb:11.2f}   (both {tf + tb:.2f} ms)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(BUILDS), default="cnn",
                        help="the preset's network [cnn]")
    parser.add_argument("--rows", type=int, default=64, help="images per pass [64]")
    parser.add_argument("--runs", type=int, default=30, help="passes timed [30]")
    parser.add_argument("--pair", action="store_true",
                        help="also two threads at once, each with its own network")
    args = parser.parse_args(argv)
    build = BUILDS[args.arch]
    with blas_threads(1):
        alone = layer_times(build(0), args.rows, args.runs)
        print(f"{args.arch}, {args.rows} images, one thread:\n{table(alone)}")
        if args.pair:
            results: dict[int, list[tuple[str, float, float]]] = {}

            def run(rank: int) -> None:
                results[rank] = layer_times(build(rank), args.rows, args.runs)

            threads = [threading.Thread(target=run, args=(r,)) for r in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(f"\ntwo threads at once, the first:\n{table(results[0])}")
            both = [sum(t[1] + t[2] for t in results[r]) for r in range(2)]
            solo = sum(t[1] + t[2] for t in alone)
            print(f"\none pass alone {solo:.2f} ms; beside the other {both[0]:.2f} and "
                  f"{both[1]:.2f} ms ({max(both) / solo:.2f}x)")


if __name__ == "__main__":
    main()
