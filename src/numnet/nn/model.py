"""``Sequential``: a stack of layers with the methods Keras users know.

    model = Sequential([Dense(128, activation="relu"), Dense(10, activation="softmax")],
                       input_shape=(784,), seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=10, batch_size=128, validation_split=0.1)
    model.evaluate(x_test, y_test)          # (loss, accuracy)
    probs = model.predict(x_test[:5])       # (5, 10) float32, rows sum to 1
    labels = np.argmax(probs, axis=1)       # or model.predict_classes(x_test[:5])
    model.save("mlp.npz");  numnet.load_model("mlp.npz")

What ``predict`` returns: the model's outputs.  A model trained with cross-entropy (every
numnet classifier: the default loss) is a softmax classifier, and its outputs are class
probabilities (n, k): numnet keeps the softmax with the loss while training (fused, stable)
and applies it here, whether the last layer is written ``Dense(10)`` or, as in Keras,
``Dense(10, activation="softmax")``.  With another loss (mean squared error) ``predict``
returns the last layer's outputs as they are.

The model is built at construction: ``bind_layers`` builds every layer once and gives it
views into one flat float32 parameter buffer (``model.flat.params``) and one gradient buffer
(``model.flat.grads``).
``model.rng`` (seeded by ``seed``) initialises the weights and then draws the Dropout masks;
the shuffles and augmentations are seeded by (seed, epoch, step), so one seed fixes a whole run.

Inputs: images (n, 28, 28), (n, 784), (n, 1, 28, 28) or (n, 28, 28, 1); uint8 is scaled by
1/255, floats are taken as they are.  Inside, images are channels-first, (c, h, w); a model
built for channels-last images (``input_shape=(28, 28, 1)``, Keras' default, or
``data_format="channels_last"``) stores that inner shape and converts its inputs once, in
``prepare`` (for one channel that is a free reshape).  Each input is reshaped to
(n, *input_shape) without a copy when it is already contiguous float32.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numnet.core.errors import DataError, ModelFileError
from numnet.nn.engine import fastpath
from numnet.nn.engine.threads import blas_threads
from numnet.nn.engine.workers import resolve_threads
from numnet.nn.functional import accuracy, count_correct
from numnet.nn.layer import (
    Layer,
    Shape,
    SizeMismatchError,
    backward_all,
    bind_layers,
    forward_all,
)
from numnet.nn.layers.dense import Dense
from numnet.nn.losses import Loss, SoftmaxCrossEntropy, get_loss
from numnet.nn.optim import Optimizer, get_optimizer
from numnet.nn.parallel import InferenceTeam
from numnet.nn.training import fit

DATA_FORMATS = ("channels_first", "channels_last")
_FLOAT32, _UINT8 = np.dtype(np.float32), np.dtype(np.uint8)  # one object each: `is` compares
#: names ``compile(metrics=...)`` accepts; all mean the accuracy numnet always records
ACCURACY_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


@dataclass(frozen=True)
class Input:
    """Keras' ``Input(shape=...)`` as the first entry of a layer list: the input shape."""

    shape: Shape


def _inner_shape(shape: Shape, data_format: str | None) -> tuple[Shape, str]:
    """(shape inside, data format) for a per-sample input shape as the user gave it.

    ``data_format`` None decides from the shape: (h, w, c) with at most 4 channels, fewer
    than rows, is channels-last ((28, 28, 1), (32, 32, 3)); anything else channels-first.
    """
    shape = tuple(int(d) for d in shape)
    if data_format is None:
        last = len(shape) == 3 and shape[2] <= 4 and shape[2] < shape[0]
        data_format = "channels_last" if last else "channels_first"
    if data_format not in DATA_FORMATS:
        raise ValueError(f"data_format must be one of {DATA_FORMATS}, not {data_format!r}")
    if data_format == "channels_last":
        if len(shape) != 3:
            raise ValueError(f"channels_last needs an (h, w, c) input shape, got {shape}")
        h, w, c = shape
        shape = (c, h, w)
    return shape, data_format


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _softmax_rows(z: NDArray[Any], out: NDArray[Any], inv_t: np.float32) -> NDArray[Any]:
    """out = softmax(z / T) along axis 1 (inv_t = 1 / T), z and out (n, k); out may be z."""
    np.subtract(z, z.max(axis=1, keepdims=True), out=out)
    out *= inv_t
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


