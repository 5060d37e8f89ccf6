"""Animations of training: the network's boundary beside every hidden neuron's, per epoch."""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from numpy.typing import ArrayLike

from mlplab._files import atomic_write
from mlplab._typing import Model, PathLike, RandomState
from mlplab.engine.callbacks import Snapshot, WeightSnapshots
from mlplab.engine.spec import neuron_layers
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz._grid import check_plane, engine_model, plane_grid
from mlplab.viz.boundary import scatter_points
from mlplab.viz.neurons import layer_outputs, neuron_image_limits

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

FORMATS = {".gif": "gif", ".mp4": "mp4", ".html": "html"}
# matplotlib's HTML player takes its button icons from a CDN; use plain symbols instead,
# so the file works offline.
ICONS = {"fa fa-minus": "&minus;", "fa fa-plus": "+", "fa fa-fast-backward": "&#x23EE;",
         "fa fa-step-backward": "&#x23F4;&#x23F4;", "fa fa-play fa-flip-horizontal": "&#x25C0;",
         "fa fa-pause": "&#x23F8;", "fa fa-play": "&#x25B6;",
         "fa fa-step-forward": "&#x23F5;&#x23F5;", "fa fa-fast-forward": "&#x23ED;"}


def offline_html(html):
    """Drop the player's CDN stylesheet and put symbols in its buttons."""
    html = re.sub(r"<link rel=\"stylesheet\"\s*href=\"https?://[^\"]*\">", "", html)
    return re.sub(r'<i class="([^"]*)"></i>', lambda m: ICONS.get(m.group(1), "?"), html)


class TrainingAnimation:
    """A rendered training animation.

    Attributes
    ----------
    animation : matplotlib.animation.FuncAnimation
    snapshots : list of dict
        The weight snapshots it replays (epoch, step, loss, weights).
    path : Path or None
        Where it was saved, if it was.
    """

    def __init__(self, anim: FuncAnimation, figure: Figure, snapshots: list[Snapshot],
                 path: Path | None = None):
        self.animation, self.figure, self.snapshots, self.path = anim, figure, snapshots, path

    @property
    def n_frames(self) -> int:
        return len(self.snapshots)

    def save(self, path: PathLike, fps: int = 10) -> Path:
        """Write a GIF (Pillow), an MP4 (ffmpeg) or a self-contained HTML file."""
        self.path = save_animation(self.animation, path, fps)
        return self.path

    def to_html(self) -> str:
        """The animation as a self-contained HTML/JavaScript player (frames inline)."""
        return offline_html(self.animation.to_jshtml(default_mode="once"))

    def _repr_html_(self) -> str:
        return self.to_html()


def _check_output_path(out):
    path = Path(out)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InvalidInputError(f"out={str(out)!r}: use a .gif, .mp4 or .html file name.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InvalidInputError(f"cannot write {str(out)!r}: folder {str(folder)!r} does not "
                                "exist or is not writable. Choose another path.")
    if kind == "mp4" and not animation.writers.is_available("ffmpeg"):
        raise InvalidInputError("writing MP4 needs ffmpeg, which is not installed. Save as "
                                f"{path.with_suffix('.gif').name} or "
                                f"{path.with_suffix('.html').name} instead, or install ffmpeg.")
    return path, kind


def save_animation(anim, out, fps):
    path, kind = _check_output_path(out)
    if kind == "html":
        html = offline_html(anim.to_jshtml(fps=fps, default_mode="once"))
        atomic_write(path, lambda file: file.write(html.encode("utf-8")))
    else:  # Pillow and ffmpeg write the file themselves, at a temporary path with its suffix
        writer = animation.PillowWriter(fps=fps) if kind == "gif" else \
            animation.FFMpegWriter(fps=fps)
        atomic_write(path, lambda temp: anim.save(temp, writer=writer), pass_path=True)
    return path


def _frame_indices(n_snapshots, frames):
    if frames is None or frames >= n_snapshots:
        return np.arange(n_snapshots)
    return np.unique(np.linspace(0, n_snapshots - 1, frames).round().astype(int))


def animate_training(model: Model, X: ArrayLike, y: ArrayLike, *, epochs: int | None = None,
                     batch_size: int | None = 32, every: int = 1,
                     unit: Literal["epoch", "step"] = "epoch",
                     snapshots: Sequence[Snapshot] | None = None, out: PathLike | None = None,
                     frames: int | None = None, fps: int = 10, resolution: int = 100,
                     panel_size: float = 2.0,
                     random_state: RandomState = None) -> TrainingAnimation:
    """Train ``model`` (or replay recorded snapshots) and animate what it learns.

    Each frame shows the network's output over the input plane with the data,
    beside every hidden neuron's activation and zero line, titled with the
    epoch and the loss.

    Parameters
    ----------
    model : Sequential or NetClassifier
        A compiled mlplab Sequential (or a NetClassifier, for replay).
    X : array-like, shape (n_samples, 2)
        The training inputs.
    y : array-like, shape (n_samples,)
        The training labels.
    epochs : int
        Train this many epochs first, recording weights every ``every``
        epochs (or steps, ``unit="step"``). Leave None to replay ``snapshots``.
    snapshots : list, optional
        ``WeightSnapshots(...).snapshots`` from an earlier fit.
    out : str or Path, optional
        ``.gif``, ``.mp4`` (needs ffmpeg) or ``.html`` (self-contained).
    frames : int, optional
        Use at most this many frames, evenly spaced (the last is always kept).
    fps : int
        Playback speed, frames per second.
    resolution : int
        Grid points per side of each picture.
    panel_size : float
        Size of each panel in inches.

    Returns
    -------
    TrainingAnimation
    """
    X = check_plane(X)
    network, chosen = training_snapshots(
        model, X, y, "animate_training", epochs=epochs, batch_size=batch_size, every=every,
        unit=unit, snapshots=snapshots, out=out, frames=frames, random_state=random_state)
    figure, update = _build_figure(network, X, y, resolution, panel_size)
    return play(network, figure, update, chosen, out, fps)


