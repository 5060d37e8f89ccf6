"""Small end-to-end recipes that the CLI (and users) call in one line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from numpy.typing import DTypeLike

from mlplab._typing import PathLike
from mlplab.data import dataset_parameters, make_dataset, split
from mlplab.data.split import Split
from mlplab.engine.callbacks import History
from mlplab.engine.model import Sequential
from mlplab.engine.optimizers import OptimizerLike
from mlplab.errors import InvalidInputError

if TYPE_CHECKING:
    from mlplab.viz.animate import TrainingAnimation

# scikit-learn's moons and circles have no noise by default, which makes them too easy to
# say anything; these defaults give overlap that test accuracy can measure.
DEFAULT_NOISE = {"moons": 0.2, "circles": 0.1}


@dataclass(frozen=True)
class Experiment:
    """A data set split into train/test and an untrained, compiled network for it."""

    dataset: str
    layers_text: str
    model: Sequential
    parts: Split


@dataclass(frozen=True)
class TrainingResult:
    """What :func:`train_on_dataset` produced."""

    dataset: str
    layers_text: str
    model: Sequential
    history: History
    train_accuracy: float
    test_accuracy: float
    parts: Split


def make_experiment(dataset: str, layers: Sequence[int], *, n_samples: int = 1000,
                    noise: float | Literal["default"] | None = "default", activation: str = "relu",
                    output_activation: str | None = None, loss: str | None = None,
                    optimizer: OptimizerLike = "adam", test_size: float = 0.2,
                    random_state: int = 0, dtype: DTypeLike = "float64",
                    regression: bool = False) -> Experiment:
    """Generate a classification data set, split it, and build a network of widths ``layers``.

    ``noise="default"`` uses :data:`DEFAULT_NOISE` (moons 0.2, circles 0.1), else the
    generator's own default;
    ``random_state`` (an int) seeds the data, the split and the network, so the
    same call gives the same numbers. ``regression=True`` also takes a regression set
    (float targets, e.g. the 1-D curves): its net gets a linear output and the squared
    error unless told otherwise, and no accuracy.
    """
    options: dict[str, Any] = {"n_samples": n_samples, "random_state": random_state}
    has_noise = "noise" in dataset_parameters(dataset)
    if noise in (None, "default"):
        noise = DEFAULT_NOISE.get(dataset) if noise == "default" else None
    elif not has_noise:
        raise InvalidInputError(f"dataset {dataset!r} has no noise setting; drop --noise.")
    if noise is not None:
        options["noise"] = noise
    X, y = make_dataset(dataset, **options)
    if layers and layers[0] != X.shape[1]:
        raise InvalidInputError(f"--layers starts with {layers[0]} inputs but {dataset!r} has "
                                f"{X.shape[1]} features; start the list with {X.shape[1]}.")
    if y.ndim != 1 or y.dtype.kind == "f":
        if not regression:
            raise InvalidInputError(f"dataset {dataset!r} is a regression set; pick a "
                                    "classification set such as moons.")
        return _regression_experiment(dataset, layers, X, y, activation, output_activation,
                                      loss, optimizer, test_size, random_state, dtype)
    n_classes = len(set(y.tolist()))
    if n_classes > 2 and layers and layers[-1] != n_classes:
        raise InvalidInputError(f"{dataset!r} has {n_classes} classes, so the last layer needs "
                                f"{n_classes} units (one per class, softmax); got {layers[-1]}.")
    parts = split(X, y, test=test_size, random_state=random_state)
    model = Sequential.from_spec(layers, activation=activation,
                                 output_activation=output_activation,
                                 random_state=random_state, dtype=dtype)
    model.compile(loss=loss, optimizer=optimizer, metrics=["accuracy"])
    return Experiment(dataset, "-".join(str(w) for w in layers), model, parts)


def _regression_experiment(dataset, layers, X, y, activation, output_activation, loss,
                           optimizer, test_size, random_state, dtype):
    parts = split(X, y, test=test_size, random_state=random_state, stratify=False)
    model = Sequential.from_spec(layers, activation=activation,
                                 output_activation=output_activation or "linear",
                                 random_state=random_state, dtype=dtype)
    model.compile(loss=loss or "mse", optimizer=optimizer)
    return Experiment(dataset, "-".join(str(w) for w in layers), model, parts)


def train_on_dataset(dataset: str, layers: Sequence[int], *, batch_size: int | None = 32,
                     epochs: int = 300, verbose: Literal[0, 1, 2] = 0,
                     **options: Any) -> TrainingResult:
    """:func:`make_experiment`, then train and score on train and test data."""
    experiment = make_experiment(dataset, layers, **options)
    model, parts = experiment.model, experiment.parts
    history = model.fit(parts.X_train, parts.y_train, epochs=epochs, batch_size=batch_size,
                        verbose=verbose)
    return TrainingResult(
        dataset=dataset, layers_text=experiment.layers_text, model=model, history=history,
        train_accuracy=model.evaluate(parts.X_train, parts.y_train)["accuracy"],
        test_accuracy=model.evaluate(parts.X_test, parts.y_test)["accuracy"], parts=parts,
    )


def animate_on_dataset(dataset: str, layers: Sequence[int], *, out: PathLike,
                       batch_size: int | None = 32, epochs: int = 300, every: int = 1,
                       frames: int | None = 100, fps: int = 10, resolution: int = 100,
                       **options: Any) -> TrainingAnimation:
    """:func:`make_experiment`, then train while recording and write the animation to ``out``."""
    from mlplab.viz import animate_training

    experiment = make_experiment(dataset, layers, **options)
    parts = experiment.parts
    return animate_training(experiment.model, parts.X_train, parts.y_train, epochs=epochs,
                            batch_size=batch_size, every=every, frames=frames, fps=fps,
                            resolution=resolution, out=out)


def plot_on_dataset(kind: str, dataset: str, layers: Sequence[int], *, out: PathLike,
                    model_path: PathLike | None = None, batch_size: int | None = 32,
                    epochs: int = 300, dpi: int = 120, **options: Any) -> PathLike:
    """Draw one picture (``kind``) of a network trained (or loaded) on ``dataset``.

    ``kind`` names one of :data:`mlplab.viz.kinds.FIGURE_KINDS`. Returns the path
    written.
    """
    import matplotlib.pyplot as plt

    from mlplab._files import atomic_write, writable_target
    from mlplab.engine.saving import load_model
    from mlplab.viz import kinds

    figure_kind = kinds.get(kind)  # an unknown kind and a bad path fail before training
    writable_target(out)
    experiment = make_experiment(dataset, layers, regression=True, **options)
    parts, model = experiment.parts, experiment.model
    if model_path is not None:
        model = load_model(model_path)
    else:
        callbacks = []
        if figure_kind.name == "health":  # the picture of what this recorder saw
            from mlplab.engine.health import TrainingHealth

            callbacks.append(TrainingHealth(parts.X_train, parts.y_train,
                                            every=max(1, epochs // 50)))
        model.fit(parts.X_train, parts.y_train, epochs=epochs, batch_size=batch_size,
                  callbacks=callbacks)
    figure = kinds.draw(kind, model, kinds.FigureData(parts.X_train, parts.y_train,
                                                      parts.X_test, parts.y_test))
    suffix = str(out).rsplit(".", 1)[-1].lower() if "." in str(out) else "png"
    atomic_write(out, lambda file: figure.savefig(file, dpi=dpi, format=suffix))
    plt.close(figure)
    return out
