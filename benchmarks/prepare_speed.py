"""How long ``numnet.data.imaging.prepare`` takes on a 12 MP phone photo (JPEG), median of runs.

    python benchmarks/prepare_speed.py [--runs 15] [--seed 0]

The photo is made here (``benchmarks/photo_render.py``): a 3024x4032 JPEG of an MNIST-style
digit in blue pen on ruled paper, with a lighting gradient and a shadow, stored sideways
with an EXIF Orientation tag, so the timing includes the EXIF turn.  One warm-up call
(imports of Pillow and SciPy) is not counted.  Prints the median, the fastest and the
slowest of ``--runs`` calls (wall clock), the median CPU time of this process (which
neighbours on a shared machine inflate less), and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np
import photo_render as pr
from PIL import Image

from numnet.data.imaging import prepare


def twelve_megapixel_photo(seed: int) -> bytes:
    """A 3024x4032 JPEG of a drawn '4' with the conditions of a phone photo."""
    rng = np.random.default_rng(seed)
    w, h = pr.SIZES[-1]
    digit = np.zeros((28, 28), np.uint8)
    digit[4:17, 7:10] = 255
    digit[14:17, 7:21] = 255
    digit[4:25, 16:19] = 255
    ink = np.zeros((h, w), np.float32)
    ink[1500:2400, 1000:1900] = pr.pen_alpha(digit, 900, 900, rng)
    rgb = pr.compose(pr.paper(rng, w, h), pr.lighting(rng, w, h, shadow=True),
                     pr.ruling(rng, w, h, "ruled"), ink, pr.BLUE_PEN)
    while True:  # until it is stored sideways, as phones do
        data, orientation = pr.photo_bytes(rgb, rng)
        if orientation != 1:
            return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = twelve_megapixel_photo(args.seed)
    prepare(data)  # warm-up: imports
    times, cpu = [], []
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        prepare(data)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    with Image.open(__import__("io").BytesIO(data)) as img:
        size = img.size
    print(f"prepare() of a {size[0]}x{size[1]} JPEG ({len(data) / 1e6:.1f} MB, EXIF-rotated), "
          f"{args.runs} runs: median {statistics.median(times) * 1e3:.1f} ms, "
          f"fastest {min(times) * 1e3:.1f} ms, slowest {max(times) * 1e3:.1f} ms; "
          f"CPU time of this process: median {statistics.median(cpu) * 1e3:.1f} ms")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
