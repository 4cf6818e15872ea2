"""numnet.data.imaging.verdict.shape on ink drawn here (rings, an 8, a bar, a cross, a disc, a
scribble), and the digit rule's use of it (numnet.data.imaging.verdict)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from numnet.data.imaging import verdict
from numnet.data.imaging.verdict import rule
from numnet.data.imaging.verdict.shape import Shape, measure


def _canvas(side: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("1", (side, side), 0)
    return img, ImageDraw.Draw(img)


def _mask(img: Image.Image) -> np.ndarray:
    return np.asarray(img, bool)


def ring(side: int = 120, stroke: float = 0.1) -> np.ndarray:
    img, d = _canvas(side)
    d.ellipse([2, 2, side - 3, side - 3], outline=1, width=max(1, round(stroke * side)))
    return _mask(img)


def eight(side: int = 120) -> np.ndarray:
    img, d = _canvas(side)
    w, half = round(0.08 * side), side // 2
    d.ellipse([side // 4, 2, 3 * side // 4, half + w // 2], outline=1, width=w)
    d.ellipse([side // 5, half - w // 2, 4 * side // 5, side - 3], outline=1, width=w)
    return _mask(img)


def bar(side: int = 120) -> np.ndarray:
    img, d = _canvas(side)
    d.line([(side // 2, 3), (side // 2, side - 4)], fill=1, width=round(0.1 * side))
    return _mask(img)


def cross(side: int = 120) -> np.ndarray:
    img, d = _canvas(side)
    w = round(0.1 * side)
    d.line([(side // 2, 3), (side // 2, side - 4)], fill=1, width=w)
    d.line([(3, side // 2), (side - 4, side // 2)], fill=1, width=w)
    return _mask(img)


def disc(side: int = 60) -> np.ndarray:
    img, d = _canvas(side)
    d.ellipse([2, 2, side - 3, side - 3], fill=1)
    return _mask(img)


def scribble(seed: int, side: int = 300, steps: int = 40) -> np.ndarray:
    """A random walk of ``steps`` pen strokes (as ``benchmarks/checksets.py`` draws them)."""
    rng = np.random.default_rng(seed)
    walk = rng.normal(0, 0.12 * side, (steps, 2)).cumsum(axis=0)
    walk = (walk - walk.min(axis=0)) / np.ptp(walk, axis=0).max() * (side - 20) + 10
    img, d = _canvas(side)
    d.line([tuple(p) for p in walk], fill=1, width=round(0.025 * side), joint="curve")
    return _mask(img)


def test_a_ring_has_one_loop_and_no_ends():
    s = measure(ring())
    assert (s.loops, s.ends, s.junctions) == (1, 0, 0)
    assert 2.3 < s.length < 3.3  # about pi times its diameter (8-connected pixels counted)
    assert 0.05 < s.width < 0.15


def test_an_eight_has_two_loops_and_a_crossing():
    s = measure(eight())
    assert s.loops == 2 and s.ends == 0
    assert 1 <= s.junctions <= 2  # the waist: one crossing, or two junctions close together


def test_a_bar_is_one_stroke_of_two_ends():
    s = measure(bar())
    assert (s.loops, s.ends, s.junctions) == (0, 2, 0)
    assert 0.8 < s.length <= 1.0


def test_a_cross_has_four_ends_and_one_junction():
    s = measure(cross())
    assert (s.loops, s.ends, s.junctions) == (0, 4, 1)


def test_a_disc_has_no_length_to_speak_of():
    s, bar_ = measure(disc()), measure(bar())
    assert s.length < 0.1 * bar_.length and s.loops == 0
    assert s.width > 4 * bar_.width  # its "stroke" is as wide as the disc


@pytest.mark.parametrize("seed", range(5))
def test_a_scribble_is_a_tangle(seed):
    s = measure(scribble(seed))
    assert s.junctions >= 5 > 2 >= measure(eight()).junctions


@pytest.mark.parametrize("draw", [ring, eight, bar, cross])
def test_the_measures_do_not_depend_on_the_resolution(draw):
    small, big = measure(draw(40)), measure(draw(600))
    assert (small.loops, small.ends, small.junctions) == (big.loops, big.ends, big.junctions)
    assert small.length == pytest.approx(big.length, rel=0.15)


def test_ragged_edges_grow_no_spurs():
    """JPEG noise on a stroke's edge: bumps of a pixel or two are not strokes."""
    rng = np.random.default_rng(0)
    m = bar(200)
    edge = m ^ np.roll(m, 2, axis=1)  # a band along the bar's sides
    noisy = m | (edge & (rng.random(m.shape) < 0.3))
    s = measure(noisy)
    assert (s.ends, s.junctions) == (2, 0)


