"""The errors numnet raises for bad input.

Every one of them carries a single line meant for a person; the command line prints it as
``numnet: error: <message>`` and exits with status 2, never with a traceback.
"""

from __future__ import annotations


class NumnetError(Exception):
    """Base class: a problem with the user's input, explained in one line."""


class DataError(NumnetError):
    """A dataset file is missing, corrupt, or not what it claims to be."""


class ModelFileError(NumnetError):
    """A model or parameter file cannot be loaded safely."""


class ImageError(NumnetError):
    """An image file cannot be turned into a digit."""


class DivergenceError(NumnetError):
    """Training produced NaN or Inf."""


class NoDigitError(ImageError):
    """An image was read but holds no digit (blank, too faint, only the paper's lines)."""
