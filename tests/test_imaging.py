"""Image files of every kind become the same MNIST-style digit; bad input is one ImageError."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw

from numnet.core.errors import ImageError
from numnet.data.imaging import prepare, prepare_many
from numnet.data.imaging.background import _in_shadow, ink_strength
from numnet.data.imaging.ink import LOW


def _digit_four() -> np.ndarray:
    """A thick-stroked '4', bright on black, 112x112 uint8, drawn like a pen would."""
    img = Image.new("L", (112, 112), 0)
    d = ImageDraw.Draw(img)
    d.line([(60, 10), (20, 70), (85, 70)], fill=255, width=11)
    d.line([(65, 40), (65, 102)], fill=255, width=11)
    return np.asarray(img)


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """The digit as MNIST would hold it: (28, 28) float32."""
    return prepare(_digit_four())


def _render(ref: np.ndarray, canvas: int, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Draw the 28x28 ``ref`` large (smoothly) on a ``canvas``-pixel page, ink bright."""
    size = canvas // 2
    big = Image.fromarray((ref * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)
    page = np.zeros((canvas, canvas), np.uint8)
    top, left = canvas // 4 + offset[0], canvas // 4 + offset[1]
    page[top : top + size, left : left + size] = np.asarray(big)
    return page


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _corr_placed(a: np.ndarray, b: np.ndarray) -> float:
    """``_corr`` of ``a`` and ``b`` placed alike: the best of ``a`` shifted by up to a pixel
    either way (MNIST centres by mass to the whole pixel, so a level more or less at an edge
    may move the digit by one)."""
    return max(_corr(np.roll(a, (dy, dx), (0, 1)), b) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def _centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    r = np.arange(28)
    return float((x.sum(1) * r).sum() / x.sum()), float((x.sum(0) * r).sum() / x.sum())


# --- what MNIST's preparation promises -----------------------------------------------------


def test_prepared_digit_is_mnist_shaped(reference):
    assert reference.shape == (28, 28) and reference.dtype == np.float32
    assert reference.min() == 0 and reference.max() == 1
    rows, cols = np.nonzero(reference > 0)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 in (20, 21)  # the 20-px box (+ anti-aliasing)
    cy, cx = _centre_of_mass(reference)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    assert reference[:3].sum() == 0 and reference[-3:].sum() == 0  # a margin all round


def _variants(ref: np.ndarray, canvas: int) -> dict[str, bytes]:
    """The same digit as people hand it over: every format numnet promises to read."""
    bright = _render(ref, canvas)
    off = _render(ref, canvas, offset=(-canvas // 5, canvas // 6))
    dark = 255 - bright
    alpha_ink = np.zeros((canvas, canvas, 4), np.uint8)
    alpha_ink[..., 3] = bright  # black ink on a transparent page (canvas export)
    white_ink = np.full((canvas, canvas, 4), 255, np.uint8)
    white_ink[..., 3] = bright  # white ink on a transparent page
    rgb = np.stack([dark, dark, np.minimum(dark.astype(int) + 30, 255).astype(np.uint8)], -1)
    return {
        "dark-on-white gray PNG": _encode(Image.fromarray(dark), "PNG"),
        "light-on-black PNG": _encode(Image.fromarray(bright), "PNG"),
        "bluish RGB PNG": _encode(Image.fromarray(rgb), "PNG"),
        "RGBA black ink on transparent": _encode(Image.fromarray(alpha_ink), "PNG"),
        "RGBA white ink on transparent": _encode(Image.fromarray(white_ink), "PNG"),
        "JPEG quality 60": _encode(Image.fromarray(dark).convert("RGB"), "JPEG", quality=60),
        "palette PNG": _encode(
            Image.fromarray(dark).convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "PNG"
        ),
        "off-centre": _encode(Image.fromarray(255 - off), "PNG"),
        "16-bit PNG": _encode(Image.fromarray(dark.astype(np.uint16) * 257), "PNG"),
    }


@pytest.mark.parametrize("canvas", [64, 150, 400])
def test_every_format_gives_back_the_same_digit(reference, canvas):
    for kind, data in _variants(reference, canvas).items():
        got = prepare(data)
        assert got.shape == (28, 28) and got.dtype == np.float32, kind
        assert _corr_placed(got, reference) > 0.9, f"{kind} at {canvas} px"
        cy, cx = _centre_of_mass(got)
        assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1, kind


def test_file_paths_pil_images_and_arrays_agree(reference, tmp_path):
    page = 255 - _render(reference, 120)
    path = tmp_path / "four.png"
    Image.fromarray(page).save(path)
    from_path = prepare(path)
    np.testing.assert_array_equal(from_path, prepare(str(path)))
    np.testing.assert_array_equal(from_path, prepare(Image.open(path)))
    np.testing.assert_allclose(from_path, prepare(page), atol=1e-6)
    np.testing.assert_allclose(from_path, prepare(page / np.float32(255)), atol=1e-5)


def test_polarity_ink_comes_out_bright_either_way(reference):
    bright = _render(reference, 100)
    a, b = prepare(bright), prepare(255 - bright)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert np.median(a) == 0 and a.max() == 1  # black background, bright ink, as in MNIST


def test_grey_paper_and_faint_noise_are_ignored(reference):
    rng = np.random.default_rng(0)
    page = 200 - _render(reference, 200).astype(np.float64) * 0.7  # gray paper, gray ink
    page += rng.normal(0, 6, page.shape)  # sensor noise
    page[5, 5] = 0  # one dark speck far from the digit
    got = prepare(np.clip(page, 0, 255).astype(np.uint8))
    assert _corr(got, reference) > 0.9


def test_prepare_many_stacks():
    many = prepare_many([_digit_four(), 255 - _digit_four()])
    assert many.shape == (2, 28, 28) and many.dtype == np.float32
    assert prepare_many([]).shape == (0, 28, 28)


# --- bad input: one line that names the image ----------------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be huge: the shape of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.write_text("3, not a picture"), "not an image"),
        (lambda p: p.write_bytes(b""), "not an image"),
        (lambda p: p.write_bytes(_encode(Image.new("L", (60, 60), 255), "PNG")), "blank"),
        (lambda p: p.write_bytes(_encode(Image.new("RGBA", (60, 60)), "PNG")), "blank"),
        (lambda p: p.write_bytes(_png_header_only(100_000, 100_000)), "too large"),
        (lambda p: p.write_bytes(_png_header_only(10_000, 10_000)), "too large"),
        (lambda p: p.write_bytes(_png_header_only(6_000, 5_000)), "too large"),
        (lambda p: p.write_bytes(_encode(Image.fromarray(_digit_four()), "PNG")[:200]), "corrupt"),
        (lambda p: p.mkdir(), "folder"),
        (lambda p: None, "No such file"),
    ],
    ids=[
        "text",
        "empty-file",
        "blank",
        "transparent",
        "bomb",
        "pillow-warns",
        "oversize",
        "truncated",
        "folder",
        "missing",
    ],
)
def test_bad_files_give_one_line_naming_the_file(tmp_path, make, words):
    path = tmp_path / "digit.png"
    make(path)
    with pytest.raises(ImageError) as e:
        prepare(path)
    message = str(e.value)
    assert words in message and str(path) in message and "\n" not in message


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((0, 5)),
        np.zeros((4, 4, 7)),
        np.full((5, 5), np.nan),
        np.full((5, 5), 3.0),
        np.full((5, 5), -2),
        np.zeros((2, 3, 4, 5)),
        np.array(["a", "b"]),
    ],
)
def test_bad_arrays_give_image_error(array):
    with pytest.raises(ImageError):
        prepare(array)


