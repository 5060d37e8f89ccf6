"""Metrics reported during training: ``metric(outputs, y, activation) -> float``.

``outputs`` are the output layer's activations (n_samples, n_outputs) and ``y``
the targets as the loss prepared them (same shape).
"""

import numpy as np

from mlplab._validation import lookup
from mlplab.errors import InvalidTypeError


def accuracy(outputs, y, activation) -> float:
    """Fraction of correct predictions: argmax for softmax, else threshold 0.5 per output."""
    if activation.name == "softmax" or (outputs.shape[1] > 1 and activation.name != "sigmoid"):
        return float(np.mean(np.argmax(outputs, axis=1) == np.argmax(y, axis=1)))
    return float(np.mean((outputs > 0.5) == (y > 0.5)))


def mse(outputs, y, activation) -> float:
    """Mean squared error of the outputs."""
    return float(np.mean((outputs - y) ** 2))


def mae(outputs, y, activation) -> float:
    """Mean absolute error of the outputs."""
    return float(np.mean(np.abs(outputs - y)))


METRICS = {"accuracy": accuracy, "mse": mse, "mae": mae}
_ALIASES = {"acc": "accuracy", "mean_squared_error": "mse", "mean_absolute_error": "mae"}


def get(identifier):
    """Resolve a metric name to ``(name, function)``."""
    if not isinstance(identifier, str):
        raise InvalidTypeError(f"metrics: give names such as 'accuracy'; got {identifier!r}.")
    key = _ALIASES.get(identifier.strip().lower(), identifier.strip().lower())
    return key, lookup(METRICS, key, "metric")
