"""Model files: flat arrays plus a JSON description, in one ``.npz``; loading never runs code.

A model file is an uncompressed numnet archive (``numnet.files.archive``: a zip of ``.npy``
arrays) holding exactly:

    params  : (P,) float32   the model's flat parameter buffer  (``model.flat.params``)
    buffers : (B,) float32   non-trained state, e.g. BatchNorm running statistics
    meta    : (K,) uint8     UTF-8 JSON: the description below

The description says what the numbers mean (``layout``: which slice of the flat vectors
holds which layer's array, so ``np.load(path)["params"][start:stop].reshape(shape)`` is
that array without numnet)::

    {"format": "numnet-model", "format_version": 1, "numnet_version": "0.1.0",
     "architecture": model.get_config(),            # layer types and their arguments
     "preprocessing": {"input": "pixels / 255, in [0, 1]", "input_shape": [784]},
     "arrays": {"params": {"shape": [P], "dtype": "float32"}, "buffers": {...}},
     "layout": {"params": [{"layer": 0, "type": "Dense", "name": "W", "shape": [784, 256],
                            "start": 0, "stop": 200704}, ...], "buffers": [...]},
     "training": {"epochs": ..., "seed": ..., "final": {...}, "history": {...}, ...},
     "temperature": 1.0}                            # predict_proba's calibration, T

Loading believes nothing it has not checked, in this order: the zip's directory (member
names, compression, sizes: ``numnet.files.archive``); the description (this format, a
version this numnet reads); the sizes P and B in the two arrays' ``.npy`` headers, which
the description's ``arrays`` must list; the architecture (known layer types only, at least
one layer), which ``Sequential.from_config`` checks needs exactly P and B *before* it
allocates; a model ending in the 10 digit classes.  Only then are the two arrays
decompressed, straight into the model's buffers, so loading any file takes about the
memory of the model it really is.  Every refusal is a one-line
:class:`~numnet.core.errors.ModelFileError` naming the file.

The classic network's tutorial pickles (``numnet.tutorial.twolayer.save_params``) load
too: they are recognised by their first byte and read by ``numnet.tutorial.safe_pickle``,
which builds NumPy arrays and plain containers only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from numnet import __version__
from numnet.core.atomic import open_regular_file
from numnet.core.errors import ModelFileError
from numnet.files.archive import Archive, check_format, file_error, write_archive

FORMAT = "numnet-model"
FORMAT_VERSION = 1
PREPROCESSING = {"input": "pixels / 255, in [0, 1]", "dtype": "float32"}
CLASSES = 10  # every numnet model reads digits

_PICKLE_STARTS = b"\x80(}]"  # PROTO (protocols 2-5), MARK, EMPTY_DICT, EMPTY_LIST (0-1)


def description(model: Any, record: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON description saved beside a model's arrays."""
    config = model.get_config()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "numnet_version": __version__,
        "architecture": config,
        "preprocessing": {**PREPROCESSING, "input_shape": list(config["input_shape"])},
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.name}
            for name, a in (("params", model.flat.params), ("buffers", model.flat.buffers))
        },
        "layout": {
            name: [
                {
                    "layer": s.layer,
                    "type": type(model.layers[s.layer]).__name__,
                    "name": s.name,
                    "shape": list(s.shape),
                    "start": s.start,
                    "stop": s.stop,
                }
                for s in slots
            ]
            for name, slots in (
                ("params", model.flat.param_spans),
                ("buffers", model.flat.buffer_spans),
            )
        },
        "training": dict(record or {}),
        # predict_proba's softmax(z / T) (numnet.nn.calibration); 1 = uncalibrated
        "temperature": float(getattr(model, "temperature", 1.0)),
    }


def save(model: Any, path: str | os.PathLike[str], record: Mapping[str, Any] | None = None) -> Path:
    """Save ``model`` to ``path`` atomically; return the path.

    A ``numnet.nn.Sequential`` becomes a ``.npz`` model file (``record``: epochs, seed,
    final metrics, wall time, history ... goes into the description); a
    ``numnet.tutorial.twolayer.TwoLayerClassifier`` becomes the tutorial's pickle.  A model whose
    weights hold NaN or Inf is refused, so a diverged run never replaces a good file.
    """
    from numnet.tutorial.twolayer import TwoLayerClassifier

    if isinstance(model, TwoLayerClassifier):
        return Path(model.save(path))
    b = model.flat
    if not (np.isfinite(b.params).all() and np.isfinite(b.buffers).all()):
        raise file_error(path, "not saved, the model's weights hold NaN or Inf")
    return write_archive(
        path, {"params": b.params, "buffers": b.buffers}, description(model, record)
    )