def test_a_bad_file_among_several_is_named(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(_digit_four()).save(good)
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    with pytest.raises(ImageError, match="bad.png"):
        prepare_many([good, bad])


# --- properties: anything in, a digit or ImageError out ------------------------------------


def _valid_or_image_error(source) -> None:
    try:
        out = prepare(source)
    except ImageError as e:
        assert "\n" not in str(e)
        return
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data):
    _valid_or_image_error(data)


_PNG = _encode(Image.fromarray(_digit_four()).resize((40, 40)), "PNG")
_JPEG = _encode(Image.fromarray(_digit_four()).resize((40, 40)), "JPEG")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([_PNG, _JPEG]),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(10, 10_000),
)
def test_damaged_real_files(original, flips, cut):
    data = bytearray(original[:cut])
    for where, value in flips:
        data[where % len(data)] = value
    _valid_or_image_error(bytes(data))


@pytest.mark.parametrize(
    "shape", [(1, 20), (20, 1), (1, 300), (300, 1), (2, 16), (16, 2), (2, 300)]
)
def test_a_picture_a_pixel_or_two_wide_with_a_dark_half(shape):
    # a dark half of a line of pixels looks like a shadow's edge to the paper's estimate,
    # which has no room there for its area closing (the fuzzing of the web page found it)
    gray = np.full(shape, 0.9, np.float32)
    gray[: shape[0] // 2 or 1, : shape[1] // 2 or 1] = 0.2
    s = ink_strength(gray)
    assert s.shape == shape and np.isfinite(s).all()
    _valid_or_image_error((gray * 255).astype(np.uint8))
    # and the shadow step itself, on a copy that thin with dark pixels scattered over it
    closed = np.random.default_rng(0).integers(0, 3, shape).astype(np.float32) / 3
    paper = np.ones(shape, np.float32)
    np.testing.assert_array_equal(_in_shadow(closed, paper), paper)


_shapes = st.one_of(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 2, 3, 4])),
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        hnp.arrays(np.uint8, _shapes),
        hnp.arrays(np.float32, _shapes, elements=st.floats(0, 1, width=32)),
        hnp.arrays(np.float64, _shapes),  # NaN, inf, out of range
        hnp.arrays(np.int16, _shapes),
        hnp.arrays(np.bool_, _shapes),
    )
)
def test_random_small_arrays(array):
    _valid_or_image_error(array)


