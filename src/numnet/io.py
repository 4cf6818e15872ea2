"""Model files: flat arrays plus a JSON description, in one ``.npz``; loading never runs code.

A model file is an uncompressed numnet archive (``numnet.archive``: a zip of ``.npy``
arrays) holding exactly:

    params  : (P,) float32   the model's flat parameter buffer  (``model.bound.params``)
    buffers : (B,) float32   non-trained state, e.g. BatchNorm running statistics
    meta    : (K,) uint8     UTF-8 JSON: the description below

The description says what the numbers mean::

    {"format": "numnet-model", "format_version": 1, "numnet_version": "0.1.0",
     "architecture": model.get_config(),            # layer types and their arguments
     "preprocessing": {"input": "pixels / 255, in [0, 1]", "input_shape": [784]},
     "arrays": {"params": {"shape": [P], "dtype": "float32"}, "buffers": {...}},
     "training": {"epochs": ..., "seed": ..., "final": {...}, "history": {...}, ...}}

Loading believes nothing it has not checked, in this order: the zip's directory (member
names, compression, sizes: ``numnet.archive``); the description alone (this format, a
version this numnet reads, known layer types only, at least one layer, an architecture
that builds and ends in 10 classes); from the architecture, the exact sizes P and B, which
the description's ``arrays`` and the members' declared sizes must match.  Only then is the
model allocated and its two arrays decompressed straight into its buffers, so loading any
file takes about the memory of the model it really is.  Every refusal is a one-line
:class:`~numnet.errors.ModelFileError` naming the file.

The classic network's tutorial pickles (``numnet.twolayer.save_params``) load too: they are
recognised by their first byte and read by ``numnet.safe_pickle``, which builds NumPy
arrays and plain containers only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from numnet import __version__
from numnet.archive import Archive, check_format, file_error, one_line, write_archive
from numnet.atomic import open_regular_file
from numnet.errors import ModelFileError

FORMAT = "numnet-model"
FORMAT_VERSION = 1
PREPROCESSING = {"input": "pixels / 255, in [0, 1]", "dtype": "float32"}
CLASSES = 10  # every numnet model reads digits

_PICKLE_STARTS = b"\x80(}]"  # PROTO (protocols 2-5), MARK, EMPTY_DICT, EMPTY_LIST (0-1)


# --------------------------------------------------------------------------- models


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
            for name, a in (("params", model.bound.params), ("buffers", model.bound.buffers))
        },
        "training": dict(record or {}),
    }


def save(model: Any, path: str | os.PathLike[str], record: Mapping[str, Any] | None = None) -> Path:
    """Save ``model`` to ``path`` atomically; return the path.

    A ``numnet.nn.Sequential`` becomes a ``.npz`` model file (``record``: epochs, seed,
    final metrics, wall time, history ... goes into the description); a
    ``numnet.twolayer.TwoLayerClassifier`` becomes the tutorial's pickle.  A model whose
    weights hold NaN or Inf is refused, so a diverged run never replaces a good file.
    """
    from numnet.twolayer import TwoLayerClassifier

    if isinstance(model, TwoLayerClassifier):
        return Path(model.save(path))
    b = model.bound
    if not (np.isfinite(b.params).all() and np.isfinite(b.buffers).all()):
        raise file_error(path, "not saved, the model's weights hold NaN or Inf")
    return write_archive(
        path, {"params": b.params, "buffers": b.buffers}, description(model, record)
    )


def _check_architecture(path: Path, arch: Any) -> tuple[list[Any], tuple[int, ...]]:
    """The layers a description names (registry types only, at least one), the input shape."""
    from numnet.nn import LAYERS

    if not isinstance(arch, dict) or not isinstance(arch.get("layers"), list):
        raise file_error(path, "description has no architecture (layers list)")
    if not arch["layers"]:
        raise file_error(path, "the architecture has no layers; not a model")
    shape = arch.get("input_shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(
            isinstance(s, int) and not isinstance(s, bool) and 0 < s < 1 << 24 for s in shape
        )
    ):
        raise file_error(path, f"invalid input shape {shape!r}")
    layers = []
    for spec in arch["layers"]:
        if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
            raise file_error(path, "invalid layer description")
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in LAYERS:
            known = ", ".join(sorted(LAYERS))
            raise file_error(path, f"unknown layer type {kind!r} (known: {known})")
        try:
            layers.append(LAYERS[kind](**spec.get("config", {})))
        except Exception as e:  # the layer's own argument checks, on values from the file
            raise file_error(path, f"invalid {kind} layer ({one_line(e)})") from None
    return layers, tuple(shape)


class Plan:
    """What a description's architecture needs, computed without allocating: its layers,
    input shape, and the number of parameters P and buffer values B."""

    def __init__(self, path: str | os.PathLike[str], architecture: Any) -> None:
        self.path = Path(path)
        self.layers, self.input_shape = _check_architecture(self.path, architecture)
        shape, self.n_params, self.n_buffers = self.input_shape, 0, 0
        try:
            for layer in self.layers:
                shape = layer.build(shape)
                self.n_params += sum(math.prod(s) for s in layer.param_shapes().values())
                self.n_buffers += sum(math.prod(s) for s in layer.buffer_shapes().values())
        except Exception as e:  # shapes that do not fit together
            raise file_error(path, f"architecture does not build ({one_line(e)})") from None
        if tuple(shape) != (CLASSES,):
            raise file_error(
                path, f"the model's output is {list(shape)}, not the {CLASSES} digit classes"
            )

    def build(self, archive: Archive) -> Any:
        """A ``Sequential`` of these layers, its ``params`` / ``buffers`` read from
        ``archive`` straight into its buffers (one allocation of the model's size)."""
        from numnet.nn import Sequential

        try:
            model = Sequential(self.layers, input_shape=self.input_shape, init=False)
        except Exception as e:  # e.g. an initialiser name the layer only checks when it builds
            raise file_error(self.path, f"architecture does not build ({one_line(e)})") from None
        b = model.bound
        if (b.params.size, b.buffers.size) != (self.n_params, self.n_buffers):
            raise file_error(self.path, "architecture does not build (sizes differ)")
        archive.read_into("params", b.params)
        archive.read_into("buffers", b.buffers)
        if not all(_finite(a) for a in (b.params, b.buffers)):
            raise file_error(self.path, "weights hold NaN or Inf; the model is broken")
        return model


def _finite(a: np.ndarray) -> bool:
    """No NaN or Inf in ``a``: max and min propagate both, without a temporary array."""
    return a.size == 0 or bool(np.isfinite(a.max()) and np.isfinite(a.min()))


def load(path: str | os.PathLike[str]) -> Any:
    """Load a model: ``.npz`` -> ``nn.Sequential``; tutorial pickle -> ``TwoLayerClassifier``.

    Raises :class:`ModelFileError` (one line, naming the file) for anything that is not a
    sound numnet model; never unpickles arbitrary objects and never runs code from the file.
    """
    path = Path(path)
    with open_regular_file(path, ModelFileError, "a model file") as f:
        first = f.read(1)
    if first and first in _PICKLE_STARTS:
        from numnet.twolayer import TwoLayerClassifier

        try:
            return TwoLayerClassifier.load(path)
        except ModelFileError as e:  # the parameter checks may quote keys at length
            raise ModelFileError(" ".join(str(e).split())[:300]) from None
    with Archive(path, "model") as archive:
        meta = archive.meta()
        check_format(path, meta, FORMAT, FORMAT_VERSION)
        plan = Plan(path, meta.get("architecture"))
        archive.require({"params", "buffers"})
        declared = meta.get("arrays")
        for name, n in (("params", plan.n_params), ("buffers", plan.n_buffers)):
            entry = declared.get(name) if isinstance(declared, dict) else None
            if entry != {"shape": [n], "dtype": "float32"}:
                raise file_error(
                    path,
                    f"the description lists array {name!r} as {entry} but the architecture "
                    f"needs float32[{n}]; the file was altered or is damaged",
                )
        model = plan.build(archive)
    model.description = meta
    return model


def describe(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The description of a ``.npz`` model file (architecture, training record ...), checked;
    its arrays are not read."""
    with Archive(path, "model") as archive:
        meta = archive.meta()
    check_format(path, meta, FORMAT, FORMAT_VERSION)
    return meta
