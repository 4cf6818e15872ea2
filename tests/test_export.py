"""Models that leave numnet: ONNX graphs run by onnxruntime, and the model file's layout.

The exported graphs must give numnet's own probabilities (max difference <= 1e-5) and the
same labels, for the default MLP and for a CNN with BatchNorm and Dropout, both trained a
little on real MNIST so that their weights and running statistics are not the initial ones.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from numnet.app.cli import main
from numnet.core.errors import NumnetError
from numnet.datasets import mnist
from numnet.files import model_file as io
from numnet.files.onnx_export import export_onnx, to_onnx
from numnet.nn import (
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    GlobalAvgPool2D,
    Layer,
    LeakyReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from numnet.presets import build_cnn, build_mlp
from realdata import mnist_dir

Data = tuple[tuple[NDArray[Any], NDArray[Any]], tuple[NDArray[Any], NDArray[Any]]]


@pytest.fixture(scope="module")
def data() -> Data:
    return mnist.load_data(mnist_dir())


def onnx_probabilities(model: Any, images: NDArray[Any]) -> NDArray[Any]:
    """Run the exported graph of ``model`` in onnxruntime on uint8 ``images`` (n, 28, 28)."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    session = ort.InferenceSession(
        to_onnx(model).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (inp,) = session.get_inputs()
    shape = [int(d) for d in inp.shape[1:]]
    pixels = (images.astype(np.float32) / 255).reshape(len(images), *shape)
    (probs,) = session.run(["probabilities"], {inp.name: pixels})
    return np.asarray(probs)


def agreement(model: Any, images: NDArray[Any]) -> tuple[float, float]:
    """(max |p_onnx - p_numnet|, share of identical labels) on ``images``."""
    ours = model.predict_proba(images)
    theirs = onnx_probabilities(model, images)
    assert theirs.shape == ours.shape == (len(images), 10)
    return float(np.abs(theirs - ours).max()), float((theirs.argmax(1) == ours.argmax(1)).mean())


def trained(model: Sequential, data: Data, n: int) -> Sequential:
    (x_train, y_train), _ = data
    model.fit(x_train[:n], y_train[:n], epochs=1, batch_size=64, verbose=0)
    return model


def test_default_mlp_runs_in_onnxruntime(data: Data) -> None:
    model = trained(build_mlp(seed=0), data, 5000)
    x_test, y_test = data[1]
    diff, same = agreement(model, x_test)  # all 10,000 test images
    assert diff <= 1e-5 and same == 1.0
    assert model.score(x_test, y_test) > 0.85  # a real network, not a constant


def test_cnn_with_batchnorm_and_dropout_runs_in_onnxruntime(data: Data) -> None:
    model = trained(build_cnn(seed=1, width=8, dense=32), data, 2000)  # the preset's shape
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"Conv2D", "MaxPool2D", "BatchNorm", "Dropout", "Flatten", "Dense"} <= kinds
    fresh = build_cnn(seed=1, width=8, dense=32)
    assert not np.allclose(model.flat.buffers, fresh.flat.buffers)  # running statistics moved
    x_test, y_test = data[1]
    diff, same = agreement(model, x_test[:2000])
    assert diff <= 1e-5 and same == 1.0
    assert model.score(x_test[:2000], y_test[:2000]) > 0.5


def test_every_layer_kind_converts(data: Data) -> None:
    """Padding, stride, a fused ReLU, average pools, LeakyReLU, Tanh, Sigmoid, dense BatchNorm."""
    layers: list[Layer] = [
        Conv2D(6, 3, stride=2, padding=1, activation="relu"), AvgPool2D(2), BatchNorm(),
        LeakyReLU(0.1), Conv2D(8, 3), GlobalAvgPool2D(), Dense(16), BatchNorm(), Tanh(),
        Dropout(0.2), Dense(16), Sigmoid(), Dense(10),
    ]
    model = Sequential(layers, input_shape=(1, 28, 28), seed=3)
    rng = np.random.default_rng(0)
    model.flat.buffers[:] = rng.uniform(0.5, 1.5, model.flat.buffers.size)
    model.flat.params *= 3  # spread the probabilities so that labels mean something
    x = data[1][0][:500]
    assert model.predict_proba(x).max(axis=1).mean() > 0.2
    diff, same = agreement(model, x)
    assert diff <= 1e-5 and same == 1.0


def test_classic_twolayer_exports(data: Data) -> None:
    from numnet.tutorial.twolayer import TwoLayerClassifier, init_params

    model = TwoLayerClassifier(*init_params(hidden=32, seed=0))
    diff, same = agreement(model, data[1][0][:1000])
    assert diff <= 1e-5 and same == 1.0


def test_unknown_layer_is_one_line_error() -> None:
    class Square(Layer):
        def forward(self, x: NDArray[Any], training: bool = False) -> NDArray[Any]:
            y: NDArray[Any] = x * x
            return y

    pytest.importorskip("onnx")
    model = Sequential([Dense(10), Square()], input_shape=(784,))
    with pytest.raises(NumnetError, match="no conversion for layer Square"):
        to_onnx(model)


def test_without_onnx_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(NumnetError, match=r"pip install 'numnet\[onnx\]'"):
        export_onnx(build_mlp(0), tmp_path / "never.onnx")
    assert not (tmp_path / "never.onnx").exists()


def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Data) -> None:
    pytest.importorskip("onnx")
    model_path = io.save(trained(build_mlp(seed=0), data, 1000), tmp_path / "m.npz")
    out = tmp_path / "m.onnx"
    assert main(["export", str(model_path), str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    import onnx

    graph = onnx.load(str(out)).graph
    assert [n.op_type for n in graph.node] == ["Gemm", "Relu", "Gemm", "Softmax"]
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim[1:]] == [784]

    before = model_path.read_bytes()
    assert main(["export", str(model_path), str(model_path)]) == 2  # never over the input
    assert "is the model file itself" in capsys.readouterr().err
    assert model_path.read_bytes() == before
    assert main(["export", str(tmp_path / "nothere.npz"), str(tmp_path / "x.onnx")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_model_file_says_where_each_weight_is(tmp_path: Path) -> None:
    """np.load users find every layer's arrays from the description's layout alone."""
    model = build_cnn(seed=0, width=4, dense=8)
    model.flat.buffers[:] = np.arange(model.flat.buffers.size, dtype=np.float32)
    path = io.save(model, tmp_path / "cnn.npz")
    meta = io.describe(path)
    with np.load(path, allow_pickle=False) as npz:
        for name, flat in (("params", npz["params"]), ("buffers", npz["buffers"])):
            entries = meta["layout"][name]
            assert sum(e["stop"] - e["start"] for e in entries) == flat.size  # all covered
            for e in entries:
                layer = model.layers[e["layer"]]
                assert e["type"] == type(layer).__name__
                piece = flat[e["start"] : e["stop"]].reshape(e["shape"])
                np.testing.assert_array_equal(piece, getattr(layer, e["name"]))
    names = {(e["type"], e["name"]) for e in meta["layout"]["buffers"]}
    assert names == {("BatchNorm", "running_mean"), ("BatchNorm", "running_var")}