# --- photos of paper: light, shadow, lines, EXIF, size ------------------------------------


def _photo(ref: np.ndarray, lines: str = "ruled", seed: int = 0) -> np.ndarray:
    """The digit in dark ink on a 600x800 page lit from one side, half in a soft shadow."""
    rng = np.random.default_rng(seed)
    h, w = 800, 600
    y, x = np.mgrid[0:h, 0:w] / np.float32(h)
    light = 0.95 - 0.35 * x  # a window on the left
    light *= 1 - 0.35 / (1 + np.exp(-(x + y - 0.9) / 0.05))  # a soft shadow across a corner
    paper = np.ones((h, w), np.float32)
    if lines in ("ruled", "squared"):
        paper[20::40] = paper[21::40] = 0.7  # printed lines
    if lines == "squared":
        paper[:, 15::40] = paper[:, 16::40] = 0.7
    ink = np.zeros((h, w), np.float32)
    big = Image.fromarray((ref * 255).astype(np.uint8)).resize((300, 300), Image.BICUBIC)
    ink[250:550, 150:450] = np.asarray(big, np.float32) / 255
    page = light * paper * (1 - 0.85 * ink) + rng.normal(0, 0.01, (h, w))
    return (np.clip(page, 0, 1) * 255).astype(np.uint8)


@pytest.mark.parametrize("lines", ["plain", "ruled", "squared"])
def test_lighting_shadow_and_paper_lines_are_not_ink(reference, lines):
    got = prepare(_photo(reference, lines))
    assert _corr(got, reference) > 0.85, lines


def test_a_global_threshold_would_fail_on_that_photo(reference):
    """The check above is a real one: the shadowed paper is as dark as the lit ink."""
    page = _photo(reference, "plain").astype(np.float32) / 255
    assert page[700:, 500:].mean() < page[250:550, 150:300].max() - 0.3


