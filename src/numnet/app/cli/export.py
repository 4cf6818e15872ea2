"""``numnet export MODEL OUT.onnx``: a saved model as an ONNX graph for other runtimes.

The graph (``numnet.files.onnx_export``) takes float32 pixels / 255 in the model's input shape,
(N, 784) or (N, 1, 28, 28), and returns the ten probabilities that ``numnet predict`` uses.
It needs the ``onnx`` package: ``pip install 'numnet[onnx]'``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from numnet.app.cli.common import check_output_file
from numnet.core.errors import NumnetError


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "export",
        help="write a saved model as an ONNX graph (for onnxruntime and others)",
        description=(
            "Write a model saved by numnet as an ONNX file: input 'pixels' (float32, "
            "pixels / 255, shape N x the model's input shape), output 'probabilities' "
            "(N x 10). Needs the onnx package: pip install 'numnet[onnx]'."
        ),
    )
    p.add_argument("model", metavar="MODEL", help="model file (.npz, or a twolayer .pkl)")
    p.add_argument("out", metavar="OUT.onnx", type=Path, help="the ONNX file to write")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from numnet.files.model_file import load
    from numnet.files.onnx_export import OPSET, export_onnx, input_shape

    out: Path = args.out
    check_output_file(out, "OUT.onnx")
    if out.exists() and out.resolve() == Path(args.model).resolve():
        raise NumnetError(f"{out} is the model file itself; give another name such as "
                          f"{out.with_suffix('.onnx')}")
    model = load(args.model)
    path = export_onnx(model, out)
    print(f"wrote {path} (ONNX opset {OPSET}): pixels float32 (N, "
          f"{', '.join(map(str, input_shape(model)))}) -> probabilities (N, 10)")
    return 0

