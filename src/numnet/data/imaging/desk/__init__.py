"""A photo of a sheet lying on a desk: the desk around the page is not ink.

A page that does not fill the frame leaves a band of desk (a table, a lap, the floor) along
the photo's edges.  Against the page's light the desk is a wide dark area, and the ink
strength (``numnet.data.imaging.background``) takes it for ink: the page's edge becomes a
frame the network reads as a 0.  So the desk is found and replaced by the paper beside it
before anything looks at the light.

What tells a desk from a shadow, the light's gradient or a digit is its *edge*: the page's
edge is a step (from paper to desk within a few pixels), a shadow's or a gradient's a slope
tens of pixels wide; and the desk lies along the picture's border, as a digit does not.  On
a copy of at most ``COARSE`` px a side (block means of the gray image; ``fill.py``), in
``find.py``:

1. *dark*: below an Otsu threshold of the copy's levels, opened by 3x3 (pen strokes and
   ruled lines, under 3 px of the copy wide, go); the dark components that touch the
   picture's border, each at least ``MIN_PIECE`` of the picture, are the desk if together
   they cover at least ``MIN_AREA`` of it and ``MIN_CONTACT`` of its border, leave at
   least ``MIN_PAGE`` of it as the page and are ``MIN_STEP`` darker than the page (their
   medians: the *step*);
2. *a step, not a slope*: ``EDGE`` px of the copy from the desk's edge on either side, the
   desk and the page are ``SHARP`` to ``BOLD`` times the step apart (a slope has not got
   that far yet; much more than the step is ink along the edge, a bold digit joined to a
   shadow), and 2-3 ``EDGE`` px into the desk its level is within ``LEVEL`` of the step of
   its level at the edge (a shadow is still getting darker there);
3. *the page*: the lit paper, what it reaches without crossing a step (a 3x3 range of
   ``BARRIER`` of the step: its part in a soft shadow, dark as it may be, and the ink on
   it), unless that reaches along the border too (through a weak stretch of the page's
   edge), and the convex hull of that: a sheet is convex.  Everything else is desk, the
   slivers between the page and the border too.

The desk, grown by a pixel of the copy to take the page's blurred edge, then takes the
page's light beside it: the page's gray levels (at least two pixels of the copy inside it)
averaged with a Gaussian of ``SMOOTH`` of the copy's side, a normalised convolution
(``G * (q m) / G * m``, ``m`` 1 on the page), which smooths the ruled lines and the ink away;
farther from the page, the nearest such value (a distance transform).  So the paper and its
light run on to the border, and the page's edge is no stroke.

Chosen on validation pictures only (``benchmarks/checksets.py desk --split validation``,
and every other validation set: none reads differently but one of the 400 crops).
"""

from __future__ import annotations

from numnet.data.imaging.desk.fill import without_desk
from numnet.data.imaging.desk.find import find_desk

__all__ = ["find_desk", "without_desk"]