def _shadowed(ref: np.ndarray, light: np.ndarray, size: int, top: int, left: int,
              seed: int) -> np.ndarray:
    """The digit ``size`` px high at (top, left) in dark ink on a page lit by ``light``
    (h, w), with a little sensor noise, as uint8."""
    digit = Image.fromarray((ref * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)
    ink = np.zeros(light.shape, np.float32)
    ink[top : top + size, left : left + size] = np.asarray(digit, np.float32) / 255
    page = light * (1 - 0.8 * ink) + np.random.default_rng(seed).normal(0, 0.01, light.shape)
    return (np.clip(page, 0, 1) * 255).astype(np.uint8)


def _edge(x: np.ndarray, width: float) -> np.ndarray:
    """1 where x << 0, 0 where x >> 0, a logistic step ``width`` px wide between."""
    return 1 / (1 + np.exp(np.clip(x / width, -50, 50)))


def test_a_small_digit_in_a_hard_shadow_is_dark_ink(reference):
    # Most of the page in a shadow with a hard diagonal edge, lit paper beyond it, and the
    # digit small and thin-stroked inside the shadow: the lit side of the edge stands out
    # brighter from the paper around it than the little ink stands out darker, which once
    # turned the page's polarity (the lit band read as ink, the digit lost).
    y, x = np.mgrid[0:1000, 0:750].astype(np.float32)
    light = 0.38 + 0.45 * _edge(x - (412 - 0.35 * y), 25) - 0.1 * x / 750
    got = prepare(_shadowed(reference, light, 40, 660, 450, seed=3))
    assert _corr(got, reference) > 0.8


@pytest.mark.parametrize(("depth", "soft", "top", "left"),
                         [(0.45, 10, 400, 300), (0.55, 20, 430, 250), (0.65, 10, 430, 250)])
def test_a_digit_across_a_hard_shadow_s_edge_is_read_and_the_edge_is_no_ink(
        reference, depth, soft, top, left):
    # A shadow with a sharp diagonal edge across the page (its dark side 45-65% of the
    # light), the digit written across the edge: the cell medians smooth the edge, and the
    # shadowed paper along it read as a band of ink that swallowed the digit.
    y, x = np.mgrid[0:1000, 0:750].astype(np.float32)
    edge = x - (700 - 0.6 * y)
    light = 0.9 * (1 - (1 - depth) * _edge(edge, soft))
    photo = _shadowed(reference, light, 120, top, left, seed=2)
    s = ink_strength(photo.astype(np.float32) / 255)
    band = (edge < -3 * soft) & (edge > -100)  # the dark side along the edge ...
    band[top - 20 : top + 140, left - 20 : left + 140] = False  # ... away from the digit
    assert (s[band] > LOW).mean() < 0.15
    assert _corr(prepare(photo), reference) > 0.8


def test_a_shadow_cut_off_by_the_frame_yields_to_the_digit_inside(reference):
    # A hard shadow's dark corner at the picture's edge, with more "ink" than the digit:
    # the group touching the edge yields to the one inside it (components.largest).
    y, x = np.mgrid[0:1000, 0:750].astype(np.float32)
    light = 0.85 - 0.35 * _edge(x - (110 - 0.15 * y), 20)  # the shadow in the top left
    got = prepare(_shadowed(reference, light, 160, 500, 300, seed=5))
    assert _corr(got, reference) > 0.8


@pytest.mark.parametrize(
    "turn, edge", [(np.pi / 6, 0.2), (5 * np.pi / 6, 0.65), (11 * np.pi / 6, 0.2)]
)
def test_a_blank_page_mostly_in_shadow_is_no_digit(turn, edge):
    # Its lit part stands out brighter from the paper around it than anything stands out
    # darker, and once turned the page's polarity: the lit part was the ink, read as a 1.
    from numnet.data.imaging import read_digit
    from numnet.files.model_file import load_model

    y, x = np.mgrid[0:1000, 0:750].astype(np.float32) / np.float32(1000)
    side = (x - edge) * np.cos(turn) + (y - 0.5) * np.sin(turn)
    light = (1 - 0.4 * ((x - 0.375) ** 2 + (y - 0.5) ** 2)) * (1 - 0.55 * _edge(-side, 0.05))
    page = 0.9 * light + np.random.default_rng(0).normal(0, 0.01, light.shape)
    page = (np.clip(page, 0, 1) * 255).astype(np.uint8)
    assert read_digit(page, load_model(), shipped=True).number is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_blank_page_in_shadow_but_a_lit_corner_is_dark_ink(seed):
    # The lit paper a wedge in the top left corner, between the shadow's slanted edge and
    # the frame: where they meet it is thin for a window's width, as a light stroke is,
    # and once turned the page's polarity (the wedge's tips were the ink, read as a 1).
    from numnet.data.imaging import read_digit
    from numnet.data.imaging.background import _dark_ink, _resize, _small_size
    from numnet.files.model_file import load_model

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:1600, 0:1200].astype(np.float32) / np.float32(1600)
    top, left = rng.uniform(0.25, 0.35), rng.uniform(0.45, 0.6)  # where the edge meets the frame
    lit = _edge(x / top + y / left - 1, rng.uniform(0.03, 0.06))
    page = 0.85 * (0.45 + 0.55 * lit) * (1 - 0.1 * y) + rng.normal(0, 0.01, x.shape)
    page = (np.clip(page, 0, 1) * 255).astype(np.uint8)
    gray = page.astype(np.float32) / 255
    assert _dark_ink(_resize(gray, _small_size(gray.shape)))
    assert read_digit(page, load_model(), shipped=True).number is None


