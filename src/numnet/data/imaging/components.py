"""Connected ink -> the digits of a page: specks dropped, broken strokes joined, ordered left
to right (touching digits are cut apart in ``numnet.data.imaging.split``).

A digit is one connected stroke, or a few (a 5's flag, a 4 drawn in two strokes, a stroke
broken where the pen skipped).  So the page's ink is labelled into 8-connected components
(``scipy.ndimage.label``) and then:

1. *specks*: components with under ``SPECK`` of the largest one's area, or that never reach
   the ``high`` ink threshold (see ``numnet.data.imaging.ink``), are dropped, and so are those
   touching the picture's edge that never reach ``EDGE_INK`` (the edge of the paper, a dark
   margin, vignetting), and those whose mean strength is under ``MEAN_INK`` or under
   ``FAINTER`` of the strongest component's (what is left of printed lines, shadows);
2. *broken strokes*: components whose columns overlap by at least ``OVERLAP`` of the
   narrower one's width (``STACKED`` if one lies wholly above the other, a flag or a bar
   as large as the rest of its digit, and the two are no wider than ``FLAG_WIDE`` times
   their height), are at most ``GAP`` of the taller one's height apart vertically, and
   whose mean strengths are within ``ALIKE`` of each other, belong to the same digit
   (digits are written side by side, not one on the other, so pieces of one digit share
   columns and neighbours mostly do not);
3. *flags*: a piece much smaller than the tallest group (under ``SMALL`` of its height)
   that lies at a digit-sized group's top (its bottom above ``FLAG_TOP`` of the group's
   height, ``GAP`` of it beside the group at most, the two no wider than ``FLAG_WIDE``
   times their height, one pen) is that digit's flag or bar: a 5's flag or a 7's bar written
   apart from the rest, often beside the stem rather than over the bowl, so sharing few of
   its columns;
4. groups much smaller than the tallest (a decimal point, a stray mark: under ``SMALL`` of
   its height) are dropped, and the rest ordered by their left edge.  "The tallest" in
   steps 3-4 is of the groups that do not touch the picture's edge, if there are any: a
   dark band a shadow leaves along the frame is taller than a small digit, and yields to it
   (``largest``) only if the digit is still there.

A number (``row``) is grouped against the height of its row (the median height of the
groups of steps 1-2, each weighed by its ink, so that neither specks nor a tall hairline
move it), because the pieces of a broken digit are small beside the digits, not beside
each other:

- before labelling, *hairlines* are taken off the ink (``label_ink``): what is left
  of a printed line beside a stroke, a form's rule, is thinner (under ``HAIRLINE`` of the
  pen's stroke width), fainter (under ``FAINT`` of its strength) and a long straight run
  (``HAIR_LENGTH`` stroke widths), and joins neighbouring digits or makes a digit as tall as
  the page;
- in step 2 the pieces may be ``GAP`` of the row's height apart (and their union no taller
  than ``TALL`` of it);
- pieces lower than ``SMALL`` of the row (a digit broken where the pen skipped, into pieces
  none of which is a digit) are joined to each other (and to what they were joined into)
  when they are at most ``GAP`` of the row apart and their union is no larger than a digit
  (``TALL`` high, ``WIDE`` wide); a piece
  joins a digit only through step 2 (sharing its columns) or as its flag (step 3, at its
  top), so a decimal point between two digits, on the line, and a minus, at their middle,
  stay apart;
- step 4 drops groups under ``SMALL`` of the row's height instead of the tallest's, and
  those far above or below the row (``BAND``: a mark in a corner of the page);
  A thin short stroke beside the digits (``is_mark``: a touch of the pen, a stray stroke
  of the writer's) is kept here, for it may be the stem a 4 broke off; alone, it is no
  digit of the number (``numnet.data.imaging.find`` drops it).

A page may hold several numbers, one above the other (a form's two fields, a meter's two
counters): ``rows`` finds them from the vertical positions of the digit-sized groups against
the page's row height (``ROW_GAP``; neighbours in a slanted or uneven row are near each
other, two rows are a row height apart), and groups each row as above, on its own.

Before any grouping, what a writer draws *around* the writing is taken off
(``without_marks``): a circle or a box drawn or printed around a digit or a number (a
component whose box holds another one's with a margin on every side, at least
``ENCLOSED`` of its height; or what is left of a box whose straight top and bottom were
taken for paper lines: its two upright sides around the ink), and a line drawn under it
(a flat component, at most ``FLAT`` as high as wide, below the ink above it by a gap, and
as wide as that ink).  Each would be grouped with the digits it overlaps, and the network
would read a 0, a smear or a 1 at each end.

A ``Group`` is a box (x0, y0, x1, y1; ends exclusive) on the labelled page and the labels
of the components inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from numnet.data.imaging.mnist_box import stroke_width

#: components below this share of the largest component's area are specks
SPECK = 0.02
#: least mean strength of a component's pixels (pen strokes: 0.4-0.8, printed lines less)
MEAN_INK = 0.2
#: components with a mean strength under this share of the strongest one's are dropped
FAINTER = 0.5
#: ink touching the picture's edge must reach this strength somewhere to count
EDGE_INK = 0.35
#: components sharing this share of the narrower one's columns are one digit
OVERLAP = 0.5
#: ... or, one wholly above the other (a 5's flag or a 7's bar written apart, as large as
#: the rest), this share, the two no wider than ``FLAG_WIDE`` times their height ...
STACKED = 0.25
#: ... and whose rows are no further apart than this share of the taller one's height
GAP = 0.3
#: ... and whose mean ink strengths are within this ratio (one pen wrote them)
ALIKE = 0.7
#: groups lower than this share of the tallest group are not digits of the number
SMALL = 0.4
#: a piece whose bottom is above this share of a digit's height, from its top, is at its top
#: (a 5's flag, a 7's bar; a minus or a decimal point lies lower)
FLAG_TOP = 0.35
#: ... and joins it if the two are no wider than this many times their height (a 5's flag
#: may reach far beyond its bowl)
FLAG_WIDE = 1.5
#: one digit wanted: another group at least this share of its height ...
BESIDE_HEIGHT = 0.6
#: ... and of its ink may be a digit beside it (the picture holds a number)
BESIDE_INK = 0.25
#: a group at the picture's edge yields to one inside with this share of its ink (``largest``)
EDGE_YIELD = 0.1
#: in a number: a group lower than this share of the row's height ...
MARK_HEIGHT = 0.6
#: ... and narrower than this share of it is a stray mark (a pen's touch beside a digit),
#: unless it may be a piece of its neighbour
MARK_WIDTH = 0.2
#: in a number: a group is at most this many times the row's height high ...
TALL = 1.5
#: ... and pieces joined into one digit at most this many times the row's height wide
WIDE = 1.0
#: in a number: a group whose middle is more than this many row heights from the row's
#: middle line is not of the row
BAND = 1.5
#: in a page of numbers: digit-sized groups whose middles are more than this many row
#: heights apart (with no group between them nearer) are in different rows
ROW_GAP = 0.7
#: ... and a row lower than this share of the page's row height is marks, no number
ROW_LOW = 0.6
#: a component whose box holds another's, at least this share of its height high, with a
#: margin of ``FRAME_MARGIN`` of its size on every side, is a frame around the writing
ENCLOSED = 0.4
FRAME_MARGIN = 0.02
#: the two upright sides of a box are of one height and level within this share of it ...
SIDES_ALIKE = 0.05
#: ... and the ink between them at most this share of their height high
SIDES_INNER = 0.92
#: ... or at most this share, if both are fainter than ``SIDES_FAINTER`` of the faintest
#: ink between them (a printed box drawn tight around the writing: a pen's 1s at both ends
#: are as dark as its other digits)
SIDES_TIGHT = 0.96
SIDES_FAINTER = 0.9
#: an underline is at most this share of its width high ...
FLAT = 0.2
#: ... at least this share of the width of the ink above it wide ...
UNDER_WIDE = 0.8
#: ... and below it by a gap of at least this share of that ink's height, at most of its
#: whole height (``UNDER_FAR``)
UNDER_GAP = 0.04
UNDER_FAR = 1.0
#: hairlines are thinner than this share of the pen's stroke width ...
HAIRLINE = 0.34
#: ... and fainter than this share of its ink (a thin stroke of the pen is as dark as a thick)
FAINT = 0.4
#: ... and a straight run at least this many stroke widths long
HAIR_LENGTH = 2.0


@dataclass(frozen=True)
class Group:
    """One digit candidate: ``box`` (x0, y0, x1, y1) on the page and its component labels."""

    box: tuple[int, int, int, int]
    labels: tuple[int, ...]


@dataclass(frozen=True)
class Components:
    """The labelled ink of a page: ``labels`` (h, w) int32, 0 off the ink, 1..n on it."""

    labels: NDArray[np.int32]
    boxes: NDArray[np.int64]  # (n, 4) x0, y0, x1, y1 of component i + 1
    area: NDArray[np.int64]  # (n,) pixels of component i + 1
    mass: NDArray[np.float64]  # (n,) ink strength summed over component i + 1
    #: (k, 6) x0, y0, x1, y1, area, mass of the components dropped only for being small
    #: (under ``SPECK`` of the largest, at least 4 px): not labelled, for ``numnet.data.
    #: imaging.signs`` alone (a pen's decimal point is as small beside a wide digit)
    specks: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 6)))


def label(mask: NDArray[np.bool_], s: NDArray[np.float32], high: float) -> Components:
    """Label the ink ``mask`` (h, w); keep components that reach ``high`` and are no specks."""
    return _kept(_Raw.of(mask), s, high)


@dataclass(frozen=True)
class _Raw:
    """A mask's 8-connected components before any is dropped: ``labels`` (h, w) int32 (0 off
    the ink, 1..n on it), the ink's flat pixel indices ``at`` (m,), their labels ``which``
    (m,) and the components' boxes (n, 4) x0, y0, x1, y1.  Ink is a few percent of a page:
    everything after the labelling looks at its pixels only, not at the whole page."""

    labels: NDArray[np.int32]
    at: NDArray[np.intp]
    which: NDArray[np.int32]
    boxes: NDArray[np.int64]

    @staticmethod
    def of(mask: NDArray[np.bool_]) -> _Raw:
        from scipy import ndimage

        labels, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
        at = np.flatnonzero(mask)
        which = labels.reshape(-1)[at]
        y, x = np.divmod(at, mask.shape[1])
        lo = np.full((2, n + 1), max(mask.shape), np.int64)
        hi = np.zeros((2, n + 1), np.int64)
        for axis, position in enumerate((x, y)):
            np.minimum.at(lo[axis], which, position)
            np.maximum.at(hi[axis], which, position + 1)
        return _Raw(labels, at, which, np.concatenate([lo, hi]).T[1:].copy())


def _kept(raw: _Raw, s: NDArray[np.float32], high: float) -> Components:
    """The components of ``raw`` that ``label`` keeps, relabelled 1..k (in ``raw.labels``,
    which is changed)."""
    labels, which, n = raw.labels, raw.which, len(raw.boxes)
    if n == 0:
        return Components(labels, raw.boxes, np.zeros(0, np.int64), np.zeros(0))
    strength = s.reshape(-1)[raw.at]
    area = np.bincount(which, minlength=n + 1)[1:]
    mass = np.bincount(which, weights=strength, minlength=n + 1)[1:]
    strong = np.bincount(which[strength >= high], minlength=n + 1)[1:] > 0
    big = area >= max(4, SPECK * area.max())
    keep = strong & big
    # printed lines' leftovers and shadows' edges are faint beside pen strokes
    mean = mass / np.maximum(area, 1)
    inked = (mean >= MEAN_INK) & (mean >= FAINTER * mean[keep].max(initial=0))
    keep &= inked
    small = strong & ~big & inked & (area >= 4)
    specks = np.column_stack([raw.boxes[small], area[small], mass[small]]).astype(np.float64)
    # faint ink touching the edge of the picture is the paper's edge or a dark margin
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    faint = np.bincount(which[strength >= EDGE_INK], minlength=n + 1)[1:] == 0
    keep[edge[edge > 0] - 1] &= ~faint[edge[edge > 0] - 1]
    # relabel the kept ones 1..k, the rest 0
    new = np.zeros(n + 1, np.int32)
    new[1:][keep] = np.arange(1, int(keep.sum()) + 1)
    labels.reshape(-1)[raw.at] = new[which]
    return Components(labels, raw.boxes[keep], area[keep], mass[keep], specks)


def label_ink(mask: NDArray[np.bool_], s: NDArray[np.float32], high: float) -> Components:
    """``label`` of the ink ``mask`` (h, w) without its hairlines: straight runs, along a row
    or a column, at least ``HAIR_LENGTH`` stroke widths long, of the pixels that a
    morphological opening by a k x k square takes away (k = ``HAIRLINE`` of the stroke
    width, rounded, of the components ``label`` keeps; every part at least k px wide stays)
    and whose strength ``s`` is under ``FAINT`` of the pen's (the median strength of those
    components).  A thin stroke of the pen is as dark as a thick one, and a stroke broken
    where the pen skipped is joined by short faint specks, not a long straight line: both
    stay.  The ink is labelled again only if it had hairlines."""
    raw = _Raw.of(mask)
    boxes = raw.boxes
    first = _kept(raw, s, high)
    kept = first.labels > 0
    width = stroke_width(kept) if len(first.boxes) else 0.0
    k = round(HAIRLINE * width)
    if k < 2:
        return first
    run = max(k + 1, round(HAIR_LENGTH * width))
    # a hairline's run, and every k x k square of ink that keeps a pixel from being thin,
    # lies inside one component: only components at least ``run`` long can hold a
    # hairline, and the opening needs to see only the box around them
    long = (boxes[:, 2] - boxes[:, 0] >= run) | (boxes[:, 3] - boxes[:, 1] >= run)
    if not long.any():
        return first
    x0, y0 = boxes[long, :2].min(axis=0)
    x1, y1 = boxes[long, 2:].max(axis=0)
    crop, strength = mask[y0:y1, x0:x1], s[y0:y1, x0:x1]
    thin = crop & ~_opening(crop, (k, k)) & (strength < FAINT * float(np.median(s[kept])))
    hair = _opening(thin, (1, run)) | _opening(thin, (run, 1))
    if not hair.any():
        return first
    ink = mask.copy()
    ink[y0:y1, x0:x1] &= ~hair
    return label(ink, s, high)


def without_marks(c: Components) -> Components:
    """``c`` without the frames and underlines drawn around its writing (see the module
    docstring); ``c`` itself when it has none."""
    b = c.boxes
    n = len(b)
    if n < 2:
        return c
    x0, y0, x1, y1 = (b[:, i, None].astype(np.float64) for i in range(4))  # (n, 1): frame i
    w, h = x1 - x0, y1 - y0
    m = FRAME_MARGIN * np.maximum(w, h)
    bx0, by0, bx1, by1 = (b[None, :, i] for i in range(4))  # (1, n): what frame i holds
    holds = ((bx0 >= x0 + m) & (bx1 <= x1 - m) & (by0 >= y0 + m) & (by1 <= y1 - m)
             & (by1 - by0 >= ENCLOSED * h))
    drop: NDArray[np.bool_] = np.asarray(holds.any(axis=1))
    drop[_box_sides(b, c.mass / np.maximum(c.area, 1))] = True
    for i in np.flatnonzero((h[:, 0] <= FLAT * w[:, 0]) & ~drop):
        above = _ink_above(b, int(i))
        if above is not None and w[i, 0] >= UNDER_WIDE * (above[2] - above[0]):
            drop[i] = True
    if not drop.any():
        return c
    new = np.zeros(n + 1, np.int32)
    new[1:][~drop] = np.arange(1, n - int(drop.sum()) + 1)
    return replace(c, labels=new[c.labels], boxes=b[~drop], area=c.area[~drop],
                   mass=c.mass[~drop])


def _box_sides(boxes: NDArray[np.int64], strength: NDArray[np.float64]) -> list[int]:
    """The components that are the two upright sides of a box drawn around a number, whose
    top and bottom were taken for paper lines: two thin upright strokes (at most ``FLAT`` as
    wide as high) of one height and level (within ``SIDES_ALIKE`` of it), with ink between
    them that their rows hold with a margin of ``FRAME_MARGIN`` of their height, and at most
    ``SIDES_INNER`` of their height high (``SIDES_TIGHT`` if both are fainter than
    ``SIDES_FAINTER`` of the faintest ink between; ``strength`` (n,): each component's mean
    strength)."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    upright = np.flatnonzero(w <= FLAT * h)
    out: list[int] = []
    for a in upright:
        for c in upright:
            left, right = boxes[a], boxes[c]
            tall = max(h[a], h[c])
            if (left[2] >= right[0] or abs(int(h[a]) - int(h[c])) > SIDES_ALIKE * tall
                    or abs(int(left[1]) - int(right[1])) > SIDES_ALIKE * tall):
                continue
            m = FRAME_MARGIN * tall
            top, bottom = max(left[1], right[1]) + m, min(left[3], right[3]) - m
            between = ((boxes[:, 0] >= left[2]) & (boxes[:, 2] <= right[0])
                       & (boxes[:, 1] >= top) & (boxes[:, 3] <= bottom))
            if not between.any():
                continue
            faint = max(strength[a], strength[c]) < SIDES_FAINTER * strength[between].min()
            inner = boxes[between, 3].max() - boxes[between, 1].min()
            if inner <= (SIDES_TIGHT if faint else SIDES_INNER) * tall:
                out += [int(a), int(c)]
    return out


