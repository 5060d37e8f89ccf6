"""What the kernels can run, as a table derived from the engine's registries, in one place.

The kernels know the engine's built-in activations, losses and optimizers by number. The
numbers are keyed here by the registries' own objects (an :class:`Activation`, a loss
instance, an optimizer class), not by their names: a user-defined ``Activation`` that
happens to be called "relu", a loss or optimizer subclass, or a layer other than
``Dense`` is not in the table, and :func:`supports` sends such a model to the NumPy
runner, which trains it with the same numbers it always defines.

Optimizer settings reach every kernel in one layout, :data:`SETTINGS`.
"""

import numpy as np

from mlplab.engine import activations, losses, optimizers
from mlplab.engine.layers import Dense

# The kernels' numbering (kernels.py and lanes.py branch on these codes).
ACTIVATION_CODES = {activations.ACTIVATIONS[name]: code for code, name in enumerate(
    ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"))}
SOFTMAX = ACTIVATION_CODES[activations.ACTIVATIONS["softmax"]]
# The activations with a constant, and its name in mlplab.engine.activations.
ACTIVATION_PARAMETERS = {activations.ACTIVATIONS["leaky_relu"]: "LEAKY_RELU_SLOPE",
                         activations.ACTIVATIONS["elu"]: "ELU_ALPHA"}
LOSS_CODES = {losses.BinaryCrossentropy: 0, losses.CategoricalCrossentropy: 1,
              losses.MeanSquaredError: 2}
OPTIMIZER_CODES = {optimizers.SGD: 0, optimizers.Adam: 1}
# settings[i] of every kernel: the optimizer's hyper-parameters, 0 where it has none.
SETTINGS = ("learning_rate", "momentum", "nesterov", "beta_1", "beta_2", "epsilon")


def supports(model) -> str | None:
    """Why the kernels cannot train ``model``, or None if they can."""
    for position, layer in enumerate(model.layers, start=1):
        if type(layer) is not Dense:
            return f"layer {position} is a {type(layer).__name__}; only Dense layers are compiled"
        if layer.activation not in ACTIVATION_CODES:
            return (f"layer {position}'s activation {layer.activation.name!r} is not one of "
                    "the engine's built-in activations")
        if layer.activation == activations.ACTIVATIONS["softmax"] and layer is not model.layers[-1]:
            return "softmax in a hidden layer is not compiled"
    if type(model.optimizer) not in OPTIMIZER_CODES:
        kind = type(model.optimizer)
        name = model.optimizer.name if kind in optimizers.OPTIMIZERS.values() else kind.__name__
        return f"the {name} optimizer is not compiled (sgd and adam are)"
    if type(model.loss) not in LOSS_CODES:
        return f"the {type(model.loss).__name__} loss is not compiled"
    return None


def activation_code(layer) -> int:
    return ACTIVATION_CODES[layer.activation]


def activation_parameter(layer) -> float:
    """The constant of ``layer``'s activation that the kernels take as an argument (never
    written into a kernel: numba would freeze it into its cache): leaky_relu's slope,
    elu's alpha, 0 for the others."""
    name = ACTIVATION_PARAMETERS.get(layer.activation)
    return 0.0 if name is None else float(getattr(activations, name))


def loss_code(loss) -> int:
    return LOSS_CODES[type(loss)]


def optimizer_code(optimizer) -> int:
    return OPTIMIZER_CODES[type(optimizer)]


def settings(optimizer, dtype=np.float64):
    """``optimizer``'s hyper-parameters in the kernels' layout (:data:`SETTINGS`)."""
    return np.array([float(getattr(optimizer, name, 0.0)) for name in SETTINGS], dtype=dtype)
