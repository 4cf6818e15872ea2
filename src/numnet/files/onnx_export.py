"""ONNX export: a numnet model as a graph that other runtimes (onnxruntime, ...) can run.

    from numnet.files import model_file, onnx_export
    onnx_export.export_onnx(model_file.load("mlp.npz"), "mlp.onnx")  # = numnet export ...

The graph takes what the numnet model takes and returns what ``predict_proba`` returns:

    input          "pixels"         float32 (N, *model.input_shape), pixels / 255 in [0, 1]
                                    e.g. (N, 784) for the MLP, (N, 1, 28, 28) for the CNN
    output         "probabilities"  float32 (N, 10), softmax of the last layer's outputs

Each layer becomes the standard ONNX operators that compute the same function (opset 17):

    Dense        y = x W + b                     Gemm(x, W, b)          W : (d_in, d_out)
    Conv2D       cross-correlation, stride s,    Conv(x, K, b)          K = W.transpose(3, 2, 0, 1):
                 p zeros on every side           (+ Relu for activation="relu")
                                                 numnet's W (kh, kw, c, f) -> ONNX's (f, c, kh, kw)
    MaxPool2D    max over k x k windows          MaxPool(kernel k, strides s)
    AvgPool2D    mean over k x k windows         AveragePool(kernel k, strides s)
    GlobalAvg..  mean over h, w -> (N, c)        GlobalAveragePool, Flatten
    BatchNorm    gamma (x - mu) / sqrt(var + eps) + beta, with the running statistics
                                                 BatchNormalization (inference mode)
    ReLU, LeakyReLU(alpha), Tanh, Sigmoid        Relu, LeakyRelu, Tanh, Sigmoid
    Dropout      identity at inference           Identity
    Flatten      (N, c, h, w) -> (N, c*h*w)      Flatten(axis=1), the same C order as NumPy
    the end      softmax over the classes        Softmax(axis=1)

The classic network (``numnet.tutorial.twolayer.TwoLayerClassifier``, column-major W1 (h, 784), b1
(h, 1) ...) becomes ``softmax(relu(x W1^T + b1^T) W2^T + b2^T)``: two Gemm with transB=1.

The ``onnx`` package is needed only here (``pip install 'numnet[onnx]'``); without it
:func:`to_onnx` raises a one-line :class:`~numnet.core.errors.NumnetError`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from numnet import __version__
from numnet.core.atomic import write_bytes
from numnet.core.errors import NumnetError

if TYPE_CHECKING:
    import onnx

#: the operator set the graphs are written for; onnxruntime reads it since version 1.12
OPSET = 17
#: the ONNX file-format version that goes with OPSET 17 (readers older than the newest)
IR_VERSION = 8
INPUT, OUTPUT = "pixels", "probabilities"


def _onnx() -> Any:
    """The ``onnx`` module, or a one-line error saying how to install it."""
    try:
        return importlib.import_module("onnx")
    except ImportError:
        raise NumnetError(
            "ONNX export needs the onnx package: pip install 'numnet[onnx]'"
        ) from None


class _Graph:
    """Nodes and weights (initializers) of the graph being written, one layer at a time.

    ``x`` is the name of the current value: each ``add`` consumes it and names the result.
    """

    def __init__(self, ox: Any) -> None:
        self.ox = ox
        self.nodes: list[Any] = []
        self.weights: list[Any] = []
        self.x = INPUT

    def weight(self, name: str, array: NDArray[Any]) -> str:
        """Store ``array`` as float32 under ``name``; return the name."""
        a = np.ascontiguousarray(array, dtype=np.float32)
        self.weights.append(self.ox.numpy_helper.from_array(a, name))
        return name

    def add(self, op: str, name: str, *inputs: str, out: str = "", **attributes: Any) -> None:
        """Append ``op`` on the current value (and ``inputs``); its output (named ``out``,
        by default "NAME/OP") becomes current."""
        node_name = f"{name}/{op}"
        out = out or node_name
        node = self.ox.helper.make_node(op, [self.x, *inputs], [out], name=node_name,
                                          **attributes)
        self.nodes.append(node)
        self.x = out


def _dense(g: _Graph, name: str, layer: Any) -> None:
    g.add("Gemm", name, g.weight(f"{name}/W", layer.W), g.weight(f"{name}/b", layer.b))


def _conv(g: _Graph, name: str, layer: Any) -> None:
    kernel = g.weight(f"{name}/W", np.transpose(layer.W, (3, 2, 0, 1)))  # (f, c, kh, kw)
    p, s = layer.padding, layer.stride
    g.add(
        "Conv", name, kernel, g.weight(f"{name}/b", layer.b),
        kernel_shape=[layer.kh, layer.kw], strides=[s, s], pads=[p, p, p, p],
    )
    if layer.activation == "relu":
        g.add("Relu", name)


def _pool(op: str) -> Callable[[_Graph, str, Any], None]:
    def convert(g: _Graph, name: str, layer: Any) -> None:
        k, s = layer.pool_size, layer.stride
        g.add(op, name, kernel_shape=[k, k], strides=[s, s])

    return convert


def _global_avg_pool(g: _Graph, name: str, layer: Any) -> None:
    g.add("GlobalAveragePool", name)  # (N, c, 1, 1)
    g.add("Flatten", name, axis=1)


def _batchnorm(g: _Graph, name: str, layer: Any) -> None:
    g.add(
        "BatchNormalization", name,
        g.weight(f"{name}/gamma", layer.gamma), g.weight(f"{name}/beta", layer.beta),
        g.weight(f"{name}/running_mean", layer.running_mean),
        g.weight(f"{name}/running_var", layer.running_var),
        epsilon=layer.eps,
    )


def _simple(op: str, **attributes: Any) -> Callable[[_Graph, str, Any], None]:
    def convert(g: _Graph, name: str, layer: Any) -> None:
        g.add(op, name, **attributes)

    return convert


def _leaky_relu(g: _Graph, name: str, layer: Any) -> None:
    g.add("LeakyRelu", name, alpha=layer.alpha)


#: numnet layer type name -> the function that appends its ONNX nodes
CONVERTERS: dict[str, Callable[[_Graph, str, Any], None]] = {
    "Dense": _dense,
    "Conv2D": _conv,
    "MaxPool2D": _pool("MaxPool"),
    "AvgPool2D": _pool("AveragePool"),
    "GlobalAvgPool2D": _global_avg_pool,
    "BatchNorm": _batchnorm,
    "ReLU": _simple("Relu"),
    "LeakyReLU": _leaky_relu,
    "Tanh": _simple("Tanh"),
    "Sigmoid": _simple("Sigmoid"),
    "Dropout": _simple("Identity"),
    "Flatten": _simple("Flatten", axis=1),
}


def _sequential(g: _Graph, model: Any) -> int:
    """Append the nodes of a ``Sequential``'s layers; return its number of outputs."""
    for i, layer in enumerate(model.layers):
        kind = type(layer).__name__
        if kind not in CONVERTERS:
            known = ", ".join(sorted(CONVERTERS))
            raise NumnetError(f"ONNX export: no conversion for layer {kind} (known: {known})")
        CONVERTERS[kind](g, f"{i}_{kind}", layer)
    return int(model.output_shape[0])


