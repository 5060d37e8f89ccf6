"""Inside the network: every hidden neuron over the input plane, and the wiring diagram."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import ArrayLike

from mlplab._typing import Model
from mlplab.engine.layers import Activation, Dense
from mlplab.engine.spec import neuron_layers
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz._grid import check_plane, engine_model, plane_grid

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def layer_outputs(model, points):
    """Pre-activations and activations of every Dense layer, in one forward pass.

    Returns a list with one ``(z, a)`` pair per Dense layer, each of shape
    (n_points, units); Dropout is inactive, as at prediction time, and an Activation
    layer after a linear Dense gives that layer's activations.
    """
    outputs, a = [], points
    for layer in model.layers:
        a = layer.forward(a, training=False)
        if isinstance(layer, Dense):
            outputs.append((layer.logits, a))
        elif isinstance(layer, Activation) and outputs and layer.activation.name != "linear":
            outputs[-1] = (outputs[-1][0], a)
    return outputs


def neuron_image_limits(activation_name, values):
    """Colour limits that make an activation's sign or midpoint white."""
    if activation_name in ("sigmoid", "softmax"):
        return 0.0, 1.0
    extent = float(np.abs(values).max()) or 1.0
    return -extent, extent


def plot_neurons(model: Model, X: ArrayLike, y: ArrayLike | None = None, *, resolution: int = 60,
                 margin: float = 0.1, features: tuple[int, int] | None = None,
                 include_output: bool = True, panel_size: float = 1.6,
                 max_columns: int = 8) -> Figure:
    """Every hidden neuron as a small heat map of its activation over the input plane.

    The black line in each panel is where the neuron's pre-activation is zero:
    its own decision boundary. First-layer boundaries are straight lines; deeper
    ones bend. Layers go top to bottom (input side first); a layer wider than
    ``max_columns`` wraps onto several rows.

    Parameters
    ----------
    model : fitted mlplab Sequential or NetClassifier
    X : array-like, shape (n_samples, 2)
        Sets the extent of the plane (and is drawn faintly, with ``y``).
    include_output : bool
        Add a last row with the output neuron(s).
    max_columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        ``figure.neuron_axes[l][j]`` is the panel of neuron j of Dense layer l.
    """
    network = engine_model(model, "plot_neurons")
    X = check_plane(X, features)
    xx, yy, points = plane_grid(X, resolution, margin)
    outputs = layer_outputs(network, points.astype(network.dtype))
    dense, shown = zip(*neuron_layers(network.layers), strict=True)
    n_layers = len(dense) if include_output else len(dense) - 1
    if n_layers == 0:
        raise InvalidInputError("plot_neurons: this network has no hidden layer; pass "
                                "include_output=True to see its output neuron.")
    if not isinstance(max_columns, int) or max_columns < 1:
        raise InvalidInputError(f"plot_neurons(max_columns={max_columns!r}): give a positive "
                                "int, e.g. max_columns=8.")
    columns = min(max_columns, max(layer.units for layer in dense[:n_layers]))
    layer_rows = [-(-layer.units // columns) for layer in dense[:n_layers]]  # ceil
    fig, axes = plt.subplots(sum(layer_rows), columns, squeeze=False, layout="constrained",
                             figsize=(panel_size * columns, panel_size * sum(layer_rows)))
    for ax in axes.ravel():
        ax.set_axis_off()
    fig.neuron_axes = []
    first_row = 0
    for index in range(n_layers):
        label = "output" if index == len(dense) - 1 else f"layer {index + 1}"
        fig.neuron_axes.append([
            _neuron_panel(axes[first_row + unit // columns, unit % columns], xx, yy,
                          outputs[index], unit, shown[index].name, X if y is not None else None,
                          f"{label} · n{unit + 1}")
            for unit in range(dense[index].units)])
        first_row += layer_rows[index]
    key = ["what each neuron computes over the plane",
           "colour: its activation (orange low, white middle, blue high)",
           "black line: its pre-activation = 0"]
    fig.suptitle("\n".join(key) if columns <= 5 else f"{key[0]}\n{key[1]}; {key[2]}",
                 fontsize=9)
    return fig


def _neuron_panel(ax, xx, yy, output, unit, activation_name, X, title):
    """One neuron's activation over the plane, its zero line, and the data faintly."""
    z, a = output
    low, high = neuron_image_limits(activation_name, a)
    ax.set_axis_on()
    ax.set_xticks([]), ax.set_yticks([])
    ax.imshow(a[:, unit].reshape(xx.shape), origin="lower", cmap=style.DIVERGING, vmin=low,
              vmax=high, aspect="auto", extent=(xx.min(), xx.max(), yy.min(), yy.max()))
    if z[:, unit].min() < 0 < z[:, unit].max():
        ax.contour(xx, yy, z[:, unit].reshape(xx.shape), levels=[0.0], colors="black",
                   linewidths=1.0)
    if X is not None:
        ax.scatter(X[:, 0], X[:, 1], s=2, c="#555555", alpha=0.25, linewidths=0)
    ax.set_title(title, fontsize=8)
    return ax


def plot_network(model: Model, *, ax: Axes | None = None, X: ArrayLike | None = None,
                 thumbnails: bool = False, resolution: int = 40, max_width: float = 6.0) -> Axes:
    """The network as a diagram: neurons as circles, weights as coloured lines.

    Blue lines are positive weights, orange negative; line width grows with
    |weight|. With ``thumbnails=True`` (and ``X``), each neuron shows its
    activation over the input plane.

    Parameters
    ----------
    model : Sequential or NetClassifier
        A fitted network.
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the network when None.
    X : array-like, shape (n_samples, 2), optional
        The plane region the thumbnails cover.
    thumbnails : bool
        Draw each neuron's activation over the plane inside its circle (needs ``X``).
    resolution : int
        Grid points per side of each thumbnail.
    max_width : float
        Line width of the largest |weight|.

    Returns
    -------
    matplotlib.axes.Axes
    """
    network = engine_model(model, "plot_network")
    dense, shown = zip(*neuron_layers(network.layers), strict=True)
    widths = [network.input_dim] + [layer.units for layer in dense]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 * len(widths) + 1, 0.9 * max(widths) + 1.2),
                             layout="constrained")
    positions = [_column(i, width) for i, width in enumerate(widths)]
    biggest = max(float(np.abs(layer.kernel).max()) for layer in dense) or 1.0
    for index, layer in enumerate(dense):
        for (i, j), weight in np.ndenumerate(layer.kernel):
            (x0, y0), (x1, y1) = positions[index][i], positions[index + 1][j]
            ax.plot([x0, x1], [y0, y1], color=style.CLASS_COLORS[1 if weight > 0 else 0],
                    linewidth=0.3 + max_width * abs(weight) / biggest, alpha=0.75, zorder=1)
    thumbs = _thumbnail_images(network, X, resolution) if thumbnails and X is not None else None
    for column, nodes in enumerate(positions):
        for row, (x, y) in enumerate(nodes):
            if thumbs is not None and column > 0:
                inset = ax.inset_axes((x - 0.3, y - 0.3, 0.6, 0.6), transform=ax.transData,
                                      zorder=3)
                inset.imshow(thumbs[column - 1][row], origin="lower", cmap=style.DIVERGING,
                             aspect="auto")
                inset.set_xticks([]), inset.set_yticks([])
            else:
                ax.scatter([x], [y], s=420, c="white", edgecolors="#333333", zorder=3)
                if column == 0:
                    ax.annotate(f"$x_{row + 1}$", (x, y), ha="center", va="center", zorder=4)
    for column, width in enumerate(widths):
        name = "input" if column == 0 else shown[column - 1].name
        ax.annotate(f"{name} ({width})", (column * 2.0, -max(widths) / 2 - 0.05),
                    ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.8, 2.0 * (len(widths) - 1) + 0.8)
    ax.set_ylim(-max(widths) / 2 - 0.5, max(widths) / 2 + 0.1)
    ax.set_axis_off()
    _weight_legend(ax, biggest, max_width, thumbnails and X is not None)
    return ax


def _weight_legend(ax, biggest, max_width, thumbnails):
    """What the lines mean: colour is the weight's sign, width its size."""
    handles: list[Artist] = [
        Line2D([], [], color=style.HIGH, linewidth=2.5, label="positive weight"),
        Line2D([], [], color=style.LOW, linewidth=2.5, label="negative weight"),
        Line2D([], [], color="#666666", linewidth=0.3 + max_width * 0.1,
               label=f"|w| = {0.1 * biggest:.2g}"),
        Line2D([], [], color="#666666", linewidth=0.3 + max_width,
               label=f"|w| = {biggest:.2g} (largest)")]
    if thumbnails:
        handles.append(Patch(facecolor="white", edgecolor="white",
                             label="squares: a neuron's activation over the plane "
                                   "(orange low, blue high)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=2,
              fontsize=8, frameon=False, handlelength=2.5)


def _column(index, width):
    return [(index * 2.0, (width - 1) / 2 - row) for row in range(width)]


def _thumbnail_images(network, X, resolution):
    X = check_plane(X)
    xx, _, points = plane_grid(X, resolution, 0.1)
    return [[a[:, unit].reshape(xx.shape) for unit in range(a.shape[1])]
            for _, a in layer_outputs(network, points.astype(network.dtype))]
