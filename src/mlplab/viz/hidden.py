"""How the layers warp the plane: data and a grid of the input plane in a layer's own space.

A network's hidden layer maps every point of the input plane to its units' activations.
Mapping the data and a regular grid of lines through layers 1..k shows what layer k
"sees": a trained classifier folds and stretches the grid until, in its last hidden layer,
a straight line (the output unit's boundary) separates the classes (the picture of
C. Olah's "Neural Networks, Manifolds, and Topology").

A layer of 2 units is drawn in its own coordinates, one of 3 as a 3-D view, a wider one
through the first two principal components of its activations on the data (the axes say
so, with the share of variance each keeps); a 1-unit layer (e.g. the output) is a
number line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike, NDArray

from mlplab._typing import FloatArray, Model
from mlplab.engine.spec import neuron_layers
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz._grid import check_plane, engine_model, is_regressor
from mlplab.viz.boundary import scatter_points
from mlplab.viz.neurons import layer_outputs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GRID_LINES = 15  # lines of the input grid in each direction
GRID_SAMPLES = 90  # points along each line: enough for a bent line to look smooth


@dataclass
class HiddenSpace:
    """A layer's view of the data and of the input grid (what :func:`plot_hidden_space` draws).

    Attributes
    ----------
    layer : int
        0 for the input plane, k for the k-th Dense layer (the last is the output).
    points : ndarray, shape (n_samples, d)
        The data in the layer's coordinates; d is 1, 2 or 3 (at most 2 after a PCA).
    grid : ndarray, shape (2 * GRID_LINES, GRID_SAMPLES, d)
        The lines of the input grid, mapped the same way.
    axis_labels : list of str
        What each coordinate is: a unit, or a principal component and its variance.
    title : str
    units : int
        The layer's width (before any PCA).
    boundary : (w, b) or None
        For the last hidden layer drawn in its own coordinates (binary classifier):
        the output unit's boundary ``points @ w + b = 0``, a straight line or plane.
    """

    layer: int
    points: np.ndarray
    grid: np.ndarray
    axis_labels: list
    title: str
    units: int
    boundary: tuple | None = None


def grid_lines(X, lines=GRID_LINES, samples=GRID_SAMPLES, margin=0.1):
    """Regular lines over X's extent (plus ``margin``): shape (2 * lines, samples, 2)."""
    low, high = X.min(axis=0), X.max(axis=0)
    pad = margin * np.where(high > low, high - low, 1.0)
    low, high = low - pad, high + pad
    along = np.linspace(0, 1, samples)
    across = np.linspace(0, 1, lines)
    horizontal = [np.column_stack([low[0] + along * (high[0] - low[0]),
                                   np.full(samples, low[1] + t * (high[1] - low[1]))])
                  for t in across]
    vertical = [np.column_stack([np.full(samples, low[0] + t * (high[0] - low[0])),
                                 low[1] + along * (high[1] - low[1])]) for t in across]
    return np.array(horizontal + vertical)


def check_layer(layer, n_dense, allow_all):
    """``layer`` as 0..n_dense (a negative index counts from the output), or "all"."""
    if allow_all and layer == "all":
        return layer
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool) and \
            -n_dense <= layer <= n_dense:
        return int(layer) % (n_dense + 1) if layer < 0 else int(layer)
    also = ", or 'all'" if allow_all else ""
    raise InvalidInputError(
        f"layer={layer!r}: give 0 (the input plane), 1..{n_dense} (layer {n_dense} is the "
        f"output) or -1 for the output{also}; e.g. layer={max(n_dense - 1, 1)} for the last "
        "hidden layer.")


def principal_axes(values, previous=None):
    """The first two principal directions of ``values`` (n, d), as columns (d, 2), with
    their shares of the variance. Signs are fixed (largest loading positive, or the same
    side as ``previous``), so that frames of an animation do not flip."""
    centred = values - values.mean(axis=0)
    _, singular, rows = np.linalg.svd(centred, full_matrices=False)
    axes = rows[:2].T
    for column in range(axes.shape[1]):
        reference = axes[np.argmax(np.abs(axes[:, column])), column] if previous is None \
            else axes[:, column] @ previous[:, column]
        if reference < 0:
            axes[:, column] *= -1
    variance = singular**2
    return axes, variance[:2] / (variance.sum() or 1.0)


