"""Every picture numnet draws.

Each function builds and returns a Matplotlib ``Figure``; nothing here reads data or
decides what to draw beyond the arrays it is given.  ``save_figure`` writes a figure to a
PNG atomically (through ``numnet.core.atomic``) and closes it, so long runs do not pile up
open figures; ``show`` shows one now.  Matplotlib is imported here only, on first use, so
``import numnet`` stays light; without a display (a server, CI) the non-interactive Agg
backend is chosen.

In a notebook (Matplotlib's inline backend) a figure shows once, as the cell's value: it is
not left open in pyplot, which would show it a second time when the cell ends.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import ArrayLike

from numnet.core.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage

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


def _inline() -> bool:
    """True in a notebook: Matplotlib draws figures into the cell's output."""
    import matplotlib

    return "inline" in matplotlib.get_backend().lower()


def _subplots(*args: Any, **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots``; in a notebook the figure is then let go by pyplot, so that it shows
    once, as the cell's value (see the module docstring)."""
    plt = _pyplot()
    fig, axes = plt.subplots(*args, **kwargs)
    if _inline():
        plt.close(fig)
    return fig, axes


def show(fig: Figure) -> None:
    """Show ``fig`` now: in a notebook's output, else in pyplot's window (``plt.show()``)."""
    if _inline():
        from IPython.display import display

        display(fig)
    else:
        _pyplot().show()


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
    caption = f"predicted: {int(predicted)}"
    if actual is not None:
        caption += f"   actual: {int(actual)}"
    if probs is None:
        fig, ax = _subplots(figsize=(4, 4.3))
        _draw_digit(ax, image, caption)
    else:
        fig, (ax_img, ax_bar) = _subplots(
            1, 2, figsize=(8, 4), gridspec_kw={"width_ratios": [1, 1.3]}
        )
        _draw_digit(ax_img, image, caption)
        _draw_bars(ax_bar, probs, actual)
        ax_bar.set_title("what the network believes")
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def probability_bars(probs: ArrayLike, label: int | None = None) -> Figure:
    """The network's ten probabilities for one image as a bar chart.

    probs : (10,) class probabilities.  If ``label`` (the true digit) is given and the
    network got it wrong, the true digit's bar is red.
    """
    fig, ax = _subplots(figsize=(6, 4))
    _draw_bars(ax, probs, label)
    best = int(np.argmax(probs))
    title = f"probabilities: predicted {best}"
    if label is not None:
        title += f", actual {int(label)}"
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _tiles(
    n: int, tile: tuple[float, float] = (1.6, 1.8), max_cols: int = 8
) -> tuple[Figure, np.ndarray]:
    """A figure with ``n`` image axes of ``tile`` inches in a near-square grid."""
    cols = min(max_cols, max(1, int(np.ceil(np.sqrt(n)))))
    rows = max(1, int(np.ceil(n / cols)))
    size = (tile[0] * cols + 0.6, tile[1] * rows + 0.6)
    fig, axes = _subplots(rows, cols, figsize=size, layout="constrained")
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[n:]:
        ax.axis("off")
    return fig, axes


def _mark_wrong(ax: Any) -> None:
    """A red frame around a tile and a red title: this one was misread."""
    ax.title.set_color("tab:red")
    for spine in ax.spines.values():
        spine.set_edgecolor("tab:red")
        spine.set_linewidth(3)


def prediction_grid(images: ArrayLike, predicted: ArrayLike, actual: ArrayLike) -> Figure:
    """Digits labelled ``predicted (actual)``; the wrong ones framed and titled in red.

    images : (n, 28, 28) or (n, 784); predicted, actual : (n,) int.  Draws all n, so pass a
    slice (25 to 64 reads well).
    """
    images = np.asarray(images)
    predicted, actual = np.asarray(predicted).ravel(), np.asarray(actual).ravel()
    n = len(images)
    fig, axes = _tiles(n)
    for ax, img, p, a in zip(axes, images, predicted, actual, strict=False):
        _draw_digit(ax, img, f"{p} (true {a})")
        if p != a:
            _mark_wrong(ax)
    right = int((predicted == actual).sum())
    fig.suptitle(f"predicted (true): {right} of {n} right, wrong ones in red", fontsize=13)
    return fig


def confident_mistakes(
    images: ArrayLike, probs: ArrayLike, labels: ArrayLike, k: int = 16
) -> Figure:
    """The ``k`` mistakes the network was surest of, most confident first.

    images : (n, 28, 28) or (n, 784); probs : (n, 10); labels : (n,) true digits.
    Each tile reads ``predicted 3 (98%)`` over ``actual 5``: often a badly written digit,
    sometimes a wrong label in the data set.
    """
    images, probs, labels = np.asarray(images), np.asarray(probs), np.asarray(labels).ravel()
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probs[wrong, predicted[wrong]]
    chosen = wrong[np.argsort(-confidence, kind="stable")[:k]]
    fig, axes = _tiles(max(len(chosen), 1), tile=(2.0, 2.3))
    for ax, i in zip(axes, chosen, strict=False):
        _draw_digit(ax, images[i], f"predicted {predicted[i]} ({probs[i, predicted[i]]:.0%})")
        ax.set_xlabel(f"actual {labels[i]}")
        _mark_wrong(ax)
    if len(chosen) == 0:
        axes[0].axis("off")
        axes[0].text(0.5, 0.5, "no mistakes", ha="center", va="center", fontsize=14)
    fig.suptitle(
        f"the {len(chosen)} most confident mistakes ({len(wrong)} mistakes in {len(labels)})",
        fontsize=13,
    )
    return fig


def confusion_matrix(cm: ArrayLike) -> Figure:
    """Counts of (actual, predicted) pairs, every cell annotated.

    cm : (10, 10) int, rows the actual digit, columns the predicted one (the layout of
    scikit-learn's ``confusion_matrix``).  Colour is the share of the row, so a row's
    mistakes show up whatever the digit's frequency.
    """
    cm = np.asarray(cm)
    k = cm.shape[0]
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = _subplots(figsize=(7.5, 6.5))
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for r in range(k):
        for c in range(k):
            if cm[r, c]:
                color = "white" if share[r, c] > 0.5 else ("tab:red" if r != c else "black")
                ax.text(c, r, str(cm[r, c]), ha="center", va="center", fontsize=9, color=color)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    accuracy = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(f"confusion matrix: {accuracy:.2%} of {cm.sum()} right")
    fig.colorbar(im, ax=ax, label="share of the actual digit")
    fig.tight_layout()
    return fig


def training_curves(history: dict[str, list[float]]) -> Figure:
    """Loss and accuracy per epoch, training against validation, in two panels.

    history : the ``History.history`` dict, keys ``loss``, ``accuracy`` and optionally
    ``val_loss``, ``val_accuracy`` (one value per epoch).  Validation loss turning up while
    training loss keeps falling is overfitting.
    """
    fig, (ax_loss, ax_acc) = _subplots(1, 2, figsize=(11, 4.5))
    for ax, key, name in ((ax_loss, "loss", "loss"), (ax_acc, "accuracy", "accuracy")):
        for prefix, label, style in (("", "training", "-o"), ("val_", "validation", "--s")):
            values = history.get(prefix + key)
            if values is not None and len(values):
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, label=label, markersize=4)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if ax.lines:
            ax.legend()
    fig.suptitle("training curves", fontsize=13)
    fig.tight_layout()
    return fig


