"""Conv2D 3x3 on its Winograd path against its im2col path, one BLAS thread, batch 128.

    flock -x /work/notes/cpu.lock python benchmarks/winograd_speed.py [--runs 21]
        [--shape C,F,HW,PAD ...]

For each shape (input channels C, filters F, HW x HW input maps, padding PAD) two copies of
the same layer (same weights, same input) are timed call by call in alternation, so that a
change in the machine's load hits both alike; printed are the medians and the minima of
``--runs`` forward and backward calls, in ms.  Then the same for a forward and backward pass
of the whole CNN preset (``numnet.presets.build_cnn``) with every Conv2D on im2col against
the library's rule.  The default shapes are the preset's two middle layers and a few around
the rule's thresholds (``numnet.nn.layers.conv.WINOGRAD_MIN_CHANNELS`` and ``_SIZE``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from numnet.nn.layer import bind_layers
from numnet.nn.layers.conv import Conv2D
from numnet.nn.layers.winograd import Winograd3x3, tile_size
from numnet.presets import build_cnn

DEFAULT_SHAPES = ["32,64,13,0", "64,64,11,0", "32,64,14,1", "16,32,13,0", "32,32,13,0",
                  "64,64,9,0", "64,64,7,0", "64,64,5,0"]
Timer = Callable[[], tuple[float, float]]


def on_im2col(layers: list[object]) -> None:
    for layer in layers:
        if isinstance(layer, Conv2D):
            layer._winograd = None


def layer_timer(c: int, f: int, hw: int, pad: int, winograd: bool, n: int = 128) -> Timer:
    """A call timing one forward and one backward of Conv2D(f, 3, padding=pad) on (n, c, hw, hw)."""
    rng = np.random.default_rng(0)
    layer = Conv2D(f, 3, padding=pad)
    bind_layers([layer], (c, hw, hw), rng)
    o = hw + 2 * pad - 2
    if winograd and layer._winograd is None:  # below the rule's thresholds: force it
        layer._winograd = Winograd3x3(tile_size(c, f, o, o))
    if not winograd:
        on_im2col([layer])
    x = rng.standard_normal((n, hw, hw, c), dtype=np.float32).transpose(0, 3, 1, 2)
    g0 = rng.standard_normal((n, o, o, f), dtype=np.float32)
    g = np.empty_like(g0)

    def run() -> tuple[float, float]:
        t0 = time.perf_counter()
        layer.forward(x, True)
        t1 = time.perf_counter()
        np.copyto(g, g0)  # backward consumes its gradient
        t2 = time.perf_counter()
        layer.backward(g.transpose(0, 3, 1, 2))
        return t1 - t0, time.perf_counter() - t2

    return run


def model_timer(winograd: bool, n: int = 128) -> Timer:
    rng = np.random.default_rng(0)
    model = build_cnn(seed=0)
    if not winograd:
        on_im2col(model.layers)
    x = rng.random((n, 1, 28, 28), dtype=np.float32)
    g0 = rng.standard_normal((n, 10), dtype=np.float32)

    def run() -> tuple[float, float]:
        t0 = time.perf_counter()
        model.forward(x, True)
        t1 = time.perf_counter()
        model.backward(g0.copy())
        return t1 - t0, time.perf_counter() - t1

    return run


def compare(name: str, im2col: Timer, winograd: Timer, runs: int) -> None:
    im2col(), winograd()  # first calls allocate the work arrays
    times: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
    for _ in range(runs):
        times[0].append(im2col())
        times[1].append(winograd())
    for label, stat in (("median", np.median), ("min", np.min)):
        a, b = (1e3 * stat(np.array(t), axis=0) for t in times)
        print(f"{name} {label:6s}: fwd im2col {a[0]:6.2f} winograd {b[0]:6.2f} ({a[0] / b[0]:.2f}x)"
              f" | bwd im2col {a[1]:6.2f} winograd {b[1]:6.2f} ({a[1] / b[1]:.2f}x)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--shape", action="append", help="C,F,HW,PAD (repeatable)")
    args = parser.parse_args()
    with threadpool_limits(1):
        for shape in args.shape or DEFAULT_SHAPES:
            c, f, hw, pad = map(int, shape.split(","))
            o = hw + 2 * pad - 2
            name = f"Conv2D({c}->{f}, 3x3, pad {pad}) on {hw}x{hw}, F({tile_size(c, f, o, o)})"
            compare(name, *(layer_timer(c, f, hw, pad, w) for w in (False, True)), args.runs)
        compare("CNN preset step", model_timer(False), model_timer(True), args.runs)


if __name__ == "__main__":
    main()
