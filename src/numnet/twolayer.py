"""``numnet.twolayer`` is ``numnet.tutorial.twolayer``, the classic network, under its short name.

The tutorial's scripts and notebooks import it as ``from numnet.twolayer import *``; this
module makes that name the very same module object (so monkeypatching and ``is`` checks
see one module, not a copy).
"""

import sys

from numnet.tutorial import twolayer as _twolayer

sys.modules[__name__] = _twolayer
