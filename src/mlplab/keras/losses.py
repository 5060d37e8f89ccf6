"""``keras.losses``: Keras' loss names and classes over the engine's fused losses.

Every loss is an engine :class:`~mlplab.engine.losses.Loss` that works from the output
layer's logits. ``from_logits=True`` (the last layer linear) is
:class:`~mlplab.engine.loss_variants.OnLogits`; ``"mae"`` is
:class:`~mlplab.engine.loss_variants.MeanAbsoluteError`. A loss written as a Python
function cannot be used: mlplab needs each loss's gradient, written in the engine.
"""

from __future__ import annotations

from numpy.typing import DTypeLike

from mlplab._validation import Real, check, short_repr
from mlplab.engine import losses as engine
from mlplab.engine.loss_variants import NAMED, OnLogits, SmoothedLabels
from mlplab.errors import InvalidInputError, InvalidTypeError
from mlplab.keras._missing import missing_names, not_provided

Loss = engine.Loss
_BCE, _CCE, _MSE = (engine.LOSSES[name] for name in
                    ("binary_crossentropy", "categorical_crossentropy", "mse"))
MAE_LOSS = NAMED["mae"]
_CUSTOM = ("mlplab needs each loss's gradient, written in mlplab.engine.losses; use one of "
           "its losses (binary_crossentropy, categorical_crossentropy, "
           "sparse_categorical_crossentropy, mse, mae)")


def _options(owner: str, axis: int = -1, reduction: str = "sum_over_batch_size") -> None:
    if axis != -1 or reduction != "sum_over_batch_size":
        raise InvalidInputError(f"{owner}: mlplab's losses average over the samples and "
                                "outputs of the last axis (axis=-1, reduction="
                                "'sum_over_batch_size'), as Keras does by default.")


def _logits(loss: Loss, from_logits: bool, activation: str, label_smoothing: float = 0.0,
            owner: str = "") -> Loss:
    smoothing = check(label_smoothing, "label_smoothing", Real(0, 1), owner=owner,
                      example=f"{owner}(label_smoothing=0.1)")
    if smoothing:
        loss = SmoothedLabels(loss, smoothing)
    return OnLogits(loss, activation) if from_logits else loss


def BinaryCrossentropy(  # noqa: N802
        from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
        reduction: str = "sum_over_batch_size", name: str = "binary_crossentropy",
        dtype: DTypeLike | None = None) -> Loss:
    """On sigmoid outputs (or softmax, element-wise, as Keras), or on logits."""
    _options("BinaryCrossentropy", axis, reduction)
    return _logits(_BCE, from_logits, "sigmoid", label_smoothing, "BinaryCrossentropy")


def CategoricalCrossentropy(  # noqa: N802
        from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
        reduction: str = "sum_over_batch_size", name: str = "categorical_crossentropy",
        dtype: DTypeLike | None = None) -> Loss:
    """On softmax outputs with one-hot targets, or on logits."""
    _options("CategoricalCrossentropy", axis, reduction)
    return _logits(_CCE, from_logits, "softmax", label_smoothing, "CategoricalCrossentropy")


def SparseCategoricalCrossentropy(  # noqa: N802
        from_logits: bool = False, ignore_class: int | None = None,
        reduction: str = "sum_over_batch_size", name: str = "sparse_categorical_crossentropy",
        dtype: DTypeLike | None = None) -> Loss:
    """On softmax outputs with class indices as targets (the engine's categorical
    cross-entropy takes both), or on logits."""
    if ignore_class is not None:
        raise InvalidInputError("SparseCategoricalCrossentropy(ignore_class=...): mlplab "
                                "does not provide it; drop those rows, or give them "
                                "sample_weight 0.")
    _options("SparseCategoricalCrossentropy", reduction=reduction)
    return _logits(_CCE, from_logits, "softmax")