def test_the_rule_refuses_a_scribble_and_a_dot_and_keeps_digits():
    sure = np.eye(10)[8] * 0.99 + 0.001
    for digit in (ring(), eight(), bar()):
        assert verdict.judge(0.8, 0.2, sure, shape=measure(digit)) is None
    # a dense scribble the network is sure of: its shape (if its measures are limited so
    # far) or its largest logit (thin strokes: held to MIN_EVIDENCE) says it is no digit
    dense = measure(scribble(3, steps=80))  # 18 crossings, 4.7 times as long as it is
    weak = rule.MIN_EVIDENCE - 0.5
    reason = verdict.judge(0.8, 0.2, sure, evidence=weak, shape=dense)
    assert reason is not None and ("scribble" in reason or "like no digit" in reason)
    thick = measure(ring(stroke=0.25))  # plain strokes: held to PLAIN_EVIDENCE instead
    assert verdict.judge(0.8, 0.2, sure, evidence=weak, shape=thick) is None
    assert "blot or a dot" in verdict.judge(1.0, 0.3, sure, shape=measure(disc()))
    # a digit among the digits of a number is judged by its ink statistics alone; no shape
    # measured (28x28 pixels given as they are): not judged by it
    assert verdict.judge(0.8, 0.2, sure, 0.0, evidence=weak, shape=dense) is None
    assert verdict.judge(0.8, 0.2, sure, evidence=weak) is not None


def test_plain_strokes_are_thick_and_simple():
    """Plain: a thick ring (a 0 of a broad pen or enlarged from a few pixels) or bar (a 1);
    not plain: the ring drawn thin, a scribble (many crossings)."""
    assert verdict.plain(measure(ring(stroke=0.25)))
    assert not verdict.plain(measure(ring(stroke=0.04)))
    thick_bar = np.zeros((120, 120), bool)
    thick_bar[4:-4, 45:75] = True
    assert verdict.plain(measure(thick_bar))
    for seed in range(3):
        assert not verdict.plain(measure(scribble(seed)))


def test_plain_strokes_are_held_to_their_own_floors():
    """With a logit and a shape, plain strokes are read from PLAIN_CONFIDENCE and
    PLAIN_EVIDENCE; other ink, the same probabilities and logit, is refused; without a
    logit (another model) or in a number the plain floors are not used."""
    thick, thin = measure(ring(stroke=0.25)), measure(ring(stroke=0.04))
    unsure = np.full(10, 0.0, np.float32)
    unsure[0] = (rule.PLAIN_CONFIDENCE + rule.SHIPPED_CONFIDENCE) / 2
    unsure[1:] = (1 - unsure[0]) / 9  # 0 stays the best guess whatever the floors
    between = (rule.PLAIN_EVIDENCE + rule.MIN_EVIDENCE) / 2
    floor = rule.SHIPPED_CONFIDENCE
    assert verdict.judge(0.9, 0.3, unsure, floor, between, shape=thick) is None
    assert "best guess 0" in verdict.judge(0.9, 0.3, unsure, floor, between, shape=thin)
    low = rule.PLAIN_EVIDENCE - 0.5
    assert "like no digit" in verdict.judge(0.9, 0.3, unsure, floor, low, shape=thick)
    below = np.full(10, (1.01 - rule.PLAIN_CONFIDENCE) / 9, np.float32)
    below[0] = rule.PLAIN_CONFIDENCE - 0.01  # still the best guess, under the plain floor
    assert "best guess 0" in verdict.judge(0.9, 0.3, below, floor, between, shape=thick)
    assert "best guess 0" in verdict.judge(0.9, 0.3, unsure, floor, shape=thick)  # no logit


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        (Shape(2.0, 10, 2, 0, 0.1), "cross or meet in"),
        (Shape(2.0, 0, 10, 0, 0.1), "end in"),
        (Shape(4.0, 0, 2, 0, 0.1), "times as long"),
        (Shape(0.3, 0, 2, 0, 0.1), "blot or a dot"),
        (Shape(1.0, 0, 2, 0, 0.7), "blot or a dot"),
    ],
)
def test_each_shape_limit_gives_its_reason(shape, words, monkeypatch):
    # the limits as a rule with every one of them set (the chosen constants may leave some
    # unlimited, math.inf or 0)
    for name, value in [("MAX_JUNCTIONS", 9), ("MAX_ENDS", 9), ("MAX_LENGTH", 3.2),
                        ("MIN_LENGTH", 0.45), ("MAX_WIDTH", 0.55)]:
        monkeypatch.setattr(rule, name, value)
    sure = np.eye(10)[3] * 0.99 + 0.001
    assert words in verdict.judge(0.8, 0.2, sure, shape=shape)
    at_limits = Shape(rule.MAX_LENGTH, rule.MAX_JUNCTIONS, rule.MAX_ENDS, 2, 0.1)
    assert verdict.judge(0.8, 0.2, sure, shape=at_limits) is None  # the limits pass
