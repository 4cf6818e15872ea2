"""``Sequential``: a stack of layers with the methods people know from Keras and scikit-learn.

    model = Sequential([Dense(128), ReLU(), Dense(10)], input_shape=(784,), seed=0)
    history = model.fit(x_train, y_train, epochs=10, validation_split=0.1)
    model.evaluate(x_test, y_test)   # (loss, accuracy)
    model.predict(x_test[:5])        # labels (n,) int64
    model.predict_proba(x_test[:5])  # softmax of the last layer's outputs (n, k) float32

The model is built at construction: ``bind`` gives every layer views into one flat float32
parameter buffer (``model.flat.params``) and one gradient buffer (``model.flat.grads``).
``model.rng`` (seeded by ``seed``) initialises the weights and then draws the Dropout masks;
the shuffles and augmentations are seeded by (seed, epoch, step), so one seed fixes a whole run.

Inputs: images (n, 28, 28), (n, 784) or (n, 1, 28, 28); uint8 is scaled by 1/255, floats are
taken as they are.  Each is reshaped to (n, *input_shape) without a copy when it is
already contiguous float32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numnet.core.errors import DataError, ModelFileError
from numnet.nn.engine import fastpath
from numnet.nn.functional import accuracy, count_correct
from numnet.nn.layer import Layer, Shape, SizeMismatchError, bind_layers
from numnet.nn.losses import Loss, SoftmaxCrossEntropy, get_loss
from numnet.nn.training import History, fit


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


class Sequential:
    """Layers applied one after the other; see the module docstring."""

    def __init__(
        self,
        layers: Sequence[Layer],
        input_shape: Shape = (784,),
        seed: int = 0,
        *,
        initialise: bool = True,
        sizes: tuple[int, int] | None = None,
    ) -> None:
        """``initialise=False`` leaves the weights at zero and draws nothing (for loading);
        ``sizes`` = (parameters, buffer values) the caller holds, checked before allocating."""
        self.layers = list(layers)
        self.input_shape = tuple(int(d) for d in input_shape)
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.loss: Loss = SoftmaxCrossEntropy()
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
        self._plan = fastpath.plan(self.layers)  # () unless the model is a plain MLP
        # Images per forward pass in predict/evaluate.  Convolutions copy every input pixel
        # kh*kw times (im2col): 1,000 images would need several hundred MB of work arrays,
        # while 128 reuses the training batch's arrays and runs faster (they stay in cache).
        self.predict_batch_size = 128 if any(len(s) == 3 for s in self.output_shapes) else 1000

    # -- the two passes --------------------------------------------------------------
    def forward(self, x: NDArray, training: bool = False) -> NDArray:
        """x : (n, *input_shape) float32 -> outputs (n, *output_shape) (a reused array)."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, grad: NDArray) -> None:
        """Fill ``bound.grads`` from dL/d(outputs), layer by layer from the top."""
        for layer in reversed(self.layers[self._first :]):
            grad = layer.backward(grad)

    # -- training ----------------------------------------------------------------------
    def fit(self, x: ArrayLike, y: ArrayLike, **kwargs: Any) -> History:
        """Train; returns a History.  Arguments (all keyword, defaults in brackets):

        epochs [10], batch_size [128], optimizer ["adam" | "adamw" | "sgd" | Optimizer],
        lr [None: the optimizer's default], loss ["cross_entropy" | "mse" | Loss],
        validation_data [(x_val, y_val)] or validation_split [0.0: no validation],
        shuffle [True], seed [None: the model's seed], callbacks [()], verbose [1: a tqdm
        bar per epoch on a terminal; 2: always; 0: silent], augment [None: a function
        (batch, rng) -> batch], initial_state [a TrainState to resume from], threads [1:
        BLAS threads while training, see ``numnet.nn.engine.threads``; None: as the BLAS is set].
        See ``numnet.nn.training`` for the loop and the checkpoint contract.
        """
        return fit(self, x, y, **kwargs)

    # -- inference ---------------------------------------------------------------------
    def prepare(self, x: ArrayLike) -> NDArray:
        """Images -> (n, *input_shape) float32; uint8 scaled by 1/255; no copy when possible."""
        x = np.asarray(x)
        if x.dtype == np.uint8:
            x = np.multiply(x, np.float32(1 / 255), dtype=np.float32)
        elif x.dtype != np.float32:
            x = x.astype(np.float32)
        if x.ndim < 1 or math.prod(x.shape[1:]) != math.prod(self.input_shape):
            raise DataError(
                f"inputs of shape {x.shape} do not fit this model, which takes batches of"
                f" {self.input_shape} (e.g. (n, 28, 28), (n, 784) or (n, 1, 28, 28) images)"
            )
        return x.reshape(len(x), *self.input_shape)

    def _one(self, x: ArrayLike) -> NDArray | None:
        """Outputs (k,) of a single float32 or uint8 sample through ``fastpath``, or None
        when that path does not apply (not one sample, other dtypes, not a plain MLP)."""
        if not (self._plan and isinstance(x, np.ndarray) and x.ndim > 1 and len(x) == 1
                and x.size == self._size):
            return None
        if x.dtype == np.float32:
            return fastpath.run(self._plan, x.reshape(-1))
        if x.dtype == np.uint8:  # as prepare scales it
            return fastpath.run(self._plan, np.multiply(x.reshape(-1), np.float32(1 / 255),
                                                        dtype=np.float32))
        return None

    def _batches(self, x: NDArray, batch_size: int | None):
        batch_size = batch_size or self.predict_batch_size
        if len(x) <= batch_size:  # one image from the web page: no slicing
            yield slice(None), self.forward(x)
            return
        for i in range(0, len(x), batch_size):
            yield slice(i, i + batch_size), self.forward(x[i : i + batch_size])

    def predict_proba(self, x: ArrayLike, batch_size: int | None = None) -> NDArray:
        """Class probabilities (n, k) float32: softmax of the outputs.

        Computed ``batch_size`` images at a time; None means ``predict_batch_size`` (1,000,
        or 128 for models with convolutions, which need far more work memory per image).
        """
        z = self._one(x)
        if z is not None:  # the softmax below, on one row
            p = np.subtract(z, z[z.argmax()])[None]
            np.exp(p, out=p)
            p /= np.add.reduce(p, axis=1)
            return p
        x = self.prepare(x)
        out = np.empty((len(x), *self.output_shape), np.float32)
        for sl, z in self._batches(x, batch_size):
            p = out[sl]
            np.subtract(z, z.max(axis=1, keepdims=True), out=p)
            np.exp(p, out=p)
            p /= p.sum(axis=1, keepdims=True)
        return out

    def predict(self, x: ArrayLike, batch_size: int | None = None) -> NDArray:
        """Predicted labels (n,) int64: the largest output of each row (batches as in
        ``predict_proba``)."""
        z = self._one(x)
        if z is not None:
            return z.argmax(keepdims=True)  # (1,) int64
        x = self.prepare(x)
        out = np.empty(len(x), np.int64)
        for sl, z in self._batches(x, batch_size):
            np.argmax(z, axis=1, out=out[sl])
        return out

    def evaluate(
        self, x: ArrayLike, y: ArrayLike, batch_size: int | None = None,
        loss: str | Loss | None = None,
    ) -> tuple[float, float]:
        """(mean loss, accuracy) on ``x``, ``y``; the loss is the one fit used (cross-entropy)."""
        x, y = self.prepare(x), np.asarray(y)
        loss_fn = self.loss if loss is None else get_loss(loss)
        total, correct = 0.0, 0
        for sl, z in self._batches(x, batch_size):
            yb = y[sl]
            total += loss_fn.forward(z, yb) * len(yb)
            correct += count_correct(z, yb)
        return total / max(len(x), 1), correct / max(len(x), 1)

    def score(self, x: ArrayLike, y: ArrayLike) -> float:
        """Accuracy, as scikit-learn's ``score``."""
        return accuracy(self.predict(x), y)

    # -- description -------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """JSON-able architecture: {"input_shape": [...], "layers": [{"type", "config"}, ...]}."""
        return {
            "input_shape": list(self.input_shape),
            "layers": [
                {"type": type(layer).__name__, "config": layer.get_config()}
                for layer in self.layers
            ],
        }

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
            return cls(layers, tuple(shape), seed, initialise=initialise, sizes=sizes)
        except SizeMismatchError as e:
            raise ModelFileError(f"{e}; the file was altered or is damaged") from None
        except (ValueError, TypeError, KeyError) as e:  # shapes or sizes that do not fit
            raise ModelFileError(f"architecture does not build ({_one_line(e)})") from None

    def count_params(self) -> int:
        return int(self.flat.params.size)

    def summary(self, print_fn=print) -> str:
        """A Keras-like table of layers, output shapes and parameter counts (printed, returned)."""
        per_layer = [0] * len(self.layers)
        for s in self.flat.param_spans:
            per_layer[s.layer] += s.stop - s.start
        rows = [
            (type(layer).__name__, str((None, *shape)), f"{k:,}")
            for layer, shape, k in zip(self.layers, self.output_shapes, per_layer, strict=True)
        ]
        head = ("Layer (type)", "Output Shape", "Param #")
        w = [max(len(r[i]) for r in [*rows, head]) + 3 for i in range(3)]
        line = "".join(c.ljust(w[i]) for i, c in enumerate(head))
        rule = "=" * len(line)
        body = ["".join(c.ljust(w[i]) for i, c in enumerate(r)) for r in rows]
        n_buffers = self.flat.buffers.size
        lines = [f'Model: "sequential" (input {self.input_shape})', rule, line, rule, *body, rule,
                 f"Total params: {self.flat.params.size + n_buffers:,}",
                 f"Trainable params: {self.flat.params.size:,}",
                 f"Non-trainable params: {n_buffers:,}", rule]
        text = "\n".join(line.rstrip() for line in lines)
        if print_fn is not None:
            print_fn(text)
        return text

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled (joblib, copy.deepcopy): the layers' arrays come back as copies, so
        point them at the model's flat buffers again."""
        self.__dict__.update(state)
        for i, layer in enumerate(self.layers):
            layer.attach(self.flat.views(i))
        self._plan = fastpath.plan(self.layers)

    def __repr__(self) -> str:
        return f"Sequential({self.layers!r}, input_shape={self.input_shape})"
