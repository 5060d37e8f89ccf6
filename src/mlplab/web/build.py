"""From a playground setup to mlplab objects: the data, the network, the picture grid.

Used by the sessions and by the exports (the exported script rebuilds the same things
with the same calls).
"""

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np

import mlplab
from mlplab import data
from mlplab._typing import ArrayLike, FloatArray, NDArray
from mlplab.engine.layers import Dense, Dropout, Layer
from mlplab.engine.model import Sequential
from mlplab.engine.regularizers import L1L2
from mlplab.errors import InvalidInputError
from mlplab.web.config import MAX_COORDINATE, PlaygroundConfig


def to_bytes(values: ArrayLike, lo: float, hi: float) -> NDArray[np.uint8]:
    """Map ``values`` from [lo, hi] onto bytes 0..255 (a uint8 array).

    Infinities go to the ends; NaN (a diverged network's output) to the middle.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = (np.asarray(values, dtype=np.float64) - lo) / ((hi - lo) or 1.0)
        scaled = np.where(np.isnan(scaled), 0.5, scaled)
        return np.clip(np.rint(scaled * 255), 0, 255).astype(np.uint8)


def encode(values: ArrayLike, lo: float, hi: float) -> str:
    """:func:`to_bytes` as base64 text, as a JSON frame carries them."""
    return base64.b64encode(to_bytes(values, lo, hi).tobytes()).decode()


def plane_grid(bounds: Sequence[float], resolution: int) -> FloatArray:
    """Points of a ``resolution`` x ``resolution`` grid over ``bounds``, image order.

    Row 0 is the top of the picture (largest x2), so row-major order is the
    order in which a canvas fills its pixels.
    """
    x_min, x_max, y_min, y_max = bounds
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_max, y_min, resolution)
    xx, yy = np.meshgrid(xs, ys)
    return np.column_stack([xx.ravel(), yy.ravel()])


def make_points(config: PlaygroundConfig, upload: tuple[Any, ...] | None = None
                ) -> tuple[FloatArray, NDArray[Any]]:
    """The page's data set as (X, y): generated, clicked or uploaded."""
    if config.dataset == "custom":
        points = np.asarray(config.points, dtype=np.float64)
        return points[:, :2], points[:, 2]
    if config.dataset == "upload":
        if upload is None:
            raise InvalidInputError("dataset 'upload': upload a CSV file first.")
        return upload[0], upload[1]
    return data.make_dataset(config.dataset, **generator_arguments(config))


def check_plane(X: ArrayLike, targets: ArrayLike | None = None) -> None:
    """The points (and regression targets) must be finite and within MAX_COORDINATE,
    so that the picture's bounds are."""
    for name, values in (("x1, x2", X), ("the target", targets)):
        if values is None:
            continue
        values = np.asarray(values, dtype=np.float64)
        bad = ~np.isfinite(values) | (np.abs(values) > MAX_COORDINATE)
        if bad.any():
            raise InvalidInputError(
                f"the data's {name} values must be finite numbers between "
                f"-{MAX_COORDINATE:g} and {MAX_COORDINATE:g}; {int(bad.sum())} are not "
                f"(the first: {values[bad][0]:g}). Rescale the data.")


def generator_arguments(config: PlaygroundConfig) -> dict[str, Any]:
    """Keyword arguments of the chosen generator for the page's sliders."""
    name, noise = config.dataset, config.noise
    arguments: dict[str, Any] = {"n_samples": config.n_samples, "random_state": config.seed}
    if name == "blobs":
        arguments.update(centers=config.n_classes, cluster_std=0.5 + 2 * noise,
                         center_box=(-4.0, 4.0))
    elif name == "classification":
        arguments.update(n_classes=config.n_classes, n_clusters_per_class=1)
    elif name == "gaussian_quantiles":
        arguments.update(n_classes=config.n_classes)
    elif name == "spirals":
        arguments.update(n_arms=config.n_classes, noise=noise)
    elif name in ("moons", "circles", "xor", "regression_plane", "regression_gaussians"):
        arguments.update(noise=noise)
    if name == "circles":
        arguments.update(factor=0.5)
    return arguments


def split_points(X: FloatArray, y: NDArray[Any], test_ratio: float, seed: int,
                 stratify: bool) -> tuple[FloatArray, NDArray[Any], FloatArray, NDArray[Any]]:
    """(X_train, y_train, X_test, y_test); no test part when ``test_ratio`` is 0."""
    if test_ratio == 0 or len(X) < 4:
        return X, y, X[:0], y[:0]
    try:
        parts = data.split(X, y, test=test_ratio, random_state=seed, stratify=stratify)
    except ValueError:  # a class too small to stratify (a few clicked points)
        parts = data.split(X, y, test=test_ratio, random_state=seed, stratify=False)
    return parts.X_train, parts.y_train, parts.X_test, parts.y_test


def build_model(config: PlaygroundConfig, n_inputs: int, n_classes: int) -> Sequential:
    """The page's network as an mlplab Sequential, compiled and built."""
    regularizer = L1L2(l1=config.l1, l2=config.l2) if config.l1 or config.l2 else None
    layers: list[Layer] = []
    for spec in config.layers:
        layers.append(Dense(spec.units, activation=spec.activation,
                            kernel_regularizer=regularizer))
        if config.dropout:
            layers.append(Dropout(config.dropout))
    if config.problem == "regression":
        layers.append(Dense(1, activation="linear"))
        loss, metrics = "mse", ["r2"]
    elif config.problem == "binary":
        layers.append(Dense(1, activation="sigmoid"))
        loss, metrics = ("binary_crossentropy" if config.loss == "cross_entropy" else "mse",
                         ["accuracy"])
    else:
        layers.append(Dense(n_classes, activation="softmax"))
        loss, metrics = ("categorical_crossentropy" if config.loss == "cross_entropy" else "mse",
                         ["accuracy"])
    model = mlplab.Sequential(layers, random_state=config.seed)
    model.compile(loss=loss, optimizer=optimizer_spec(config), metrics=metrics)
    return model.build(n_inputs)


def optimizer_spec(config: PlaygroundConfig) -> dict[str, Any]:
    """The optimizer dict for ``compile``: 'momentum' is SGD with momentum 0.9."""
    if config.optimizer == "momentum":
        return {"name": "sgd", "learning_rate": config.learning_rate, "momentum": 0.9}
    return {"name": config.optimizer, "learning_rate": config.learning_rate}


def dense_layers(model: Sequential) -> list[Dense]:
    """The network's Dense layers, input side first (the last is the output)."""
    return [layer for layer in model.layers if isinstance(layer, Dense)]
