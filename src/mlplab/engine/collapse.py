"""A stack of Dense layers with no activation between them is one linear map.

``x W1 + b1`` fed into ``W2, b2`` gives ``x (W1 W2) + (b1 W2 + b2)``; repeating
this down the stack gives one effective kernel and bias (experiment E1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlplab._typing import FloatArray
from mlplab.engine.layers import Dense
from mlplab.errors import InvalidInputError, NotFittedError

if TYPE_CHECKING:
    from mlplab.engine.model import Sequential


def collapse_linear(model: Sequential) -> tuple[FloatArray, FloatArray]:
    """Return ``(kernel, bias)`` of the single Dense layer equivalent to ``model``.

    The output activation is left out: ``model.predict(X)`` equals
    ``activation(X @ kernel + bias)``.

    Returns
    -------
    kernel : ndarray, shape (n_features, n_outputs)
    bias : ndarray, shape (n_outputs,)
    """
    if not model.built:
        raise NotFittedError("collapse_linear needs a built model: call fit(X, y) first.")
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    for number, layer in enumerate(dense[:-1], start=1):
        if layer.activation.name != "linear":
            raise InvalidInputError(
                f"collapse_linear: hidden Dense layer {number} has activation "
                f"{layer.activation.name!r}; only a stack with linear hidden layers collapses "
                "to one linear map."
            )
    kernel, bias = dense[0].kernel.copy(), dense[0].bias.copy()
    for layer in dense[1:]:
        kernel = kernel @ layer.kernel  # (n_features, layer.units)
        bias = bias @ layer.kernel + layer.bias
    return kernel, bias
