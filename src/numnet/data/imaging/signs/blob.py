"""A sign's candidate: a small group of a row's ink, or a speck too small to be labelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from numnet.data.imaging.components import Components, Group

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Blob:
    """``box`` (x0, y0, x1, y1) on the labelled page, ``area`` (px), ``ink`` (its mean
    strength), ``group`` (None for a speck, which has no labelled pixels)."""

    box: Box
    area: float
    ink: float
    group: Group | None = None


def of_group(c: Components, g: Group) -> Blob:
    """The blob of a group of ``c``'s components."""
    i = [k - 1 for k in g.labels]
    area = float(c.area[i].sum())
    return Blob(g.box, area, float(c.mass[i].sum()) / area, g)


def specks(c: Components) -> list[Blob]:
    """The blobs of ``c.specks``."""
    return [
        Blob((int(b[0]), int(b[1]), int(b[2]), int(b[3])), float(b[4]), float(b[5] / b[4]))
        for b in c.specks
    ]


def mean_ink(c: Components, groups: Sequence[Group]) -> float:
    """The mean strength of the components of ``groups``."""
    i = [k - 1 for g in groups for k in g.labels]
    return float(c.mass[i].sum() / c.area[i].sum())