def _ink_above(boxes: NDArray[np.int64], i: int) -> NDArray[np.int64] | None:
    """The box around the components whose middle lies over flat component ``i``'s columns
    and that end above it by at most ``UNDER_FAR`` of their height; None if there are none,
    if the gap to them is under ``UNDER_GAP`` of their box's height, or if another component
    there crosses ``i``'s rows."""
    x0, y0, x1, y1 = boxes[i]
    mid = (boxes[:, 0] + boxes[:, 2]) / 2
    tall = boxes[:, 3] - boxes[:, 1]
    over = (mid >= x0) & (mid <= x1)
    over[i] = False
    if (over & (boxes[:, 3] > y0) & (boxes[:, 1] < y1)).any():
        return None
    over &= (boxes[:, 3] <= y0) & (y0 - boxes[:, 3] <= UNDER_FAR * tall)
    if not over.any():
        return None
    box = np.concatenate([boxes[over, :2].min(axis=0), boxes[over, 2:].max(axis=0)])
    return box if y0 - box[3] >= UNDER_GAP * (box[3] - box[1]) else None


def _opening(mask: NDArray[np.bool_], shape: tuple[int, int]) -> NDArray[np.bool_]:
    """``scipy.ndimage.binary_opening(mask, np.ones(shape))``, the same pixels, as a minimum
    then a maximum filter (separable, and linear in the image whatever the window): the
    dilation's window is the erosion's reflected, one pixel over along an even side."""
    from scipy import ndimage

    bytes_ = mask.view(np.uint8)
    eroded = ndimage.minimum_filter(bytes_, size=shape, mode="constant", cval=0)
    origin = [-1 if n % 2 == 0 else 0 for n in shape]
    opened = ndimage.maximum_filter(eroded, size=shape, mode="constant", cval=0, origin=origin)
    out: NDArray[np.bool_] = opened.view(np.bool_)
    return out


