"""``keras.activations``: the engine's activations under Keras' names.

Each function applies the activation to an array, as Keras' do; passed to a layer
(``Dense(4, activation=keras.activations.relu)``) it stands for the engine activation
of that name (:mod:`mlplab.engine.activations`), which also knows its derivative.
``"leaky_relu"`` (and ``leaky_relu``) has Keras' negative slope, 0.2 (mlplab's own
"leaky_relu" has 0.01); ``leaky_relu(x, negative_slope=...)`` takes another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from mlplab._typing import FloatArray
from mlplab._validation import short_repr
from mlplab.engine import activations as engine_activations
from mlplab.engine import layers as engine_layers
from mlplab.errors import InvalidTypeError
from mlplab.keras._missing import missing_names, not_provided

NAMES = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax")
# Keras 3's default slope of activations.leaky_relu (keras/src/activations/activations.py);
# its layers.LeakyReLU has 0.3 (mlplab.keras.layers.LeakyReLU).
LEAKY_RELU_SLOPE = 0.2


def _applying(name: str) -> Callable[[ArrayLike], FloatArray]:
    engine = engine_activations.ACTIVATIONS[name]

    def apply(x: ArrayLike) -> FloatArray:
        return engine.forward(np.asarray(x, dtype=float))

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"The {name} activation of ``x`` (mlplab.engine.activations.{name})."
    return apply


linear, sigmoid, tanh, relu, elu, softmax = (_applying(name) for name in NAMES
                                             if name != "leaky_relu")


def leaky_relu(x: ArrayLike, negative_slope: float = LEAKY_RELU_SLOPE) -> FloatArray:
    """Keras' ``leaky_relu``: ``x`` where positive, ``negative_slope * x`` elsewhere.
    Given to a layer it is the engine's :func:`~mlplab.engine.activations.leaky_relu_with`
    Keras' slope, 0.2."""
    return engine_activations.leaky_relu(np.asarray(x, dtype=float), negative_slope)


_BY_FUNCTION = {globals()[name]: name for name in NAMES}


# What a Keras layer's activation= takes (see get).
ActivationLike: TypeAlias = (str | Callable[[ArrayLike], FloatArray]
                             | engine_activations.Activation | engine_layers.Activation | None)

def get(identifier: ActivationLike) -> engine_activations.Activation:
    """The engine activation for a name, one of these functions, an engine Activation,
    an activation layer (``Dense(4, activation=keras.layers.LeakyReLU(0.1))``, as Keras
    takes any callable) or None (linear); what the layers call. ``"leaky_relu"`` has
    Keras' slope, 0.2."""
    if isinstance(identifier, str) and identifier.strip().lower() in _LEFT_OUT:
        raise not_provided(f"activation={identifier!r}", _LEFT_OUT_REASON)
    if isinstance(identifier, engine_layers.Activation):  # Dense(4, activation=LeakyReLU())
        return identifier.activation
    if callable(identifier) and not isinstance(identifier, engine_activations.Activation):
        if identifier not in _BY_FUNCTION:
            raise InvalidTypeError(
                f"activation={short_repr(identifier)}: mlplab needs each activation's "
                "derivative, so it takes its own: a name such as 'relu' or a function of "
                f"mlplab.keras.activations ({', '.join(NAMES)}).")
        identifier = _BY_FUNCTION[identifier]
    if isinstance(identifier, str) and identifier.strip().lower() == "leaky_relu":
        return engine_activations.leaky_relu_with(LEAKY_RELU_SLOPE)  # Keras' slope
    return engine_activations.get(identifier)


def serialize(activation: ActivationLike) -> str:
    """The name of ``activation``, as Keras names it: ``"leaky_relu"`` for Keras' slope,
    0.2 (another slope keeps the engine's name, ``"leaky_relu(0.1)"``)."""
    resolved = get(activation)
    keras_default = engine_activations.leaky_relu_with(LEAKY_RELU_SLOPE)
    return "leaky_relu" if resolved is keras_default else resolved.name


_LEFT_OUT_REASON = (f"its activations are {', '.join(NAMES)} (each with its derivative in "
                    "mlplab.engine.activations)")
_LEFT_OUT = ("selu", "gelu", "silu", "swish", "softplus", "softsign", "exponential",
             "hard_sigmoid", "hard_silu", "hard_swish", "mish", "relu6", "log_softmax",
             "celu", "glu", "sparsemax", "squareplus", "tanh_shrink", "threshold")
__getattr__ = missing_names("keras.activations", {name: _LEFT_OUT_REASON for name in _LEFT_OUT},
                            [*NAMES, "get", "serialize"])
