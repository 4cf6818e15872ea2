"""Seeded check sets of what people photograph, with labels, to measure numnet's reading.

    python benchmarks/checksets.py photos    sets/photos    [--count 400] [--seed 0]
    python benchmarks/checksets.py crops     sets/crops     [--count 400]
    python benchmarks/checksets.py desk      sets/desk      [--count 400]
    python benchmarks/checksets.py sent      sets/sent      [--count 400]
    python benchmarks/checksets.py askew     sets/askew     [--count 400]
    python benchmarks/checksets.py numbers   sets/numbers   [--count 200]
    python benchmarks/checksets.py marked    sets/marked    [--count 240]
    python benchmarks/checksets.py nondigits sets/nondigits [--count 200]
    python benchmarks/checksets.py symbols   sets/symbols   [--count 200]
    python benchmarks/checksets.py foreign   sets/foreign   [--split all]
    python benchmarks/checksets.py signed    sets/signed    [--count 240]
    python benchmarks/checksets.py files     sets/files     [--count 400]
    python benchmarks/checksets.py foreign-files sets/foreign-files
    python benchmarks/checksets.py drawn     sets/drawn     [--count 200]
    ... --split validation      # digits from MNIST's validation split instead of its test set

Kinds (see ``benchmarks/photo_render.py`` for the photo conditions):

- ``photos``: one MNIST digit written on a page (12-45% of its short side high), JPEG,
  1200x1600 to 12 MP, black or blue pen, plain / ruled / squared paper, lighting gradient,
  vignetting, a shadow on half of them, EXIF-rotated one in four.  Style = the paper.
- ``crops``: photos as ``photos`` makes them, cropped to the digit: a margin of 3-30% of
  its size around it (the paper is a small part of the picture).
- ``desk``: photos of a page lying on a desk (wood, a dark, grey or light table): the page
  55-90% of the frame's size, turned up to 1.5 degrees, placed anywhere in it (often
  running off an edge), the digit on it as ``photos`` writes it, the light and a shadow
  over the page and the desk alike.  Style = the desk and the paper.
- ``sent``: photos as ``photos`` makes them, sent on through a messenger: turned upright
  (the EXIF tag dropped), brought down to 640-1600 px on the longer side and saved again as
  JPEG at quality 10-40, whose 8x8 blocks flatten the paper.  Style = the quality, by tens.
- ``askew``: photos of ruled or squared paper (alternately) taken with the phone turned
  2-10 degrees either way: the printed lines and the digit are turned alike, the rest as
  ``photos``.  Style = the paper and the degrees.
- ``numbers``: 2 to 7 MNIST digits in a row, each 85-115% of a common height, with gaps of
  -3% to 35% of it (a few touch) and baselines up to 10% apart, on such a page.  Style =
  the number of digits.
- ``marked``: what a writer draws around the writing, on plain paper: a circle (an oval
  around a number), a box or a line under it, with the pen, apart from the ink; a single
  digit (as ``photos``, at least 12% of the page from its edges) and a number of 2-6 digits
  (as ``numbers``, with gaps of 5-35%) in turn.  Style = the mark, and "number".
- ``nondigits``: what must come back as "no digit": a blank page, ruled or squared paper,
  a dot, a scribble, a dash, a blot, a shadow only.  Label ``-``.
- ``symbols``: marks a writer makes that are no digits, on such a page: a plus, an x, a
  star, a hash, a smiley, a check mark, an arrow, hatching, a spiral, a line of loops.
  Label ``-``.
- ``signed``: numbers as ``numbers`` writes them, of 2-5 digits, with what ``numnet read``
  must also read: a decimal point (a pen's dot on the line between two digits), a decimal
  comma (read "."), a leading minus, a minus and a point, two numbers one above the other
  (1.3-1.9 row heights apart), two such rows with signs.  Style = which; the label as
  ``numnet read`` prints it ("-3.14", "2026 1984").
- ``foreign``: scikit-learn's UCI optical digits (``load_digits``: 1,797 digits of 43
  writers, 8x8 levels 0-16) upscaled to 64-256 px, dark ink on light paper, PNG or JPEG.
  Split by position in ``load_digits``' order: ``--split validation`` the first 899 (for
  choosing the digit rule), ``test`` (the default) the last 898, ``all`` the 1,797.  Every
  digit is drawn the same in every split (file ``NNNN_...``: NNNN its index in UCI's order),
  so a half's files are those of ``all`` with the same seed; ``--count N``: a split's first N.

Pictures made on a computer (flat paper: one exact gray level, no noise, the digit often
filling the frame), as a learner or a script saves them:

- ``files``: MNIST digits saved as image files: 28x28 as they are, or enlarged 2-10 times
  (nearest, bilinear, bicubic), white on black or inverted, PNG or JPEG.  Style = how.
- ``foreign-files``: the UCI digits as above but saved the plain way, levels 0-16 scaled to
  0-255, as they are (8x8) or enlarged to 16-256 px (nearest, bilinear, bicubic, Lanczos),
  no margin, either polarity, PNG.  Split as ``foreign``.  Style = the resampling.
- ``drawn``: non-digits drawn on a computer (Pillow, no anti-aliasing): a blank picture, a
  dot, a disc, a blot, a square, specks, a line, ruled lines, a scribble; black on white or
  white on black, 28-400 px.  Label ``-``.

Digits come from the MNIST *test* set by default (never trained on), or with
``--split validation`` from the last 6,000 training images, the split ``numnet train``
holds out, for choosing thresholds without touching the test set.  Labels are in
``labels.csv`` (file, label, style); ``benchmarks/read_accuracy.py`` measures a model on a set.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import photo_render as pr
from PIL import Image, ImageChops, ImageOps

from numnet.core.atomic import write_bytes, write_text
from numnet.datasets.mnist import load_data

#: the validation split ``numnet train`` holds out: the last 10% of the training images
VALIDATION_START = 54_000
PAPERS = ("plain", "ruled", "squared")
SIGNED = ("point", "comma", "minus", "minus point", "two rows", "two rows signed")
#: degrees (either way) of the page in an askew photo
ASKEW = (2.0, 10.0)
#: what a writer draws around a digit or a number (``marked``)
MARKS = ("circle", "box", "underline")
NONDIGITS = ("blank", "ruled", "squared", "dot", "scribble", "dash", "blot", "shadow")
DRAWN = ("blank", "dot", "disc", "blot", "square", "specks", "line", "ruled", "scribble")
#: marks a writer makes that are no digits (``symbols``)
SYMBOLS = ("plus", "x", "star", "hash", "smiley", "check", "arrow", "hatch", "spiral", "loops")
RESAMPLING = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}

Row = tuple[str, bytes, str, str]  # file name, bytes, label, style


def digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits of ``split``: 'test' (the test set) or 'validation'."""
    (x_train, y_train), (x_test, y_test) = load_data()
    if split == "test":
        return x_test, y_test
    return x_train[VALIDATION_START:], y_train[VALIDATION_START:]


