"""Losses computed from logits, fused with the output activation.

A loss sees the output layer's pre-activations ``z`` (the logits, shape
(n_samples, n_outputs)) and the targets ``y`` already shaped like ``z``.

Why fuse? For sigmoid + binary cross-entropy and softmax + categorical
cross-entropy, the gradient with respect to the logits simplifies to
``(p - y) / n``: the activation's derivative cancels against the derivative of
the log. Working from logits also avoids ``log(sigmoid(z))``, which is
``log(0) = -inf`` once ``sigmoid`` underflows (|z| of a few hundred); we use
``log(1 + e^z) = logaddexp(0, z)`` and log-sum-exp instead, finite for any z.

``sample_factor`` (shape (n_samples, 1) or None) weights each sample's loss, which
is then averaged over the batch: ``mean(factor_i * l_i)``. mlplab's ``fit`` scales the
factors to average 1 over the training set, so weights of all ones change nothing; the
Keras dialect gives them as they are (Keras' ``sum(w_i * l_i) / batch_size``).
"""

import numpy as np

from mlplab._validation import (
    as_numeric_array,
    check_finite,
    check_magnitude,
    input_bound,
    lookup,
    short_repr,
)
from mlplab.engine import activations
from mlplab.errors import InvalidInputError, InvalidTypeError


def _weighted_mean(per_sample, sample_factor):
    if sample_factor is None:
        return float(np.mean(per_sample))
    return float(np.mean(per_sample * sample_factor[:, 0]))


def _scale(grad, sample_factor):
    return grad if sample_factor is None else grad * sample_factor