def groups(c: Components) -> list[Group]:
    """The digit candidates of a page, left to right (see the module docstring)."""
    found = _merge_overlapping(c)
    if not found:
        return []
    inside = [g for g in found if not _at_picture_edge(c, g)]
    tallest = max(g.box[3] - g.box[1] for g in inside or found)
    found = _join_flags(c, found, tallest)
    found = [g for g in found if g.box[3] - g.box[1] >= SMALL * tallest]
    return sorted(found, key=lambda g: g.box[0])


@dataclass(frozen=True)
class Row:
    """The digit candidates of a number, left to right, and the height of its row (px):
    the one height every later step (joins, cuts) measures against.  ``small``: the groups
    lower than ``SMALL`` of it, left to right (where ``numnet.data.imaging.signs`` looks for
    a decimal point or a minus)."""

    groups: list[Group]
    height: float
    small: list[Group] = field(default_factory=list)


def row(c: Components, among: Sequence[int] | None = None) -> Row:
    """The digits of a number, left to right: grouped against the row's height (see the
    module docstring); of the components ``among`` (labels) only, if given."""
    found = _merge_overlapping(c, among=among)
    if not found:
        return Row([], 0.0)
    height = row_height(c, found)
    joined = _join_flags(c, _join_pieces(c, _merge_overlapping(c, height, among), height), height)
    found = [g for g in joined if g.box[3] - g.box[1] >= SMALL * height]
    small = [g for g in joined if g.box[3] - g.box[1] < SMALL * height]
    by_x = sorted(_in_band(c, found, height), key=lambda g: g.box[0])
    return Row(by_x, height, sorted(small, key=lambda g: g.box[0]))