def training_snapshots(model, X, y, purpose, *, epochs, batch_size, every, unit, snapshots,
                       out, frames, random_state):
    """The network and the snapshots to draw: recorded now by training ``epochs`` (every
    ``every`` epochs or steps), or the given ``snapshots``, thinned to ``frames``."""
    network = engine_model(model, purpose) if epochs is None else model
    if out is not None:
        _check_output_path(out)  # fail before training, not after
    if epochs is not None:
        recorder = WeightSnapshots(every=every, unit=unit)
        network.fit(X, y, epochs=epochs, batch_size=batch_size, callbacks=[recorder],
                    verbose=0, **fit_seed(network, random_state))
        snapshots = recorder.snapshots
    if not snapshots:
        raise InvalidInputError(f"{purpose}: give epochs= to train, or snapshots= "
                                "recorded with WeightSnapshots.")
    return network, [snapshots[i] for i in _frame_indices(len(snapshots), frames)]


def fit_seed(model, random_state):
    """``fit``'s seed argument, for a fit that takes one (mlplab.keras', as Keras', does not:
    its model's own seed shuffles)."""
    return {"random_state": random_state} if "random_state" in inspect.signature(
        model.fit).parameters else {}


def play(network, figure, update, chosen, out, fps):
    """A :class:`TrainingAnimation` of ``update(snapshot)`` over ``chosen``, saved to
    ``out`` if given; the network keeps its final weights."""
    final_weights = network.get_weights()
    anim = animation.FuncAnimation(figure, lambda i: update(chosen[i]), frames=len(chosen),
                                   interval=1000 / fps, blit=False)
    # Out of pyplot's open figures: a notebook shows the player (its _repr_html_), not
    # also the last frame as a still figure at the end of the cell.
    plt.close(figure)
    result = TrainingAnimation(anim, figure, chosen)
    try:
        if out is not None:
            result.save(out, fps)
    finally:
        network.set_weights(final_weights)
    return result


def _build_figure(network, X, y, resolution, panel_size):
    """Draw the first frame's artists once; return the figure and a frame updater."""
    hidden = neuron_layers(network.layers)[:-1]
    columns = max([layer.units for layer, _ in hidden], default=0)
    figure = plt.figure(figsize=(panel_size * (2 + columns), panel_size * max(2, len(hidden))),
                        layout="constrained")
    grid = figure.add_gridspec(max(2, len(hidden)), 2 + columns)
    main = figure.add_subplot(grid[:, :2])
    xx, yy, points = plane_grid(X, resolution, 0.1)
    points = points.astype(network.dtype)
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    out_image = main.imshow(np.zeros(xx.shape), origin="lower", extent=extent, vmin=0, vmax=1,
                            cmap=style.DIVERGING, aspect="auto", alpha=0.8)
    scatter_points(main, X, np.asarray(y))
    main.set_xticks([]), main.set_yticks([])
    neuron_images = []
    for row, (layer, activation) in enumerate(hidden):
        for unit in range(layer.units):
            ax = figure.add_subplot(grid[row, 2 + unit])
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(f"layer {row + 1} · n{unit + 1}", fontsize=7)
            image = ax.imshow(np.zeros(xx.shape), origin="lower", extent=extent, aspect="auto",
                              cmap=style.DIVERGING)
            neuron_images.append((ax, image, row, unit, activation.name))
    contours: list[Any] = []

    def update(snapshot):
        network.set_weights(snapshot["weights"])
        outputs = layer_outputs(network, points)
        for artist in contours:
            artist.remove()
        contours.clear()
        probability = outputs[-1][1][:, -1].reshape(xx.shape)
        out_image.set_data(probability)
        contours.append(main.contour(xx, yy, probability, levels=[0.5], colors="black",
                                     linewidths=1.5))
        for ax, image, row, unit, name in neuron_images:
            z, a = outputs[row][0][:, unit], outputs[row][1][:, unit]
            image.set_data(a.reshape(xx.shape))
            image.set_clim(*neuron_image_limits(name, a))
            if z.min() < 0 < z.max():
                contours.append(ax.contour(xx, yy, z.reshape(xx.shape), levels=[0.0],
                                           colors="black", linewidths=0.8))
        loss = "-" if snapshot["loss"] is None else f"{snapshot['loss']:.4f}"
        main.set_title(f"epoch {snapshot['epoch']} · loss {loss}", fontsize=11)
        return [out_image]

    return figure, update
