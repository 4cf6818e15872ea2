"""argparse types for numbers with bounds: a value out of range is one clear line, exit 2.

    numnet train: error: argument --lr: must be a positive number, got -0.1
"""

from __future__ import annotations

import argparse
import math


def _parse(text: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def _check(ok: bool, rule: str, text: str) -> None:
    if not ok:
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")


def positive_int(text: str) -> int:
    """An integer >= 1 (epochs, a batch size, hidden units)."""
    value = int(_parse(text, int))
    _check(value >= 1, "at least 1", str(value))
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0 (a seed, an image index)."""
    value = int(_parse(text, int))
    _check(value >= 0, "0 or more", str(value))
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate)."""
    value = float(_parse(text, float))
    _check(math.isfinite(value) and value > 0, "a positive number", text)
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (a distortion strength)."""
    value = float(_parse(text, float))
    _check(math.isfinite(value) and value >= 0, "a number >= 0", text)
    return value


def fraction(text: str) -> float:
    """A number in [0, 1) (the share of training images kept for validation)."""
    value = float(_parse(text, float))
    _check(0 <= value < 1, "at least 0 and below 1", text)
    return value
