"""Walk one sample through the forward pass, the loss and every partial derivative.

This is backprop written out step by step, the way experiment E2 works it by
hand. It recomputes every quantity here, layer by layer, from the same
activation functions the engine uses, so it doubles as a second, readable
implementation that the tests compare with the engine's gradients.

Notation: ``a0 = x``; for layer l, ``z_l = a_{l-1} @ W_l + b_l`` and
``a_l = f_l(z_l)``; the output layer's ``z`` are the logits fed to the loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from mlplab.engine.spec import neuron_layers
from mlplab.errors import InvalidInputError, NotFittedError

_OUTPUT_DELTA = {
    "binary_crossentropy": "(sigmoid(z{n}) - y) / n_outputs",
    "categorical_crossentropy": "softmax(z{n}) - y",
    "mse": "2 (f(z{n}) - y) / n_outputs * f'(z{n})",
}

if TYPE_CHECKING:
    from mlplab.engine.model import Sequential


@dataclass(frozen=True)
class TraceStep:
    """One line of the walk-through: a named quantity, how it is computed, its value."""

    section: str  # "forward", "loss" or "backward"
    symbol: str  # e.g. "z1", "dL/dW2"
    formula: str  # e.g. "a0 @ W1 + b1"
    value: np.ndarray

    def __str__(self) -> str:
        shape = "scalar" if self.value.ndim == 0 else str(self.value.shape)
        values = np.array2string(self.value, precision=4, suppress_small=True,
                                 max_line_width=200, threshold=20).replace("\n", "")
        return f"  {self.symbol:<9} = {self.formula:<34} shape {shape:<8} {values}"


@dataclass(frozen=True)
class Trace:
    """A printable walk-through; ``gradients["W1"]`` etc. hold the results."""

    description: str
    steps: tuple
    loss: float
    gradients: dict

    def __str__(self) -> str:
        lines, section = [self.description], None
        for step in self.steps:
            if step.section != section:
                section = step.section
                lines.append({"forward": "Forward pass", "loss": "Loss",
                              "backward": "Backward pass (chain rule, output to input)"}[section])
            lines.append(str(step))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):  # IPython shows the walk-through
        printer.text(str(self))

    def _repr_html_(self) -> str:  # Jupyter: one row per step
        from mlplab._display import html_table

        rows = [(step.section, step.symbol, step.formula,
                 "scalar" if step.value.ndim == 0 else str(step.value.shape),
                 np.array2string(step.value, precision=4, suppress_small=True,
                                 threshold=20).replace("\n", " "))
                for step in self.steps]
        return html_table(("step", "quantity", "how", "shape", "value"), rows,
                          self.description)


def trace(model: Sequential, x: ArrayLike, y: ArrayLike) -> Trace:
    """Trace one sample ``x`` with label or target ``y`` through ``model``.

    Parameters
    ----------
    model : Sequential
        Built and compiled; Dropout layers act as at prediction time.
    x : array-like, shape (n_features,) or (1, n_features)
    y : label (int or float) or target row

    Returns
    -------
    Trace
        Print it to read the walk-through.
    """
    if model.loss is None or not model.built:
        raise NotFittedError("trace needs a built, compiled model: call compile(...) and "
                             "fit (or build) first.")
    x = np.asarray(x, dtype=model.dtype).reshape(1, -1)
    if x.shape[1] != model.input_dim:
        raise InvalidInputError(f"trace: x has {x.shape[1]} values but the model takes "
                                f"{model.input_dim} features.")
    y_row = model.loss.prepare_targets(np.atleast_1d(y).reshape(1, -1) if np.ndim(y) else
                                       np.array([y]), model.output_units, model.dtype)
    dense = neuron_layers(model.layers)  # (Dense, its activation), Activation layers folded in
    steps = [TraceStep("forward", "a0", "x (the input)", x)]
    cache = _forward(dense, x, steps)
    logits, activation = cache[-1][1], dense[-1][1]
    loss = model.loss.value(logits, y_row, activation)
    steps.append(TraceStep("loss", "y", "the target, as the loss sees it", y_row))
    steps.append(TraceStep("loss", "L", f"{model.loss.name}(z{len(dense)}, y)", np.array(loss)))
    gradients = _backward(model, dense, cache, y_row, steps)
    widths = [str(model.input_dim)] + [str(layer.units) for layer, _ in dense]
    description = (f"Backprop trace of one sample through a {'-'.join(widths)} network "
                   f"({model.loss.name}; Dropout inactive)")
    return Trace(description, tuple(steps), loss, gradients)


def _forward(dense, x, steps):
    cache, a = [], x
    for number, (layer, activation) in enumerate(dense, start=1):
        z = a @ layer.kernel + layer.bias
        steps.append(TraceStep("forward", f"z{number}", f"a{number - 1} @ W{number} + b{number}",
                               z))
        a_next = activation.forward(z)
        steps.append(TraceStep("forward", f"a{number}", f"{activation.name}(z{number})",
                               a_next))
        cache.append((a, z, a_next))
        a = a_next
    return cache


def _backward(model, dense, cache, y_row, steps):
    last = len(dense)
    logits = cache[-1][1]
    delta = model.loss.gradient(logits, y_row, dense[-1][1])  # dL/dz_last
    formula = _OUTPUT_DELTA.get(model.loss.name, "dL/dz{n}").format(n=last)
    steps.append(TraceStep("backward", f"dL/dz{last}", formula, delta))
    gradients = {}
    for number in range(last, 0, -1):
        layer, a_prev = dense[number - 1][0], cache[number - 1][0]
        grad_kernel = a_prev.T @ delta
        formula = f"a{number - 1}.T @ dL/dz{number}"
        if layer.kernel_regularizer is not None:
            grad_kernel = grad_kernel + layer.kernel_regularizer.gradient(layer.kernel)
            formula += " + penalty'"
        gradients[f"W{number}"], gradients[f"b{number}"] = grad_kernel, delta.sum(axis=0)
        steps.append(TraceStep("backward", f"dL/dW{number}", formula, grad_kernel))
        steps.append(TraceStep("backward", f"dL/db{number}", f"dL/dz{number} summed over samples",
                               gradients[f"b{number}"]))
        grad_a = delta @ layer.kernel.T
        steps.append(TraceStep("backward", f"dL/da{number - 1}", f"dL/dz{number} @ W{number}.T",
                               grad_a))
        if number > 1:
            below = dense[number - 2][1]
            _, z_below, a_below = cache[number - 2]
            delta = below.backward(z_below, a_below, grad_a)
            steps.append(TraceStep("backward", f"dL/dz{number - 1}",
                                   f"dL/da{number - 1} * {below.name}'(z{number - 1})",
                                   delta))
    return gradients