class Loss:
    """Base class: a name, the output activations it accepts, value and gradient."""

    name = ""
    output_activations: tuple = ()  # empty: any output activation

    def check_activation(self, activation) -> None:
        """Raise if this loss cannot be fused with the output ``activation``."""
        if self.output_activations and activation.name not in self.output_activations:
            wanted = " or ".join(repr(a) for a in self.output_activations)
            raise InvalidInputError(
                f"loss={self.name!r} needs an output layer with activation {wanted}; "
                f"the last Dense layer has {activation.name!r}. Set activation="
                f"{self.output_activations[0]!r} on the last layer, or choose loss='mse'."
            )

    def value(self, z, y, activation, sample_factor=None) -> float:
        raise NotImplementedError

    def gradient(self, z, y, activation, sample_factor=None):
        """Return dL/dz, shape (n_samples, n_outputs)."""
        raise NotImplementedError

    def prepare_targets(self, y, n_outputs: int, dtype):
        """Return ``y`` as an array shaped (n_samples, n_outputs) or raise."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


def _numeric_targets(y, loss_name):
    """``y`` as an array of numbers with one row per sample, finite; else raise."""
    kind = getattr(getattr(y, "dtype", None), "kind", None)
    if kind in ("U", "S") or (kind is None and _holds_text(y)):
        array = np.asarray(y)
        raise InvalidInputError(
            f"loss={loss_name!r} needs numeric labels; got {array.dtype} values such as "
            f"{short_repr(array.ravel()[:3].tolist())}. Encode them with sklearn's "
            "LabelEncoder, or use mlplab's NetClassifier, which accepts any labels.")
    array = as_numeric_array(y, "y", "Encode labels as numbers with sklearn's LabelEncoder, "
                             "or use NetClassifier, which accepts any labels")
    if array.ndim == 0 or array.size == 0:
        raise InvalidInputError(f"y must hold one label per sample; got {short_repr(y)}.")
    check_finite(array, "y")
    return array


def _holds_text(y) -> bool:
    try:
        return np.asarray(y).dtype.kind in "US"
    except Exception:  # ragged: as_numeric_array says so
        return False


def _check_probabilities(array, loss_name):
    """Cross-entropy targets are probabilities (0/1 labels or soft ones): in [0, 1]."""
    if array.min() < 0 or array.max() > 1:
        values = np.unique(array)[:5].tolist()
        raise InvalidInputError(
            f"loss={loss_name!r} needs targets in [0, 1] (labels 0 or 1, or one-hot or "
            f"probability rows); got values {short_repr(values)}. Map them first, e.g. "
            f"y = (y == {values[-1]!r}).astype(int), or give class indices 0..k-1.")


def _as_columns(array, n_outputs, loss_name):
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] != n_outputs:
        raise InvalidInputError(
            f"loss={loss_name!r}: y has shape {np.shape(array)} but the output layer has "
            f"{n_outputs} unit(s); y must have shape (n_samples, {n_outputs})"
            + (" or (n_samples,)." if n_outputs == 1 else ".")
        )
    return array


class BinaryCrossentropy(Loss):
    """Binary cross-entropy per output: ``mean(log(1 + e^z) - y z)`` on sigmoid outputs
    (one label, or several independent ones: multi-label).

    On a softmax output it is what Keras computes there: the element-wise binary
    cross-entropy of the probabilities, ``-mean(y log p + (1 - y) log(1 - p))``, from
    the logits (``log(1 - p_i)`` as the log-sum-exp of the other logits minus that of
    all, so it stays finite where Keras clips ``p`` to ``[1e-7, 1 - 1e-7]``).
    Categorical cross-entropy is the usual loss for a softmax output.
    """

    name = "binary_crossentropy"
    output_activations: tuple[str, ...] = ("sigmoid", "softmax")

    def value(self, z, y, activation, sample_factor=None):
        if activation.name == "softmax":
            log_p, log_not_p = _softmax_logs(z)
            per_element = -(y * log_p + (1.0 - y) * log_not_p)
        else:
            per_element = np.logaddexp(0.0, z) - y * z
        return _weighted_mean(per_element.mean(axis=1), sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        n_samples, n_outputs = z.shape
        if activation.name == "softmax":
            # dL/dz_j = -(y_j - p_j sum(y) - (1 - y_j) p_j + sum_{i != j} (1 - y_i) p_i p_j
            # / (1 - p_i)) / k: the chain rule through softmax, with b_i (1 - p_i) folded
            # so that no term overflows (p_j <= 1 - p_i for i != j).
            log_p, log_not_p = _softmax_logs(z)
            p = np.exp(log_p)
            k = n_outputs
            exponent = log_p[:, None, :] + log_p[:, :, None] - log_not_p[:, None, :]  # [n, j, i]
            exponent = np.where(np.eye(k, dtype=bool)[None], -np.inf, exponent)  # i != j only
            cross = np.exp(exponent) * (1.0 - y)[:, None, :]
            inner = y - p * y.sum(axis=1, keepdims=True) - (1.0 - y) * p + cross.sum(axis=2)
            return _scale(-inner / (n_samples * n_outputs), sample_factor)
        return _scale((activations.sigmoid(z) - y) / (n_samples * n_outputs), sample_factor)

    def prepare_targets(self, y, n_outputs, dtype):
        array = _as_columns(_numeric_targets(y, self.name), n_outputs, self.name)
        if array.min() < 0 or array.max() > 1:
            values = np.unique(array)[:5].tolist()
            raise InvalidInputError(
                f"loss='binary_crossentropy' needs labels 0 or 1 (or probabilities in "
                f"[0, 1]); got values {short_repr(values)}. Map them first, e.g. "
                f"y = (y == {values[-1]!r}).astype(int), or use 'categorical_crossentropy' "
                "with a softmax output for more than two classes."
            )
        return array.astype(dtype)


def _softmax_logs(z):
    """``log p`` and ``log(1 - p)`` of ``p = softmax(z)``, row by row, from the logits."""
    z_max = z.max(axis=1, keepdims=True)
    log_all = z_max + np.log(np.sum(np.exp(z - z_max), axis=1, keepdims=True))
    k = z.shape[1]
    others = np.where(np.eye(k, dtype=bool)[None, :, :], -np.inf, z[:, None, :])  # (n, k, k)
    o_max = others.max(axis=2)
    log_others = o_max + np.log(np.sum(np.exp(others - o_max[:, :, None]), axis=2))
    return z - log_all, log_others - log_all


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy on softmax outputs: ``mean(logsumexp(z) - sum(y z))``.

    Targets may be integer class labels (n_samples,) or one-hot rows
    (n_samples, n_classes).
    """

    name = "categorical_crossentropy"
    output_activations = ("softmax",)

    def value(self, z, y, activation, sample_factor=None):
        z_max = z.max(axis=1, keepdims=True)
        log_sum_exp = z_max[:, 0] + np.log(np.sum(np.exp(z - z_max), axis=1))
        return _weighted_mean(log_sum_exp - np.sum(y * z, axis=1), sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        return _scale((activations.softmax(z) - y) / z.shape[0], sample_factor)

    def prepare_targets(self, y, n_outputs, dtype):
        array = _numeric_targets(y, self.name)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim == 2:
            array = _as_columns(array, n_outputs, self.name)
            _check_probabilities(array, self.name)
            return array.astype(dtype)
        labels = array.astype(float)
        if array.ndim != 1 or np.any(labels != np.round(labels)) or labels.min() < 0:
            raise InvalidInputError(
                "loss='categorical_crossentropy' needs integer class labels 0..k-1 or "
                f"one-hot rows; got values such as {short_repr(np.unique(array)[:5].tolist())}"
                f" in shape {array.shape}. Encode them with sklearn's LabelEncoder."
            )
        if labels.max() >= n_outputs:
            raise InvalidInputError(
                f"y contains class {int(labels.max())} but the output layer has {n_outputs} "
                f"units (classes 0..{n_outputs - 1}). Give the last layer one unit per class."
            )
        one_hot = np.zeros((len(labels), n_outputs), dtype=dtype)
        one_hot[np.arange(len(labels)), labels.astype(np.int64)] = 1
        return one_hot


class MeanSquaredError(Loss):
    """Mean squared error on the activated outputs: ``mean((f(z) - y)^2)``.

    Works with any output activation: linear for regression, or sigmoid as in
    the seed notebooks' MSE-on-sigmoid classifiers.
    """

    name = "mse"

    def value(self, z, y, activation, sample_factor=None):
        residual = activation.forward(z) - y
        return _weighted_mean(np.mean(residual * residual, axis=1), sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        a = activation.forward(z)
        grad_a = 2.0 * (a - y) / y.size
        return activation.backward(z, a, _scale(grad_a, sample_factor))

    def prepare_targets(self, y, n_outputs, dtype):
        """Targets within the engine's bound (:func:`mlplab._validation.input_bound`): the
        loss squares them, as the inputs are squared."""
        array = _as_columns(_numeric_targets(y, self.name), n_outputs, self.name)
        check_magnitude(array, "y", dtype, input_bound(dtype))
        return array.astype(dtype)


class HalfSquaredError(MeanSquaredError):
    """scikit-learn's ``squared_error``, value and gradient paired as its MLP pairs them,
    on a linear output::

        value = mean_i(0.5 * mean_k (z_ik - y_ik) ** 2)       gradient = (z - y) / n

    For one output the gradient is the value's (and ``mse`` is twice the value). For
    ``k`` outputs scikit-learn averages the value over them (``squared_loss``) but
    backpropagates ``delta = p - y`` for each (``_backprop``): the gradient is ``k``
    times the value's. Training follows the gradient, so the steps are those of half the
    squared error summed over outputs; the value is what scikit-learn reports, compares
    with ``tol`` and hands to L-BFGS with that gradient. mlplab keeps the pair so that
    its dialect stops, and its L-BFGS searches, exactly as scikit-learn's; the other
    losses here are consistent, as scikit-learn's are.
    """

    name = "half_squared_error"
    output_activations = ("linear",)

    def value(self, z, y, activation, sample_factor=None):
        residual = z - y
        return _weighted_mean(0.5 * np.mean(residual * residual, axis=1), sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        return _scale((z - y) / z.shape[0], sample_factor)


class Poisson(Loss):
    """Half the Poisson deviance with a log link, scikit-learn's ``loss="poisson"``.

    The logits are log-means, ``mu = exp(z)`` (scikit-learn's "exp" output
    activation); summed over outputs, averaged over samples::

        value = mean_i(sum_k (y log(y / mu) - y + mu))       gradient = (exp(z) - y) / n

    ``y log y`` (0 at y = 0) does not depend on the weights: it makes the loss 0 at a
    perfect fit, as scikit-learn's. Targets must be >= 0. The output layer is linear;
    the model's predictions are ``exp`` of its logits.
    """

    name = "poisson"
    output_activations = ("linear",)

    def value(self, z, y, activation, sample_factor=None):
        with np.errstate(divide="ignore", invalid="ignore"):
            y_log_y = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
        per_sample = np.sum(y_log_y - y * z - y + np.exp(z), axis=1)
        return _weighted_mean(per_sample, sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        return _scale((np.exp(z) - y) / z.shape[0], sample_factor)

    def prepare_targets(self, y, n_outputs, dtype):
        array = _as_columns(_numeric_targets(y, self.name), n_outputs, self.name)
        if array.min() < 0:
            raise InvalidInputError(f"loss='poisson' needs targets >= 0 (counts or rates); "
                                    f"the smallest is {array.min():g}. Use "
                                    "loss='squared_error' for values of any sign.")
        check_magnitude(array, "y", dtype, input_bound(dtype))
        return array.astype(dtype)


class MultiLabelCrossentropy(BinaryCrossentropy):
    """Binary cross-entropy summed over independent sigmoid outputs (multi-label), as
    scikit-learn's MLP trains them::

        value = mean_i(sum_k log(1 + e^z_ik) - y_ik z_ik)    gradient = (p - y) / n

    ``binary_crossentropy`` averages over the outputs instead (Keras' rule), a step
    ``n_outputs`` times smaller for the same learning rate.
    """

    name = "multilabel_crossentropy"
    output_activations = ("sigmoid",)

    def value(self, z, y, activation, sample_factor=None):
        return z.shape[1] * super().value(z, y, activation, sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        return _scale((activations.sigmoid(z) - y) / z.shape[0], sample_factor)


LOSSES = {
    "binary_crossentropy": BinaryCrossentropy(),
    "categorical_crossentropy": CategoricalCrossentropy(),
    "mse": MeanSquaredError(),
}
_ALIASES = {
    "bce": "binary_crossentropy",
    "log_loss": "binary_crossentropy",
    "cce": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "mean_squared_error": "mse",
    "squared_error": "mse",
    "mean_absolute_error": "mae",
}


# Losses scaled as scikit-learn's MLP scales them (summed over outputs), for its dialect
# (mlplab.neural_network). Kept apart from LOSSES, which the kernels compile one by one:
# these train on the NumPy runner (fast/tables.py does not know them).
SCIKIT_LEARN_LOSSES = {
    "half_squared_error": HalfSquaredError(),
    "poisson": Poisson(),
    "multilabel_crossentropy": MultiLabelCrossentropy(),
}


def get(identifier) -> Loss:
    """Turn a name or a :class:`Loss` into a Loss: a name of the tables here, or of a
    variant of :mod:`mlplab.engine.loss_variants` (the Keras dialect's ``"mae"``,
    ``"binary_crossentropy_from_logits"``, ...: what a saved model names)."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        # Imported here: loss_variants builds on this module's losses.
        from mlplab.engine import loss_variants

        key = identifier.strip().lower()
        key = _ALIASES.get(key, key)
        composed = loss_variants.from_name(key)
        if composed is not None:
            return composed
        return lookup({**LOSSES, **SCIKIT_LEARN_LOSSES, **loss_variants.NAMED}, key, "loss")
    raise InvalidTypeError(
        f"loss={short_repr(identifier)}: give a name, one of {', '.join(LOSSES)}."
    )


def default_for(activation) -> Loss:
    """The natural loss for an output activation (sigmoid -> BCE, softmax -> CCE)."""
    return LOSSES[
        {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}.get(
            activation.name, "mse"
        )
    ]