def rows(c: Components) -> list[Row]:
    """The numbers of a page, top to bottom, each a ``row`` (see the module docstring): the
    page's digit-sized components (at least ``SMALL`` of the page's row height,
    ``row_height`` of all its components: the pieces of a digit in one row and a digit above
    another in the next are not yet joined) sorted by their middles and cut where two
    neighbouring middles are more than ``ROW_GAP`` row heights apart; every other component
    goes to the row of the digit-sized one nearest it.  A row lower than ``ROW_LOW`` of the
    page's (its own ``row_height``) is marks, and one whose digit-sized components all
    touch the picture's edge is the edge of the paper or of a shadow: no number.  A page of
    one row is ``row(c)``."""
    found = _singles(c)
    if not found:
        return []
    height = row_height(c, found)
    digits = sorted(
        (g for g in found if g.box[3] - g.box[1] >= SMALL * height),
        key=lambda g: g.box[1] + g.box[3],
    )
    middles = np.array([(g.box[1] + g.box[3]) / 2 for g in digits])
    cuts = np.flatnonzero(np.diff(middles) > ROW_GAP * height) + 1
    lines = np.split(np.arange(len(digits)), cuts)
    if len(lines) < 2:
        return [row(c)]
    line_of = {digits[i]: k for k, part in enumerate(lines) for i in part}
    members: list[list[Group]] = [[] for _ in lines]
    for g in found:
        k = line_of.get(g)
        if k is None:
            k = line_of[min(digits, key=lambda d: _distance(g.box, d.box))]
        members[k].append(g)
    h, w = c.labels.shape
    kept = [
        m
        for m in members
        if row_height(c, [g for g in m if g in line_of]) >= ROW_LOW * height
        and not all(_at_edge(g.box, w, h) for g in m if g in line_of)
    ]
    if len(kept) < 2:
        return [row(c)]
    return [row(c, [i for g in m for i in g.labels]) for m in kept]


