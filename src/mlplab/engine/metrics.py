"""Metrics reported during training: ``metric(outputs, y, activation) -> float``.

``outputs`` are the output layer's activations (n_samples, n_outputs) and ``y``
the targets as the loss prepared them (same shape: class labels arrive one-hot).
Keras' metrics are here under Keras' names, computed as Keras computes them:
``binary_accuracy``, ``categorical_accuracy``, ``sparse_categorical_accuracy``, ``auc``,
``precision``, ``recall`` and ``root_mean_squared_error``. :data:`DIRECTIONS` says which
way each one improves.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from mlplab._typing import FloatArray
from mlplab._validation import Real, check, did_you_mean, lookup, short_repr
from mlplab.engine.activations import Activation
from mlplab.errors import InvalidInputError, InvalidTypeError, MlplabError

# A metric: (outputs, targets, output activation) -> a float, outputs and targets
# (n_samples, n_outputs) as the model sees them.
MetricFunction: TypeAlias = Callable[[FloatArray, FloatArray, Activation], float]


def accuracy(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
    """Fraction of correct predictions: argmax for softmax, else threshold 0.5 per output."""
    if activation.name == "softmax" or (outputs.shape[1] > 1 and activation.name != "sigmoid"):
        return float(np.mean(np.argmax(outputs, axis=1) == np.argmax(y, axis=1)))
    return float(np.mean((outputs > 0.5) == (y > 0.5)))


def binary_accuracy(outputs: FloatArray, y: FloatArray, activation: Activation,
                    threshold: float = 0.5) -> float:
    """Keras' ``binary_accuracy``: the fraction of outputs whose thresholded value
    (``output > threshold``, 1 or 0) equals the target, over every output."""
    return float(np.mean((outputs > threshold).astype(y.dtype) == y))


def categorical_accuracy(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
    """Keras' ``categorical_accuracy``: the row's largest output is its target's largest
    entry (the class of a one-hot row); ties go to the first, as in ``argmax``."""
    return float(np.mean(np.argmax(outputs, axis=1) == np.argmax(y, axis=1)))


# The targets arrive one-hot (the loss prepared the class indices), so Keras'
# sparse_categorical_accuracy on indices is categorical_accuracy on those rows.
sparse_categorical_accuracy = categorical_accuracy

# Keras' AUC thresholds: 198 evenly inside (0, 1), and one just outside either end.
AUC_THRESHOLDS = np.concatenate([[-1e-7], np.arange(1, 199) / 199, [1.0 + 1e-7]])


def auc(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
    """Keras' ``AUC()``: the area under the ROC curve from 200 thresholds, by the
    trapezoidal rule (``summation_method="interpolation"``), every output pooled as one
    binary problem (``multi_label=False``); a target is positive when non-zero."""
    scores, positive = outputs.ravel(), y.ravel() != 0
    above = scores[None, :] > AUC_THRESHOLDS[:, None]  # (200, n): predicted positive
    true_positives = (above & positive).sum(axis=1)
    false_positives = (above & ~positive).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # no positives or negatives: 0
        recall = np.nan_to_num(true_positives / positive.sum())
        fp_rate = np.nan_to_num(false_positives / (~positive).sum())
    return float(np.sum((fp_rate[:-1] - fp_rate[1:]) * (recall[:-1] + recall[1:]) / 2))


def _positives(outputs: FloatArray, y: FloatArray, threshold: float = 0.5) -> tuple[Any, ...]:
    """Keras' confusion counts, every output pooled: (true positives, predicted positives,
    actual positives), a prediction positive above ``threshold``, a target when non-zero."""
    predicted, actual = outputs > threshold, y != 0
    return np.sum(predicted & actual), np.sum(predicted), np.sum(actual)


def precision(outputs: FloatArray, y: FloatArray, activation: Activation,
              threshold: float = 0.5) -> float:
    """Keras' ``Precision()``: true positives over predicted positives (0 when none)."""
    hits, predicted, _ = _positives(outputs, y, threshold)
    return float(hits / predicted) if predicted else 0.0


def recall(outputs: FloatArray, y: FloatArray, activation: Activation,
           threshold: float = 0.5) -> float:
    """Keras' ``Recall()``: true positives over actual positives (0 when none)."""
    hits, _, actual = _positives(outputs, y, threshold)
    return float(hits / actual) if actual else 0.0


