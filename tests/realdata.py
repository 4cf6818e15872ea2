"""The real MNIST for end-to-end tests: ``$NUMNET_DATA`` or a skip that says why."""

import os
from pathlib import Path

import pytest


def mnist_dir() -> str:
    """Absolute path of the folder of the four MNIST IDX files; skips the test without it."""
    path = os.environ.get("NUMNET_DATA")
    if not path or not Path(path).exists():
        pytest.skip("real MNIST not available: set NUMNET_DATA to the folder of the IDX files")
    return str(Path(path).resolve())
