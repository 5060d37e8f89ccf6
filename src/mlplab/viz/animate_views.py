"""Animations of the other views over training: the layers' warp of the plane, a one-input
fit and the path on the loss landscape. Each records (or replays) weight snapshots and
plays one frame per snapshot with :func:`mlplab.viz.animate.play`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

from mlplab._typing import Model, PathLike, RandomState
from mlplab.engine.callbacks import Snapshot
from mlplab.engine.spec import neuron_layers
from mlplab.viz._grid import check_plane
from mlplab.viz.animate import play, training_snapshots
from mlplab.viz.fit1d import one_column, plot_fit_1d, unit_contributions
from mlplab.viz.hidden import (
    check_layer,
    class_labels,
    draw_space,
    hidden_space,
    legend_entries,
)
from mlplab.viz.landscape import draw_surface, loss_landscape

if TYPE_CHECKING:
    from mlplab.viz.animate import TrainingAnimation


def animate_hidden_space(model: Model, X: ArrayLike, y: ArrayLike, *,
                         layer: int | Literal["all"] = -1, epochs: int | None = None,
                         batch_size: int | None = 32, every: int = 1,
                         unit: Literal["epoch", "step"] = "epoch",
                         snapshots: Sequence[Snapshot] | None = None, out: PathLike | None = None,
                         frames: int | None = None, fps: int = 8, panel_size: float = 3.6,
                         random_state: RandomState = None) -> TrainingAnimation:
    """Train ``model`` (or replay ``snapshots``) and animate how its layers warp the plane.

    Each frame is :func:`mlplab.viz.plot_hidden_space` of one snapshot, titled with the
    epoch and loss; the axes keep the same limits throughout, so the motion is the
    network's.

    Parameters
    ----------
    model : Sequential or NetClassifier
        A compiled Sequential to train, or a fitted network to replay ``snapshots`` on.
    X, y : array-like
        The training points (2 features) and their labels.
    layer : int or "all"
        As :func:`~mlplab.viz.plot_hidden_space`.
    epochs, batch_size, every, unit, snapshots, out, frames, fps, random_state
        As :func:`animate_training`.
    panel_size : float
        Inches per panel.

    Returns
    -------
    TrainingAnimation
    """
    X = check_plane(X)
    network, chosen = training_snapshots(
        model, X, y, "animate_hidden_space", epochs=epochs, batch_size=batch_size,
        every=every, unit=unit, snapshots=snapshots, out=out, frames=frames,
        random_state=random_state)
    final_weights = network.get_weights()
    try:
        figure, update = hidden_frames(network, X, y, layer, chosen, panel_size)
    finally:
        network.set_weights(final_weights)
    return play(network, figure, update, chosen, out, fps)


def animate_fit_1d(model: Model, x: ArrayLike, y: ArrayLike, *, epochs: int | None = None,
                   batch_size: int | None = 32, every: int = 1,
                   unit: Literal["epoch", "step"] = "epoch",
                   snapshots: Sequence[Snapshot] | None = None, out: PathLike | None = None,
                   frames: int | None = None, fps: int = 8, contributions: bool = True,
                   random_state: RandomState = None) -> TrainingAnimation:
    """Train a one-input ``model`` (or replay ``snapshots``) and animate
    :func:`mlplab.viz.plot_fit_1d`: the fit and its units' terms, epoch by epoch, on
    fixed axes.

    Parameters
    ----------
    model : Sequential
        A compiled one-input Sequential to train, or a fitted one to replay ``snapshots``.
    x, y : array-like
        Inputs, shape (n,) or (n, 1), and targets.
    epochs, batch_size, every, unit, snapshots, out, frames, fps, random_state
        As :func:`animate_training`.
    contributions : bool
        Draw each unit's term, as :func:`~mlplab.viz.plot_fit_1d`.

    Returns
    -------
    TrainingAnimation
    """
    x = one_column(x)
    network, chosen = training_snapshots(
        model, x, y, "animate_fit_1d", epochs=epochs, batch_size=batch_size, every=every,
        unit=unit, snapshots=snapshots, out=out, frames=frames, random_state=random_state)
    final_weights = network.get_weights()
    values = [np.asarray(y, dtype=np.float64).ravel()]
    for snapshot in chosen:  # one y-range for every frame
        network.set_weights(snapshot["weights"])
        parts = unit_contributions(network, x)
        values += [parts.output, parts.terms.ravel()] if contributions else [parts.output]
    network.set_weights(final_weights)
    low, high = min(v.min() for v in values), max(v.max() for v in values)
    figure, ax = plt.subplots(figsize=(7.2, 4.2), layout="constrained")

    def update(snapshot):
        network.set_weights(snapshot["weights"])
        ax.cla()
        loss = "-" if snapshot["loss"] is None else f"{snapshot['loss']:.4f}"
        plot_fit_1d(network, x, y, ax=ax, contributions=contributions,
                    title=f"epoch {snapshot['epoch']} · loss {loss}")
        ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        return []

    return play(network, figure, update, chosen, out, fps)


def animate_loss_landscape(model: Model, X: ArrayLike, y: ArrayLike, *, epochs: int | None = None,
                           batch_size: int | None = 32, every: int = 1,
                           unit: Literal["epoch", "step"] = "epoch",
                           snapshots: Sequence[Snapshot] | None = None, out: PathLike | None = None,
                           frames: int | None = None, fps: int = 8, resolution: int = 31,
                           levels: int = 12, random_state: RandomState = None) -> TrainingAnimation:
    """Train ``model`` (or replay ``snapshots``) and animate its path on the loss landscape.

    The landscape is :func:`mlplab.viz.plot_loss_landscape`'s "trajectory" picture of the
    whole run (the plane of the path's first two principal directions through the final
    weights); each frame draws the path up to one snapshot, titled with its epoch and loss.

    Parameters
    ----------
    model : Sequential or NetClassifier
        A compiled Sequential to train, or a fitted network to replay ``snapshots`` on.
    X, y : array-like
        The training data (any number of features): the loss is computed on it.
    epochs, batch_size, every, unit, snapshots, out, frames, fps, random_state
        As :func:`animate_training`.
    resolution, levels : int
        As :func:`~mlplab.viz.plot_loss_landscape`.

    Returns
    -------
    TrainingAnimation
    """
    network, chosen = training_snapshots(
        model, X, y, "animate_loss_landscape", epochs=epochs, batch_size=batch_size,
        every=every, unit=unit, snapshots=snapshots, out=out, frames=frames,
        random_state=random_state)
    landscape = loss_landscape(network, X, y, mode="trajectory", snapshots=chosen,
                               resolution=resolution)
    path = landscape.path
    assert path is not None  # a trajectory's landscape has its path
    figure, ax = plt.subplots(figsize=(6.2, 5.0), layout="constrained")
    draw_surface(ax, landscape, levels)
    line, = ax.plot([], [], color="#ff4f4f", linewidth=1.8, marker="o", markersize=2.5,
                    label="training path")
    head, = ax.plot([], [], marker="o", markersize=9, color="#ff4f4f", markeredgecolor="black",
                    linestyle="none", label="weights at this epoch")
    ax.plot(0, 0, marker="*", markersize=15, color="white", markeredgecolor="black",
            linestyle="none", label="final weights")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    position = {id(snapshot): index for index, snapshot in enumerate(chosen)}

    def update(snapshot):
        upto = position[id(snapshot)] + 1
        line.set_data(path[:upto, 0], path[:upto, 1])
        head.set_data(path[upto - 1:upto, 0], path[upto - 1:upto, 1])
        loss = "-" if snapshot["loss"] is None else f"{snapshot['loss']:.4f}"
        ax.set_title(f"the path on the loss landscape: epoch {snapshot['epoch']} · loss {loss}",
                     fontsize=10)
        return [line, head]

    update(chosen[0])
    return play(network, figure, update, chosen, out, fps)


def hidden_frames(network, X, y, layer, snapshots, panel_size):
    """The figure of an animation of the warp over ``snapshots``, and its frame updater.

    Every frame's spaces are computed first, so that each panel keeps one set of limits
    (the union over frames) and PCA axes keep their orientation from frame to frame.
    """
    n_layers = len(neuron_layers(network.layers))
    layer = check_layer(layer, n_layers, allow_all=True)
    shown = list(range(n_layers + 1)) if layer == "all" else [layer]
    y = class_labels(y)
    frames: dict[int, Any] = {}
    previous: dict[int, Any] = {}
    for snapshot in snapshots:
        network.set_weights(snapshot["weights"])
        spaces = [hidden_space(network, X, index, previous_axes=previous.get(index))
                  for index in shown]
        previous = {index: getattr(space, "principal_axes", None)
                    for index, space in zip(shown, spaces, strict=True)}
        frames[id(snapshot)] = spaces
    limits = [_frame_limits([frames[id(s)][i] for s in snapshots]) for i in range(len(shown))]
    first = frames[id(snapshots[0])]
    three_d = [space.points.shape[1] == 3 for space in first]
    figure = plt.figure(figsize=(panel_size * (len(shown) + 0.3 * sum(three_d)),
                                 panel_size * 1.1), layout="constrained")
    panels = figure.add_gridspec(1, len(shown), width_ratios=[1.3 if d else 1 for d in three_d])
    axes = [figure.add_subplot(panels[0, i], projection="3d" if three_d[i] else None)
            for i in range(len(shown))]

    def update(snapshot):
        network.set_weights(snapshot["weights"])
        for ax, space, limit in zip(axes, frames[id(snapshot)], limits, strict=True):
            ax.cla()
            draw_space(ax, space, y, network, legend=False)
            _set_limits(ax, limit)
        handles, names = legend_entries(axes)
        if names and not figure.legends:
            figure.legend(handles, names, loc="outside lower center", ncol=len(names),
                          fontsize=8)
        loss = "-" if snapshot["loss"] is None else f"{snapshot['loss']:.4f}"
        figure.suptitle(f"epoch {snapshot['epoch']} · loss {loss}", fontsize=11)
        return []

    update(snapshots[0])
    return figure, update


def _frame_limits(spaces):
    """(low, high) per coordinate covering the points and grid of every frame."""
    values = np.vstack([np.vstack([s.points, s.grid.reshape(-1, s.points.shape[1])])
                        for s in spaces])
    low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
    pad = 0.05 * np.where(high > low, high - low, 1.0)
    return low - pad, high + pad


def _set_limits(ax, limit):
    low, high = limit
    ax.set_xlim(low[0], high[0])
    if len(low) > 1:
        ax.set_ylim(low[1], high[1])
    if len(low) > 2:
        ax.set_zlim(low[2], high[2])
