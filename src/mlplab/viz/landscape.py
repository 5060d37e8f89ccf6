"""Loss landscapes: the loss around the trained weights, and the path training took.

Following Li et al., "Visualizing the Loss Landscape of Neural Nets" (NeurIPS 2018):

- a random *filter-normalised* direction has, for every unit of every Dense layer, a
  Gaussian vector of incoming weights scaled to the norm of that unit's trained incoming
  weights (biases are not moved), so that a step of 1 changes every unit by as much as
  its own weights, whatever their scale;
- a 1-D plot is the loss at ``w* + a d``, a 2-D plot the loss at ``w* + a d1 + b d2``,
  around the trained weights ``w*``;
- a path (weights recorded while training) is drawn in the plane of its first two
  principal directions through ``w*`` (random directions are nearly orthogonal to it);
- the line from the initial to the final weights, ``w0 + t (w* - w0)`` (Goodfellow et
  al., 2015), shows whether training went over a hill.

Every loss is the engine's own (the model's compiled loss and weight penalty) on the
given data, with the model's weights restored afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

from mlplab._rng import as_generator
from mlplab._typing import Model, RandomState
from mlplab.engine import fitting
from mlplab.engine.callbacks import Snapshot
from mlplab.engine.layers import Dense
from mlplab.errors import InvalidInputError, NotFittedError
from mlplab.viz._grid import engine_model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MODES = ("2d", "1d", "line", "trajectory")
MAX_ROWS = 2000  # rows of (X, y) the loss is computed on (evenly spaced, if more)
LANDSCAPE_COLORS = "viridis"


def flat_weights(network):
    """Every parameter of ``network`` end to end (kernel, bias, layer after layer)."""
    return np.concatenate([p.ravel() for p in network.parameters()]).astype(np.float64)


def set_flat_weights(network, vector):
    """Write the flat ``vector`` (as :func:`flat_weights` gives) into ``network``."""
    shapes = [p.shape for p in network.parameters()]
    sizes = [int(np.prod(shape)) for shape in shapes]
    pieces = np.split(np.asarray(vector), np.cumsum(sizes)[:-1])
    network.set_weights([piece.reshape(shape) for piece, shape in
                         zip(pieces, shapes, strict=True)])


def filter_normalized_direction(network, rng):
    """A random direction in weight space, filter-normalised (Li et al., 2018).

    Each unit's incoming weights (a column of a Dense kernel, shape (fan_in,)) get a
    standard normal vector rescaled to the norm of that column; biases get 0.
    """
    pieces = []
    for layer in network.layers:
        if not isinstance(layer, Dense):
            continue
        kernel = layer.kernel.astype(np.float64)
        direction = rng.standard_normal(kernel.shape)  # (fan_in, units)
        scale = np.linalg.norm(kernel, axis=0) / (np.linalg.norm(direction, axis=0) + 1e-12)
        pieces += [(direction * scale).ravel(), np.zeros(layer.bias.size)][
            :len(layer.parameters)]
    return np.concatenate(pieces)


class LossFunction:
    """The model's loss on (X, y) as a function of a flat weight vector.

    Calls restore nothing: use it inside ``with`` to get the model's weights back.
    """

    def __init__(self, network, X, y):
        if network.loss is None:
            raise NotFittedError("plot_loss_landscape: the model is not compiled; compile "
                                 "and fit it first.")
        X, Y, _ = fitting.prepare(network, X, y, None, None, ("X", "y"))
        rows = np.unique(np.linspace(0, len(X) - 1, min(len(X), MAX_ROWS)).astype(int))
        self.network, self.X, self.Y = network, X[rows], Y[rows]

    def __enter__(self):
        self.saved = self.network.get_weights()
        return self

    def __exit__(self, *exc):
        self.network.set_weights(self.saved)

    def __call__(self, vector):
        network = self.network
        set_flat_weights(network, vector)
        with np.errstate(over="ignore", invalid="ignore"):
            network.forward(self.X)
            loss = network.loss.value(network.output_layer.logits, self.Y,
                                      network.output_activation, None)
            return float(loss + network.penalty())


@dataclass
class Landscape:
    """A loss surface (or curve) and the plane it lies in.

    Attributes
    ----------
    mode : str
    coordinates : tuple of ndarray
        ``(alphas,)`` for a curve, ``(alphas, betas)`` for a surface.
    loss : ndarray
        Shape (len(alphas),) or (len(betas), len(alphas)).
    origin : ndarray
        The flat weights at coordinate 0 (the trained ones; the initial ones for "line").
    directions : list of ndarray
        The flat direction of each coordinate.
    path : ndarray or None
        Recorded weights projected on the plane, shape (n_snapshots, 2), last = (0, 0).
    axis_labels : list of str
    """

    mode: str
    coordinates: tuple
    loss: np.ndarray
    origin: np.ndarray
    directions: list
    path: np.ndarray | None
    axis_labels: list


def path_plane(weights, origin):
    """The first two principal directions of a path of flat weights (n, p) through
    ``origin``, orthonormal (p, 2); the path's coordinates in them (n, 2); the share of
    the path's variance each direction holds."""
    differences = np.asarray(weights) - origin
    centred = differences - differences.mean(axis=0)
    _, singular, rows = np.linalg.svd(centred, full_matrices=False)
    if rows.shape[0] < 2:
        raise InvalidInputError("a training path needs at least 3 snapshots with different "
                                "weights; record more (WeightSnapshots(every=1)).")
    directions = rows[:2].T
    shares = singular[:2] ** 2 / (singular**2).sum()
    return directions, differences @ directions, shares