def _at_edge(box: tuple[int, int, int, int], w: int, h: int) -> bool:
    """The box touches the edge of a picture ``w`` x ``h``."""
    return box[0] == 0 or box[1] == 0 or box[2] == w or box[3] == h


def _distance(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """The gap between two boxes (0 if they overlap)."""
    dx = max(0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))


def _in_band(c: Components, found: list[Group], height: float) -> list[Group]:
    """The groups of ``found`` whose middle is at most ``BAND`` row heights above or below
    the row's middle line (the median of their middles, each weighed by its ink): a mark in
    a corner of the page, far from the number, is none of its digits."""
    if not found:
        return found
    middle = np.array([(g.box[1] + g.box[3]) / 2 for g in found], np.float64)
    line = _ink_median(c, found, middle)
    return [g for g, m in zip(found, middle, strict=True) if abs(m - line) <= BAND * height]


def is_mark(g: Group, height: float) -> bool:
    """A stray mark, no digit of a row ``height`` px high if it stands alone (it may be the
    stem a 4 broke off, see ``split.joins``): lower than ``MARK_HEIGHT`` and narrower than
    ``MARK_WIDTH`` of the row (a real 1 that short is wider: written smaller, not thinner)."""
    return g.box[3] - g.box[1] < MARK_HEIGHT * height and g.box[2] - g.box[0] < MARK_WIDTH * height


