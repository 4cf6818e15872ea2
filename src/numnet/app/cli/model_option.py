"""``--model MODEL``: the model a command uses, by default the one that ships with numnet.

Every command that reads a model (``predict``, ``read``, ``evaluate``, ``show``, ``serve``) declares
the option with ``add_model_option`` and loads with ``numnet.files.model_file.load_model``,
which without a file gives
``numnet.files.model_file.SHIPPED_MODEL`` (made by ``numnet train --arch digits``).  The
older forms with the model as the first positional argument still work: ``pick`` takes a
positional model file and ``--model`` and refuses both at once.
"""

from __future__ import annotations

import argparse
from typing import Any

from numnet.core.errors import NumnetError

#: what a model file's name ends with (``numnet train`` writes .npz, the tutorial .pkl)
MODEL_SUFFIXES = (".npz", ".pkl")

SHIPPED_NAME = "the model numnet ships (numnet/models/digits.npz)"


def add_model_option(p: argparse.ArgumentParser, **kwargs: Any) -> None:
    """Declare ``--model MODEL`` on the subcommand ``p`` (extra ``add_argument`` arguments)."""
    p.add_argument(
        "--model",
        metavar="MODEL",
        help="model file (.npz from 'numnet train', or a twolayer .pkl); "
        "default: the model that ships with numnet",
        **kwargs,
    )


def pick(positional: str | None, option: str | None) -> str | None:
    """The model file given either way, or None for the shipped one."""
    if positional is not None and option is not None:
        raise NumnetError(f"two models given ({positional} and --model {option}); give one")
    return option if positional is None else positional


def split_model(inputs: list[str], option: str | None) -> tuple[str | None, list[str]]:
    """``numnet predict [MODEL] IMAGE...``: (model file or None, image files).

    The first of ``inputs`` is the model when its name ends in .npz or .pkl (no image
    format does) and more files follow it.
    """
    if inputs[0].lower().endswith(MODEL_SUFFIXES):
        if len(inputs) == 1:
            raise NumnetError(f"{inputs[0]} is a model file; give the images to read after it")
        return pick(inputs[0], option), inputs[1:]
    return option, inputs


def display_name(path: str | None) -> str:
    """How to name the model in messages and JSON."""
    return SHIPPED_NAME if path is None else str(path)