def MeanSquaredError(  # noqa: N802
        reduction: str = "sum_over_batch_size", name: str = "mean_squared_error",
        dtype: DTypeLike | None = None) -> Loss:
    """``mean((f(z) - y)**2)`` on the activated outputs."""
    _options("MeanSquaredError", reduction=reduction)
    return _MSE


def MeanAbsoluteError(  # noqa: N802
        reduction: str = "sum_over_batch_size", name: str = "mean_absolute_error",
        dtype: DTypeLike | None = None) -> Loss:
    """``mean(|f(z) - y|)`` on the activated outputs."""
    _options("MeanAbsoluteError", reduction=reduction)
    return MAE_LOSS


_BY_NAME = {
    "binary_crossentropy": _BCE, "bce": _BCE, "binarycrossentropy": _BCE,
    "categorical_crossentropy": _CCE, "categoricalcrossentropy": _CCE,
    "sparse_categorical_crossentropy": _CCE, "sparsecategoricalcrossentropy": _CCE,
    "mean_squared_error": _MSE, "mse": _MSE, "meansquarederror": _MSE,
    "mean_absolute_error": MAE_LOSS, "mae": MAE_LOSS, "meanabsoluteerror": MAE_LOSS,
}
# What Keras has and mlplab leaves out (their Keras names, snake and class case).
_LEFT_OUT = ("Hinge", "SquaredHinge", "CategoricalHinge", "Huber", "LogCosh", "Poisson",
             "KLDivergence", "CosineSimilarity", "MeanAbsolutePercentageError",
             "MeanSquaredLogarithmicError", "BinaryFocalCrossentropy",
             "CategoricalFocalCrossentropy", "CTC", "Dice", "Tversky", "Circle",
             "hinge", "squared_hinge", "categorical_hinge", "huber", "log_cosh", "logcosh",
             "poisson", "kl_divergence", "kld", "cosine_similarity", "mape", "msle",
             "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
             "binary_focal_crossentropy", "categorical_focal_crossentropy", "ctc", "dice",
             "tversky", "circle")
_LEFT_OUT_REASON = ("mlplab's losses are binary_crossentropy, categorical_crossentropy, "
                    "sparse_categorical_crossentropy, mse and mae (each with its gradient "
                    "in mlplab.engine)")


def get(identifier: str | Loss) -> Loss:
    """The engine loss for a Keras name ("binary_crossentropy", "bce", "mse", ...), a loss
    object, or raise: a Python loss function is refused (mlplab needs its gradient)."""
    if isinstance(identifier, Loss):
        if type(identifier).value is Loss.value:  # a Keras-style subclass with call()
            raise not_provided(f"loss={short_repr(identifier)} (a Loss subclass)", _CUSTOM)
        return identifier
    if isinstance(identifier, str):
        key = identifier.strip()
        if key in _LEFT_OUT or key.lower() in {n.lower() for n in _LEFT_OUT}:
            raise not_provided(f"loss={key!r}", _LEFT_OUT_REASON)
        if key.lower() in _BY_NAME:
            return _BY_NAME[key.lower()]
        # The engine's own names, the composed names a saved model gives (such as
        # "binary_crossentropy_label_smoothing_0.1_from_logits"), and its "did you mean".
        return engine.get(key)
    if callable(identifier):
        raise not_provided(f"loss={short_repr(identifier)} (a loss function)", _CUSTOM)
    raise InvalidTypeError(f"loss={short_repr(identifier)}: give a loss name such as "
                           "'binary_crossentropy' or a keras.losses object.")


_FUNCTIONS = {name: f"give the loss by name instead: loss={name!r}" for name in (
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "mean_squared_error", "mean_absolute_error")}
__getattr__ = missing_names("keras.losses", {**{name: _LEFT_OUT_REASON for name in _LEFT_OUT},
                                             **_FUNCTIONS},
                            ["BinaryCrossentropy", "CategoricalCrossentropy",
                             "SparseCategoricalCrossentropy", "MeanSquaredError",
                             "MeanAbsoluteError", "Loss", "get"])
