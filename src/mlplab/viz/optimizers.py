"""Optimizers compared: one network trained by each, their loss curves told apart and
their paths on one loss landscape (see :mod:`mlplab.viz.landscape`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

from mlplab._typing import RandomState
from mlplab.engine import optimizers as optimizer_registry
from mlplab.engine.callbacks import WeightSnapshots
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz.animate import fit_seed
from mlplab.viz.curves import plot_history
from mlplab.viz.landscape import (
    LossFunction,
    covering,
    draw_path,
    draw_surface,
    evaluate_plane,
    flat_vector,
    path_plane,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mlplab.engine.model import Sequential
    from mlplab.engine.optimizers import OptimizerLike


def compare_optimizers(model_factory: Callable[[], Sequential], X: ArrayLike, y: ArrayLike,
                       optimizers: Sequence[OptimizerLike], *, epochs: int = 100,
                       batch_size: int | None = 32, every: int = 1, resolution: int = 31,
                       levels: int = 12, random_state: RandomState = 0) -> Figure:
    """Train the same network with each optimizer; their loss curves and their paths on
    one loss landscape.

    Parameters
    ----------
    model_factory : callable
        ``model_factory()`` returns a new mlplab Sequential (compiled or not; it is
        compiled with each optimizer and its own loss and metrics), or an
        ``mlplab.keras`` one compiled with its loss. Give it a fixed seed so that every
        run starts from the same weights.
    X, y : array-like
    optimizers : list
        Names ("sgd", "adam"), dicts ({"name": "sgd", "learning_rate": 0.1,
        "momentum": 0.9}) or Optimizer objects (one per run).
    epochs, batch_size : int
        As for ``fit``.
    every : int
        Record the weights every ``every`` epochs.
    random_state : int, Generator or None
        The training seed (shuffling), the same for every run.

    Returns
    -------
    matplotlib.figure.Figure
        Left: the loss curves, a colour and a label per optimizer. Right: the loss over
        the plane through the common initial weights spanned by the first two principal
        directions of all the paths, each path drawn in its run's colour (a run's end
        may lie off the plane: the contour under it is the plane's loss, not its own).
        ``figure.runs`` holds (label, model, history, snapshots) per optimizer.
    """
    if not optimizers:
        raise InvalidInputError("compare_optimizers needs at least one optimizer, e.g. "
                                "optimizers=['sgd', 'adam'].")
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained",
                                         gridspec_kw={"width_ratios": [1, 1.15]})
    figure.runs = []
    for index, optimizer in enumerate(optimizers):
        model = model_factory()
        resolved = optimizer_registry.get(optimizer)
        label = _optimizer_label(resolved)
        model.compile(loss=model.loss, optimizer=resolved,
                      metrics=[name for name, _ in model.metrics])
        recorder = WeightSnapshots(every=every)
        history = model.fit(X, y, epochs=epochs, batch_size=batch_size, callbacks=[recorder],
                            verbose=0, **fit_seed(model, random_state))
        plot_history(history, ax=left, label=label, color=style.class_color(index + 1))
        figure.runs.append((label, model, history, recorder.snapshots))
    left.set_title("training loss per optimizer", fontsize=10)
    landscape = _shared_landscape(figure.runs, X, y, resolution)
    draw_surface(right, landscape, levels)
    for index, (label, *_, snapshots) in enumerate(figure.runs):
        path = np.array([(flat_vector(s["weights"]) - landscape.origin) @ np.array(
            landscape.directions).T for s in snapshots])
        draw_path(right, path, label, color=style.class_color(index + 1),
                  start_label="initial weights (all runs)" if index == 0 else None,
                  start_color="black")
    right.set_title("the paths on one loss landscape (plane of their principal directions)",
                    fontsize=10)
    right.legend(loc="best", fontsize=7, framealpha=0.85)
    figure.landscape = landscape
    return figure


def _optimizer_label(optimizer):
    """ "sgd (lr 0.1, momentum 0.9)": the optimizer and the settings that tell runs apart."""
    config = optimizer.config()
    details = []
    if isinstance(config.get("learning_rate"), (int, float)):
        details.append(f"lr {config['learning_rate']:g}")
    if config.get("momentum"):
        details.append(f"momentum {config['momentum']:g}")
    return f"{optimizer.name} ({', '.join(details)})" if details else optimizer.name


def _shared_landscape(runs, X, y, resolution):
    """The loss over the plane through the first run's initial weights spanned by the
    first two principal directions of every run's recorded weights."""
    origin = flat_vector(runs[0][3][0]["weights"])
    weights = np.array([flat_vector(s["weights"]) for *_, snapshots in runs for s in snapshots])
    directions, coordinates, shares = path_plane(weights, origin)
    network = runs[0][1]
    axes = [covering(coordinates[:, i], resolution) for i in range(2)]
    labels = [f"PC{i + 1} of the paths ({share:.0%} of their variance)"
              for i, share in enumerate(shares)]
    with LossFunction(network, X, y) as loss:
        return evaluate_plane(loss, "trajectory", origin, list(directions.T), axes, None, labels)