class Sequential:
    """Layers applied one after the other; see the module docstring.

    layers      : the layers, optionally preceded by ``Input(shape)``
    input_shape : one sample's shape (no batch axis): (784,), (1, 28, 28), (28, 28, 1) ...
    seed        : initialises the weights; fixes every random draw of training
    data_format : "channels_first", "channels_last" or None (decided from ``input_shape``)
    initialise  : False leaves the weights at zero and draws nothing (for loading)
    sizes       : (parameters, buffer values) the caller holds, checked before allocating
    """

    def __init__(self, layers: Sequence[Layer | Input], input_shape: Shape = (784,),
                 seed: int = 0, data_format: str | None = None, *, initialise: bool = True,
                 sizes: tuple[int, int] | None = None) -> None:
        items = list(layers)
        first = items[0] if items else None
        if isinstance(first, Input):
            input_shape = first.shape
            del items[0]
        # only the first entry may be an Input: the rest are the layers
        self.layers = cast(list[Layer], items)
        self.input_shape, self.data_format = _inner_shape(input_shape, data_format)
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        #: the softmax's temperature T: probabilities are softmax(z / T) (1 unless
        #: calibrated, see ``numnet.nn.calibration``)
        self.temperature = 1.0
        self.flat, self.output_shape = bind_layers(
            self.layers, self.input_shape, self.rng if initialise else None, sizes=sizes
        )
        self.output_shapes = [layer.output_shape for layer in self.layers]
        for layer in self.layers:
            if layer.uses_rng:
                layer.rng = self.rng
        # Backpropagation stops at the first layer that learns: nothing reads its input gradient.
        learns = [i for i, layer in enumerate(self.layers) if layer.param_shapes()]
        self._first = learns[0] if learns else len(self.layers)
        if learns:
            self.layers[self._first].input_grad = False
        #: the model file's description when the model was loaded from one (else empty)
        self.description: dict[str, Any] = {}
        self._size = math.prod(self.input_shape)
        # Images per forward pass in predict/evaluate.  Convolutions copy every input pixel
        # kh*kw times (im2col): 1,000 images would need several hundred MB of work arrays,
        # while 128 reuses the training batch's arrays and runs faster (they stay in cache).
        self.predict_batch_size = 128 if any(len(s) == 3 for s in self.output_shapes) else 1000
        self.optimizer: Optimizer | None = None  # set by compile
        self.loss = SoftmaxCrossEntropy()

    # -- the loss decides what the outputs are ------------------------------------------
    @property
    def loss(self) -> Loss:
        """The loss ``fit`` minimises and ``evaluate`` reports (cross-entropy by default).

        Setting it (a Loss or a name) also settles a last ``Dense(k, activation="softmax")``:
        under cross-entropy it hands its logits to the loss (``Dense.logits``)."""
        return self._loss

    @loss.setter
    def loss(self, loss: str | Loss) -> None:
        self._loss = get_loss(loss)
        self.softmax_output = isinstance(self._loss, SoftmaxCrossEntropy)
        last = self.layers[-1] if self.layers else None
        if isinstance(last, Dense) and last.activation == "softmax":
            last.logits = self.softmax_output
        self._plan_flat: object = None  # the settings above decide the plan: plan anew
        self._plan_steps()
        self._teams: dict[int, InferenceTeam] = {}  # replicas copy the layers' settings

    def compile(self, optimizer: str | Optimizer = "adam",
                loss: str | Loss = "sparse_categorical_crossentropy",
                metrics: Sequence[str] | None = None) -> None:
        """Choose what ``fit`` uses, as Keras' ``compile``.

        optimizer : "adam", "adamw", "sgd" or an Optimizer (``numnet.nn.Adam(lr=...)``); it
                    keeps its state (moments, step count) across later ``fit`` calls
        loss      : "sparse_categorical_crossentropy" (integer labels),
                    "categorical_crossentropy" (one-hot rows), "mse" or a Loss
        metrics   : accuracy under any of its Keras names (numnet always records it)
        """
        unknown = [m for m in metrics or () if m not in ACCURACY_NAMES]
        if unknown:
            raise ValueError(f"unknown metric {unknown[0]!r}; numnet records the accuracy"
                             f" ({', '.join(ACCURACY_NAMES)})")
        self.optimizer = get_optimizer(optimizer)
        self.loss = loss

    # -- the two passes --------------------------------------------------------------
    def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
        """x : (n, *input_shape) float32 -> last layer's outputs (n, *output_shape), logits
        for a softmax classifier (a reused array)."""
        return forward_all(self.layers, x, training)

    def backward(self, grad: NDArray[Any]) -> None:
        """Fill ``flat.grads`` from dL/d(outputs), layer by layer from the top, down to the
        first layer that learns (``input_grad`` False)."""
        backward_all(self.layers[self._first :], grad)

    # -- training ----------------------------------------------------------------------
    #: ``model.fit(x, y, batch_size=128, epochs=10, verbose=1, callbacks=(), ...)``: the
    #: loop of ``numnet.nn.training``, whose docstring lists every parameter
    fit = fit

    # -- inference ---------------------------------------------------------------------
    def prepare(self, x: ArrayLike) -> NDArray[np.float32]:
        """Images -> (n, *input_shape) float32; uint8 scaled by 1/255; no copy when possible.

        A channels-last model takes (n, h, w, c) (or any flat form of it) and sees it as
        (n, c, h, w): a reshape for one channel, a transposed view for more."""
        a = np.asarray(x)
        if a.dtype == np.uint8:
            a = np.multiply(a, np.float32(1 / 255), dtype=np.float32)
        elif a.dtype != np.float32:
            a = a.astype(np.float32)
        if a.ndim < 1 or math.prod(a.shape[1:]) != math.prod(self.input_shape):
            raise DataError(
                f"inputs of shape {a.shape} do not fit this model, which takes batches of"
                f" {self._edge_shape(self.input_shape)} (e.g. (n, 28, 28), (n, 784),"
                " (n, 1, 28, 28) or (n, 28, 28, 1) images)"
            )
        if self.data_format == "channels_last" and self.input_shape[0] > 1:
            c, h, w = self.input_shape
            nchw: NDArray[np.float32] = a.reshape(len(a), h, w, c).transpose(0, 3, 1, 2)
            return nchw
        return a.reshape(len(a), *self.input_shape)

    def _edge_shape(self, shape: Shape) -> Shape:
        """A shape inside (c, h, w) as the model's users see it ((h, w, c) if channels-last)."""
        if self.data_format == "channels_last" and len(shape) == 3:
            return (shape[1], shape[2], shape[0])
        return shape

    def _plan_steps(self) -> fastpath.Plan | None:
        """``fastpath``'s plan for this model's layers and buffers, None unless it is a plain
        MLP; planned again when buffers were bound anew (their views changed)."""
        if self._plan_flat is not self.flat:
            self._plan = fastpath.plan(self.layers)
            self._plan_flat = self.flat
        return self._plan

    def _one(self, x: ArrayLike) -> NDArray[np.float32] | None:
        """Outputs (k,) of a single float32 or uint8 sample through ``fastpath.run``, or
        None when that path does not apply (not one sample, other dtypes, not a plain MLP)."""
        plan = self._plan_steps()
        if plan is None or not (isinstance(x, np.ndarray) and x.ndim > 1 and len(x) == 1
                                and x.size == self._size):
            return None
        if x.dtype is _FLOAT32:
            return fastpath.run(plan, x if x.ndim == 2 else x.reshape(1, -1))
        if x.dtype is _UINT8:  # as prepare scales it
            return fastpath.run(plan, np.multiply(x.reshape(1, -1), np.float32(1 / 255),
                                                  dtype=np.float32))
        return None

    def _rows(self, x: NDArray[np.float32]) -> NDArray[Any]:
        """``forward(x)`` at inference, through ``fastpath.run_rows`` for a plain MLP (the
        same bits, less work); the outputs are reused arrays."""
        plan = self._plan_steps()
        return self.forward(x) if plan is None else fastpath.run_rows(plan, x, self)

    def _each_batch(self, x: NDArray[np.float32], batch_size: int | None, threads: int | None,
                    fn: Callable[[int, slice, NDArray[Any]], None]) -> None:
        """``fn(i, rows, outputs)`` for batch i of ``x`` (``rows`` its slice), computed by
        ``threads`` workers (None or 0: every core; ``numnet.nn.parallel``) with one BLAS
        thread each: several batches at once, each exactly as one thread computes it, so
        the outputs do not depend on the thread count.  Inputs of one batch or less are
        one forward pass in this thread, the BLAS left as it is.  ``fn`` runs in the
        worker's thread, on disjoint rows."""
        batch_size = batch_size or self.predict_batch_size
        if len(x) <= batch_size:  # one image from the web page: no slicing
            fn(0, slice(None), self._rows(x))
            return
        k = min(resolve_threads(threads), math.ceil(len(x) / batch_size))
        with blas_threads(1):  # one core per worker, and the same products for any k
            if k == 1:
                for i in range(0, len(x), batch_size):
                    fn(i // batch_size, slice(i, i + batch_size), self._rows(x[i : i + batch_size]))
                return
            plan = self._plan_steps()
            team = self._teams.get(k)
            if team is None or team.flat is not self.flat:  # new buffers: new views
                team = self._teams[k] = InferenceTeam(self, k, plan)
            team.map(x, batch_size, fn)

    def _outputs(self, x: ArrayLike, batch_size: int | None, softmax: bool,
                 threads: int | None = None) -> NDArray[np.float32]:
        """The last layer's outputs z (n, *output_shape) float32 in a new array, or, with
        ``softmax``, softmax(z / temperature) of each row."""
        z = self._one(x)
        if z is not None:
            if not softmax:
                row: NDArray[np.float32] = z[None].copy()
                return row
            # the softmax of one row, as cheap as it gets
            p: NDArray[np.float32] = np.subtract(z, z[z.argmax()])[None]
            p *= np.float32(1 / self.temperature)
            np.exp(p, out=p)
            p /= np.add.reduce(p, axis=1)
            return p
        xs = self.prepare(x)
        out = np.empty((len(xs), *self.output_shape), np.float32)
        inv_t = np.float32(1 / self.temperature)

        def keep(i: int, sl: slice, z: NDArray[Any]) -> None:
            if softmax:
                _softmax_rows(z, out[sl], inv_t)
            else:
                out[sl] = z

        self._each_batch(xs, batch_size, threads, keep)
        return out

    def logits(self, x: ArrayLike, batch_size: int | None = None, *,
               threads: int | None = None) -> NDArray[np.float32]:
        """The outputs z (n, k) float32 before the softmax (batches as in ``predict``)."""
        return self._outputs(x, batch_size, softmax=False, threads=threads)

    def predict(
        self, x: ArrayLike, batch_size: int | None = None, verbose: int = 0, *,
        threads: int | None = None,
    ) -> NDArray[np.float32]:
        """The model's outputs for images ``x``: class probabilities (n, k) float32 for a
        softmax classifier (see the module docstring; softmax(z / temperature), the
        temperature 1 unless calibrated), else the last layer's outputs.

        Labels: ``np.argmax(model.predict(x), axis=1)`` or ``predict_classes(x)``.  Computed
        ``batch_size`` images at a time; None means ``predict_batch_size`` (1,000, or 128
        for models with convolutions, which need far more work memory per image).
        ``verbose`` is accepted for Keras' sake; prediction shows no progress.  ``threads``:
        workers that compute batches at once (None or 0: every core this process may use;
        the outputs are the same for any count); one image takes the one-image path.
        """
        return self._outputs(x, batch_size, softmax=self.softmax_output, threads=threads)

    def predict_proba(self, x: ArrayLike, batch_size: int | None = None, *,
                      threads: int | None = None) -> NDArray[np.float32]:
        """Class probabilities (n, k) float32 (scikit-learn's name): ``predict`` for a softmax
        classifier or a softmax output layer, else the softmax of the outputs."""
        last = self.layers[-1] if self.layers else None
        probabilities = isinstance(last, Dense) and last.activation == "softmax"
        return self._outputs(x, batch_size, softmax=self.softmax_output or not probabilities,
                             threads=threads)

    def predict_classes(self, x: ArrayLike, batch_size: int | None = None, *,
                        threads: int | None = None) -> NDArray[np.int64]:
        """Predicted labels (n,) int64: the largest output of each row, which is
        ``np.argmax(predict(x), axis=1)`` without computing the softmax."""
        z = self._one(x)
        if z is not None:
            label: NDArray[np.int64] = z.argmax(0, keepdims=True)  # (1,), a new array
            return label
        xs = self.prepare(x)
        out = np.empty(len(xs), np.int64)

        def labels(i: int, sl: slice, z: NDArray[Any]) -> None:
            np.argmax(z, axis=1, out=out[sl])

        self._each_batch(xs, batch_size, threads, labels)
        return out

    def evaluate(
        self, x: ArrayLike, y: ArrayLike, batch_size: int | None = None, verbose: int = 0,
        return_dict: bool = False, loss: str | Loss | None = None, *,
        threads: int | None = None,
    ) -> Any:
        """(mean loss, accuracy) on ``x``, ``y`` (labels or one-hot rows), or
        {"loss": ..., "accuracy": ...} with ``return_dict``; the loss is the model's
        (``compile``'s, else cross-entropy) unless ``loss`` names another."""
        z = self.logits(x, batch_size, threads=threads)
        return self.score_outputs(z, y, batch_size, return_dict=return_dict, loss=loss)

    def score_outputs(
        self, z: ArrayLike, y: ArrayLike, batch_size: int | None = None,
        return_dict: bool = False, loss: str | Loss | None = None,
    ) -> Any:
        """``evaluate`` from outputs z = ``logits(x)`` (n, k) already computed: (mean loss,
        accuracy) for labels ``y``, the loss of each batch of ``batch_size`` rows (as
        ``evaluate`` batches) added in batch order."""
        z, y = np.asarray(z, np.float32), np.asarray(y)
        loss_fn = self.loss if loss is None else get_loss(loss)
        step = batch_size or self.predict_batch_size
        total, correct = 0.0, 0
        for lo in range(0, len(z), step):
            zb, yb = z[lo : lo + step], y[lo : lo + step]
            total += loss_fn.forward(zb, yb) * len(yb)
            correct += count_correct(zb, yb)
        n = max(len(z), 1)
        result = (total / n, correct / n)
        return dict(zip(("loss", "accuracy"), result, strict=True)) if return_dict else result

    def score(self, x: ArrayLike, y: ArrayLike) -> float:
        """Accuracy, as scikit-learn's ``score``."""
        return accuracy(self.predict_classes(x), y)

    # -- weights -----------------------------------------------------------------------
    def _weight_views(self) -> list[NDArray[Any]]:
        """Every parameter and buffer, layer by layer (a layer's parameters, then its
        buffers: Keras' order, e.g. BatchNorm gamma, beta, moving mean, moving variance)."""
        slots = [(s, self.flat.params) for s in self.flat.param_spans]
        slots += [(s, self.flat.buffers) for s in self.flat.buffer_spans]
        slots.sort(key=lambda item: item[0].layer)  # stable: parameters before buffers
        return [flat[s.start : s.stop].reshape(s.shape) for s, flat in slots]

    def get_weights(self) -> list[NDArray[Any]]:
        """Copies of all weights as a list of arrays, in ``set_weights``' order."""
        return [w.copy() for w in self._weight_views()]

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Copy ``weights`` (as ``get_weights`` returns them) into the model's buffers."""
        views = self._weight_views()
        if len(weights) != len(views):
            raise ValueError(f"this model has {len(views)} weight arrays, got {len(weights)}")
        arrays = [np.asarray(w) for w in weights]
        for i, (view, w) in enumerate(zip(views, arrays, strict=True)):
            if w.shape != view.shape:
                raise ValueError(f"weight {i} must be of shape {view.shape}, got {w.shape}")
        for view, w in zip(views, arrays, strict=True):
            np.copyto(view, w, casting="same_kind")

    def save(self, path: Any, record: dict[str, Any] | None = None) -> Any:
        """Save to a numnet model file (``numnet.files.model_file.save``: atomic); returns the
        path.  ``numnet.load_model(path)`` reads it back."""
        from numnet.files.model_file import save  # model files sit above the layer library

        return save(self, path, record)

    # -- pickling: the architecture and the flat arrays, never the work arrays -----------
    def __getstate__(self) -> dict[str, Any]:
        return {
            "layers": [(type(layer), layer.get_config()) for layer in self.layers],
            "input_shape": self._edge_shape(self.input_shape),
            "data_format": self.data_format,
            "seed": self.seed,
            "params": self.flat.params,
            "buffers": self.flat.buffers,
            "rng": self.rng.bit_generator.state,
            "loss": (type(self.loss), self.loss.get_config()),
            "optimizer": self.optimizer,
            "extra": {k: v for k, v in self.__dict__.items()
                      if k in ("description", "predict_batch_size", "temperature")},
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        layers = [kind(**config) for kind, config in state["layers"]]
        self.__init__(layers, state["input_shape"], state["seed"],  # type: ignore[misc]
                      state["data_format"], initialise=False)
        # copies: arrays read back from a read-only memory map stay untouched
        np.copyto(self.flat.params, state["params"])
        np.copyto(self.flat.buffers, state["buffers"])
        self.rng.bit_generator.state = state["rng"]
        kind, config = state["loss"]
        self.loss = kind(**config)
        self.optimizer = opt = state["optimizer"]
        if opt is not None:  # attached again at the next fit; its arrays must be writable
            for name, value in vars(opt).items():
                if isinstance(value, np.ndarray) and not value.flags.writeable:
                    setattr(opt, name, value.copy())
            opt.flat = None
        self.__dict__.update(state["extra"])

    # -- description -------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """JSON-able architecture: {"input_shape": [...], "layers": [{"type", "config"}, ...]}
        with the inner (channels-first) input shape, plus "data_format": "channels_last" for
        a model that takes channels-last images."""
        config: dict[str, Any] = {
            "input_shape": list(self.input_shape),
            "layers": [
                {"type": type(layer).__name__, "config": layer.get_config()}
                for layer in self.layers
            ],
        }
        if self.data_format == "channels_last":
            config["data_format"] = self.data_format
        return config

    @classmethod
    def from_config(
        cls,
        config: Any,
        seed: int = 0,
        *,
        initialise: bool = True,
        sizes: tuple[int, int] | None = None,
    ) -> Sequential:
        """Rebuild the architecture of ``get_config()``: fresh weights, or zeros and no random
        draws with ``initialise=False`` (for loading; ``sizes`` as in ``__init__``).

        ``config`` may come from a hostile file: anything but known layer types with
        arguments they accept and shapes that fit is a one-line ``ModelFileError``.
        """
        from numnet.nn.layers import LAYERS

        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ModelFileError("description has no architecture (layers list)")
        shape = config.get("input_shape")
        if not (
            isinstance(shape, list) and shape
            and all(isinstance(s, int) and not isinstance(s, bool) and 0 < s < 1 << 24
                    for s in shape)
        ):
            raise ModelFileError(f"invalid input shape {shape!r}")
        data_format = config.get("data_format", "channels_first")
        if data_format not in DATA_FORMATS or (data_format == "channels_last" and len(shape) != 3):
            raise ModelFileError(f"invalid data format {data_format!r} for input {shape}")
        if data_format == "channels_last":  # stored channels-first, given as the data comes
            shape = [shape[1], shape[2], shape[0]]
        layers = []
        for spec in config["layers"]:
            if not isinstance(spec, dict) or not isinstance(spec.get("config", {}), dict):
                raise ModelFileError("invalid layer description")
            kind = spec.get("type")
            if not isinstance(kind, str) or kind not in LAYERS:
                known = ", ".join(sorted(LAYERS))
                raise ModelFileError(f"unknown layer type {kind!r} (known: {known})")
            try:
                layers.append(LAYERS[kind](**spec.get("config", {})))
            except Exception as e:  # the layer's own argument checks, on values from a file
                raise ModelFileError(f"invalid {kind} layer ({_one_line(e)})") from None
        try:
            return cls(layers, tuple(shape), seed, data_format, initialise=initialise,
                       sizes=sizes)
        except SizeMismatchError as e:
            raise ModelFileError(f"{e}; the file was altered or is damaged") from None
        except (ValueError, TypeError, KeyError) as e:  # shapes or sizes that do not fit
            raise ModelFileError(f"architecture does not build ({_one_line(e)})") from None

    def count_params(self) -> int:
        return int(self.flat.params.size)

    def _summary_rows(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        """(layer rows (type, output shape, parameters), total lines) of ``summary``."""
        per_layer = [0] * len(self.layers)
        for s in self.flat.param_spans:
            per_layer[s.layer] += s.stop - s.start
        rows = [
            (type(layer).__name__, str((None, *self._edge_shape(shape))), f"{k:,}")
            for layer, shape, k in zip(self.layers, self.output_shapes, per_layer, strict=True)
        ]
        n_buffers = self.flat.buffers.size
        totals = [f"Total params: {self.flat.params.size + n_buffers:,}",
                  f"Trainable params: {self.flat.params.size:,}",
                  f"Non-trainable params: {n_buffers:,}"]
        return rows, totals

    def _title(self) -> str:
        return f'Model: "sequential" (input {self._edge_shape(self.input_shape)})'

    def summary(self, print_fn: Callable[[str], Any] | None = print) -> None:
        """Print a Keras-like table of layers, output shapes and parameter counts, once,
        through ``print_fn`` (one call with the whole table).  Returns None, as Keras does;
        in a notebook the model itself also shows as this table (``_repr_html_``)."""
        rows, totals = self._summary_rows()
        head = ("Layer (type)", "Output Shape", "Param #")
        w = [max(len(r[i]) for r in [*rows, head]) + 3 for i in range(3)]
        line = "".join(c.ljust(w[i]) for i, c in enumerate(head))
        rule = "=" * len(line)
        body = ["".join(c.ljust(w[i]) for i, c in enumerate(r)) for r in rows]
        lines = [self._title(), rule, line, rule, *body, rule, *totals, rule]
        if print_fn is not None:
            print_fn("\n".join(line.rstrip() for line in lines))

    def _repr_html_(self) -> str:
        """The summary as an HTML table: what a notebook shows for a model."""
        rows, totals = self._summary_rows()
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        return (f"<div><b>{html.escape(self._title())}</b><table>"
                "<tr><th>Layer (type)</th><th>Output Shape</th><th>Param #</th></tr>"
                f"{cells}</table><p>{'<br>'.join(totals)}</p></div>")

    def __repr__(self) -> str:
        return f"Sequential({self.layers!r}, input_shape={self._edge_shape(self.input_shape)})"
