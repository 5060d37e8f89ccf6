"""Losses beside :mod:`mlplab.engine.losses`' table, for the Keras dialect.

- :class:`MeanAbsoluteError`: ``mean(|f(z) - y|)`` on the activated outputs.
- :class:`OnLogits`: a cross-entropy computed from a *linear* output layer, whose outputs
  are then the logits (Keras' ``from_logits=True``): the loss applies the sigmoid or
  softmax itself, fused as always, and ``predict`` gives the logits.
- :class:`SmoothedLabels`: a cross-entropy against smoothed targets (Keras'
  ``label_smoothing``); the metrics still compare with the labels.

The compiled runner does not know them; models with them train on the NumPy runner.

A saved model names its loss (``loss.name``). :func:`mlplab.engine.losses.get` finds
``"mae"`` in :data:`NAMED` and asks :func:`from_name` for the composed ones
(``"binary_crossentropy_from_logits"``,
``"categorical_crossentropy_label_smoothing_0.1_from_logits"``, ...), so ``mlplab.load``
reads the Keras dialect's models.
"""

import re

import numpy as np

from mlplab._validation import Real, check
from mlplab.engine import activations
from mlplab.engine.losses import (
    LOSSES,
    BinaryCrossentropy,
    Loss,
    MeanSquaredError,
    _scale,
    _weighted_mean,
)
from mlplab.errors import InvalidInputError


class MeanAbsoluteError(MeanSquaredError):
    """Mean absolute error on the activated outputs: ``mean(|f(z) - y|)``.

    Its gradient is ``sign(f(z) - y) / size`` through the activation (0 where the
    output equals the target, as the derivative of ``|x|`` at 0 is taken in Keras).
    """

    name = "mae"

    def value(self, z, y, activation, sample_factor=None):
        residual = activation.forward(z) - y
        return _weighted_mean(np.mean(np.abs(residual), axis=1), sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        a = activation.forward(z)
        grad_a = np.sign(a - y) / y.size
        return activation.backward(z, a, _scale(grad_a, sample_factor))


class OnLogits(Loss):
    """``loss`` (a cross-entropy) of ``activation(z)``, where ``z`` is the output of a
    linear last layer: Keras' ``from_logits=True``. Numbers and gradient are ``loss``'s
    own, fused with ``activation`` (so dL/dz is still ``(p - y) / n``)."""

    output_activations = ("linear",)

    def __init__(self, loss, activation):
        self.loss, self.applied = loss, activations.get(activation)
        self.name = f"{loss.name}_from_logits"

    def check_activation(self, activation) -> None:
        if activation.name != "linear":
            raise InvalidInputError(
                f"from_logits=True: the loss applies the {self.applied.name} itself, so the "
                f"last layer must give the logits (no activation); it has {activation.name!r}."
                f" Drop the last layer's activation, or keep it and use from_logits=False.")

    def value(self, z, y, activation, sample_factor=None):
        return self.loss.value(z, y, self.applied, sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        return self.loss.gradient(z, y, self.applied, sample_factor)

    def prepare_targets(self, y, n_outputs, dtype):
        return self.loss.prepare_targets(y, n_outputs, dtype)

    def __repr__(self):
        return f"OnLogits({self.loss!r}, {self.applied.name!r})"


class SmoothedLabels(Loss):
    """``loss`` (a cross-entropy) against smoothed targets, Keras' ``label_smoothing=s``::

        y_binary = y * (1 - s) + s / 2          # binary cross-entropy
        y_rows = y * (1 - s) + s / n_classes    # categorical cross-entropy

    The targets are smoothed inside the loss, so ``fit``'s metrics still see the labels.
    """

    def __init__(self, loss, smoothing):
        self.loss, self.smoothing = loss, float(smoothing)
        self.output_activations = loss.output_activations
        self.name = f"{loss.name}_label_smoothing_{self.smoothing!r}"

    def smoothed(self, y):
        classes = 2 if isinstance(self.loss, BinaryCrossentropy) else y.shape[1]
        return y * (1.0 - self.smoothing) + self.smoothing / classes

    def value(self, z, y, activation, sample_factor=None):
        return self.loss.value(z, self.smoothed(y), activation, sample_factor)

    def gradient(self, z, y, activation, sample_factor=None):
        return self.loss.gradient(z, self.smoothed(y), activation, sample_factor)

    def prepare_targets(self, y, n_outputs, dtype):
        return self.loss.prepare_targets(y, n_outputs, dtype)

    def __repr__(self):
        return f"SmoothedLabels({self.loss!r}, {self.smoothing!r})"


# The variants known by a name of their own (losses.get looks them up with its tables).
NAMED = {"mae": MeanAbsoluteError()}
# The name of a composed cross-entropy: its base, the smoothing, then "from logits".
_COMPOSED = re.compile(r"(binary_crossentropy|categorical_crossentropy)"
                       r"(?:_label_smoothing_([0-9.e+-]+))?(_from_logits)?")
# The activation a loss on logits applies: the one its base is fused with.
_APPLIED = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}


def composed(base_name, from_logits=False, label_smoothing=0.0) -> Loss:
    """The cross-entropy ``base_name`` with Keras' ``label_smoothing`` and
    ``from_logits``: ``OnLogits(SmoothedLabels(base, s), activation)``, each part only
    where it is asked for."""
    smoothing = check(label_smoothing, "label_smoothing", Real(0, 1),
                      owner=base_name, example="label_smoothing=0.1")
    loss = LOSSES[base_name]
    if smoothing:
        loss = SmoothedLabels(loss, smoothing)
    return OnLogits(loss, _APPLIED[base_name]) if from_logits else loss


def from_name(name) -> Loss | None:
    """The composed cross-entropy a saved model's loss name (its ``loss.name``) stands
    for, or None."""
    parts = _COMPOSED.fullmatch(name)
    if parts is None or parts.group(2) is None and parts.group(3) is None:
        return None  # not a variant (a plain cross-entropy is in the engine's table)
    base, smoothing, logits = parts.groups()
    try:
        smoothing = float(smoothing or 0.0)
    except ValueError:
        return None
    return composed(base, bool(logits), smoothing)