@pytest.mark.parametrize("seed", [2, 7])
def test_a_page_lighter_than_its_grainy_desk_keeps_dark_ink(seed):
    # Cell medians at the page's edge lean to light (the page stands out brighter than the
    # desk), the desk's grain is as much thin dark as thin bright: the pen's stroke decides.
    from numnet.data.imaging.background import ink_strength

    rng = np.random.default_rng(seed)
    gray = np.full((400, 300), 0.9, np.float32)
    cut = int(rng.uniform(0.5, 0.8) * 300)
    desk = rng.uniform(0.55, 0.75)
    gray[:, cut:] = desk + rng.normal(0, rng.uniform(0.02, 0.06), (400, 300 - cut))
    gray[150:250, 60:63] -= 0.5  # a stroke of dark pen on the page, and one across
    gray[150:153, 40:90] -= 0.5
    assert ink_strength(np.clip(gray, 0, 1))[200, 61] > 0.4


def test_light_ink_on_a_dark_page_is_read(reference):
    # The photo above, negated: light ink under uneven light, the polarity turned.
    assert _corr(prepare(255 - _photo(reference, "plain")), reference) > 0.85


@pytest.mark.parametrize("mark", ["circle", "box", "underline"])
def test_a_circle_box_or_line_drawn_around_the_digit_is_no_ink_of_it(reference, mark):
    # Drawn with the same pen, apart from the digit: grouped with it, the network saw a 0
    # (a circle) or a smear (components.without_marks).
    page = Image.fromarray(_photo(reference, "plain"))
    d = ImageDraw.Draw(page)
    if mark == "circle":
        d.ellipse([105, 205, 495, 595], outline=40, width=12)
    elif mark == "box":
        d.rectangle([120, 220, 480, 580], outline=40, width=12)
    else:
        d.line([(150, 575), (450, 575)], fill=40, width=12)
    assert _corr(prepare(np.asarray(page)), reference) > 0.85


def test_exif_orientation_is_applied(reference):
    upright = Image.fromarray(_photo(reference, "plain"))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as a phone held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    data = _encode(stored.convert("RGB"), "JPEG", quality=90, exif=exif.tobytes())
    assert _corr(prepare(data), prepare(_encode(upright.convert("RGB"), "JPEG", quality=90))) > 0.95