def hidden_space(model: Model, X: ArrayLike, layer: int, *,
                 previous_axes: NDArray[Any] | None = None,
                 inputs: Callable[[FloatArray], FloatArray] | None = None,
                 samples: int = GRID_SAMPLES, max_dims: Literal[2, 3] = 3) -> HiddenSpace:
    """The data ``X`` and the input grid mapped into ``layer``'s coordinates.

    Parameters
    ----------
    model : fitted mlplab Sequential or estimator over one
    X : array-like, shape (n_samples, 2)
    layer : int
        0: the input plane; k: the k-th Dense layer (1-based; the last is the output);
        -1: the output.
    previous_axes : ndarray, optional
        The principal axes of the frame before (an animation), to keep their signs.
    inputs : callable, optional
        Turns points of the plane (n, 2) into the network's inputs, e.g. the
        playground's features (``PlaygroundFeatures.transform``); None: the plane is
        the input.
    samples : int
        Points along each grid line.
    max_dims : {2, 3}
        A layer wider than this is drawn through a PCA (2: a flat picture of any layer).

    Returns
    -------
    HiddenSpace
    """
    network = engine_model(model, "plot_hidden_space")
    X = check_plane(X)
    pairs = neuron_layers(network.layers)
    layer = check_layer(layer, len(pairs), allow_all=False)
    lines = grid_lines(X, samples=samples)
    if layer == 0:
        return HiddenSpace(0, X, lines, ["$x_1$", "$x_2$"], "input plane", 2)
    both = np.vstack([X, lines.reshape(-1, 2)])
    both = (both if inputs is None else inputs(both)).astype(network.dtype)
    values = layer_outputs(network, both)[layer - 1][1].astype(np.float64)
    points, grid = values[:len(X)], values[len(X):]
    dense, activation = pairs[layer - 1]
    name = "output" if layer == len(pairs) else f"layer {layer}"
    title = f"{name}: {dense.units} {activation.name} unit{'s' * (dense.units > 1)}"
    labels = [f"{name} · n{unit + 1}" for unit in range(dense.units)]
    if dense.units > max_dims:
        axes, shares = principal_axes(points, previous_axes)
        centre = points.mean(axis=0)
        points, grid = (points - centre) @ axes, (grid - centre) @ axes
        labels = [f"PC{i + 1} of {name} ({share:.0%} of its variance)"
                  for i, share in enumerate(shares)]
        title += " (PCA)"
        space = HiddenSpace(layer, points, grid.reshape(len(lines), -1, 2), labels, title,
                            dense.units)
        space.principal_axes = axes
        return space
    boundary = _output_boundary(network, pairs, layer) if dense.units in (2, 3) else None
    return HiddenSpace(layer, points, grid.reshape(len(lines), lines.shape[1], -1), labels,
                       title, dense.units, boundary)


def _output_boundary(network, pairs, layer):
    """The output unit's boundary in the last hidden layer: where its logit is 0."""
    if layer != len(pairs) - 1 or pairs[-1][0].units != 1 or is_regressor(network):
        return None
    output = pairs[-1][0]
    return output.kernel[:, 0].astype(np.float64), float(output.bias[0])


