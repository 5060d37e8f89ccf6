"""``keras.utils``: ``to_categorical`` and ``set_random_seed``."""

from __future__ import annotations

import random

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlplab.errors import InvalidInputError
from mlplab.keras import backend
from mlplab.keras._missing import missing_names


def to_categorical(x: ArrayLike, num_classes: int | None = None) -> NDArray[np.float64]:
    """One-hot rows for class indices ``x`` (shape (n,) or (n, 1)), as Keras: float,
    ``num_classes`` columns (default: the largest index + 1)."""
    labels = np.asarray(x)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.size and (np.any(labels != np.round(labels)) or labels.min() < 0):
        raise InvalidInputError(f"to_categorical: x must hold class indices 0, 1, ...; got "
                                f"values such as {np.unique(labels)[:5].tolist()}.")
    labels = labels.astype(np.int64)
    num_classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and labels.max() >= num_classes:
        raise InvalidInputError(f"to_categorical(num_classes={num_classes}): x holds class "
                                f"{int(labels.max())}; give num_classes={int(labels.max()) + 1}.")
    return np.eye(num_classes)[labels]


def set_random_seed(seed: int) -> None:
    """Seed the session, as Keras: Python's ``random``, NumPy's global generator (for the
    notebook's own ``np.random`` data) and every model built afterwards (its weights,
    shuffling and dropout), so that a notebook gives the same numbers on every run."""
    backend.set_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - Keras seeds NumPy's global generator too


__getattr__ = missing_names("keras.utils", {
    "plot_model": "draw the network with mlplab.viz (e.g. mlplab.viz.plot_network(model))",
    "Sequence": "fit takes NumPy arrays", "PyDataset": "fit takes NumPy arrays",
    "image_dataset_from_directory": "load arrays yourself (mlplab.data loads CSV files)",
    "normalize": "use mlplab.data.standardize"}, ["to_categorical", "set_random_seed"])
