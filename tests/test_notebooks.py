"""Every notebook in examples/ runs top to bottom (nbclient), and shows what a learner expects.

The notebooks are committed without outputs; here each is executed in a fresh kernel of
this interpreter, in a temporary folder, with MNIST from ``$NUMNET_DATA``.
"""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def execute(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=1200, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom(path, tmp_path):
    nb = execute(path, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors


@pytest.mark.slow
def test_layers_tour_shows_bars_figures_once_and_the_summary(tmp_path):
    nb = execute(EXAMPLES / "layers_tour.ipynb", tmp_path)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    images = [sum("image/png" in o.get("data", {}) for o in c.outputs) for c in cells]
    plotting = ["plots." in c.source.splitlines()[-1] for c in cells]
    assert all(n == 1 for n, p in zip(images, plotting, strict=True) if p)  # shown once
    assert all(n == 0 for n, p in zip(images, plotting, strict=True) if not p)
    fits = [c for c in cells if ".fit(" in c.source and "verbose=1" in c.source]
    for c in fits:  # a progress bar per epoch, ending with the validation figures
        text = "".join(o.text for o in c.outputs if o.output_type == "stream")
        assert "epoch 1/" in text and "val_acc=" in text
    html = [o for c in cells for o in c.outputs if "text/html" in o.get("data", {})]
    assert "Param #" in html[0]["data"]["text/html"]
    summary = next(c for c in cells if "cnn.summary()" in c.source)
    assert [o.output_type for o in summary.outputs] == ["stream"]  # printed once, no echo
