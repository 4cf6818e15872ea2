"""The package imports light and the command explains itself."""

import subprocess
import sys

import numnet
from numnet.app.cli import main


def test_version_is_a_string():
    assert numnet.__version__.count(".") == 2


def test_import_numnet_does_not_pull_matplotlib_or_pillow():
    code = "import sys, numnet; print('matplotlib' in sys.modules, 'PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_cli_version(capsys):
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert numnet.__version__ in capsys.readouterr().out
