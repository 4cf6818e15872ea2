"""Test set-up shared by every file: where the real MNIST is.

Tests never download.  The real files come from ``$NUMNET_DATA`` (CI points it at
``../shared/data/mnist``).  A relative path is made absolute here, once, so that tests which
change directory still find the files.
"""

import os
from pathlib import Path

if os.environ.get("NUMNET_DATA"):
    os.environ["NUMNET_DATA"] = str(Path(os.environ["NUMNET_DATA"]).resolve())
