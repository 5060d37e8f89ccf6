"""``keras.activations``: the engine's activations under Keras' names.

Each function applies the activation to an array, as Keras' do; passed to a layer
(``Dense(4, activation=keras.activations.relu)``) it stands for the engine activation
of that name (:mod:`mlplab.engine.activations`), which also knows its derivative.
Keras' ``leaky_relu`` has a negative slope of 0.2; mlplab's has 0.01.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from mlplab._typing import FloatArray
from mlplab._validation import short_repr
from mlplab.engine import activations as engine_activations
from mlplab.errors import InvalidTypeError
from mlplab.keras._missing import missing_names, not_provided

NAMES = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax")


def _applying(name: str) -> Callable[[ArrayLike], FloatArray]:
    engine = engine_activations.ACTIVATIONS[name]

    def apply(x: ArrayLike) -> FloatArray:
        return engine.forward(np.asarray(x, dtype=float))

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"The {name} activation of ``x`` (mlplab.engine.activations.{name})."
    return apply


linear, sigmoid, tanh, relu, leaky_relu, elu, softmax = (_applying(name) for name in NAMES)
_BY_FUNCTION = {globals()[name]: name for name in NAMES}


# What a Keras layer's activation= takes (see get).
ActivationLike: TypeAlias = (str | Callable[[ArrayLike], FloatArray]
                             | engine_activations.Activation | None)

def get(identifier: ActivationLike) -> engine_activations.Activation:
    """The engine activation for a name, one of these functions, an engine Activation or
    None (linear); what the layers call."""
    if isinstance(identifier, str) and identifier.strip().lower() in _LEFT_OUT:
        raise not_provided(f"activation={identifier!r}", _LEFT_OUT_REASON)
    if callable(identifier) and not isinstance(identifier, engine_activations.Activation):
        if identifier not in _BY_FUNCTION:
            raise InvalidTypeError(
                f"activation={short_repr(identifier)}: mlplab needs each activation's "
                "derivative, so it takes its own: a name such as 'relu' or a function of "
                f"mlplab.keras.activations ({', '.join(NAMES)}).")
        identifier = _BY_FUNCTION[identifier]
    return engine_activations.get(identifier)


def serialize(activation: ActivationLike) -> str:
    """The name of ``activation``."""
    return get(activation).name


_LEFT_OUT_REASON = (f"its activations are {', '.join(NAMES)} (each with its derivative in "
                    "mlplab.engine.activations)")
_LEFT_OUT = ("selu", "gelu", "silu", "swish", "softplus", "softsign", "exponential",
             "hard_sigmoid", "hard_silu", "hard_swish", "mish", "relu6", "log_softmax",
             "celu", "glu", "sparsemax", "squareplus", "tanh_shrink", "threshold")
__getattr__ = missing_names("keras.activations", {name: _LEFT_OUT_REASON for name in _LEFT_OUT},
                            [*NAMES, "get", "serialize"])
