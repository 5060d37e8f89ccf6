"""What ``Sequential.fit`` does before its first epoch: check the arguments, weigh the
samples, hold out validation data, and refuse inputs the first forward pass overflows.

A sample's weight enters the loss as a factor on its per-sample loss; the factors are
scaled to average 1 over the training set, so the loss stays a mean and a weight of 2
on a row trains exactly as the row written twice. A class weight is a sample weight:
``class_weight={0: 1.0, 1: 5.0}`` multiplies the weight of every row of class 1 by 5.

Keras does not scale them (``prepare(..., scale_weights=False)``, for its dialect): a
batch's loss is ``sum(w_i * l_i) / batch_size`` (its "sum_over_batch_size" reduction),
so weights of 2 everywhere double the loss and every step.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from mlplab._typing import FloatArray
from mlplab._validation import (
    Boolean,
    Integer,
    Optional,
    Options,
    Real,
    check,
    check_same_length,
    check_sample_weight,
    short_repr,
)
from mlplab.engine.runners import ENGINES
from mlplab.errors import InvalidInputError, InvalidTypeError

# (X, Y, factor): the checked inputs and targets, in the model's dtype, and the samples'
# loss factors (see prepare) or None.
Prepared: TypeAlias = tuple[FloatArray, FloatArray, FloatArray | None]
BatchSize: TypeAlias = int | Literal["auto"] | None  # fit's batch_size
Engine: TypeAlias = Literal["auto", "numpy", "compiled"]  # fit's engine: runners.ENGINES
ClassWeight: TypeAlias = Mapping[Any, float] | Literal["balanced"] | None  # fit's class_weight

if TYPE_CHECKING:
    from mlplab.engine.model import Sequential
    from mlplab.engine.optimizers import Optimizer


def fit_arguments(epochs: int, batch_size: BatchSize,
                  validation_split: float, shuffle: bool, verbose: int,
                  engine: str) -> tuple[int, Any, float, bool, int, str]:
    """fit's scalar arguments, checked before any data is touched."""
    def fit_check(value, name, constraint, example):
        return check(value, name, constraint, owner="fit", example=f"fit(X, y, {example})")

    return (fit_check(epochs, "epochs", Integer(1), "epochs=100"),
            batch_size if batch_size == "auto" else fit_check(
                batch_size, "batch_size", Optional(Integer(1)), "batch_size=32"),
            fit_check(validation_split, "validation_split", Real(0, 1, "left"),
                      "validation_split=0.2"),
            fit_check(shuffle, "shuffle", Boolean(), "shuffle=True"),
            fit_check(verbose, "verbose", Options((0, 1, 2)), "verbose=0"),
            fit_check(engine, "engine", Options(ENGINES), "engine='auto'"))


def batch_size_for(optimizer: Any, batch_size: BatchSize, n_samples: int) -> int:
    """The rows per step: "auto" is 32 (as in Keras), or all of them for L-BFGS, which
    needs the full batch; None is the full batch; more than ``n_samples`` is one full
    batch too (the same steps, and no huge int downstream)."""
    full_batch_only = getattr(optimizer, "name", "") == "lbfgs"
    if batch_size == "auto":
        batch_size = None if full_batch_only else 32
    if batch_size is not None and batch_size < n_samples and full_batch_only:
        raise InvalidInputError(
            f"fit(batch_size={batch_size}): L-BFGS takes every sample at each step; pass "
            "batch_size=None (or leave it out), or use optimizer='adam' for mini-batches.")
    return n_samples if batch_size is None else min(batch_size, n_samples)


def scikit_learn_batch_size(batch_size: int | Literal["auto"], n_samples: int) -> int:
    """scikit-learn's MLP rule for the rows per step: "auto" is ``min(200, n_samples)``;
    an int above ``n_samples`` is clipped to it, with scikit-learn's warning."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going "
                      "to be clipped", stacklevel=4)
    return int(min(max(batch_size, 1), n_samples))


def sample_factor(weights: NDArray[np.float64], dtype: DTypeLike) -> FloatArray:
    """Per-sample weights (float64, >= 0, not all 0) as the loss's factors: scaled to
    average 1, shape (n_samples, 1), in the model's dtype."""
    with np.errstate(over="ignore"):
        if not np.isfinite(weights.sum()):  # huge weights: scale first, so the sum is finite
            weights = weights / weights.max()
    return (weights * (len(weights) / weights.sum())).astype(dtype)[:, None]


