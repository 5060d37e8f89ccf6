"""Training health over time: weights, gradients and activations per layer, and what dies.

Draws what :class:`mlplab.engine.health.TrainingHealth` recorded: per layer, quantile
bands over the epochs of its weights, gradients and activations (5-95% pale, 25-75%
darker, the median as a line, rows sharing one scale so layers compare at a glance); the
gradient norm of every layer (log scale, layer by layer, one line per record coloured by
epoch: vanishing gradients are a line falling towards the input); and the fractions of
dead ReLUs and saturated sigmoid/tanh units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from mlplab._typing import Model
from mlplab.engine.callbacks import History
from mlplab.errors import InvalidInputError
from mlplab.viz import style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mlplab.engine.health import TrainingHealth

MAX_LAYER_COLUMNS = 6  # more layers: the first, the last and evenly spaced ones between
ROWS = (("weights", "weights"), ("gradients", "gradients of the weights"),
        ("activations", "activations"))
EPOCH_COLORS = colormaps["viridis"]


def _recorder(source):
    """The TrainingHealth behind ``source``: itself, a History, a model or an estimator."""
    from mlplab.engine.health import TrainingHealth

    for candidate in (source, getattr(source, "health", None),
                      getattr(getattr(source, "history", None), "health", None),
                      getattr(getattr(getattr(source, "model_", None), "history", None),
                              "health", None)):
        if isinstance(candidate, TrainingHealth):
            return candidate
    raise InvalidInputError(
        f"plot_training_health needs what a TrainingHealth callback recorded; "
        f"{type(source).__name__} has none. Train with it: health = TrainingHealth(X, y); "
        "history = model.fit(X, y, callbacks=[health]); then pass history (or health).")


def shown_layers(n_layers, most=MAX_LAYER_COLUMNS):
    """Which layers get a column: all of them, or the first, the last and some between."""
    if n_layers <= most:
        return list(range(n_layers))
    return sorted(set(np.linspace(0, n_layers - 1, most).round().astype(int).tolist()))


def plot_training_health(source: TrainingHealth | History | Model, *,
                         panel_size: tuple[float, float] = (2.3, 1.7)) -> Figure:
    """Per-layer health of a training run, from a :class:`TrainingHealth` recording.

    Parameters
    ----------
    source : TrainingHealth, History, Sequential or estimator
        The recorder, or what carries it (``fit``'s History, the trained model).
    panel_size : (width, height)
        Inches per small panel.

    Returns
    -------
    matplotlib.figure.Figure
        ``figure.band_axes[row][column]`` are the quantile panels (rows: weights,
        gradients, activations); ``figure.norm_axes`` the gradient norms by layer,
        ``figure.fraction_axes`` the dead and saturated fractions.
    """
    records = _recorder(source)
    arrays = records.arrays()
    columns = shown_layers(len(records.layer_names))
    width, height = panel_size
    figure = plt.figure(figsize=(width * max(len(columns), 4), height * 3 + 2.9),
                        layout="constrained")
    grid = figure.add_gridspec(4, len(columns), height_ratios=[1, 1, 1, 1.6])
    figure.band_axes = [_band_row(figure, grid, row, key, label, arrays, columns,
                                  records.layer_names) for row, (key, label) in enumerate(ROWS)]
    bottom = grid[3, :].subgridspec(1, 2, width_ratios=[1.25, 1])
    figure.norm_axes = _norm_panel(figure.add_subplot(bottom[0, 0]), arrays)
    figure.fraction_axes = _fraction_panel(figure.add_subplot(bottom[0, 1]), arrays, columns)
    shown = "" if len(columns) == len(records.layer_names) else (
        f" (layers {', '.join(str(c + 1) for c in columns)} of {len(records.layer_names)})")
    figure.suptitle(f"training health on {len(records._batch[0])} training rows{shown}: "
                    "bands 5-95% (pale), 25-75%, median", fontsize=10)
    return figure


def _band_row(figure, grid, row, key, label, arrays, columns, names):
    axes, first = [], None
    for column, layer in enumerate(columns):
        ax = figure.add_subplot(grid[row, column], sharey=first, sharex=first)
        first = first or ax
        _bands(ax, arrays["epochs"], arrays[key][:, layer, :], arrays["quantiles"])
        if row == 0:
            ax.set_title(f"layer {layer + 1}: {names[layer].split(' (')[1][:-1]}", fontsize=8)
        if column == 0:
            ax.set_ylabel(label, fontsize=8)
        else:
            ax.tick_params(labelleft=False)
        if row == len(ROWS) - 1:
            ax.set_xlabel("epoch", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
        axes.append(ax)
    return axes


def _bands(ax, epochs, values, quantiles):
    """Quantile bands: the outermost pair pale, the next pair darker, the median a line."""
    count = len(quantiles)
    for index in range(count // 2):
        ax.fill_between(epochs, values[:, index], values[:, count - 1 - index],
                        color=style.HIGH, alpha=0.18 + 0.22 * index, linewidth=0)
    if count % 2:
        ax.plot(epochs, values[:, count // 2], color=style.HIGH, linewidth=1.2)


def _norm_panel(ax, arrays):
    """Gradient norm against layer depth, one line per record coloured by its epoch."""
    norms, epochs = arrays["gradient_norm"], arrays["epochs"]
    layers = np.arange(1, norms.shape[1] + 1)
    colour_of = Normalize(vmin=epochs.min(), vmax=max(epochs.max(), epochs.min() + 1))
    for epoch, row in zip(epochs, norms, strict=True):
        ax.plot(layers, np.where(row > 0, row, np.nan), marker="o", markersize=3,
                linewidth=1.2, color=EPOCH_COLORS(colour_of(epoch)))
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xlabel("layer (input side left, output right)", fontsize=8)
    ax.set_ylabel("gradient norm (log)", fontsize=8)
    ax.set_title("gradient norm per layer (falling to the left: vanishing)", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.figure.colorbar(ScalarMappable(colour_of, EPOCH_COLORS), ax=ax, label="epoch")
    return ax


def _fraction_panel(ax, arrays, columns):
    """Dead ReLU and saturated sigmoid/tanh fractions of the shown hidden layers over the
    epochs (a colour per layer)."""
    epochs, drawn = arrays["epochs"], 0
    for key, linestyle, what in (("dead_fraction", "-", "dead"),
                                 ("saturated_fraction", "--", "saturated")):
        for layer in columns:
            values = arrays[key][:, layer]
            if np.isnan(values).all():
                continue
            ax.plot(epochs, values, linestyle=linestyle, linewidth=1.3,
                    color=style.class_color(layer), label=f"layer {layer + 1} {what}")
            drawn += 1
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel("fraction of units", fontsize=8)
    ax.set_title("hidden units: dead ReLU (solid), saturated (dashed)", fontsize=9)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=6, ncol=2 if drawn > 5 else 1, loc="upper left",
                  bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    else:
        ax.text(0.5, 0.5, "no hidden ReLU, sigmoid or tanh layer", ha="center", va="center",
                transform=ax.transAxes, color="#666666")
    return ax
