"""The wheel carries what numnet needs besides its modules: the web page's files, the
``py.typed`` marker, the licence, and the metadata a package index shows."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from numnet.app.serve.web import STATIC

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    if importlib.util.find_spec("build") is None:
        pytest.skip("the build package is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
        check=True, capture_output=True,
    )
    (path,) = out.glob("numnet-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_carries_page_files_and_type_marker(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "numnet/py.typed" in names
    for name, _ in STATIC.values():  # every file the server serves
        assert f"numnet/app/serve/static/{name}" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_wheel_metadata(wheel: zipfile.ZipFile) -> None:
    (meta_name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    meta = Parser().parsestr(wheel.read(meta_name).decode())
    assert meta["Author"] and meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.10"
    assert "Typing :: Typed" in meta.get_all("Classifier", [])
    assert {u.split(",")[0] for u in meta.get_all("Project-URL", [])} >= {"Source", "Changelog"}
    assert {"onnx", "docs"} <= set(meta.get_all("Provides-Extra", []))
