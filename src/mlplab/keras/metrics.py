"""``keras.metrics``: Keras' metric names and classes over :mod:`mlplab.engine.metrics`.

A metric is logged under the name it was given, as in Keras: ``metrics=["mse"]`` logs
``mse``, ``metrics=[keras.metrics.MeanSquaredError()]`` logs ``mean_squared_error``,
``BinaryAccuracy(name="bacc")`` logs ``bacc`` (and ``val_bacc``). A saved model keeps
each metric with its name and arguments (:func:`mlplab.engine.metrics.describe`); a
function of one's own is kept by name, and ``load_model(custom_objects=...)`` gives it
back.
``"accuracy"`` (or ``"acc"``) is Keras' choice by the output's width: binary accuracy for
one output, categorical accuracy for several. A function ``fn(y_true, y_pred)`` works too
(its mean is logged, under its name); ``y_true`` then holds class labels one-hot.

The metric objects also work on their own (``update_state``, ``result``,
``reset_state``), over every sample given since the last reset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlplab._typing import FloatArray
from mlplab._validation import short_repr
from mlplab.engine import activations
from mlplab.engine import metrics as engine
from mlplab.engine.activations import Activation
from mlplab.engine.metrics import MetricFunction
from mlplab.errors import InvalidInputError, InvalidTypeError
from mlplab.keras._missing import missing_names, not_provided


class Metric:
    """A named engine metric ``function(outputs, y, activation)``."""

    function: MetricFunction = None  # type: ignore[assignment]  # each metric sets its own
    default_name = ""
    sparse = False  # y_true holds class indices (made one-hot for the engine)

    def __init__(self, name: str | None = None, dtype: DTypeLike | None = None):
        self.name = name or self.default_name
        self.reset_state()

    def reset_state(self) -> None:
        self._true: list[FloatArray] = []
        self._predicted: list[FloatArray] = []

    def add_weight(self, *args: object, **kwargs: object) -> NoReturn:
        raise not_provided("Metric.add_weight (a stateful metric of your own)", "write the "
                           "metric as a function fn(y_true, y_pred) of NumPy arrays and pass "
                           "it to compile(metrics=[fn])")

    def update_state(self, y_true: ArrayLike, y_pred: NDArray[Any] | Sequence[Any],
                     sample_weight: None = None) -> None:
        if sample_weight is not None:
            raise InvalidInputError(f"{self.name}.update_state(sample_weight=...): mlplab's "
                                    "metrics are unweighted means, as compile(metrics=...).")
        predicted = np.asarray(y_pred, dtype=float).reshape(len(y_pred), -1)
        true = np.asarray(y_true, dtype=float)
        if self.sparse:
            true = np.eye(predicted.shape[1])[true.reshape(-1).astype(np.int64)]
        self._true.append(true.reshape(predicted.shape))
        self._predicted.append(predicted)

    def result(self) -> float:
        if not self._true:
            return 0.0
        outputs = np.concatenate(self._predicted)
        return self.function(outputs, np.concatenate(self._true), _ANY_ACTIVATION)

    def __call__(self, y_true: ArrayLike, y_pred: NDArray[Any] | Sequence[Any]) -> float:
        self.reset_state()
        self.update_state(y_true, y_pred)
        return self.result()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


_ANY_ACTIVATION = activations.ACTIVATIONS["linear"]  # Keras' metrics ignore the activation


def _metric(class_name: str, name: str, function: MetricFunction, sparse: bool = False,
            doc: str = "") -> type[Metric]:
    return type(class_name, (Metric,), {"function": staticmethod(function),
                                        "default_name": name, "sparse": sparse,
                                        "__doc__": doc})


class BinaryAccuracy(Metric):
    """The fraction of outputs on the right side of ``threshold`` (0.5)."""

    default_name = "binary_accuracy"

    def __init__(self, name: str = "binary_accuracy", dtype: DTypeLike | None = None,
                 threshold: float = 0.5):
        self.function = engine.configured("binary_accuracy", threshold=threshold)
        super().__init__(name, dtype)


CategoricalAccuracy = _metric("CategoricalAccuracy", "categorical_accuracy",
                              engine.categorical_accuracy,
                              doc="The row's largest output is the one-hot target's class.")
SparseCategoricalAccuracy = _metric("SparseCategoricalAccuracy", "sparse_categorical_accuracy",
                                    engine.sparse_categorical_accuracy, sparse=True,
                                    doc="The row's largest output is the target class index.")
class _Thresholded(Metric):
    """Keras' ``Precision`` and ``Recall``: one threshold (``thresholds``, 0.5 by default),
    every output pooled; ``top_k`` and ``class_id`` are not provided."""

    def __init__(self, thresholds: float | None = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None,
                 dtype: DTypeLike | None = None):
        owner = type(self).__name__
        for key, value in (("top_k", top_k), ("class_id", class_id)):
            if value is not None:
                raise InvalidInputError(f"{owner}({key}={short_repr(value)}): mlplab's "
                                        f"{owner} pools every output; drop {key}.")
        if isinstance(thresholds, (list, tuple)):
            raise InvalidInputError(f"{owner}(thresholds={short_repr(thresholds)}): mlplab's "
                                    f"{owner} takes one threshold. Try {owner}(thresholds=0.5).")
        self.function = engine.configured(self.default_name, threshold=0.5 if thresholds is None
                                          else thresholds)
        super().__init__(name, dtype)


class Precision(_Thresholded):
    """True positives over predicted positives (above ``thresholds``, 0.5), pooled."""

    default_name = "precision"


class Recall(_Thresholded):
    """True positives over actual positives (above ``thresholds``, 0.5), pooled."""

    default_name = "recall"


RootMeanSquaredError = _metric("RootMeanSquaredError", "root_mean_squared_error",
                               engine.root_mean_squared_error,
                               doc="The square root of the mean squared error.")
MeanSquaredError = _metric("MeanSquaredError", "mean_squared_error", engine.mse,
                           doc="The mean squared error of the outputs.")
MeanAbsoluteError = _metric("MeanAbsoluteError", "mean_absolute_error", engine.mae,
                            doc="The mean absolute error of the outputs.")


class AUC(Metric):
    """Area under the ROC curve, Keras' defaults (200 thresholds, trapezoids, every output
    pooled); other curves and options are not provided."""

    default_name = "auc"
    function = staticmethod(engine.auc)

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: DTypeLike | None = None, thresholds: Sequence[float] | None = None,
                 multi_label: bool = False, num_labels: int | None = None,
                 label_weights: ArrayLike | None = None, from_logits: bool = False):
        given = {"num_thresholds": (num_thresholds, 200), "curve": (curve, "ROC"),
                 "summation_method": (summation_method, "interpolation"),
                 "thresholds": (thresholds, None), "multi_label": (multi_label, False),
                 "label_weights": (label_weights, None), "from_logits": (from_logits, False)}
        for key, (value, default) in given.items():
            if value is not default and value != default:
                raise InvalidInputError(f"AUC({key}={short_repr(value)}): mlplab's AUC is "
                                        "Keras' default one (AUC()); drop the argument.")
        super().__init__(name, dtype)


_STRINGS = {
    "binary_accuracy": engine.binary_accuracy,
    "categorical_accuracy": engine.categorical_accuracy,
    "sparse_categorical_accuracy": engine.sparse_categorical_accuracy,
    "auc": engine.auc, "precision": engine.precision, "recall": engine.recall,
    "root_mean_squared_error": engine.root_mean_squared_error,
    "mse": engine.mse, "mean_squared_error": engine.mse,
    "mae": engine.mae, "mean_absolute_error": engine.mae,
}
_LEFT_OUT = ("F1Score", "FBetaScore", "Accuracy", "TopKCategoricalAccuracy",
             "SparseTopKCategoricalAccuracy", "MeanAbsolutePercentageError", "Hinge",
             "R2Score", "KLDivergence", "BinaryCrossentropy",
             "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "MeanIoU",
             "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
             "PrecisionAtRecall", "RecallAtPrecision", "Mean", "Sum")
_REASON = ("its metrics are accuracy, binary_accuracy, categorical_accuracy, "
           "sparse_categorical_accuracy, AUC, Precision, Recall, mse, mae and "
           "RootMeanSquaredError, or a function fn(y_true, y_pred) of NumPy arrays")


def resolve(identifier: str | Metric | Callable[[Any, Any], Any],
            n_outputs: int) -> tuple[str, MetricFunction]:
    """``(name, engine function)`` for what ``compile(metrics=[...])`` was given."""
    if isinstance(identifier, str):
        key = identifier.strip()
        if key.lower() in ("accuracy", "acc"):  # Keras' choice by the output's width
            return key, (engine.binary_accuracy if n_outputs == 1
                         else engine.categorical_accuracy)
        if key in _STRINGS or key.lower() in _STRINGS:
            return key, _STRINGS[key if key in _STRINGS else key.lower()]
        snake = {name.lower(): name for name in _LEFT_OUT}
        if key.lower().replace("_", "") in snake:
            raise not_provided(f"metrics=[{key!r}]", _REASON)
        name, function = engine.get(key)  # the engine's names and calls (saved files'),
        return (name if "(" in key else key), function  # or its "unknown ... did you mean"
    if isinstance(identifier, Metric):
        return identifier.name, identifier.function
    if callable(identifier) and not isinstance(identifier, type):
        return getattr(identifier, "__name__", "metric"), _mean_of(identifier)
    raise InvalidTypeError(f"metrics: {short_repr(identifier)} is not a metric; give names "
                           "such as 'accuracy', keras.metrics objects, or functions.")


def _mean_of(function: Callable[[Any, Any], Any]) -> MetricFunction:
    def metric(outputs: FloatArray, y: FloatArray, activation: Activation) -> float:
        return float(np.mean(function(y, outputs)))
    return metric


def get(identifier: str | Metric) -> Metric:
    """A metric object for a Keras name (Keras' ``keras.metrics.get``)."""
    classes: dict[str, type[Metric]] = {
               "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
               "sparse_categorical_accuracy": SparseCategoricalAccuracy, "auc": AUC,
               "precision": Precision, "recall": Recall,
               "root_mean_squared_error": RootMeanSquaredError,
               "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
               "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError}
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in classes:
        return classes[identifier.lower()]()
    resolve(identifier, 1)  # raises with the reason
    raise InvalidInputError(f"keras.metrics.get({identifier!r}): give a metric's name.")


__getattr__ = missing_names("keras.metrics", {name: _REASON for name in _LEFT_OUT}, [
    "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "AUC", "Precision",
    "Recall", "RootMeanSquaredError", "MeanSquaredError", "MeanAbsoluteError", "Metric", "get"])