def _page(
    rng: np.random.Generator, paper_kind: str, w: int, h: int
) -> tuple[Image.Image, Image.Image, Image.Image]:
    page = pr.paper(rng, w, h)
    light = pr.lighting(rng, w, h, shadow=rng.random() < 0.5)
    return page, light, pr.ruling(rng, w, h, paper_kind)


def _written(
    digit: np.ndarray, w: int, h: int, rng: np.random.Generator, turn: float = 0.0,
    margin: float = 0.0,
) -> np.ndarray:
    """(h, w) pen alpha of ``digit`` written 12-45% of the page's width high, anywhere (at
    least ``margin`` of the page's sides from its edges), turned ``turn`` degrees clockwise."""
    size = int(rng.uniform(0.12, 0.45) * w)
    ink = np.zeros((h, w), np.float32)
    my, mx = int(margin * h), int(margin * w)
    top = int(rng.integers(my, max(my + 1, h - size - my)))
    left = int(rng.integers(mx, max(mx + 1, w - size - mx)))
    alpha = pr.pen_alpha(digit, size, size, rng)
    if turn:
        alpha = np.asarray(Image.fromarray(alpha).rotate(-turn, Image.Resampling.BILINEAR))
    ink[top : top + size, left : left + size] = alpha
    return ink