def loss_landscape(model: Model, X: ArrayLike, y: ArrayLike, *,
                   mode: Literal["2d", "1d", "line", "trajectory"] = "2d",
                   snapshots: Sequence[Snapshot] | None = None,
                   initial_weights: Sequence[ArrayLike] | None = None, span: float = 1.0,
                   resolution: int = 31, random_state: RandomState = 0) -> Landscape:
    """The numbers behind :func:`plot_loss_landscape`, without drawing.

    Parameters
    ----------
    model : fitted mlplab Sequential or estimator over one
    X, y : array-like
        The data the loss is computed on.
    mode : {"2d", "1d", "line", "trajectory"}
    snapshots, initial_weights, span, resolution, random_state
        As for :func:`plot_loss_landscape`.

    Returns
    -------
    Landscape
    """
    network = engine_model(model, "plot_loss_landscape")
    mode = _check_mode(mode, snapshots, initial_weights)
    rng = as_generator(random_state)
    with LossFunction(network, X, y) as loss:
        trained = flat_weights(network)
        if mode in ("1d", "2d"):
            directions = [filter_normalized_direction(network, rng)
                          for _ in range(1 if mode == "1d" else 2)]
            axes = [np.linspace(-span, span, resolution)] * len(directions)
            labels = [f"filter-normalised direction {i + 1}" for i in range(len(directions))]
            return evaluate_plane(loss, mode, trained, directions, axes, None, labels)
        if mode == "line":
            start = _initial(initial_weights, snapshots)
            alphas = np.linspace(-0.25, 1.25, resolution)
            return evaluate_plane(loss, mode, start, [trained - start], [alphas], None,
                             ["t: initial weights (0) to trained weights (1)"])
        assert snapshots is not None  # _check_mode: the trajectory mode needs them
        path_weights = [flat_vector(snapshot["weights"]) for snapshot in snapshots]
        directions, path, shares = path_plane(path_weights, trained)
        axes = [covering(path[:, i], resolution) for i in range(2)]
        labels = [f"PC{i + 1} of the path ({share:.0%} of its variance)"
                  for i, share in enumerate(shares)]
        return evaluate_plane(loss, mode, trained, list(directions.T), axes, path, labels)


def evaluate_plane(loss, mode, origin, directions, axes, path, labels):
    """The Landscape of ``loss`` at ``origin + a d1 (+ b d2)`` over the ``axes``' values."""
    if len(directions) == 1:
        values = np.array([loss(origin + a * directions[0]) for a in axes[0]])
    else:
        values = np.array([[loss(origin + a * directions[0] + b * directions[1])
                            for a in axes[0]] for b in axes[1]])
    return Landscape(mode, tuple(axes), values, origin, directions, path, labels)


def covering(values, resolution, margin=0.25):
    """``resolution`` values spanning ``values`` plus ``margin`` of their range each side."""
    low, high = values.min(), values.max()
    pad = margin * ((high - low) or 1.0)
    return np.linspace(low - pad, high + pad, resolution)


def flat_vector(weights):
    """A list of weight arrays (``get_weights()``) end to end, as one float64 vector."""
    return np.concatenate([np.ravel(w) for w in weights]).astype(np.float64)


def _initial(initial_weights, snapshots):
    return flat_vector(initial_weights if initial_weights is not None else snapshots[0]["weights"])


def _check_mode(mode, snapshots, initial_weights):
    if mode not in MODES:
        raise InvalidInputError(f"plot_loss_landscape(mode={mode!r}): choose one of "
                                f"{', '.join(map(repr, MODES))}.")
    if mode == "trajectory" and not snapshots:
        raise InvalidInputError("mode='trajectory' draws a recorded path: pass snapshots="
                                "WeightSnapshots(...).snapshots from the fit.")
    if mode == "line" and not snapshots and initial_weights is None:
        raise InvalidInputError("mode='line' needs the initial weights: pass initial_weights="
                                "(model.get_weights() before fit) or snapshots=.")
    return mode


