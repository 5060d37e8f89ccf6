"""Compare backprop's gradients with central finite differences.

For each parameter entry ``w``, the numerical gradient is
``(L(w + eps) - L(w - eps)) / (2 eps)``, whose error is O(eps^2) plus
round-off of order 1e-16 / eps; eps = 1e-6 balances both in float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from mlplab.errors import NotFittedError

if TYPE_CHECKING:
    from mlplab.engine.model import Sequential


@dataclass(frozen=True)
class ParameterCheck:
    """The comparison for one parameter array."""

    layer: int  # 1-based layer number
    name: str  # "kernel" or "bias"
    shape: tuple
    relative_error: float  # ||analytic - numeric|| / max(||analytic||, ||numeric||)
    max_abs_error: float  # the worst single entry, in absolute terms


@dataclass(frozen=True)
class GradcheckResult:
    """Every parameter array's check; ``max_relative_error`` is the worst of them."""

    checks: tuple

    @property
    def max_relative_error(self) -> float:
        return max(c.relative_error for c in self.checks)

    def passed(self, tolerance: float = 1e-6) -> bool:
        return self.max_relative_error < tolerance

    def __str__(self) -> str:
        lines = ["gradient check (backprop vs central differences)",
                 f"{'layer':>5}  {'param':<7} {'shape':<10} {'relative error':>15} {'max abs':>10}"]
        for c in self.checks:
            lines.append(f"{c.layer:>5}  {c.name:<7} {str(c.shape):<10} "
                         f"{c.relative_error:>15.3e} {c.max_abs_error:>10.2e}")
        lines.append(f"worst relative error: {self.max_relative_error:.3e}")
        return "\n".join(lines)


def _float64_copy(model: Sequential) -> Sequential:
    """The same network in float64, so that finite differences are meaningful."""
    from mlplab.engine.model import Sequential

    copy = Sequential.from_spec(model.to_spec(), dtype="float64").build(model.input_dim)
    copy.set_weights(model.get_weights())
    copy.compile(loss=model.loss, optimizer="sgd")
    return copy


def gradcheck(model: Sequential, X: ArrayLike, y: ArrayLike, eps: float = 1e-6,
              sample_weight: ArrayLike | None = None) -> GradcheckResult:
    """Check ``model``'s backprop on (X, y) against central differences.

    Dropout is switched off (inference mode) so the loss is deterministic;
    float32 models are checked on a float64 copy.

    Parameters
    ----------
    model : Sequential
        A built and compiled model.
    X : array-like, shape (n_samples, n_features)
    y : array-like, labels or targets for the model's loss
    eps : float
        Step of the central difference.

    Returns
    -------
    GradcheckResult
        Per parameter array: the relative and the largest absolute error.
    """
    if model.loss is None or not model.built:
        raise NotFittedError("gradcheck needs a built, compiled model: call build(input_dim) "
                             "or fit, and compile(...).")
    if model.dtype != np.float64:
        model = _float64_copy(model)
    X, Y, factor = model._prepare(X, y, sample_weight)

    def loss_at():
        return model.loss_and_gradients(X, Y, factor, training=False)[0]

    loss_at()
    analytic = [g.copy() for g in model.gradients()]
    names = [(number, name) for number, layer in enumerate(model.layers, start=1)
             for name in layer.parameter_names]
    checks = []
    for (number, name), param, grad in zip(names, model.parameters(), analytic, strict=True):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            original = param[index]
            param[index] = original + eps
            plus = loss_at()
            param[index] = original - eps
            minus = loss_at()
            param[index] = original
            numeric[index] = (plus - minus) / (2 * eps)
        scale = max(float(np.linalg.norm(grad)), float(np.linalg.norm(numeric)), 1e-300)
        checks.append(ParameterCheck(number, name, param.shape,
                                     float(np.linalg.norm(grad - numeric) / scale),
                                     float(np.max(np.abs(grad - numeric)))))
    loss_at()  # leave the model's gradients as backprop computed them
    return GradcheckResult(tuple(checks))