def photos(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    x, y = digits(split)
    for k, i in enumerate(rng.choice(len(x), size=count, replace=False)):
        kind = PAPERS[k % len(PAPERS)]
        w, h = pr.page_size(rng)
        page, light, lines = _page(rng, kind, w, h)
        ink = _written(x[i], w, h, rng)
        data, turn = pr.photo_bytes(pr.compose(page, light, lines, ink, pr.pen_colour(rng)), rng)
        style = kind + ("-exif" if turn != 1 else "")
        yield f"{k:04d}_{style}_label{y[i]}.jpg", data, str(y[i]), style


def sent(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    for name, data, label, _ in photos(count, rng, split):
        img = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
        f = rng.uniform(640, 1600) / max(img.size)
        if f < 1:
            size = (round(img.width * f), round(img.height * f))
            img = img.resize(size, Image.Resampling.BILINEAR)
        quality = int(rng.integers(10, 41))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality)
        style = f"q{min(quality, 39) // 10 * 10}"
        yield f"{name[:4]}_{style}_label{label}.jpg", buf.getvalue(), label, style


def askew(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    x, y = digits(split)
    for k, i in enumerate(rng.choice(len(x), size=count, replace=False)):
        kind = ("ruled", "squared")[k % 2]
        turn = float(rng.choice((-1, 1)) * rng.uniform(*ASKEW))
        w, h = pr.page_size(rng)
        page = pr.paper(rng, w, h)
        light = pr.lighting(rng, w, h, shadow=rng.random() < 0.5)
        lines = pr.ruling(rng, w, h, kind, tilt=turn)
        ink = _written(x[i], w, h, rng, turn)
        data, exif = pr.photo_bytes(pr.compose(page, light, lines, ink, pr.pen_colour(rng)), rng)
        style = f"{kind}-{abs(turn):.0f}deg" + ("-exif" if exif != 1 else "")
        yield f"{k:04d}_{style}_label{y[i]}.jpg", data, str(y[i]), style


def crops(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    x, y = digits(split)
    for k, i in enumerate(rng.choice(len(x), size=count, replace=False)):
        kind = PAPERS[k % len(PAPERS)]
        size = int(rng.uniform(0.12, 0.45) * pr.page_size(rng)[0])  # as on a photo's page
        margin = int(rng.uniform(0.03, 0.3) * size)
        w = h = size + 2 * margin
        page, light, lines = _page(rng, kind, w, h)
        ink = np.zeros((h, w), np.float32)
        ink[margin : margin + size, margin : margin + size] = pr.pen_alpha(x[i], size, size, rng)
        data, turn = pr.photo_bytes(pr.compose(page, light, lines, ink, pr.pen_colour(rng)), rng)
        style = kind + ("-exif" if turn != 1 else "")
        yield f"{k:04d}_{style}_label{y[i]}.jpg", data, str(y[i]), style


def desk(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    x, y = digits(split)
    surfaces = tuple(pr.DESKS)
    for k, i in enumerate(rng.choice(len(x), size=count, replace=False)):
        kind, surface = PAPERS[k % len(PAPERS)], surfaces[k // len(PAPERS) % len(surfaces)]
        frame_w, frame_h = pr.page_size(rng)
        scale = rng.uniform(0.55, 0.9)
        w, h = int(scale * frame_w), int(scale * frame_h)
        even = Image.new("L", (w, h), 255)  # the light falls on the page and the desk alike
        ink = _written(x[i], w, h, rng)
        page = pr.compose(pr.paper(rng, w, h), even, pr.ruling(rng, w, h, kind), ink,
                          pr.pen_colour(rng))
        turn = rng.uniform(-1.5, 1.5)
        shape = Image.new("L", (w, h), 255).rotate(turn, expand=True)
        page = page.rotate(turn, expand=True, resample=Image.Resampling.BILINEAR)
        frame = pr.desk(rng, frame_w, frame_h, surface)
        at = (int(rng.integers(0, frame_w - page.size[0] + 1)),
              int(rng.integers(0, frame_h - page.size[1] + 1)))
        frame.paste(page, at, shape)
        light = pr.lighting(rng, frame_w, frame_h, shadow=rng.random() < 0.5)
        data, exif = pr.photo_bytes(ImageChops.multiply(frame, light.convert("RGB")), rng)
        style = f"{surface}-{kind}" + ("-exif" if exif != 1 else "")
        yield f"{k:04d}_{style}_label{y[i]}.jpg", data, str(y[i]), style


def _number_ink(
    x: np.ndarray, chosen: np.ndarray, w: int, h: int, rng: np.random.Generator,
    widest: float = 0.85, gaps: tuple[float, float] = (-0.03, 0.35), margin: float = 0.05,
) -> np.ndarray:
    """(h, w) pen alpha of the digits ``x[chosen]`` in a row: each 85-115% of a common
    height, the row at most ``widest`` of the page wide, gaps of ``gaps`` of the height, at
    least ``margin`` of the page's width from its sides (and 10% from top and bottom)."""
    n = len(chosen)
    crops = [pr.ink_box(x[i]) for i in chosen]
    height = w * rng.uniform(0.06, widest / (1.1 * n))
    sizes = [height * rng.uniform(0.85, 1.15) for _ in crops]
    widths = [
        max(2, round(c.shape[1] / c.shape[0] * s)) for c, s in zip(crops, sizes, strict=True)
    ]
    spaces = [height * rng.uniform(*gaps) for _ in crops[1:]]
    total = sum(widths) + sum(spaces)
    left = rng.uniform(margin * w, max(margin * w + 1, w - total - margin * w))
    base = rng.uniform(max(0.1, margin) * h + height, (1 - max(0.1, margin)) * h)
    ink = np.zeros((h, w), np.float32)
    for c, s, cw, gap in zip(crops, sizes, widths, [0.0, *spaces], strict=True):
        left += gap
        top = round(base - s + rng.uniform(-0.1, 0.1) * height)
        a = pr.pen_alpha(c, cw, round(s), rng)
        region = ink[top : top + a.shape[0], round(left) : round(left) + cw]
        np.maximum(region, a[: region.shape[0], : region.shape[1]], out=region)
        left += cw
    return ink


def numbers(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    x, y = digits(split)
    for k in range(count):
        n = 2 + k % 6
        chosen = rng.choice(len(x), size=n, replace=False)
        w, h = pr.page_size(rng)
        page, light, lines = _page(rng, PAPERS[k % len(PAPERS)], w, h)
        ink = _number_ink(x, chosen, w, h, rng)
        data, turn = pr.photo_bytes(pr.compose(page, light, lines, ink, pr.pen_colour(rng)), rng)
        label = "".join(str(y[i]) for i in chosen)
        yield f"{k:04d}_{n}digits_{label}.jpg", data, label, f"{n} digits"


def marked(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    x, y = digits(split)
    for k in range(count):
        mark = MARKS[k % len(MARKS)]
        n = 1 if k % 2 == 0 else 2 + (k // 2) % 5
        chosen = rng.choice(len(x), size=n, replace=False)
        w, h = pr.page_size(rng)
        page, light, lines = _page(rng, "plain", w, h)
        ink = (_written(x[chosen[0]], w, h, rng, 0.0, margin=0.12) if n == 1
               else _number_ink(x, chosen, w, h, rng, 0.6, (0.05, 0.35), 0.2))
        pen = pr.pen_colour(rng)
        img = pr.marked(pr.compose(page, light, lines, ink, pen), ink, mark, pen, rng)
        data, _ = pr.photo_bytes(img, rng)
        label = "".join(str(y[i]) for i in chosen)
        name = f"{k:04d}_{mark}_label{label}.jpg" if n == 1 else f"{k:04d}_{mark}_{label}.jpg"
        yield name, data, label, mark + ("" if n == 1 else " number")


def signed(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    """Numbers with a decimal point, a decimal comma, a leading minus, or two rows (see the
    module docstring); the label as ``numnet read`` prints it (a comma as ".")."""
    x, y = digits(split)
    for k in range(count):
        style = SIGNED[k % len(SIGNED)]
        w, h = pr.page_size(rng)
        page, light, lines = _page(rng, PAPERS[k % len(PAPERS)], w, h)
        written = [_signed_row(style, rng) for _ in range(2 if "rows" in style else 1)]
        longest = max(len(r) for r in written)
        height = w * rng.uniform(0.05, min(0.3, 0.8 / (1.1 * longest + 0.5)))
        ink = np.zeros((h, w), np.float32)
        base = rng.uniform(0.1 * h + height, 0.9 * h - (len(written) - 1) * 2 * height)
        texts = []
        for items in written:
            texts.append(_draw_signed(ink, items, x, y, height, base, rng))
            base += height * rng.uniform(1.3, 1.9)
        data, turn = pr.photo_bytes(pr.compose(page, light, lines, ink, pr.pen_colour(rng)), rng)
        label = " ".join(texts)
        yield f"{k:04d}_{style.replace(' ', '-')}_{label.replace(' ', '_')}.jpg", data, label, style


def _signed_row(style: str, rng: np.random.Generator) -> list[str]:
    """What one row of a ``signed`` number holds: "d" digits, and "-", "." or "," signs
    (1-5 digits, 2-5 with a point)."""
    mixed = style == "two rows signed"
    point = style in ("point", "comma", "minus point") or (mixed and rng.random() < 0.5)
    minus = style in ("minus", "minus point") or (mixed and rng.random() < 0.5)
    n = int(rng.integers(2 if point else 1, 6))
    row = ["d"] * n
    if point:
        row.insert(int(rng.integers(1, n)), "," if style == "comma" else ".")
    if minus:
        row.insert(0, "-")
    return row


def _draw_signed(
    ink: np.ndarray,
    items: list[str],
    x: np.ndarray,
    y: np.ndarray,
    height: float,
    base: float,
    rng: np.random.Generator,
) -> str:
    """Write ``items`` (``_signed_row``) into ``ink`` as a row ``height`` px high on the line
    ``base``, from a random left edge; the text as read.  A point is a dot of 1.2-2 pen
    widths on the line (a comma a dot with a tail down to 0.3 of the height below it), a
    minus a stroke 0.3-0.6 of the height long at mid-height, the pen's width that of the
    row's digits (``stroke_width``)."""
    from numnet.data.imaging.mnist_box import stroke_width

    chosen = rng.choice(len(x), size=items.count("d"), replace=False)
    crops = [pr.ink_box(x[i]) for i in chosen]
    widths, sizes = [], []
    for c in crops:
        sizes.append(height * rng.uniform(0.85, 1.15))
        widths.append(max(2, round(c.shape[1] / c.shape[0] * sizes[-1])))
    sign_width = {"-": height * rng.uniform(0.3, 0.6), ".": 0.3 * height, ",": 0.3 * height}
    gaps = [height * rng.uniform(0.08, 0.35) for _ in items[1:]]
    total = sum(widths) + sum(sign_width[s] for s in items if s != "d") + sum(gaps)
    room = ink.shape[1]
    left = rng.uniform(0.05 * room, max(0.05 * room + 1, 0.95 * room - total))
    pen, marks, text, d = [], [], "", 0
    for item, gap in zip(items, [0.0, *gaps], strict=True):
        left += gap
        if item == "d":
            top = round(base - sizes[d] + rng.uniform(-0.1, 0.1) * height)
            a = pr.pen_alpha(crops[d], widths[d], round(sizes[d]), rng)
            region = ink[top : top + a.shape[0], round(left) : round(left) + widths[d]]
            np.maximum(region, a[: region.shape[0], : region.shape[1]], out=region)
            pen.append(stroke_width(a > 0.5))
            left += widths[d]
            text += str(y[chosen[d]])
            d += 1
        else:
            marks.append((item, left))
            left += sign_width[item]
            text += "-" if item == "-" else "."
    sw = float(np.median(pen))
    for item, at in marks:
        # drawn in a patch around the sign (a page is up to 12 MP)
        x0, y0 = max(0, int(at - height)), max(0, int(base - 1.5 * height))
        patch = np.zeros((round(2.5 * height), round(2.5 * height)), np.float32)
        if item == "-":
            length = sign_width["-"]
            mid = base - height / 2 + rng.uniform(-0.1, 0.1) * height - y0
            slope = rng.uniform(-0.08, 0.08) * length
            ends = np.array([[at - x0, mid - slope], [at - x0 + length, mid + slope]])
            _stroke(patch, ends, sw / 2)
        else:
            r = sw * rng.uniform(0.6, 1.0)
            cx, cy = at - x0 + 0.15 * height, base - y0 - r + rng.uniform(-0.05, 0.05) * height
            _stroke(patch, np.array([[cx, cy], [cx + 0.5, cy]]), r)
            if item == ",":  # a tail down to 0.3 of the height below the line
                _stroke(
                    patch, np.array([[cx, cy], [cx - 0.3 * r, base - y0 + 0.3 * height]]), 0.45 * sw
                )
        region = ink[y0 : y0 + patch.shape[0], x0 : x0 + patch.shape[1]]
        np.maximum(
            region, patch[: region.shape[0], : region.shape[1]] * rng.uniform(0.85, 1.0), out=region
        )
    return text


def _stroke(ink: np.ndarray, points: np.ndarray, radius: float) -> None:
    """Draw a polyline of (m, 2) (x, y) points with round ends into ``ink``, width 2 radius."""
    from PIL import ImageDraw

    img = Image.new("L", (ink.shape[1], ink.shape[0]), 0)
    d = ImageDraw.Draw(img)
    d.line([tuple(p) for p in points], fill=255, width=max(1, round(2 * radius)), joint="curve")
    for p in points[[0, -1]]:
        d.ellipse([p[0] - radius, p[1] - radius, p[0] + radius, p[1] + radius], fill=255)
    np.maximum(ink, np.asarray(img, np.float32) / 255, out=ink)


def nondigits(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    del split  # no digits in these
    for k in range(count):
        kind = NONDIGITS[k % len(NONDIGITS)]
        w, h = pr.page_size(rng)
        paper_kind = kind if kind in ("ruled", "squared") else str(rng.choice(PAPERS))
        page, light, lines = _page(rng, paper_kind, w, h)
        if kind == "shadow":  # a blank page under a hard shadow
            light = ImageChops.multiply(light, pr.lighting(rng, w, h, shadow=True))
        ink = np.zeros((h, w), np.float32)
        cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.25, 0.75) * h
        pen = rng.uniform(0.004, 0.012) * w
        if kind == "dot":
            _stroke(ink, np.array([[cx, cy], [cx + 1, cy]]), rng.uniform(0.005, 0.03) * w)
        elif kind == "scribble":
            steps = rng.normal(0, 0.04 * w, (int(rng.integers(15, 60)), 2)).cumsum(axis=0)
            _stroke(ink, steps - steps.mean(axis=0) + (cx, cy), pen)
        elif kind == "dash":
            length = rng.uniform(0.1, 0.4) * w
            slope = rng.uniform(-0.15, 0.15) * length
            ends = np.array([[cx - length / 2, cy - slope], [cx + length / 2, cy + slope]])
            _stroke(ink, ends, pen)
        elif kind == "blot":
            _stroke(ink, np.array([[cx, cy], [cx + 0.03 * w, cy + 0.02 * w]]), 0.05 * w)
        ink *= rng.uniform(0.85, 1.0)
        data, _ = pr.photo_bytes(pr.compose(page, light, lines, ink, pr.pen_colour(rng)), rng)
        yield f"{k:04d}_{kind}.jpg", data, "-", kind


def foreign_part(split: str, n: int = 1797) -> range:
    """The indices (in ``load_digits``' order) of the foreign set's ``split``: 'validation'
    the first half (rounded up), 'test' the rest, 'all' all ``n``."""
    half = (n + 1) // 2
    return {"validation": range(half), "test": range(half, n), "all": range(n)}[split]


def foreign(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images, labels = bunch.images, bunch.target
    keep = foreign_part(split, len(images))[:count]  # --count N: the split's first N
    for k in range(len(images)):  # all are drawn (a drawing depends on k only), keep's kept
        side = int(rng.integers(64, 257))
        level = (images[k] * (255 / 16)).astype(np.uint8)
        big = np.asarray(Image.fromarray(level).resize((side, side), Image.Resampling.BICUBIC))
        paper, pen = rng.uniform(0.8, 1.0), rng.uniform(0.0, 0.3)
        margin = side // 4
        gray = np.full((side + 2 * margin, side + 2 * margin), paper, np.float32)
        gray[margin:-margin, margin:-margin] += (pen - paper) * big / 255
        gray += rng.normal(0, 0.01, gray.shape).astype(np.float32)
        img = Image.fromarray((np.clip(gray, 0, 1) * 255).astype(np.uint8))
        buf = io.BytesIO()
        fmt = "PNG" if k % 2 == 0 else "JPEG"
        if k not in keep:
            continue
        img.save(buf, fmt)
        suffix = ".png" if fmt == "PNG" else ".jpg"
        yield f"{k:04d}_uci_label{labels[k]}{suffix}", buf.getvalue(), str(labels[k]), fmt.lower()


def _file(level: np.ndarray, fmt: str = "PNG") -> bytes:
    """uint8 gray levels -> the bytes of an image file of ``fmt``."""
    buf = io.BytesIO()
    Image.fromarray(level).save(buf, fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return buf.getvalue()


def _enlarged(level: np.ndarray, side: int, how: str) -> np.ndarray:
    """uint8 (h, w) -> (side, side) by Pillow's ``how`` resampling ('none': as it is)."""
    if how == "none":
        return level
    return np.asarray(Image.fromarray(level).resize((side, side), RESAMPLING[how]))


def files(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    x, y = digits(split)
    hows = ("none", "nearest", "bilinear", "bicubic")
    for k, i in enumerate(rng.choice(len(x), size=count, replace=False)):
        how = hows[k % len(hows)]
        level = _enlarged(x[i], 28 * int(rng.integers(2, 11)), how)
        invert = rng.random() < 0.5
        fmt = "JPEG" if rng.random() < 0.25 else "PNG"
        style = how + ("-inverted" if invert else "")
        data = _file(255 - level if invert else level, fmt)
        suffix = "jpg" if fmt == "JPEG" else "png"
        yield f"{k:04d}_{style}_label{y[i]}.{suffix}", data, str(y[i]), style


def foreign_files(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    keep = foreign_part(split, len(bunch.images))[:count]
    hows = ("none", *RESAMPLING)
    for k in range(len(bunch.images)):  # all are drawn (a drawing depends on k only)
        how, side = hows[k % len(hows)], int(rng.integers(16, 257))
        invert = rng.random() < 0.5
        level = _enlarged((bunch.images[k] * (255 / 16)).astype(np.uint8), side, how)
        if k in keep:
            data = _file(255 - level if invert else level)
            yield f"{k:04d}_{how}_label{bunch.target[k]}.png", data, str(bunch.target[k]), how


def _symbol(
    kind: str, cx: float, cy: float, s: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """The pen strokes, (m, 2) (x, y) points each, of a mark ``kind`` of ``SYMBOLS`` ``s`` px
    across at (cx, cy), each point a little off where a ruler would put it."""
    def j(points: list[list[float]] | np.ndarray) -> np.ndarray:
        a = np.asarray(points, np.float64)
        return a + rng.normal(0, 0.03 * s, a.shape)

    h = s / 2
    if kind == "plus":
        return [j([[cx - h, cy], [cx + h, cy]]), j([[cx, cy - h], [cx, cy + h]])]
    if kind == "x":
        return [j([[cx - h, cy - h], [cx + h, cy + h]]), j([[cx + h, cy - h], [cx - h, cy + h]])]
    if kind == "star":  # three strokes through the middle
        turn = rng.uniform(0, 1) + np.linspace(0, np.pi, 4)[:3]
        ends = [(h * np.cos(a), h * np.sin(a)) for a in turn]
        return [j([[cx + dx, cy + dy], [cx - dx, cy - dy]]) for dx, dy in ends]
    if kind == "hash":
        d = s / 6
        return [j([[cx - h, cy + e], [cx + h, cy + e]]) for e in (-d, d)] + [
            j([[cx + e, cy - h], [cx + e, cy + h]]) for e in (-d, d)]
    if kind == "smiley":  # a face: a circle, a mouth, two eyes
        t, m = np.linspace(0, 2 * np.pi, 80), np.linspace(0.2 * np.pi, 0.8 * np.pi, 30)
        eyes = [np.array([[cx + e, cy - s / 8], [cx + e + 1, cy - s / 8]]) for e in (-s / 6, s / 6)]
        return [j(np.c_[cx + h * np.cos(t), cy + h * np.sin(t)]),
                j(np.c_[cx + h / 2 * np.cos(m), cy + h / 2 * np.sin(m)]), *eyes]
    if kind == "check":
        return [j([[cx - s / 3, cy], [cx - s / 8, cy + s / 3], [cx + h, cy - h]])]
    if kind == "arrow":
        return [j([[cx - h, cy], [cx + h, cy]]), j([[cx + h / 2, cy - s / 5], [cx + h, cy],
                                                 [cx + h / 2, cy + s / 5]])]
    if kind == "hatch":  # a patch filled in with strokes back and forth
        k = int(rng.integers(5, 12))
        return [j(np.c_[np.linspace(cx - h, cx + h, k), cy + np.tile([-s / 3, s / 3], k)[:k]])]
    if kind == "spiral":
        t = np.linspace(0, rng.uniform(4, 8) * np.pi, 120)
        r = h * t / t[-1]
        return [j(np.c_[cx + r * np.cos(t), cy + r * np.sin(t)])]
    # loops: a cursive line of loops, as a writer tries a pen
    t = np.linspace(0, 2 * np.pi * int(rng.integers(3, 7)), 300)
    return [j(np.c_[cx + np.linspace(-s, s, 300) + s / 4 * np.cos(t), cy + s / 4 * np.sin(t)])]


def symbols(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    del split  # no digits in these
    for k in range(count):
        kind = SYMBOLS[k % len(SYMBOLS)]
        w, h = pr.page_size(rng)
        page, light, lines = _page(rng, PAPERS[k % len(PAPERS)], w, h)
        ink = np.zeros((h, w), np.float32)
        cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        size, pen = rng.uniform(0.12, 0.4) * w, rng.uniform(0.004, 0.012) * w
        for points in _symbol(kind, cx, cy, size, rng):
            _stroke(ink, points, pen)
        data, _ = pr.photo_bytes(pr.compose(page, light, lines, ink, pr.pen_colour(rng)), rng)
        yield f"{k:04d}_{kind}.jpg", data, "-", kind


def drawn(count: int, rng: np.random.Generator, split: str) -> Iterator[Row]:
    from PIL import ImageDraw

    del split  # no digits in these
    for k in range(count):
        kind, side = DRAWN[k % len(DRAWN)], int(rng.choice([28, 64, 128, 280, 400]))
        img = Image.new("L", (side, side), 255)
        draw = ImageDraw.Draw(img)
        c = side / 2 + rng.uniform(-0.1, 0.1) * side
        r, pen = side * rng.uniform(0.05, 0.3), max(1, int(side * rng.uniform(0.03, 0.1)))
        if kind in ("dot", "disc"):
            r = side * rng.uniform(0.02, 0.06) if kind == "dot" else r
            draw.ellipse([c - r, c - r, c + r, c + r], fill=0)
        elif kind == "blot":
            turns = np.linspace(0, 2 * np.pi, 9)[:-1]
            radii = r * rng.uniform(0.6, 1.3, len(turns))
            draw.polygon(list(zip(c + radii * np.cos(turns), c + radii * np.sin(turns),
                                  strict=True)), fill=0)
        elif kind == "square":
            draw.rectangle([c - r, c - r, c + r, c + r], fill=0)
        elif kind == "specks":
            for px, py in rng.uniform(0, side, (5, 2)):
                draw.point((px, py), fill=0)
        elif kind == "line":
            draw.line([(side * 0.15, c), (side * 0.85, c)], fill=0, width=pen)
        elif kind == "ruled":
            for y in range(int(side * 0.1), side, max(4, side // 8)):
                draw.line([(0, y), (side, y)], fill=120, width=max(1, side // 100))
        elif kind == "scribble":
            steps = rng.normal(0, side * 0.12, (int(rng.integers(15, 40)), 2)).cumsum(axis=0)
            walk = np.clip(steps - steps.mean(axis=0) + c, side * 0.1, side * 0.9)
            draw.line([tuple(p) for p in walk], fill=0, width=pen)
        level = np.asarray(img)
        yield f"{k:04d}_{kind}.png", _file(255 - level if k % 2 else level), "-", kind


KINDS: dict[str, Callable[[int, np.random.Generator, str], Iterator[Row]]] = {
    "photos": photos,
    "crops": crops,
    "askew": askew,
    "sent": sent,
    "desk": desk,
    "numbers": numbers,
    "marked": marked,
    "nondigits": nondigits,
    "foreign": foreign,
    "signed": signed,
    "files": files,
    "foreign-files": foreign_files,
    "drawn": drawn,
    "symbols": symbols,
}


def build(kind: str, out: Path, count: int, seed: int, split: str = "test") -> int:
    """Write a set into ``out`` (image files and labels.csv); returns how many files."""
    rng = np.random.default_rng(seed)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["file", "label", "style"])
    n = 0
    for name, data, label, style in KINDS[kind](count, rng, split):
        write_bytes(out / name, data)
        writer.writerow([name, label, style])
        n += 1
    write_text(out / "labels.csv", table.getvalue())
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("out", type=Path, help="folder for the image files and labels.csv")
    parser.add_argument("--count", type=int, default=0, help="files (default: 400/200/200/all)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--split",
        choices=("test", "validation", "all"),
        default="test",
        help="test (default) or validation; foreign: also all (both halves)",
    )
    args = parser.parse_args()
    if args.split == "all" and not args.kind.startswith("foreign"):
        parser.error("--split all is for the foreign sets only")
    counts = {"photos": 400, "crops": 400, "sent": 400, "askew": 400, "desk": 400,
              "numbers": 200, "marked": 240, "nondigits": 200, "signed": 240, "files": 400,
              "drawn": 200, "symbols": 200}
    default = counts.get(args.kind, 1797)
    n = build(args.kind, args.out, args.count or default, args.seed, args.split)
    print(f"wrote {n} {args.kind} files and labels.csv to {args.out}")


if __name__ == "__main__":
    main()
