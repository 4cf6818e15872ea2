"""Pictures made on a computer: an MNIST digit saved as a PNG, a canvas export, a thumbnail
enlarged, a scan cleaned to white.  Their paper is flat (one exact gray level), unlike a
photo's, and the photo steps (``numnet.data.imaging.background``, the noise thresholds of
``numnet.data.imaging.ink``) go wrong on them where the digit fills the frame.

- ``paper.py``   ``flat_paper``: is the paper one exact level, and which; ``against_flat``:
                 the ink strength against it; ``flat_threshold``: the ink thresholds
- ``blocks.py``  ``smoothed``: a small picture, or one made of repeated pixels, enlarged
                 smoothly
"""

from __future__ import annotations

from numnet.data.imaging.flat.blocks import MIN_SIDE, smoothed, unrepeated
from numnet.data.imaging.flat.paper import against_flat, flat_paper, flat_threshold

__all__ = ["MIN_SIDE", "against_flat", "flat_paper", "flat_threshold", "smoothed", "unrepeated"]