def plot_hidden_space(model: Model, X: ArrayLike, y: ArrayLike, *, layer: int | Literal["all"] = -1,
                      ax: Axes | None = None, title: str | None = None,
                      panel_size: float = 3.6) -> Axes | Figure:
    """The data and a grid of the input plane, mapped into a layer's own coordinates.

    The grid's lines (grey) are the straight lines of the input plane as the layer sees
    them: watch them bend and fold, layer after layer, until the classes can be cut by
    a straight line (drawn dashed in the last hidden layer: the output unit's boundary).

    Parameters
    ----------
    model : fitted mlplab Sequential or NetClassifier / NetRegressor
    X, y : array-like, shape (n_samples, 2), (n_samples,)
        The points to map, and their labels (or targets) for colour.
    layer : int or "all"
        0: the input plane; k: the k-th Dense layer (1-based, the last is the output);
        -1 (default): the output; ``"all"``: the input, every hidden layer and the
        output side by side.
    ax : matplotlib Axes, optional
        For one layer (a 3-D Axes, ``projection="3d"``, for a layer of 3 units).
    title : str, optional
        The panel's title (default: the layer, its width and activation).
    panel_size : float
        Inches per panel of a new figure.

    Returns
    -------
    matplotlib.axes.Axes, or for ``layer="all"`` a Figure with ``figure.hidden_axes``.
    Every Axes drawn carries ``ax.hidden_space``, the :class:`HiddenSpace` it shows.
    """
    network = engine_model(model, "plot_hidden_space")
    n_layers = len(neuron_layers(network.layers))
    layer = check_layer(layer, n_layers, allow_all=True)
    y = class_labels(y)
    if layer == "all":
        return _plot_all(network, X, y, n_layers, panel_size)
    space = hidden_space(network, X, layer)
    ax = _axes_for(space, ax, panel_size)
    draw_space(ax, space, y, network, title=title)
    return ax


def class_labels(y):
    """Labels as one column: one-hot rows (E5's) become their class index."""
    y = np.asarray(y)
    return np.argmax(y, axis=1) if y.ndim == 2 else y


def _plot_all(network, X, y, n_layers, panel_size):
    figure = plt.figure(figsize=(panel_size * (n_layers + 1.3), panel_size * 1.05),
                        layout="constrained")
    figure.hidden_axes = []
    spaces = [hidden_space(network, X, index) for index in range(n_layers + 1)]
    three_d = [space.points.shape[1] == 3 for space in spaces]
    panels = figure.add_gridspec(1, n_layers + 1, width_ratios=[1.3 if d else 1 for d in three_d])
    for index, space in enumerate(spaces):
        ax = figure.add_subplot(panels[0, index], projection="3d" if three_d[index] else None)
        draw_space(ax, space, y, network, legend=False)
        figure.hidden_axes.append(ax)
    handles, names = legend_entries(figure.hidden_axes)
    if names:  # a regressor's points carry a colour bar instead
        figure.legend(handles, names, loc="outside lower center", ncol=len(names), fontsize=8)
    figure.suptitle("the input plane's grid (grey lines) mapped layer by layer",
                    fontsize=11)
    return figure


def legend_entries(axes):
    """Every labelled artist of ``axes`` once, in order: one legend for a row of panels."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(name, handle)
    return list(entries.values()), list(entries)


def _axes_for(space, ax, panel_size):
    three_d = space.points.shape[1] == 3
    if ax is None:
        figure = plt.figure(figsize=(panel_size * 1.25, panel_size * 1.15),
                            layout="constrained")
        return figure.add_subplot(projection="3d" if three_d else None)
    if three_d != (ax.name == "3d"):
        raise InvalidInputError(
            f"plot_hidden_space(layer={space.layer}): this layer has {space.units} units, "
            f"drawn on {'a 3-D' if three_d else 'a 2-D'} Axes; create it with "
            f"fig.add_subplot(projection={'3d' if three_d else None!r}).")
    return ax


def draw_space(ax, space, y, network, *, title=None, legend=True):
    """Draw ``space`` (a :class:`HiddenSpace`) on ``ax``: grid, points, output boundary."""
    dims = space.points.shape[1]
    if dims == 1:
        return _draw_line(ax, space, y, network, title, legend)
    for line in space.grid:
        ax.plot(*line.T, color="#9a9a9a", linewidth=0.6, alpha=0.8, zorder=1)
    regression = is_regressor(network)
    if regression:
        colours = ax.scatter(*space.points.T, c=np.asarray(y, dtype=float), s=14,
                             cmap=style.DIVERGING, edgecolors="#333333", linewidths=0.3)
        ax.figure.colorbar(colours, ax=ax, label="target", shrink=0.8)
    elif dims == 2:
        scatter_points(ax, space.points, y)
    else:
        _scatter_3d(ax, space.points, y)
    if space.boundary is not None:
        _draw_boundary(ax, space)
    ax.set_xlabel(space.axis_labels[0], fontsize=8)
    ax.set_ylabel(space.axis_labels[1], fontsize=8)
    if dims == 3:
        ax.set_zlabel(space.axis_labels[2], fontsize=8, labelpad=-2)
        ax.xaxis.labelpad = ax.yaxis.labelpad = -2
        ax.set_box_aspect(None, zoom=1.1)  # constrained layout leaves a 3-D panel small
        ax.tick_params(labelsize=6, pad=-2)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_major_locator(MaxNLocator(3))
    ax.set_title(title or space.title, fontsize=10)
    if legend and not regression:
        _outside_legend(ax)
    ax.hidden_space = space
    return ax


def _outside_legend(ax):
    """A legend beside the panel: inside, it would hide points (every spot is data)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, framealpha=0.85,
              borderaxespad=0)