def largest(c: Components, found: list[Group]) -> Group:
    """The group with the most ink (the digit of a one-digit image): the strength summed,
    so that a wide faint smudge at a shadow's edge loses to a pen stroke.  A group that
    touches the picture's edge yields to the largest one inside it that has ``EDGE_YIELD``
    of its ink: the dark corner a hard shadow leaves at the edge is no digit, and a digit
    the frame cuts through could not be read anyway."""
    def mass(g: Group) -> float:
        return _mass(c, g)

    best = max(found, key=mass)
    inside = [g for g in found if not _at_picture_edge(c, g)]
    if inside and _at_picture_edge(c, best):
        other = max(inside, key=mass)
        if mass(other) >= EDGE_YIELD * mass(best):
            return other
    return best


def _mass(c: Components, g: Group) -> float:
    """The ink strength summed over ``g``'s components."""
    return float(c.mass[[i - 1 for i in g.labels]].sum())


def _at_picture_edge(c: Components, g: Group) -> bool:
    """``g``'s box touches the edge of the labelled picture."""
    h, w = c.labels.shape
    return _at_edge(g.box, w, h)


def beside(c: Components, found: list[Group], chosen: Group) -> int:
    """How many groups of ``found`` besides ``chosen`` (the largest) may be digits beside
    it: at least ``BESIDE_HEIGHT`` of its height and ``BESIDE_INK`` of its ink (a picture of
    a number, read as one digit), and not at the picture's edge when ``chosen`` is not."""
    height, ink = chosen.box[3] - chosen.box[1], _mass(c, chosen)
    inside = not _at_picture_edge(c, chosen)  # then what the edge cuts is none (``largest``)
    return sum(g != chosen and g.box[3] - g.box[1] >= BESIDE_HEIGHT * height
               and _mass(c, g) >= BESIDE_INK * ink and not (inside and _at_picture_edge(c, g))
               for g in found)


