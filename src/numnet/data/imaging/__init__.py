"""Photos, scans and canvas exports of handwriting -> digits as MNIST prepared them.

A network trained on MNIST reads digits that look like MNIST's: bright ink on black, cropped,
scaled to a 20-pixel box and centred by mass in 28x28.  People hand numnet phone photos of
paper instead: off-white, lit from one side, with a shadow, ruled lines, a blue or black pen,
a JPEG of 12 megapixels stored sideways with an EXIF tag.  This package goes from one to the
other (each step a module; ``find`` strings them together):

- ``decode``: Pillow, EXIF orientation, size limits before decoding, JPEG draft decoding;
- ``gray``: arrays of any dtype and channels -> gray in [0, 1], transparency composited;
- ``background``: the paper's uneven light estimated and divided out -> ink strength;
- ``ink``: thresholds from the image's own noise, MNIST-like gray levels;
- ``flat``: pictures made on a computer (flat paper: one exact gray level), taken as they
  are, small or pixel-repeated ones enlarged smoothly;
- ``lines``: ruled and squared paper lines found and removed;
- ``components``: connected ink -> digits (specks dropped, broken strokes joined, touching
  digits split, left to right), in rows one above the other;
- ``signs``: a number's decimal point (or comma) and its leading minus;
- ``mnist_box``: crop, thicken thin pen strokes, scale to 20 px, centre by mass in 28x28;
- ``verdict``: the rule that says "not a digit" (a dot, a scribble, a dash), and the shape
  of a candidate's ink it weighs (its skeleton: length, junctions, ends, loops);
- ``prepare``: ``prepare(source)`` -> (28, 28), ``prepare_many`` -> (n, 28, 28);
- ``variants``: a prepared digit scaled and turned a little, for reading a number's digits
  as the mean of the network's readings of them;
- ``reading``: ``read_number(source, model)`` -> the number, its digits, labels, boxes.

Pillow and SciPy are imported inside the functions so that ``import numnet`` stays light.
"""

from numnet.data.imaging.decode import FORMATS, MAX_PIXELS, WORK_SIDE
from numnet.data.imaging.find import Candidate, Page, find_digits
from numnet.data.imaging.mnist_box import BOX, FIELD
from numnet.data.imaging.prepare import prepare, prepare_many
from numnet.data.imaging.reading import Digit, Reading, read_digit, read_number, read_pages
from numnet.data.imaging.signs import Sign

__all__ = [
    "BOX",
    "FIELD",
    "FORMATS",
    "MAX_PIXELS",
    "WORK_SIDE",
    "Candidate",
    "Digit",
    "Page",
    "Reading",
    "Sign",
    "find_digits",
    "prepare",
    "prepare_many",
    "read_digit",
    "read_number",
    "read_pages",
]