def _scatter_3d(ax, points, y):
    for index, label in enumerate(np.unique(y)):
        mask = y == label
        ax.scatter(*points[mask].T, s=10, color=style.class_color(index),
                   edgecolors="#222222", linewidths=0.3, label=f"{label} (train)",
                   depthshade=False)


def _draw_boundary(ax, space):
    """The output unit's boundary: a dashed line (2 units) or a pale plane (3 units)."""
    w, b = space.boundary
    low, high = space.points.min(axis=0), space.points.max(axis=0)
    label = "output boundary"
    if len(w) == 2:
        xs = np.linspace(low[0], high[0], 50)
        if abs(w[1]) > 1e-12:
            ys = -(w[0] * xs + b) / w[1]
            keep = (ys >= low[1] - 0.1 * (high[1] - low[1])) & \
                   (ys <= high[1] + 0.1 * (high[1] - low[1]))
            ax.plot(xs[keep], ys[keep], "k--", linewidth=1.6, label=label, zorder=4)
        else:
            ax.axvline(-b / w[0], color="black", linestyle="--", linewidth=1.6, label=label)
        return
    solve = int(np.argmax(np.abs(w)))  # the coordinate the plane is steepest in
    others = [i for i in range(3) if i != solve]
    u, v = np.meshgrid(np.linspace(low[others[0]], high[others[0]], 60),
                       np.linspace(low[others[1]], high[others[1]], 60))
    coords: list[Any] = [None] * 3
    coords[others[0]], coords[others[1]] = u, v
    coords[solve] = -(w[others[0]] * u + w[others[1]] * v + b) / w[solve]
    outside = (coords[solve] < low[solve]) | (coords[solve] > high[solve])
    coords[solve] = np.where(outside, np.nan, coords[solve])
    ax.plot_surface(*coords, color="#444444", alpha=0.25, linewidth=0)
    ax.plot([], [], color="#444444", alpha=0.5, linewidth=6, label="output boundary (plane)")


def _draw_line(ax, space, y, network, title, legend):
    """A 1-unit layer: each point at its value, classes on rows of their own (a regressor:
    the target against the unit's value)."""
    values = space.points[:, 0]
    if is_regressor(network):
        ax.scatter(values, np.asarray(y, dtype=float), s=12, color="#555555", alpha=0.7,
                   linewidths=0)
        ax.set_ylabel("target", fontsize=8)
    else:
        classes = np.unique(y)
        rng = np.random.default_rng(0)  # fixed jitter: the same picture every time
        heights = np.searchsorted(classes, y) + rng.uniform(-0.25, 0.25, size=len(values))
        scatter_points(ax, np.column_stack([values, heights]), y)
        pairs = neuron_layers(network.layers)
        if space.layer == len(pairs) and pairs[-1][1].name == "sigmoid":
            ax.axvline(0.5, color="black", linestyle="--", linewidth=1.4,
                       label="threshold 0.5")
            space.axis_labels = ["output: P(y = 1)"]
        ax.set_yticks(range(len(classes)), [f"class {c}" for c in classes])
        ax.set_ylim(-0.6, len(classes) - 0.4)
        if legend:
            _outside_legend(ax)
    ax.set_xlabel(space.axis_labels[0], fontsize=8)
    ax.set_title(title or space.title, fontsize=10)
    ax.hidden_space = space
    return ax