def _finite(a: np.ndarray) -> bool:
    """No NaN or Inf in ``a``: max and min propagate both, without a temporary array."""
    return a.size == 0 or bool(np.isfinite(a.max()) and np.isfinite(a.min()))


def build_model(path: str | os.PathLike[str], architecture: Any, archive: Archive) -> Any:
    """The ``Sequential`` an archive's architecture describes, its ``params`` / ``buffers``
    read straight into the model's flat buffers.

    The two sizes come from the members' ``.npy`` headers (nothing else is decompressed);
    ``Sequential.from_config`` checks, before allocating, that the architecture needs
    exactly those; the architecture must have layers and end in the 10 digit classes.
    """
    from numnet.nn import Sequential

    if isinstance(architecture, dict) and architecture.get("layers") == []:
        raise file_error(path, "the architecture has no layers; not a model")
    sizes = (archive.flat_size("params"), archive.flat_size("buffers"))
    try:
        model = Sequential.from_config(architecture, initialise=False, sizes=sizes)
    except ModelFileError as e:
        raise file_error(path, str(e)) from None
    if tuple(model.output_shape) != (CLASSES,):
        raise file_error(
            path,
            f"the model's output is {list(model.output_shape)}, not the {CLASSES} digit classes",
        )
    archive.read_into("params", model.flat.params)
    archive.read_into("buffers", model.flat.buffers)
    if not (_finite(model.flat.params) and _finite(model.flat.buffers)):
        raise file_error(path, "weights hold NaN or Inf; the model is broken")
    return model


#: the model numnet ships (``numnet train --arch digits``, see the README), package data
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "models" / "digits.npz"


def load_model(path: str | os.PathLike[str] | None = None) -> Any:
    """``load(path)``; with no path, the model that ships with numnet (``SHIPPED_MODEL``)."""
    if path is not None:
        return load(path)
    if not SHIPPED_MODEL.is_file():
        raise ModelFileError(
            f"this numnet was installed without its model ({SHIPPED_MODEL} is missing); "
            "give a model file (--model MODEL), e.g. one made by 'numnet train'"
        )
    return load(SHIPPED_MODEL)


def load(path: str | os.PathLike[str]) -> Any:
    """Load a model: ``.npz`` -> ``nn.Sequential``; tutorial pickle -> ``TwoLayerClassifier``.

    Raises :class:`ModelFileError` (one line, naming the file) for anything that is not a
    sound numnet model; never unpickles arbitrary objects and never runs code from the file.
    """
    path = Path(path)
    with open_regular_file(path, ModelFileError, "a model file") as f:
        first = f.read(1)
    if first and first in _PICKLE_STARTS:
        from numnet.tutorial.twolayer import TwoLayerClassifier

        try:
            return TwoLayerClassifier.load(path)
        except ModelFileError as e:  # the parameter checks may quote keys at length
            raise ModelFileError(" ".join(str(e).split())[:300]) from None
    with Archive(path, "model") as archive:
        meta = archive.meta()
        check_format(path, meta, FORMAT, FORMAT_VERSION)
        archive.require({"params", "buffers"})
        declared = meta.get("arrays")
        for name in ("params", "buffers"):
            entry = declared.get(name) if isinstance(declared, dict) else None
            found = {"shape": [archive.flat_size(name)], "dtype": "float32"}
            if entry != found:
                raise file_error(
                    path,
                    f"array {name!r} is float32{found['shape']} but the description lists "
                    f"{entry}; the file was altered or is damaged",
                )
        model = build_model(path, meta.get("architecture"), archive)
    model.description = meta
    temperature = meta.get("temperature", 1.0)  # files from before calibration: 1
    number = isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
    if not (number and 0 < temperature < math.inf):
        raise file_error(path, f"temperature {temperature!r} is not a positive number")
    model.temperature = float(temperature)
    return model


def describe(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The description of a ``.npz`` model file (architecture, training record ...), checked;
    its arrays are not read."""
    with Archive(path, "model") as archive:
        meta = archive.meta()
    check_format(path, meta, FORMAT, FORMAT_VERSION)
    return meta