def first_layer_weights(W: ArrayLike, max_units: int = 64) -> Figure:
    """What each first-layer unit looks for: its 784 input weights as a 28x28 picture.

    W : (784, units) as in ``nn.Dense`` or (units, 784) as in the classic network's ``W1``.
    Red pixels push the unit up, blue pull it down; one colour scale for all tiles (the
    99.5th percentile of |W|), so strong units stand out.  At most ``max_units`` are drawn.
    """
    W = np.asarray(W)
    if W.ndim != 2 or 784 not in W.shape:
        raise ValueError(f"first-layer weights must be (784, units) or (units, 784), got {W.shape}")
    tiles = (W.T if W.shape[0] == 784 else W)[:max_units].reshape(-1, 28, 28)
    limit = float(np.percentile(np.abs(tiles), 99.5)) or 1.0
    fig, axes = _tiles(len(tiles), tile=(1.3, 1.3))
    im = None
    for ax, tile in zip(axes, tiles, strict=False):
        im = ax.imshow(tile, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    units = W.shape[1] if W.shape[0] == 784 else W.shape[0]
    fig.suptitle(
        f"first-layer weights: units 0-{len(tiles) - 1} of {units}, one 28x28 tile each",
        fontsize=13,
    )
    # tiles is never empty here (np.percentile refuses an empty W above), so im is an image
    fig.colorbar(cast("AxesImage", im), ax=list(axes), shrink=0.6,
                 label="weight (red excites, blue inhibits)")
    return fig
