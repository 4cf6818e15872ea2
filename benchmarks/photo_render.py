"""Render handwriting as a phone photographs it: ink on off-white paper under uneven light.

The building blocks of ``benchmarks/checksets.py`` (seeded: every function takes a
``numpy.random.Generator``).  A page is float32 RGB in [0, 1], (h, w, 3):

- ``paper``: an off-white colour with a little texture;
- ``lighting``: a gradient from a window (the page's far side at 55-95% of the near side),
  vignetting (corners at 75-100%), sometimes a soft shadow (a blurred half-plane, 45-80%);
- ``ruling``: none, ruled (horizontal) or squared (both) lines, grey or light blue, 1-3 px,
  tilted up to 0.8 degrees (or as much as asked);
- ``pen_alpha``: an MNIST digit (28x28 uint8) drawn large and smooth, its stroke made
  thinner or thicker by where its gray levels are cut (a ballpoint, a felt pen);
- ``marked``: a circle, a box or a line under the ink, drawn by the pen;
- ``desk``: what a page photographed lying on it shows around it (wood, a dark, grey or
  light table);
- ``photo_bytes``: light, sensor noise and a slight blur applied, encoded as JPEG
  (quality 60-95), stored sideways with an EXIF Orientation tag one time in four.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

#: page sizes (width, height) of phone photos and how often each is drawn
SIZES = ((1200, 1600), (1536, 2048), (3024, 4032))
SIZE_WEIGHTS = (0.6, 0.3, 0.1)
BLACK_PEN = np.array([0.12, 0.12, 0.14], np.float32)
BLUE_PEN = np.array([0.12, 0.2, 0.55], np.float32)
#: EXIF Orientation -> how the stored pixels are turned from upright (np.rot90 k)
ORIENTATIONS = {3: 2, 6: 1, 8: -1}


def page_size(rng: np.random.Generator) -> tuple[int, int]:
    """(width, height) of a photo, portrait."""
    return SIZES[int(rng.choice(len(SIZES), p=SIZE_WEIGHTS))]


def paper(rng: np.random.Generator, w: int, h: int) -> Image.Image:
    """An off-white RGB page with a faint texture."""
    colour = np.array([rng.uniform(0.88, 0.98), rng.uniform(0.86, 0.96), rng.uniform(0.78, 0.93)])
    tex = 1 + rng.normal(0, 0.012, (h // 8 + 1, w // 8 + 1, 1))
    small = Image.fromarray((np.clip(tex * colour, 0, 1) * 255).astype(np.uint8), "RGB")
    return small.resize((w, h), Image.Resampling.BILINEAR)


def lighting(rng: np.random.Generator, w: int, h: int, shadow: bool) -> Image.Image:
    """Multiplicative light (L, 255 = full): gradient * vignetting * (soft shadow).

    Light varies slowly: computed on a 1/8 grid and scaled up bilinearly."""
    sw, sh = w // 8 + 1, h // 8 + 1
    y, x = np.mgrid[0:sh, 0:sw].astype(np.float32)
    x /= sw
    y /= sh
    angle = rng.uniform(0, 2 * np.pi)
    along = (x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle)
    far = rng.uniform(0.55, 0.95)
    light = 1 - (1 - far) * (along - along.min()) / np.ptp(along)
    corner = rng.uniform(0.75, 1.0)
    light *= 1 - (1 - corner) * ((x - 0.5) ** 2 + (y - 0.5) ** 2) / 0.5
    if shadow:
        a = rng.uniform(0, 2 * np.pi)
        edge = (x - rng.uniform(0.2, 0.8)) * np.cos(a) + (y - rng.uniform(0.2, 0.8)) * np.sin(a)
        soft = rng.uniform(0.02, 0.1)
        depth = rng.uniform(0.45, 0.8)
        light *= 1 - (1 - depth) / (1 + np.exp(-edge / soft))
    small = Image.fromarray((np.clip(light, 0, 1) * 255).astype(np.uint8), "L")
    return small.resize((w, h), Image.Resampling.BILINEAR)


#: what a page may lie on: (RGB colour, grain contrast)
DESKS = {
    "wood": ((0.45, 0.3, 0.18), 0.12),
    "dark": ((0.15, 0.15, 0.16), 0.0),
    "grey": ((0.42, 0.42, 0.44), 0.0),
    "light": ((0.68, 0.67, 0.65), 0.0),
}


def desk(rng: np.random.Generator, w: int, h: int, kind: str) -> Image.Image:
    """An RGB desk of ``DESKS[kind]``: its colour a little lighter or darker, a coarse
    texture, and for wood a grain of stripes along one direction."""
    rgb, grain = DESKS[kind]
    colour = np.array(rgb) * rng.uniform(0.8, 1.15)
    sw, sh = w // 16 + 1, h // 16 + 1
    tex = 1 + rng.normal(0, 0.04, (sh, sw, 1))
    if grain:
        y = np.arange(sh, dtype=np.float64)[:, None, None]
        wobble = rng.normal(0, 0.6, (sh, sw, 1))
        tex *= 1 + grain * np.sin(2 * np.pi * y / rng.uniform(3, 9) + wobble)
    small = Image.fromarray((np.clip(tex * colour, 0, 1) * 255).astype(np.uint8), "RGB")
    return small.resize((w, h), Image.Resampling.BILINEAR)


def ruling(
    rng: np.random.Generator, w: int, h: int, kind: str, tilt: float | None = None
) -> Image.Image:
    """Alpha (L) of the paper's printed lines: kind 'plain', 'ruled' or 'squared', the page
    turned ``tilt`` degrees clockwise (None: its lines tilted up to 0.8 degrees either way,
    the columns of squared paper the same way as the rows)."""
    from PIL import ImageDraw

    img = Image.new("L", (w, h), 0)
    if kind == "plain":
        return img
    d = ImageDraw.Draw(img)
    drift = np.tan(np.deg2rad(rng.uniform(-0.8, 0.8) if tilt is None else tilt))
    spacing = rng.uniform(0.045, 0.08) * h
    width = max(1, round(rng.uniform(1, 3) * w / 1200))
    strength = round(255 * rng.uniform(0.35, 0.8))
    for y in np.arange(rng.uniform(0, spacing), h + w * abs(drift), spacing):
        y0 = y - w * max(drift, 0)
        d.line([(0, y0), (w, y0 + w * drift)], strength, width)
    if kind == "squared":
        # a turned page's columns lean against its rows; the slight random tilt leans both
        # the same way, as a skewed print does
        lean = drift if tilt is None else -drift
        for x in np.arange(rng.uniform(0, spacing), w + h * abs(lean), spacing):
            x0 = x - h * max(lean, 0)
            d.line([(x0, 0), (x0 + h * lean, h)], strength, width)
    return img


def pen_alpha(digit: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """(height, width) alpha of ``digit`` (28x28 or a crop of it, uint8) drawn by a pen."""
    big = Image.fromarray(digit).resize((width, height), Image.Resampling.BICUBIC)
    v = np.asarray(big, np.float32) / 255
    cut = rng.uniform(0.15, 0.65)  # low: a felt pen, high: a thin ballpoint
    soft = 0.12
    return np.clip((v - cut) / soft + 0.5, 0, 1) * rng.uniform(0.85, 1.0)


def pen_colour(rng: np.random.Generator) -> np.ndarray:
    return BLUE_PEN if rng.random() < 0.5 else BLACK_PEN


def _tint(alpha: Image.Image, colour: np.ndarray) -> Image.Image:
    """RGB 255 * (1 - alpha * (1 - colour)): what a layer of ``colour`` lets through."""
    return Image.merge(
        "RGB", [alpha.point(lambda v, c=float(c): round(255 - v * (1 - c))) for c in colour]
    )


def compose(
    page: Image.Image, light: Image.Image, lines: Image.Image, ink: np.ndarray, pen: np.ndarray
) -> Image.Image:
    """Paper x (1 - lines) x (1 - ink) as absorbed colour, times the light (uint8 RGB)."""
    from PIL import ImageChops

    line_colour = np.array([0.55, 0.65, 0.8])
    out = ImageChops.multiply(page, _tint(lines, line_colour))
    ink_image = Image.fromarray((np.clip(ink, 0, 1) * 255).astype(np.uint8), "L")
    out = ImageChops.multiply(out, _tint(ink_image, np.minimum(pen / 0.9, 1)))
    return ImageChops.multiply(out, light.convert("RGB"))


def marked(
    img: Image.Image, ink: np.ndarray, mark: str, pen: np.ndarray, rng: np.random.Generator
) -> Image.Image:
    """``img`` with ``mark`` drawn around the ``ink`` (h, w) by the pen: "circle" (an oval
    through the corners of the ink's box and a margin beyond), "box" or "underline", 10-30%
    of the ink's height away from it, 2-5 px wide per 1200 px of the page."""
    from PIL import ImageDraw

    rows, cols = np.nonzero(ink > 0.3)
    x0, y0, x1, y1 = cols.min(), rows.min(), cols.max(), rows.max()
    gap = (y1 - y0) * rng.uniform(0.1, 0.3)
    width = max(2, round(rng.uniform(2, 5) * img.size[0] / 1200))
    colour = tuple(round(255 * c) for c in pen)
    d = ImageDraw.Draw(img)
    if mark == "circle":  # sqrt(2) times the box's half sides reaches its corners
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ax, ay = (x1 - x0) / 2 * 1.42 + gap, (y1 - y0) / 2 * 1.42 + gap
        d.ellipse([cx - ax, cy - ay, cx + ax, cy + ay], outline=colour, width=width)
    elif mark == "box":
        d.rectangle([x0 - gap, y0 - gap, x1 + gap, y1 + gap], outline=colour, width=width)
    else:
        y = y1 + gap / 2 + width
        d.line([(x0 - gap, y), (x1 + gap, y)], colour, width)
    return img


def photo_bytes(img: Image.Image, rng: np.random.Generator) -> tuple[bytes, int]:
    """Noise, a slight blur, JPEG; stored sideways (with EXIF) one time in four.

    Returns the file's bytes and its EXIF orientation (1 = stored upright)."""
    from PIL import ImageChops

    sigma = rng.uniform(1.5, 5)  # sensor noise, in gray levels: a random tile repeated
    tile = np.clip(128 + sigma * rng.standard_normal((256, 256)), 0, 255).astype(np.uint8)
    w, h = img.size
    noise = np.tile(tile, (h // 256 + 1, w // 256 + 1))[:h, :w]
    img = ImageChops.add(img, Image.fromarray(noise, "L").convert("RGB"), 1.0, -128)
    img = img.filter(ImageFilter.BoxBlur(rng.uniform(0.3, 1.2) * img.size[0] / 1200))
    orientation = 1
    exif = Image.Exif()
    if rng.random() < 0.25:
        orientation = int(rng.choice(list(ORIENTATIONS)))
        img = Image.fromarray(np.rot90(np.asarray(img), ORIENTATIONS[orientation]).copy())
        exif[0x0112] = orientation
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(rng.integers(60, 96)), exif=exif.tobytes())
    return buf.getvalue(), orientation


def ink_box(digit: np.ndarray) -> np.ndarray:
    """The MNIST digit cropped to its ink (rows and columns with any pixel over 30)."""
    rows = np.flatnonzero((digit > 30).any(axis=1))
    cols = np.flatnonzero((digit > 30).any(axis=0))
    return digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
