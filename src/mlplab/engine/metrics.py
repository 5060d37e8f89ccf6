"""Metrics reported during training: ``metric(outputs, y, activation) -> float``.

``outputs`` are the output layer's activations (n_samples, n_outputs) and ``y``
the targets as the loss prepared them (same shape).
"""

import numpy as np

from mlplab._validation import lookup, short_repr
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


def r2(outputs, y, activation) -> float:
    """Coefficient of determination, averaged over outputs (scikit-learn's ``r2_score``)."""
    residual = np.sum((y - outputs) ** 2, axis=0)
    total = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1.0 - residual / total, np.where(residual > 0, 0.0, 1.0))
    return float(np.mean(scores))


METRICS = {"accuracy": accuracy, "mse": mse, "mae": mae, "r2": r2}
_ALIASES = {"acc": "accuracy", "mean_squared_error": "mse", "mean_absolute_error": "mae"}


def get(identifier):
    """Resolve a metric name to ``(name, function)``."""
    if not isinstance(identifier, str):
        raise InvalidTypeError(f"metrics: {short_repr(identifier)} is not a metric name; give "
                               f"names from {', '.join(METRICS)}, e.g. ['accuracy'].")
    key = _ALIASES.get(identifier.strip().lower(), identifier.strip().lower())
    return key, lookup(METRICS, key, "metric")
