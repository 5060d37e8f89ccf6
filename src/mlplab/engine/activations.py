"""Activation functions as (forward, backward) pairs in one registry.

``forward(z)`` maps pre-activations to activations. ``backward(z, a, grad_a)``
returns dL/dz given dL/da, the pre-activation ``z`` and the activation ``a``
(whichever is cheaper to differentiate from). All are vectorised over the batch:
``z`` has shape (n_samples, units).

Each function is written to stay finite for |z| up to 1e4 and beyond: no
``exp`` of a large positive number is ever taken.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np

from mlplab._typing import FloatArray
from mlplab._validation import Real, check, lookup, short_repr
from mlplab.errors import InvalidInputError, InvalidTypeError

LEAKY_RELU_SLOPE = 0.01  # PyTorch's and scikit-learn-style default (Keras 3: 0.2 in
# activations.leaky_relu, 0.3 in layers.LeakyReLU)
ELU_ALPHA = 1.0


def linear(z: FloatArray) -> FloatArray:
    return z


def linear_backward(z: FloatArray, a: FloatArray, grad_a: FloatArray) -> FloatArray:
    return grad_a


def sigmoid(z: FloatArray) -> FloatArray:
    # exp(-|z|) never overflows: for z >= 0 use 1 / (1 + e^-z), for z < 0 the equal
    # e^z / (1 + e^z), which keeps full relative precision in the far tail.
    e = np.exp(-np.abs(z))
    positive = 1.0 / (1.0 + e)
    return np.where(z >= 0, positive, e * positive)


def sigmoid_backward(z: FloatArray, a: FloatArray, grad_a: FloatArray) -> FloatArray:
    return grad_a * a * (1.0 - a)


def tanh(z: FloatArray) -> FloatArray:
    return np.tanh(z)


def tanh_backward(z: FloatArray, a: FloatArray, grad_a: FloatArray) -> FloatArray:
    return grad_a * (1.0 - a * a)


def relu(z: FloatArray) -> FloatArray:
    return np.maximum(z, 0.0)


def relu_backward(z: FloatArray, a: FloatArray, grad_a: FloatArray) -> FloatArray:
    # The derivative at exactly 0 is taken as 0, as in every major framework.
    return grad_a * (z > 0)


def leaky_relu(z: FloatArray, negative_slope: float | None = None) -> FloatArray:
    # None: LEAKY_RELU_SLOPE, read at each call (the kernels read it the same way).
    slope = LEAKY_RELU_SLOPE if negative_slope is None else negative_slope
    return np.where(z > 0, z, slope * z)


def leaky_relu_backward(z: FloatArray, a: FloatArray, grad_a: FloatArray,
                        negative_slope: float | None = None) -> FloatArray:
    slope = LEAKY_RELU_SLOPE if negative_slope is None else negative_slope
    return grad_a * np.where(z > 0, 1.0, slope).astype(z.dtype, copy=False)


def elu(z: FloatArray) -> FloatArray:
    # expm1 of min(z, 0) keeps the unused branch from overflowing for large z.
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def elu_backward(z: FloatArray, a: FloatArray, grad_a: FloatArray) -> FloatArray:
    return grad_a * np.where(z > 0, 1.0, a + ELU_ALPHA)


def softmax(z: FloatArray) -> FloatArray:
    # Subtracting the row maximum leaves softmax unchanged and keeps exp <= 1.
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_backward(z: FloatArray, a: FloatArray, grad_a: FloatArray) -> FloatArray:
    # Jacobian-vector product of softmax: a * (g - sum(g * a)) row by row.
    return a * (grad_a - np.sum(grad_a * a, axis=1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """A named activation: ``forward(z)`` and ``backward(z, a, grad_a)``."""

    name: str
    forward: Callable[[FloatArray], FloatArray]  # z -> a
    backward: Callable[[FloatArray, FloatArray, FloatArray], FloatArray]  # z, a, dL/da -> dL/dz

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS = {
    "linear": Activation("linear", linear, linear_backward),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_backward),
    "tanh": Activation("tanh", tanh, tanh_backward),
    "relu": Activation("relu", relu, relu_backward),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_backward),
    "elu": Activation("elu", elu, elu_backward),
    "softmax": Activation("softmax", softmax, softmax_backward),
}
_ALIASES = {None: "linear", "none": "linear", "identity": "linear", "logistic": "sigmoid"}


def leaky_relu_with(negative_slope: float) -> Activation:
    """Leaky ReLU with a negative slope of its own (Keras 3's are 0.2 for
    ``activations.leaky_relu`` and 0.3 for ``layers.LeakyReLU``).

    Its name carries the slope, ``"leaky_relu(0.2)"``, which :func:`get` reads back, so a
    saved model keeps it. At ``LEAKY_RELU_SLOPE`` it is the registry's "leaky_relu"; with
    another slope it is not in the compiled kernels' table, so a model with it trains on
    the NumPy runner (``history.runner_reason`` says so).
    """
    slope = float(check(negative_slope, "negative_slope", Real(0), owner="leaky_relu_with",
                        example="leaky_relu_with(0.2)"))
    return ACTIVATIONS["leaky_relu"] if slope == LEAKY_RELU_SLOPE else _sloped(slope)


@functools.cache  # one object per slope: activations compare equal when their slopes do
def _sloped(slope: float) -> Activation:
    return Activation(f"leaky_relu({slope!r})",
                      functools.partial(leaky_relu, negative_slope=slope),
                      functools.partial(leaky_relu_backward, negative_slope=slope))


def _slope_in(name: str) -> float | None:
    """The slope of a name such as ``"leaky_relu(0.2)"``, or None for any other name."""
    found = re.fullmatch(r"leaky_relu\((.+)\)", name.strip().lower())
    if found is None:
        return None
    try:
        return float(found.group(1))
    except ValueError:
        raise InvalidInputError(f"activation={name!r}: the slope in leaky_relu(...) must be a "
                                "number. Try 'leaky_relu(0.2)'.") from None


# What a layer's activation accepts (see get).
ActivationLike: TypeAlias = str | Activation | None


def get(identifier: ActivationLike) -> Activation:
    """Turn a name, an :class:`Activation` or ``None`` (linear) into an Activation; a name
    ``"leaky_relu(0.2)"`` gives :func:`leaky_relu_with` that slope."""
    if isinstance(identifier, Activation):
        return identifier
    if identifier is None or (isinstance(identifier, str) and identifier.lower() in _ALIASES):
        return ACTIVATIONS[_ALIASES[identifier if identifier is None else identifier.lower()]]
    if isinstance(identifier, str):
        slope = _slope_in(identifier)
        return (lookup(ACTIVATIONS, identifier, "activation") if slope is None
                else leaky_relu_with(slope))
    raise InvalidTypeError(
        f"activation={short_repr(identifier)}: give a name such as 'relu' "
        f"(one of {', '.join(ACTIVATIONS)}) or None for linear."
    )