def test_a_big_jpeg_is_decoded_reduced_and_boxes_map_back(reference):
    from numnet.data.imaging.decode import WORK_SIDE, decode

    page = Image.fromarray(_photo(reference, "plain")).resize((3000, 4000)).convert("RGB")
    data = _encode(page, "JPEG", quality=85)
    pixels, scale = decode(data, "photo")
    assert max(pixels.shape) <= WORK_SIDE and scale == pytest.approx(4.0, rel=0.01)
    from numnet.data.imaging import find_digits

    (c,) = find_digits(data).candidates
    rows, cols = np.nonzero(np.asarray(page.convert("L")) < 100)  # the ink, in photo pixels
    expected = (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
    # fringe: 13 worked px of 4 px (the blurred edge, measured against the paper around it)
    assert np.abs(np.subtract(c.box, expected)).max() <= 52


def test_a_big_jpeg_and_a_small_one_of_the_same_page_give_the_same_digit(reference):
    """A 12 MP photo is decoded at a quarter of its size, a 2 MP one whole and box-averaged:
    the digit comes out the same."""
    page = Image.fromarray(_photo(reference, "ruled")).convert("RGB")
    big = prepare(_encode(page.resize((3024, 4032), Image.BICUBIC), "JPEG", quality=85))
    small = prepare(_encode(page.resize((1200, 1600), Image.BICUBIC), "JPEG", quality=85))
    assert _corr(big, small) > 0.99 and np.abs(big - small).mean() < 0.01
    assert _corr(big, reference) > 0.85


def test_a_48_megapixel_jpeg_is_read_and_a_png_that_size_refused(reference):
    """Phones' 48 MP mode: a JPEG decodes at 1/8 scale, so it is read (and gives the digit
    of the 12 MP photo); a PNG has no such reduction and stays under MAX_PIXELS."""
    from numnet.data.imaging.decode import MAX_JPEG_PIXELS, MAX_PIXELS

    page = Image.fromarray(_photo(reference, "plain")).convert("RGB")
    huge = page.resize((6000, 8000), Image.BILINEAR)
    assert MAX_PIXELS < 6000 * 8000 <= MAX_JPEG_PIXELS
    photo = prepare(_encode(page.resize((3024, 4032), Image.BICUBIC), "JPEG", quality=85))
    assert _corr(prepare(_encode(huge, "JPEG", quality=85)), photo) > 0.99
    with pytest.raises(ImageError, match="too large"):
        prepare(_png_header_only(6000, 8000))


@pytest.mark.parametrize(
    "page, words",
    [
        (np.full((300, 200), 230, np.uint8), "blank"),
        (np.where(np.arange(300)[:, None] % 25 == 0, 140, 235).repeat(200, 1).astype(np.uint8),
         "lines of the paper"),
    ],
    ids=["blank-page", "ruled-page"],
)
def test_pages_without_a_digit_say_why(page, words):
    from numnet.core.errors import NoDigitError

    with pytest.raises(NoDigitError, match=words):
        prepare(page, name="page.png")


def test_too_faint_ink_says_so(reference):
    from numnet.core.errors import NoDigitError

    page = 230 - (_render(reference, 200).astype(np.float64) * 0.12)  # ink 13% darker
    with pytest.raises(NoDigitError, match="too faint"):
        prepare(page.astype(np.uint8))


def test_a_fifo_is_refused_at_once(tmp_path):
    import os

    fifo = tmp_path / "digit.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageError, match="not a regular file"):
        prepare(fifo)


def test_a_thin_pen_stroke_is_thickened_to_mnist_width(reference):
    """A ballpoint draws a stroke a thirtieth of the digit; MNIST's are about an eighth."""
    img = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(img).line([(240, 40), (80, 280), (340, 280)], fill=0, width=6)
    ImageDraw.Draw(img).line([(260, 150), (260, 380)], fill=0, width=6)
    got = prepare(img)
    assert (got > 0.5).sum() > 60  # a 1-px line would light ~40 pixels of the 28x28
    assert _corr(got, reference) > 0.75


def test_the_digit_rule():
    from numnet.data.imaging.verdict import MAX_ASPECT, MAX_FILL, MIN_CONFIDENCE, judge
    from numnet.data.imaging.verdict.rule import SURE

    sure = np.eye(10, dtype=np.float32)[3]
    likely = np.full(10, (1 - 0.9) / 9, np.float32)  # a 3 at 90%: below SURE
    likely[3] = 0.9
    assert judge(0.7, 0.25, sure) is None
    assert "blot" in judge(0.9, MAX_FILL + 0.1, likely)
    assert "line or a smear" in judge(MAX_ASPECT + 0.5, 0.2, likely)
    # the network that sure of a digit: its fill and width do not refuse it
    at_sure = np.full(10, (1 - SURE) / 9, np.float32)
    at_sure[3] = SURE
    assert judge(0.9, MAX_FILL + 0.1, at_sure) is None
    assert judge(MAX_ASPECT + 0.5, 0.2, at_sure) is None
    assert "blot" in judge(0.9, MAX_FILL + 0.1, at_sure, min_confidence=0.0)  # in a number
    unsure = np.full(10, 0.1, np.float32)
    assert "best guess 0 at 10%" in judge(0.7, 0.25, unsure)
    assert judge(0.7, 0.25, unsure, min_confidence=0.0) is None  # ink alone (in a number)
    edge = np.full(10, (1 - MIN_CONFIDENCE) / 9, np.float32)
    edge[5] = MIN_CONFIDENCE + 0.005
    assert judge(0.7, 0.25, edge) is None
    edge[5] = MIN_CONFIDENCE - 0.005
    assert "best guess 5" in judge(0.7, 0.25, edge)
    assert judge(MAX_ASPECT, MAX_FILL, sure) is None  # the limits themselves pass
    # a wide or filled candidate standing in a row of digits as high as itself passes
    assert judge(MAX_ASPECT + 0.5, 0.2, sure, max_aspect=np.inf) is None
    assert "line or a smear" in judge(MAX_ASPECT + 0.5, 0.2, likely, max_aspect=MAX_ASPECT + 0.4)
    assert judge(MAX_ASPECT + 0.5, MAX_FILL + 0.1, sure, max_fill=2.0, max_aspect=np.inf) is None


def test_the_digit_rule_weighs_the_largest_logit():
    """A tangle can read as an 8 at 99% (the softmax only compares the classes); a low
    largest logit says it looks like no digit at all."""
    from numnet.data.imaging.verdict import MIN_EVIDENCE, judge

    sure = np.eye(10, dtype=np.float32)[8]
    assert judge(0.7, 0.25, sure, evidence=MIN_EVIDENCE + 0.1) is None
    assert "like no digit" in judge(0.7, 0.25, sure, evidence=MIN_EVIDENCE - 0.1)
    assert judge(0.7, 0.25, sure, evidence=None) is None  # a model without logits
    assert judge(0.7, 0.25, sure, 0.0, evidence=0.0) is None  # in a number: the ink alone


def test_a_model_with_logits_is_judged_by_them(reference):
    """``read_digit`` asks the shipped model for its logits: the same probabilities with a
    weak largest logit come back as no digit; another model is judged without them."""
    from numnet.data.imaging import find_digits, read_digit
    from numnet.data.imaging.verdict import PLAIN_EVIDENCE, plain

    class Stub:
        def __init__(self, top: float) -> None:
            self.top = top

        def logits(self, x: np.ndarray) -> np.ndarray:
            z = np.full((len(x), 10), -30.0, np.float32)  # a 4, sure, however weak its logit
            z[:, 4] = self.top
            return z

        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            return np.tile(np.eye(10, dtype=np.float32)[4], (len(x), 1))

    img = _render(reference, 200)
    # its smooth, enlarged strokes are plain: held to the plain strokes' floor of the logit
    (candidate,) = find_digits(img).candidates
    assert candidate.shape is not None and plain(candidate.shape)
    assert read_digit(img, Stub(PLAIN_EVIDENCE + 1), shipped=True).number == "4"
    weak = read_digit(img, Stub(PLAIN_EVIDENCE - 1), shipped=True)
    assert weak.number is None and "like no digit" in weak.reason
    assert read_digit(img, Stub(PLAIN_EVIDENCE - 1)).number == "4"  # not the shipped model


def test_the_shipped_rule_reads_probabilities_and_logits_in_one_pass(reference):
    """With the logits weighed, the probabilities are softmax(z / T) of the same pass: the
    model's ``predict_proba`` is not run a second time, and agrees with them."""
    from numnet import load_model
    from numnet.data.imaging import find_digits, read_pages

    model = load_model()
    page = find_digits(_render(reference, 200))
    expected = model.predict_proba(np.stack([c.pixels for c in page.candidates]))

    class OnePass:
        temperature = model.temperature

        def logits(self, x: np.ndarray) -> np.ndarray:
            return model.logits(x)

        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            raise AssertionError("a second forward pass")

    (reading,) = read_pages([page], OnePass(), shipped=True)
    np.testing.assert_allclose(reading.digits[0].probabilities, expected[0], atol=1e-6)