def member_mask(c: Components, g: Group) -> NDArray[np.bool_]:
    """(y1 - y0, x1 - x0) bool: the pixels of ``g``'s own components inside its box."""
    x0, y0, x1, y1 = g.box
    crop = c.labels[y0:y1, x0:x1]
    return np.isin(crop, np.array(g.labels, np.int32))


def _merge_overlapping(
    c: Components, height: float = 0.0, among: Sequence[int] | None = None
) -> list[Group]:
    """Join components (those labelled ``among``, if given) whose columns overlap (pieces of
    one digit), until none do; with a row ``height``, as far apart as ``GAP`` of it, into
    groups at most ``TALL`` of it high."""
    found = _singles(c, among)
    merged = True
    while merged:
        merged = False
        found.sort(key=lambda g: g.box[0])
        out: list[Group] = []
        for g in found:
            for k, h in enumerate(out):
                shared = min(g.box[2], h.box[2]) - max(g.box[0], h.box[0])
                narrower = min(g.box[2] - g.box[0], h.box[2] - h.box[0])
                gap = max(g.box[1], h.box[1]) - min(g.box[3], h.box[3])
                taller = max(g.box[3] - g.box[1], h.box[3] - h.box[1], height)
                tall = max(g.box[3], h.box[3]) - min(g.box[1], h.box[1])
                wide = max(g.box[2], h.box[2]) - min(g.box[0], h.box[0])
                on_top = gap >= 0 and wide <= FLAG_WIDE * tall
                if (
                    (shared >= OVERLAP * narrower or on_top and shared >= STACKED * narrower)
                    and gap <= GAP * taller
                    and (height == 0 or tall <= TALL * height)
                    and _alike(c, g, h)
                ):
                    out[k] = union(h, g)
                    merged = True
                    break
            else:
                out.append(g)
        found = out
    return found


def _singles(c: Components, among: Sequence[int] | None = None) -> list[Group]:
    """Each component (of those labelled ``among``, if given) a group of its own."""
    chosen = range(1, len(c.boxes) + 1) if among is None else sorted(among)
    boxes = [c.boxes[i - 1] for i in chosen]
    return [
        Group((int(b[0]), int(b[1]), int(b[2]), int(b[3])), (i,))
        for i, b in zip(chosen, boxes, strict=True)
    ]


