"""``python -m numnet`` is the ``numnet`` command."""

import sys

from numnet.app.cli import main

sys.exit(main())
