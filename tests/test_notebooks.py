"""Every notebook in examples/ runs top to bottom in a fresh Jupyter kernel, and draws inline.

Each ``examples/*.ipynb`` (a new one is picked up by being there) is executed by nbclient in
a ``python3`` kernel of this very interpreter, in a temporary folder, on the real MNIST
(``$NUMNET_DATA``), with one BLAS thread.  It fails on the first cell that raises, and unless
at least one cell displays a PNG picture inline: a learner reads these notebooks in Jupyter,
where a picture written to a file or shown nowhere is a picture missed.  The outputs are
made here: every notebook is committed without any.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from realdata import mnist_dir

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))

#: seconds one cell may take (the slowest trains on all 60,000 images)
CELL_TIMEOUT = 600


def run_notebook(path: Path, folder: Path) -> dict:
    """Execute the notebook at ``path`` with ``folder`` as working directory; return it."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return notebook


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A ``python3`` kernel spec for this interpreter, first on Jupyter's path, and its env."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3 (numnet tests)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("NUMNET_DATA", mnist_dir())
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel chooses the inline backend
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")
    work = tmp_path / "work"
    work.mkdir()
    return work


def outputs(notebook: dict) -> list[dict]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_valid(path):
    nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    assert outputs(notebook) == [], "clear the outputs before committing (this test makes them)"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_and_draws_inline(path, kernel_env):
    notebook = run_notebook(path, kernel_env)  # raises CellExecutionError on any error
    produced = outputs(notebook)
    assert not [out for out in produced if out.output_type == "error"]
    pictures = [out for out in produced if "image/png" in out.get("data", {})]
    assert pictures, f"{path.name} showed no picture inline"
    assert not list(kernel_env.glob("*.png")), "pictures were written to files, not shown"


@pytest.mark.slow
def test_layers_tour_shows_bars_each_figure_once_and_the_summary(kernel_env):
    notebook = run_notebook(EXAMPLES / "layers_tour.ipynb", kernel_env)
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    images = [sum("image/png" in o.get("data", {}) for o in c.outputs) for c in cells]
    plotting = ["plots." in c.source.splitlines()[-1] for c in cells]
    assert all(n == 1 for n, p in zip(images, plotting, strict=True) if p)  # shown once
    assert all(n == 0 for n, p in zip(images, plotting, strict=True) if not p)
    fits = [c for c in cells if ".fit(" in c.source and "verbose=1" in c.source]
    assert len(fits) == 2
    for c in fits:  # a bar while each epoch runs, then the epoch's line with validation
        text = "".join(o.text for o in c.outputs if o.output_type == "stream")
        assert "epoch 1/" in text and "%|" in text and "val_acc 0." in text
    html = [o for c in cells for o in c.outputs if "text/html" in o.get("data", {})]
    assert "Param #" in html[0]["data"]["text/html"]  # the model shows as its summary
    summary = next(c for c in cells if "cnn.summary()" in c.source)
    assert [o.output_type for o in summary.outputs] == ["stream"]  # printed once, no echo