def row_height(c: Components, found: list[Group]) -> float:
    """The height of a row of digits: the median height of ``found``, each group weighed by
    its ink (summed strength), so that neither specks nor a tall hairline move it."""
    return _ink_median(c, found, np.array([g.box[3] - g.box[1] for g in found], np.float64))


def _ink_median(c: Components, found: list[Group], values: np.ndarray) -> float:
    """The median of ``values`` (one per group of ``found``), each weighed by its group's ink
    (summed strength)."""
    ink = np.array([_mass(c, g) for g in found])
    order = np.argsort(values)
    cum = np.cumsum(ink[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def _join_pieces(c: Components, found: list[Group], height: float) -> list[Group]:
    """Join pieces lower than ``SMALL`` of the row ``height`` (and what they were joined
    into) that are at most ``GAP`` of it apart (in x or y), the nearest first, while their
    union stays digit-sized."""
    rest = [g for g in found if g.box[3] - g.box[1] >= SMALL * height]
    pieces = [g for g in found if g.box[3] - g.box[1] < SMALL * height]
    while True:
        best: tuple[float, int, int] | None = None
        for i, a in enumerate(pieces):
            for j in range(i + 1, len(pieces)):
                b = pieces[j]
                u = union(a, b).box
                far = max(
                    max(a.box[0], b.box[0]) - min(a.box[2], b.box[2]),
                    max(a.box[1], b.box[1]) - min(a.box[3], b.box[3]),
                )
                if (
                    far <= GAP * height
                    and u[3] - u[1] <= TALL * height
                    and u[2] - u[0] <= WIDE * height
                    and _alike(c, a, b)
                    and (best is None or far < best[0])
                ):
                    best = (far, i, j)
        if best is None:
            return rest + pieces
        _, i, j = best
        joined = union(pieces[i], pieces[j])
        pieces = [g for k, g in enumerate(pieces) if k not in (i, j)] + [joined]


def _join_flags(c: Components, found: list[Group], height: float) -> list[Group]:
    """Join each piece lower than ``SMALL`` of ``height`` that lies at the top of a group
    at least that high (step 3 of the module docstring) into the nearest such group."""
    digits = [g for g in found if g.box[3] - g.box[1] >= SMALL * height]
    pieces = [g for g in found if g.box[3] - g.box[1] < SMALL * height]
    kept: list[Group] = []
    for p in pieces:
        best: tuple[int, int] | None = None  # (horizontal gap, index into digits)
        for k, d in enumerate(digits):
            dh = d.box[3] - d.box[1]
            apart = max(p.box[0], d.box[0]) - min(p.box[2], d.box[2])  # < 0: shared columns
            u = union(p, d).box
            if (
                p.box[3] <= d.box[1] + FLAG_TOP * dh
                and p.box[1] >= d.box[1] - GAP * dh
                and apart <= GAP * dh
                and u[2] - u[0] <= FLAG_WIDE * (u[3] - u[1])
                and _alike(c, p, d)
                and (best is None or apart < best[0])
            ):
                best = (apart, k)
        if best is None:
            kept.append(p)
        else:
            digits[best[1]] = union(digits[best[1]], p)
    return digits + kept


def _alike(c: Components, a: Group, b: Group) -> bool:
    """Pieces of one digit are written with one pen: mean strengths within ``ALIKE``."""
    ia, ib = [i - 1 for i in a.labels], [i - 1 for i in b.labels]
    ma = c.mass[ia].sum() / c.area[ia].sum()
    mb = c.mass[ib].sum() / c.area[ib].sum()
    return bool(min(ma, mb) >= ALIKE * max(ma, mb))


def union(a: Group, b: Group) -> Group:
    """The group of the components of ``a`` and ``b``, in the box around both."""
    box = (
        min(a.box[0], b.box[0]),
        min(a.box[1], b.box[1]),
        max(a.box[2], b.box[2]),
        max(a.box[3], b.box[3]),
    )
    return Group(box, a.labels + b.labels)
