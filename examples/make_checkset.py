"""Build a check set of real-looking digit image files from MNIST test digits, and measure.

People do not hand numnet 28x28 arrays: they hand it a photo of paper, a canvas export
with a transparent background, a JPEG, a digit drawn in a corner of a big page.  This
script makes such files from MNIST's *test* digits (never seen in training), so that the
whole path ``file -> numnet.data.imaging.prepare -> model`` can be measured on known labels:

    python examples/make_checkset.py checkset/                  # 600 files
    python examples/make_checkset.py checkset/ --model mlp.npz  # ... and measure

Styles (cycled): dark ink on white or gray paper (gray PNG, with sensor noise), black ink
on a transparent canvas (RGBA), white ink on a transparent canvas, RGB JPEG at quality
40-80, palette PNG, and a digit placed off-centre on a large page.  Canvases are 64 to
400 px; the digit fills 35-90% of the page.  Labels are in the file names
(``0007_jpeg_label3.jpg``) and in ``labels.csv``.

Measuring runs the real command, ``numnet predict MODEL FILES... --json``, and prints the
share it gets right, per style and overall, and how many answers the digit rule refused
("no digit here": the network was unsure) with the share right of the others.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from numnet.core.atomic import write_bytes, write_text
from numnet.core.errors import NumnetError
from numnet.datasets.mnist import load_data

STYLES = ("paper", "canvas", "white-ink", "jpeg", "palette", "off-centre")


def ink_on_page(digit: np.ndarray, rng: np.random.Generator, corner: bool) -> np.ndarray:
    """Draw a 28x28 MNIST digit large and smooth on a page: (canvas, canvas) ink in [0, 1]."""
    canvas = int(rng.integers(64, 401))
    size = int(canvas * rng.uniform(0.35, 0.55 if corner else 0.9))
    big = Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC)
    page = np.zeros((canvas, canvas), np.float32)
    room = canvas - size
    if corner:  # hug one corner
        top = int(rng.integers(0, room // 6 + 1)) if rng.random() < 0.5 else room
        left = int(rng.integers(0, room // 6 + 1)) if rng.random() < 0.5 else room
    else:
        top, left = (int(v) for v in rng.integers(0, room + 1, 2))
    page[top : top + size, left : left + size] = np.asarray(big, np.float32) / 255
    return page


def render(digit: np.ndarray, style: str, rng: np.random.Generator) -> tuple[bytes, str]:
    """One MNIST digit (28, 28) uint8 as the bytes of an image file in ``style``; + suffix."""
    ink = ink_on_page(digit, rng, corner=style == "off-centre")
    paper, pen = rng.uniform(0.8, 1.0), rng.uniform(0.0, 0.25)  # white-ish paper, dark pen
    gray = paper + (pen - paper) * ink
    if style != "palette":  # a palette PNG comes from a drawing program: no sensor noise
        gray += rng.normal(0, 0.02, gray.shape)
    gray8 = (np.clip(gray, 0, 1) * 255).round().astype(np.uint8)
    buf = io.BytesIO()
    if style in ("paper", "off-centre"):
        Image.fromarray(gray8).save(buf, "PNG")
    elif style == "jpeg":
        tint = np.stack([gray8, gray8, (gray8 * 0.95).astype(np.uint8)], axis=-1)  # warm paper
        Image.fromarray(tint).save(buf, "JPEG", quality=int(rng.integers(40, 81)))
        return buf.getvalue(), ".jpg"
    elif style == "palette":
        rgb = Image.fromarray(gray8).convert("RGB")
        rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(buf, "PNG")
    else:  # canvas exports: ink colour everywhere, the stroke lives in the alpha channel
        rgba = np.zeros((*ink.shape, 4), np.uint8)
        rgba[..., :3] = 0 if style == "canvas" else 255
        rgba[..., 3] = (ink * 255).round().astype(np.uint8)
        Image.fromarray(rgba, "RGBA").save(buf, "PNG")
    return buf.getvalue(), ".png"


def build(out: Path, count: int, seed: int) -> list[tuple[Path, int, str]]:
    """Write ``count`` files into ``out``; returns (path, label, style) per file."""
    (_, _), (x_test, y_test) = load_data()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(x_test), size=count, replace=False)
    rows = []
    for k, i in enumerate(chosen):
        style = STYLES[k % len(STYLES)]
        data, suffix = render(x_test[i], style, rng)
        path = out / f"{k:04d}_{style}_label{y_test[i]}{suffix}"
        write_bytes(path, data)
        rows.append((path, int(y_test[i]), style))
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["file", "label", "style", "mnist_test_index"])
    for (path, label, style), i in zip(rows, chosen, strict=True):
        writer.writerow([path.name, label, style, int(i)])
    write_text(out / "labels.csv", table.getvalue())
    return rows


def measure(model: str, rows: list[tuple[Path, int, str]]) -> float:
    """Run ``numnet predict`` on every file; print accuracy per style and overall."""
    cmd = ["numnet", "predict", model, *(str(p) for p, _, _ in rows), "--json"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        sys.exit("make_checkset: the numnet command is not on PATH (pip install numnet first)")
    if done.returncode != 0:
        sys.exit(f"numnet predict failed: {done.stderr.strip()}")
    predicted = [r["label"] for r in json.loads(done.stdout)["predictions"]]
    right: dict[str, list[bool]] = defaultdict(list)
    for (_, label, style), guess in zip(rows, predicted, strict=True):
        right[style].append(guess == label)
    for style in STYLES:
        hits = right[style]
        print(f"  {style:<11} {sum(hits):4d} / {len(hits):4d}  {np.mean(hits):.1%}")
    total = [h for hits in right.values() for h in hits]
    print(f"  {'all':<11} {sum(total):4d} / {len(total):4d}  {np.mean(total):.1%}")
    # "no digit here" is the digit rule refusing an unsure answer, not a wrong one
    refused = sum(g is None for g in predicted)
    answered = len(predicted) - refused
    share = sum(total) / max(answered, 1)
    print(f"  refused {refused}; right of the {answered} answered: {share:.1%}")
    return float(np.mean(total))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the image files")
    parser.add_argument("--count", type=int, default=600, help="how many files (default 600)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--model", help="measure this model with 'numnet predict'")
    args = parser.parse_args()
    try:
        rows = build(args.out, args.count, args.seed)
    except NumnetError as e:  # MNIST not found, a folder that cannot be written, ...
        sys.exit(f"make_checkset: {e}")
    print(f"wrote {len(rows)} image files and labels.csv to {args.out}")
    if args.model:
        measure(args.model, rows)


if __name__ == "__main__":
    main()
