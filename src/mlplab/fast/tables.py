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
from mlplab.engine.spec import dense_stack

# The kernels' numbering (kernels.py and lanes.py branch on these codes).
ACTIVATION_CODES = {activations.ACTIVATIONS[name]: code for code, name in enumerate(
    ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax"))}
SOFTMAX = ACTIVATION_CODES[activations.ACTIVATIONS["softmax"]]
# The activations with a constant, and its name in mlplab.engine.activations.
ACTIVATION_PARAMETERS = {activations.ACTIVATIONS["leaky_relu"]: "LEAKY_RELU_SLOPE",
                         activations.ACTIVATIONS["elu"]: "ELU_ALPHA"}
LOSS_CODES = {losses.BinaryCrossentropy: 0, losses.CategoricalCrossentropy: 1,
              losses.MeanSquaredError: 2}
# Keyed by class: KerasAdam subclasses Adam but puts epsilon elsewhere (its own code).
OPTIMIZER_CODES = {optimizers.SGD: 0, optimizers.Adam: 1, optimizers.KerasAdam: 2}
# (loss, output activation) pairs the losses take but the kernels do not fuse.
UNCOMPILED_PAIRS = {(losses.BinaryCrossentropy, "softmax")}
# settings[i] of every kernel: the optimizer's hyper-parameters, 0 where it has none.
SETTINGS = ("learning_rate", "momentum", "nesterov", "beta_1", "beta_2", "epsilon")


def supports(model) -> str | None:
    """Why the kernels cannot train ``model``, or None if they can."""
    reason = supports_network(model)
    if reason is not None:
        return reason
    if type(model.optimizer) not in OPTIMIZER_CODES:
        kind = type(model.optimizer)
        name = model.optimizer.name if kind in optimizers.OPTIMIZERS.values() else kind.__name__
        return f"the {name} optimizer is not compiled (sgd, adam and keras_adam are)"
    if model.optimizer.clips:
        return "gradient clipping is not compiled"
    return None


def supports_network(model) -> str | None:
    """Why the kernels cannot compute ``model``'s loss and gradient (its layers,
    activations, loss), or None if they can; the optimizer is not looked at."""
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    for position, layer in enumerate(dense, start=1):
        if not layer.use_bias or layer.bias_regularizer is not None:
            return (f"Dense layer {position} has no bias or a bias penalty, which the "
                    "kernels do not compute")
    stack = dense_stack(model.layers)
    if stack is None:
        kinds = sorted({type(layer).__name__ for layer in model.layers} - {"Dense"})
        return (f"the model has {', '.join(kinds)} layers; only Dense layers (each with at most "
                "one Activation layer after it) are compiled")
    for position, (_, activation) in enumerate(stack, start=1):
        if activation not in ACTIVATION_CODES:
            return (f"Dense layer {position}'s activation {activation.name!r} is not one of "
                    "the engine's built-in activations")
        if activation == activations.ACTIVATIONS["softmax"] and position < len(stack):
            return "softmax in a hidden layer is not compiled"
    if (type(model.loss), model.output_activation.name) in UNCOMPILED_PAIRS:
        return f"{model.loss.name} on a {model.output_activation.name} output is not compiled"
    if type(model.loss) not in LOSS_CODES:
        return f"the {type(model.loss).__name__} loss is not compiled"
    return None


def activation_code(activation) -> int:
    return ACTIVATION_CODES[activation]


def activation_parameter(activation) -> float:
    """The constant of ``activation`` that the kernels take as an argument (never
    written into a kernel: numba would freeze it into its cache): leaky_relu's slope,
    elu's alpha, 0 for the others."""
    name = ACTIVATION_PARAMETERS.get(activation)
    return 0.0 if name is None else float(getattr(activations, name))


def loss_code(loss) -> int:
    return LOSS_CODES[type(loss)]


def optimizer_code(optimizer) -> int:
    return OPTIMIZER_CODES[type(optimizer)]


def settings(optimizer, dtype=np.float64):
    """``optimizer``'s hyper-parameters in the kernels' layout (:data:`SETTINGS`), its
    learning rate the next step's."""
    values = [optimizer.current_learning_rate] + [float(getattr(optimizer, name, 0.0))
                                                  for name in SETTINGS[1:]]
    return np.array(values, dtype=dtype)


def step_settings(optimizer, n_steps, dtype=np.float64):
    """The settings of a kernel call of at most ``n_steps`` steps: :func:`settings`, and
    with a learning-rate schedule the call's first step number and the rate of each
    of its steps, evaluated by the schedule itself (so both runners use the same bits)."""
    base = settings(optimizer, dtype)
    if not optimizer.scheduled:
        return base
    first = optimizer.iterations
    rates = optimizer.learning_rate.rates(np.arange(first, first + n_steps))
    return np.concatenate([base, np.array([first], dtype=dtype), rates.astype(dtype)])