def plot_loss_landscape(model: Model, X: ArrayLike, y: ArrayLike, *,
                        mode: Literal["2d", "1d", "line", "trajectory"] | None = None,
                        snapshots: Sequence[Snapshot] | None = None,
                        initial_weights: Sequence[ArrayLike] | None = None, span: float = 1.0,
                        resolution: int = 31, levels: int = 12, ax: Axes | None = None,
                        random_state: RandomState = 0, title: str | None = None) -> Axes:
    """The loss around the trained weights: a curve, a surface, or the path training took.

    Parameters
    ----------
    model : fitted mlplab Sequential or estimator over one
    X, y : array-like
        The data the loss is computed on (at most 2000 evenly spaced rows).
    mode : {"2d", "1d", "line", "trajectory"}, optional
        "2d": contours over two random filter-normalised directions through the trained
        weights (star). "1d": the loss along one. "line": along the straight line from
        the initial (t=0) to the trained (t=1) weights. "trajectory": contours over the
        plane of the path's first two principal directions, the path drawn on them.
        Default: "trajectory" when ``snapshots`` are given, else "2d".
    snapshots : list of dict, optional
        ``WeightSnapshots(...).snapshots`` recorded while training.
    initial_weights : list of arrays, optional
        ``model.get_weights()`` before training (for "line", if no snapshots).
    span : float
        The random directions' range, ``-span..span``.
    resolution : int
        Points per coordinate.
    levels : int
        Contour levels (labelled with their loss).
    ax : matplotlib Axes, optional
    random_state : int, Generator or None
        Seed of the random directions.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.landscape`` is the :class:`Landscape` drawn.
    """
    if mode is None:
        mode = "trajectory" if snapshots else "2d"
    landscape = loss_landscape(model, X, y, mode=mode, snapshots=snapshots,
                               initial_weights=initial_weights, span=span,
                               resolution=resolution, random_state=random_state)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 4.6) if len(landscape.coordinates) == 2 else
                             (5.6, 3.8), layout="constrained")
    if len(landscape.coordinates) == 1:
        _draw_curve(ax, landscape)
    else:
        draw_surface(ax, landscape, levels)
        if landscape.path is not None:
            draw_path(ax, landscape.path, "training path", start_label="initial weights")
        ax.plot(0, 0, marker="*", markersize=15, color="white", markeredgecolor="black",
                linestyle="none", label="trained weights", zorder=6)
        ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    ax.set_title(title or _TITLES[landscape.mode], fontsize=10)
    ax.landscape = landscape
    return ax


_TITLES = {"2d": "loss around the trained weights (Li et al. 2018)",
           "1d": "loss along a filter-normalised direction",
           "line": "loss from the initial to the trained weights",
           "trajectory": "loss over the plane of the training path"}


def contour_levels(values, count):
    """Contour levels over ``values``: log-spaced when they span more than 20 times."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    if low > 0 and high / low > 20:
        return np.geomspace(low, high, count)
    return np.linspace(low, high, count)


def draw_surface(ax, landscape, levels):
    """Filled, labelled loss contours of a 2-D landscape, with a colour bar."""
    alphas, betas = landscape.coordinates
    values = np.where(np.isfinite(landscape.loss), landscape.loss, np.nan)
    bounds = contour_levels(values, levels)
    filled = ax.contourf(alphas, betas, values, levels=bounds, cmap=LANDSCAPE_COLORS,
                         extend="max")
    lines = ax.contour(alphas, betas, values, levels=bounds, colors="white", linewidths=0.6)
    ax.clabel(lines, lines.levels[::2], fontsize=7, fmt="%.3g")
    ax.figure.colorbar(filled, ax=ax, label="loss", format="%.3g")
    ax.set_xlabel(landscape.axis_labels[0], fontsize=8)
    ax.set_ylabel(landscape.axis_labels[1], fontsize=8)


def draw_path(ax, path, label, color="#ff4f4f", start_label=None, start_color=None):
    """A projected path: a line with dots, a hollow circle at its start."""
    ax.plot(path[:, 0], path[:, 1], color=color, linewidth=1.6, marker="o", markersize=2.5,
            label=label, zorder=5)
    ax.plot(*path[0], marker="o", markersize=8, markerfacecolor="none",
            markeredgecolor=start_color or color,
            markeredgewidth=1.8, linestyle="none", zorder=5, label=start_label)


def _draw_curve(ax, landscape):
    (alphas,) = landscape.coordinates
    ax.plot(alphas, landscape.loss, color="#1a73e8", linewidth=2)
    marks = [(0.0, "initial weights"), (1.0, "trained weights")] if landscape.mode == \
        "line" else [(0.0, "trained weights")]
    for position, label in marks:
        ax.axvline(position, color="#555555", linestyle=":", linewidth=1.2)
        ax.annotate(label, (position, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8)
    ax.set_xlabel(landscape.axis_labels[0], fontsize=9)
    ax.set_ylabel("loss", fontsize=9)
    ax.grid(alpha=0.3)