def _twolayer(g: _Graph, model: Any) -> int:
    """The classic network: the tutorial's column-major weights, used transposed (transB)."""
    p = model.params
    g.add("Gemm", "1_hidden", g.weight("W1", p["W1"]), g.weight("b1", p["b1"].ravel()), transB=1)
    g.add("Relu", "1_hidden")
    g.add("Gemm", "2_output", g.weight("W2", p["W2"]), g.weight("b2", p["b2"].ravel()), transB=1)
    return int(p["W2"].shape[0])


def _is_twolayer(model: Any) -> bool:
    return hasattr(model, "params")  # TwoLayerClassifier: the tutorial's W1, b1, W2, b2


def input_shape(model: Any) -> tuple[int, ...]:
    """The shape of one sample as the graph's input takes it: (784,) or (1, 28, 28)."""
    if _is_twolayer(model):
        return (int(model.params["W1"].shape[1]),)
    return tuple(int(d) for d in model.input_shape)


def to_onnx(model: Any, name: str = "numnet") -> onnx.ModelProto:
    """The ONNX model of a ``numnet.nn.Sequential`` or ``TwoLayerClassifier`` (checked).

    Raises NumnetError when onnx is not installed or a layer has no conversion.
    """
    ox = _onnx()
    g = _Graph(ox)
    classes = _twolayer(g, model) if _is_twolayer(model) else _sequential(g, model)
    g.add("Softmax", "output", out=OUTPUT, axis=1)
    value = ox.helper.make_tensor_value_info
    graph = ox.helper.make_graph(
        g.nodes,
        name,
        [value(INPUT, ox.TensorProto.FLOAT, ["N", *input_shape(model)])],
        [value(OUTPUT, ox.TensorProto.FLOAT, ["N", classes])],
        initializer=g.weights,
    )
    proto: onnx.ModelProto = ox.helper.make_model(
        graph,
        opset_imports=[ox.helper.make_opsetid("", OPSET)],
        producer_name="numnet",
        producer_version=__version__,
        ir_version=IR_VERSION,
    )
    ox.checker.check_model(proto, full_check=True)
    return proto


def export_onnx(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``to_onnx(model)`` to ``path`` atomically; return the path."""
    proto = to_onnx(model, name=Path(path).stem)
    write_bytes(path, proto.SerializeToString())
    return Path(path)