def root_mean_squared_error(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
    """Keras' ``RootMeanSquaredError()``: the square root of the mean squared error."""
    return float(np.sqrt(np.mean((outputs - y) ** 2)))


def mse(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
    """Mean squared error of the outputs."""
    return float(np.mean((outputs - y) ** 2))


def mae(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
    """Mean absolute error of the outputs."""
    return float(np.mean(np.abs(outputs - y)))


def r2(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
    """Coefficient of determination, averaged over outputs (scikit-learn's ``r2_score``)."""
    residual = np.sum((y - outputs) ** 2, axis=0)
    total = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1.0 - residual / total, np.where(residual > 0, 0.0, 1.0))
    return float(np.mean(scores))


METRICS = {"accuracy": accuracy, "mse": mse, "mae": mae, "r2": r2,
           "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
           "sparse_categorical_accuracy": sparse_categorical_accuracy, "auc": auc,
           "precision": precision, "recall": recall,
           "root_mean_squared_error": root_mean_squared_error}
_ALIASES = {"acc": "accuracy", "mean_squared_error": "mse", "mean_absolute_error": "mae"}
# Which way each metric improves (what EarlyStopping's mode="auto" follows).
DIRECTIONS = {"accuracy": "max", "binary_accuracy": "max", "categorical_accuracy": "max",
              "sparse_categorical_accuracy": "max", "auc": "max", "r2": "max",
              "precision": "max", "recall": "max", "mse": "min", "mae": "min",
              "root_mean_squared_error": "min"}


# The arguments a metric takes beyond (outputs, y, activation), with their defaults.
ARGUMENTS: dict[str, dict[str, float]] = {"binary_accuracy": {"threshold": 0.5},
                                          "precision": {"threshold": 0.5},
                                          "recall": {"threshold": 0.5}}


def direction(name: str) -> str | None:
    """``"max"`` or ``"min"``: how the logged quantity ``name`` (``val_`` prefix or not)
    improves; losses fall, registered metrics as :data:`DIRECTIONS` says; None if unknown."""
    key = name[4:] if name.startswith("val_") else name
    if key == "loss" or key.endswith("_loss"):
        return "min"
    return DIRECTIONS.get(_ALIASES.get(key, key))


def get(identifier: str) -> tuple[str, MetricFunction]:
    """Resolve a metric name to ``(name, function)``. A call such as
    ``"binary_accuracy(name='bacc', threshold=0.7)"`` (what :func:`describe` writes) gives
    that metric under that name, with those arguments."""
    if not isinstance(identifier, str):
        raise InvalidTypeError(f"metrics: {short_repr(identifier)} is not a metric name; give "
                               f"names from {', '.join(METRICS)}, e.g. ['accuracy'].")
    call = _call_in(identifier)
    if call is not None:
        kind, arguments = call
        name = arguments.pop("name", kind)
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"metrics: {identifier!r} names the metric "
                                    f"{short_repr(name)}; a name is a non-empty str.")
        return name, configured(kind, **arguments)
    key = _ALIASES.get(identifier.strip().lower(), identifier.strip().lower())
    return key, lookup(METRICS, key, "metric")


def configured(kind: str, **arguments: Any) -> MetricFunction:
    """The registered metric ``kind`` with ``arguments`` set (see :data:`ARGUMENTS`), e.g.
    ``configured("binary_accuracy", threshold=0.7)``; with none, the function itself."""
    key = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
    function = lookup(METRICS, key, "metric")
    takes = ARGUMENTS.get(key, {})
    for argument, value in arguments.items():
        if argument not in takes:
            raise InvalidInputError(
                f"metric {key!r} got the argument {argument!r}; it takes "
                f"{', '.join(takes) or 'none'}.{did_you_mean(argument, takes)}")
        check(value, argument, Real(), owner=key, example=f"{key}({argument}=0.5)")
    given = {k: float(v) for k, v in arguments.items() if v != takes[k]}
    return functools.partial(function, **given) if given else function


def describe(name: str, function: MetricFunction) -> str:
    """What a saved model keeps of the metric ``function`` logged as ``name``: the name
    alone when :func:`get` gives this function back for it, else a call that ``get``
    reads, ``"binary_accuracy(name='bacc', threshold=0.7)"``. A function that is not
    a registered metric (one of the user's) is kept by its name."""
    kind, arguments = _kind_of(function)
    if kind is None:
        return name
    try:
        plain = _kind_of(get(name)[1]) == (kind, arguments) and get(name)[0] == name
    except MlplabError:  # a name of one's own ("bacc")
        plain = False
    if plain:
        return name
    return f"{kind}({', '.join(f'{k}={v!r}' for k, v in {'name': name, **arguments}.items())})"


def kind_of(function: MetricFunction) -> str | None:
    """The registry's name of ``function`` (a registered metric, its arguments set or
    not), or None for a function of one's own."""
    return _kind_of(function)[0]


def _kind_of(function: Any) -> tuple[str | None, dict[str, Any]]:
    arguments = dict(function.keywords) if isinstance(function, functools.partial) else {}
    base = function.func if isinstance(function, functools.partial) else function
    kind = next((key for key, registered in METRICS.items() if registered is base), None)
    return kind, arguments


def _call_in(text: str) -> tuple[str, dict[str, Any]] | None:
    """``(kind, keyword arguments)`` of a call such as ``"recall(threshold=0.7)"`` (its
    values Python literals), or None when ``text`` is not one."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and not tree.args
            and all(keyword.arg is not None for keyword in tree.keywords)):
        return None
    try:
        return tree.func.id, {str(k.arg): ast.literal_eval(k.value) for k in tree.keywords}
    except ValueError:
        raise InvalidInputError(f"metrics: {text!r}: the arguments of a metric are numbers "
                                "or strings. Try 'binary_accuracy(threshold=0.7)'.") from None