def class_indices(Y, activation_name):
    """The class of each row of prepared targets ``Y``: the one-hot column of a softmax
    output, the 0/1 label of one sigmoid output; None when rows have no single class
    (several sigmoid outputs, soft labels, regression)."""
    if activation_name == "softmax" and np.isin(Y, (0, 1)).all() and (Y.sum(axis=1) == 1).all():
        return np.argmax(Y, axis=1)
    if activation_name == "sigmoid" and Y.shape[1] == 1 and np.isin(Y, (0, 1)).all():
        return Y[:, 0].astype(np.int64)
    return None


def class_weights(class_weight, Y, activation_name, n_classes):
    """``fit(class_weight=...)`` as per-sample weights (float64, shape (n_samples,)).

    ``"balanced"`` weighs class ``c`` by ``n_samples / (n_present * count(c))`` over the
    classes present (scikit-learn's rule), so every class carries the same total weight;
    a dict maps class indices to weights, absent classes keeping 1.
    """
    classes = class_indices(Y, activation_name)
    if classes is None:
        raise InvalidInputError(
            "fit(class_weight=...): the targets have no single class per row (several "
            "sigmoid outputs, soft labels or regression values); use sample_weight instead.")
    counts = np.bincount(classes, minlength=n_classes)
    if isinstance(class_weight, str) and class_weight == "balanced":
        present = np.flatnonzero(counts)
        table = np.ones(n_classes)
        table[present] = len(classes) / (len(present) * counts[present])
        return table[classes]
    if not isinstance(class_weight, dict):
        raise InvalidTypeError(f"fit(class_weight={short_repr(class_weight)}): give a dict "
                               "{class index: weight}, e.g. {0: 1.0, 1: 5.0}, or 'balanced'.")
    table = np.ones(n_classes)
    for key, value in class_weight.items():
        if (not isinstance(key, (int, np.integer)) or isinstance(key, bool)
                or not 0 <= key < n_classes):
            raise InvalidInputError(
                f"fit(class_weight=...): there is no class {short_repr(key)}; this model's "
                f"classes are 0 to {n_classes - 1}. Key the dict by class index, e.g. "
                "{0: 1.0, 1: 5.0}.")
        table[key] = check(value, f"class_weight[{key}]", Real(0), owner="fit",
                           example="fit(X, y, class_weight={0: 1.0, 1: 5.0})")
    if not table[classes].any():
        raise InvalidInputError("fit(class_weight=...): every sample's weight is 0; give "
                                "at least one class that occurs a positive weight.")
    return table[classes]


def prepare(model: Sequential, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None,
            class_weight: Any = None, names: tuple[str, str] = ("X", "y"),
            scale_weights: bool = True) -> Prepared:
    """Validate (X, y, sample_weight, class_weight); return ``(X, Y, factor)`` in the
    model's dtype, ``factor`` the samples' weights scaled to average 1 (as given, shape
    (n_samples, 1), with ``scale_weights=False``: Keras' rule), or None."""
    assert model.loss is not None  # compiled
    X = model._check_X(X, name=names[0])
    if not model.built:
        model.build(X.shape[1])
    Y = model.loss.prepare_targets(y, model.output_units, model.dtype)
    check_same_length(X, Y, names)
    if sample_weight is None and class_weight is None:
        return X, Y, None
    weights = (np.ones(len(Y)) if sample_weight is None
               else check_sample_weight(sample_weight, len(Y)))  # float64
    if class_weight is not None:
        weights = weights * class_weights(class_weight, Y, model.output_activation.name,
                                          max(2, model.output_units))
    if not scale_weights:
        if weights.max() > np.finfo(model.dtype).max:
            raise InvalidInputError(f"sample_weight: {weights.max():.3g} is beyond the range "
                                    f"of {model.dtype}; give smaller weights.")
        return X, Y, weights.astype(model.dtype)[:, None]
    return X, Y, sample_factor(weights, model.dtype)


