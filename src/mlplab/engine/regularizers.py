"""Weight penalties added to the loss: ``l1 * sum|W| + l2 * sum W^2``.

As in Keras, the penalty is added to the loss as is (not divided by the batch
size), and its gradient ``l1 * sign(W) + 2 * l2 * W`` to the kernel's gradient.
"""

from dataclasses import asdict, dataclass

import numpy as np

from mlplab.errors import InvalidInputError, InvalidTypeError


@dataclass(frozen=True)
class L1L2:
    """Penalty ``l1 * sum(|W|) + l2 * sum(W ** 2)``."""

    l1: float = 0.0
    l2: float = 0.0

    def penalty(self, weights) -> float:
        return float(self.l1 * np.sum(np.abs(weights)) + self.l2 * np.sum(weights * weights))

    def gradient(self, weights):
        return self.l1 * np.sign(weights) + 2.0 * self.l2 * weights

    def config(self) -> dict:
        return asdict(self)


def L1(l1=0.01) -> L1L2:  # noqa: N802 - named like the Keras regulariser it mirrors
    """An L1 penalty ``l1 * sum(|W|)``."""
    return L1L2(l1=l1)


def L2(l2=0.01) -> L1L2:  # noqa: N802
    """An L2 penalty ``l2 * sum(W ** 2)``."""
    return L1L2(l2=l2)


def get(identifier) -> L1L2 | None:
    """Resolve None, an :class:`L1L2`, or a dict ``{"l1": ..., "l2": ...}``."""
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    if isinstance(identifier, dict):
        unknown = set(identifier) - {"l1", "l2"}
        if unknown:
            raise InvalidInputError(
                f"regularizer keys {sorted(unknown)} are unknown; use 'l1' and/or 'l2', "
                "e.g. {'l2': 1e-4}."
            )
        values = {k: float(v) for k, v in identifier.items()}
        if any(v < 0 for v in values.values()):
            raise InvalidInputError(f"regularizer {identifier}: strengths must be >= 0.")
        return L1L2(**values)
    raise InvalidTypeError(
        f"kernel_regularizer={identifier!r}: give None, mlplab.engine.L2(1e-4) or "
        "a dict such as {'l2': 1e-4}."
    )
