"""Training curves, and E1's picture of a linear stack collapsing to one line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

from mlplab._typing import Model
from mlplab.engine.callbacks import History
from mlplab.engine.collapse import collapse_linear
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz._grid import check_plane, engine_model
from mlplab.viz.boundary import plot_decision_boundary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _history_dict(history):
    if isinstance(history, History):
        return history.history
    if isinstance(history, dict):
        return history
    if hasattr(history, "loss_curve_"):  # an mlplab or scikit-learn estimator
        curves = {"loss": list(history.loss_curve_)}
        if getattr(history, "validation_scores_", None):
            curves["val_score"] = list(history.validation_scores_)
        return curves
    raise InvalidInputError(f"plot_history takes a History (from fit), a dict of lists or a "
                            f"fitted estimator; got {type(history).__name__}.")


def plot_history(history: History | Mapping[str, Sequence[float]] | Any, *, ax: Axes | None = None,
                 log_loss: bool = False, label: str | None = None, color: Any = None) -> Figure:
    """Loss (left) and metrics (right) per epoch, training solid and validation dashed.

    Several runs can share the axes: pass the first call's axes as ``ax`` to the next
    and give each run a ``label``. Each run drawn on the same axes gets its own colour
    (blue, then green, purple, ...) unless ``color`` is given, and its legend entries
    start with its label ("adam: train loss").

    Parameters
    ----------
    history : History, dict of lists, or fitted estimator (``loss_curve_``)
    ax : Axes or pair of Axes, optional
        One Axes draws the losses only.
    log_loss : bool
        Logarithmic loss axis.
    label : str, optional
        The run's name in the legend.
    color : colour, optional
        The run's colour (its metrics then share it, told apart by marker).

    Returns
    -------
    matplotlib.figure.Figure
    """
    curves = _history_dict(history)
    if not curves.get("loss"):
        raise InvalidInputError("plot_history: the history has no 'loss' values; train first.")
    metrics = sorted({k.removeprefix("val_") for k in curves} - {"loss", "lr"})
    if ax is None:
        panels = 2 if metrics else 1
        fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.6), layout="constrained")
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(ax)  # type: ignore[call-overload]  # (an Axes or several)
        fig = axes[0].figure
    run = getattr(fig, "history_runs", 0)  # runs drawn on this figure before this one
    fig.history_runs = run + 1  # type: ignore[union-attr]  # (an attribute of ours)
    prefix = f"{label}: " if label else ""
    groups = [["loss"], metrics][: len(axes)]
    for panel, names in zip(axes, groups, strict=False):
        for index, name in enumerate(names):
            line_color = color or style.class_color(1 + run + index)
            marker = None if color is None or index == 0 else "os^vD"[index % 5]
            style_of = {"color": line_color, "marker": marker, "markevery": 0.1}
            if name in curves:
                epochs = np.arange(1, len(curves[name]) + 1)
                panel.plot(epochs, curves[name], label=f"{prefix}train {name}", **style_of)
            if f"val_{name}" in curves:
                panel.plot(np.arange(1, len(curves[f"val_{name}"]) + 1), curves[f"val_{name}"],
                           linestyle="--", label=f"{prefix}validation {name}", **style_of)
        panel.set_xlabel("epoch")
        panel.grid(alpha=0.3)
        panel.legend(fontsize=8)
    axes[0].set_ylabel("loss")
    if log_loss:
        axes[0].set_yscale("log")
    return fig


def plot_linear_collapse(model: Model, X: ArrayLike, y: ArrayLike, *,
                         features: tuple[int, int] | None = None, resolution: int = 200) -> Figure:
    """E1's point: a stack with no hidden non-linearity is one linear map.

    Left: the stack's decision regions with the line ``x @ w + b = 0`` of the
    collapsed weights drawn over them (they coincide). Right: the layer
    matrices, their product ``w`` and the collapsed bias ``b``.

    Parameters
    ----------
    model : Sequential or NetClassifier
        A fitted binary classifier whose hidden layers are all linear.
    X, y : array-like
        Points of the plane, shape (n_samples, 2), and their labels.
    features : pair of int, optional
        The two columns of a wider ``X`` to plot, e.g. ``(0, 2)``.
    resolution : int
        Grid points per side of the decision-region image.

    Returns
    -------
    matplotlib.figure.Figure
        ``figure.collapsed`` holds ``(w, b)``.
    """
    network = engine_model(model, "plot_linear_collapse")
    X = check_plane(X, features)
    kernel, bias = collapse_linear(network)
    if kernel.shape[1] != 1:
        raise InvalidInputError("plot_linear_collapse draws binary classifiers (one output "
                                f"unit); this one has {kernel.shape[1]}.")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained",
                                      gridspec_kw={"width_ratios": [1.1, 1]})
    plot_decision_boundary(network, X, y, ax=left, resolution=resolution, legend=False,
                           title="the stack's decision regions")
    (w1, w2), b = kernel[:, 0], bias[0]
    xs = np.array(left.get_xlim())
    if abs(w2) > 1e-12:
        left.plot(xs, -(w1 * xs + b) / w2, "k--", linewidth=2, label="$w \\cdot x + b = 0$")
    else:
        left.axvline(-b / w1, color="black", linestyle="--", label="$w \\cdot x + b = 0$")
    left.set_xlim(xs)
    left.legend(loc="lower left", fontsize=9)
    kernels = [layer.kernel for layer in network.layers if hasattr(layer, "kernel")]
    right.set_axis_off()
    _matrix_chain(right, kernels, kernel)
    shapes = " · ".join(f"{k.shape[0]}x{k.shape[1]}" for k in kernels)
    lines = [f"$W_1 W_2 \\cdots W_L$ ({shapes}) $= w$", "",
             f"$w = ({w1:.3f},\\ {w2:.3f})$,  $b = {b:.3f}$",
             "prediction = sigmoid($x \\cdot w + b$)", "",
             f"{network.count_params()} parameters, {kernel.size + bias.size} of them effective"]
    right.text(0.02, 0.40, "\n".join(lines), va="top", fontsize=11, transform=right.transAxes)
    right.set_title("the stack is one linear map", fontsize=12)
    fig.collapsed = (kernel, bias)
    return fig


def _matrix_chain(ax, kernels, product):
    """The layer matrices, multiplied, as small annotated heat maps: W1 · W2 · ... = w."""
    items = [(f"$W_{{{i + 1}}}$", k) for i, k in enumerate(kernels)] + [("$w$", product)]
    widths = np.array([matrix.shape[1] for _, matrix in items], dtype=float)
    gap, height = 0.05, 0.42
    scale = min(0.16, (0.96 - gap * (len(items) - 1)) / widths.sum())
    largest = max(float(np.abs(matrix).max()) for _, matrix in items) or 1.0
    left = 0.02
    for index, (name, matrix) in enumerate(items):
        width = scale * matrix.shape[1]
        tall = min(height, scale * matrix.shape[0])
        inset = ax.inset_axes([left, 0.52 + (height - tall) / 2, width, tall])
        inset.imshow(matrix, cmap=style.DIVERGING, vmin=-largest, vmax=largest,
                     aspect="auto")
        if matrix.size <= 16:  # numbers only where they are readable
            for (row, column), value in np.ndenumerate(matrix):
                inset.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7)
        inset.set_xticks([]), inset.set_yticks([])
        inset.set_title(name, fontsize=10)
        left += width
        if index < len(items) - 1:
            ax.text(left + gap / 2, 0.52 + height / 2, "=" if index == len(items) - 2 else "·",
                    ha="center", va="center", fontsize=14, transform=ax.transAxes)
            left += gap
