"""Every picture numnet draws.

Each function builds and returns a Matplotlib ``Figure``; nothing here reads data or
decides what to draw beyond the arrays it is given.  ``save_figure`` writes a figure to a
PNG atomically (through ``numnet.atomic``) and closes it, so long runs do not pile up open
figures.  Matplotlib is imported here only, on first use, so ``import numnet`` stays light;
without a display (a server, CI) the non-interactive Agg backend is chosen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from numnet.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: dots per inch for saved pictures: a 6-inch-wide figure becomes 600 px
DPI = 100


def _pyplot() -> Any:
    """Import pyplot, choosing Agg first when there is no screen to draw on."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` to ``path`` as a PNG (atomically), close it, and return the path."""
    path = Path(path)
    try:
        with atomic_write(path) as f:
            fig.savefig(f, format="png", dpi=DPI)
    finally:
        _pyplot().close(fig)
    return path


def _as_image(image: ArrayLike) -> np.ndarray:
    """Any one digit, (784,), (28, 28) or (1, 28, 28), to a (28, 28) array for imshow."""
    return np.asarray(image).reshape(28, 28)


def _draw_digit(ax: Any, image: ArrayLike, title: str | None = None) -> None:
    """One digit in gray, ink bright as in MNIST, without ticks."""
    img = _as_image(image)
    vmax = 255 if img.dtype == np.uint8 else 1
    ax.imshow(img, cmap="gray", vmin=0, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)


def _draw_bars(ax: Any, probs: ArrayLike, label: int | None = None) -> None:
    """Ten probability bars on ``ax``; the most probable class is highlighted.

    If ``label`` is given and is not the most probable class, its bar is red.
    """
    p = np.asarray(probs, dtype=np.float64).reshape(-1)
    best = int(p.argmax())
    colors = ["tab:gray"] * p.size
    colors[best] = "tab:blue"
    if label is not None and int(label) != best:
        colors[int(label)] = "tab:red"
    ax.bar(np.arange(p.size), p, color=colors)
    ax.set_xticks(np.arange(p.size))
    ax.set_ylim(0, 1.1)  # room for the percentage above a full bar
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel("digit")
    ax.set_ylabel("probability")
    ax.grid(axis="y", alpha=0.3)
    ax.text(best, p[best] + 0.02, f"{p[best]:.0%}", ha="center", va="bottom")


def digit_prediction(
    image: ArrayLike,
    predicted: int,
    actual: int | None = None,
    probs: ArrayLike | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """One digit with its prediction (the tutorial's ``show_prediction`` picture).

    image : (28, 28) or (784,), uint8 or float in [0, 1]
    probs : (10,) class probabilities; if given, drawn as bars beside the image.
    The image's title reads ``predicted: 3   actual: 3`` (actual omitted when unknown);
    ``title``, if given, goes above everything (a file name, say).
    """
    plt = _pyplot()
    caption = f"predicted: {int(predicted)}"
    if actual is not None:
        caption += f"   actual: {int(actual)}"
    if probs is None:
        fig, ax = plt.subplots(figsize=(4, 4.3))
        _draw_digit(ax, image, caption)
    else:
        fig, (ax_img, ax_bar) = plt.subplots(
            1, 2, figsize=(8, 4), gridspec_kw={"width_ratios": [1, 1.3]}
        )
        _draw_digit(ax_img, image, caption)
        _draw_bars(ax_bar, probs, actual)
        ax_bar.set_title("what the network believes")
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