def hold_out(model: Sequential, validation_data: tuple[ArrayLike, ArrayLike] | None,
             validation_split: float, X: FloatArray, Y: FloatArray, factor: FloatArray | None,
             rng: np.random.Generator) -> tuple[tuple[FloatArray, FloatArray] | None, *Prepared]:
    """``(validation, X, Y, factor)``: the validation pair (or None) and what trains."""
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise InvalidInputError("validation_data must be a pair (X_val, y_val).")
        X_val, Y_val, _ = model._prepare(validation_data[0], validation_data[1], None,
                                         names=("X_val", "y_val"))
        return (X_val, Y_val), X, Y, factor
    fraction = validation_split
    n_val = int(round(fraction * X.shape[0]))
    if fraction == 0:
        return None, X, Y, factor
    if not 0 < n_val < X.shape[0]:
        raise InvalidInputError(f"validation_split={fraction} of {X.shape[0]} samples leaves "
                                "no validation or no training data.")
    order = rng.permutation(X.shape[0])
    val, train = order[:n_val], order[n_val:]
    factor = None if factor is None else factor[train]
    return (X[val], Y[val]), X[train], Y[train], factor


def largest_magnitude(X: Any) -> float:
    """The largest |x| in a dense or scipy sparse ``X``."""
    values = X.data if hasattr(X, "tocsr") else X
    return float(np.max(np.abs(values))) if values.size else 0.0


def check_first_pass(model: Sequential, X: FloatArray, Y: FloatArray, rows: int = 256) -> None:
    """Refuse, before a model's first training, inputs or targets so large that the loss
    of its (finite) initial weights is not finite: the rows with the largest values go
    through one forward pass. A model trained before (perhaps diverged) is left alone."""
    if model.steps or not model._weights_are_finite():
        return
    values = abs(X).max(axis=1)
    values = values.toarray().ravel() if hasattr(values, "toarray") else np.ravel(values)
    index = np.argsort(values)[-rows:]
    assert model.loss is not None  # compiled
    with np.errstate(over="ignore", invalid="ignore"):
        model.forward(X[index])
        loss = model.loss.value(model.output_layer.logits, Y[index], model.output_activation)
    if not np.isfinite(loss):
        raise InvalidInputError(
            f"the first forward pass overflows: with the initial weights the loss of the "
            f"largest inputs (|x| up to {largest_magnitude(X):.3g}) or targets is not finite, "
            "so training would diverge at once. Standardize X (mlplab.data.standardize) and, "
            "for regression, scale y.")


def refuse_overflow(model: Sequential, X: FloatArray) -> None:
    """Raise for a forward pass that overflowed on finite inputs and weights (a model
    whose weights are NaN or inf predicts NaN: fit reported that divergence)."""
    largest = max(float(np.max(np.abs(p))) for p in model.parameters())
    raise InvalidInputError(
        f"the forward pass overflowed: finite inputs (largest |x| "
        f"{largest_magnitude(X):.3g}) and weights (largest |w| {largest:.3g}) gave "
        "NaN or inf. Standardize X (mlplab.data.standardize), or retrain with a "
        "smaller learning rate or a weight penalty.")


def epoch_rate(optimizer: Optimizer, epoch_steps: tuple[int, int], epoch: int) -> float:
    """The learning rate of the last step of ``epoch``; ``epoch_steps`` is (the
    optimizer's step count when the fit began, steps per epoch). Computed from the
    epoch's number, not the current count: blocks of epochs are logged after they ran."""
    if not optimizer.scheduled:
        return optimizer.current_learning_rate  # the constant rate
    first, per_epoch = epoch_steps
    last = min(first + (epoch + 1) * per_epoch, optimizer.iterations) - 1
    return optimizer.rate_at(max(last, 0))
