"""Weight penalties added to the loss: ``l1 * sum|W| + l2 * sum W^2``.

As in Keras, the penalty is added to the loss as is (not divided by the batch
size), and its gradient ``l1 * sign(W) + 2 * l2 * W`` to the kernel's gradient.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TypeAlias

import numpy as np

from mlplab._typing import FloatArray
from mlplab._validation import Real, check, did_you_mean, short_repr
from mlplab.errors import InvalidInputError, InvalidTypeError


def _strength(value: float, name: str, owner: str) -> float:
    return check(value, name, Real(0), owner=owner, example=f"{owner}({name}=1e-4)")


@dataclass(frozen=True)
class L1L2:
    """Penalty ``l1 * sum(|W|) + l2 * sum(W ** 2)``; both strengths finite and >= 0."""

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        for name in ("l1", "l2"):  # frozen: set the checked float through object
            object.__setattr__(self, name, _strength(getattr(self, name), name, "L1L2"))

    def penalty(self, weights: FloatArray) -> float:
        return float(self.l1 * np.sum(np.abs(weights)) + self.l2 * np.sum(weights * weights))

    def gradient(self, weights: FloatArray) -> FloatArray:
        return self.l1 * np.sign(weights) + 2.0 * self.l2 * weights

    def config(self) -> dict[str, float]:
        return asdict(self)


# What a layer's kernel_regularizer and bias_regularizer accept (see get).
RegularizerLike: TypeAlias = L1L2 | dict[str, float] | None


def L1(l1: float = 0.01) -> L1L2:  # noqa: N802 - named like the Keras regulariser it mirrors
    """An L1 penalty ``l1 * sum(|W|)``."""
    return L1L2(l1=_strength(l1, "l1", "L1"))


def L2(l2: float = 0.01) -> L1L2:  # noqa: N802
    """An L2 penalty ``l2 * sum(W ** 2)``."""
    return L1L2(l2=_strength(l2, "l2", "L2"))


def get(identifier: RegularizerLike) -> L1L2 | None:
    """Resolve None, an :class:`L1L2`, or a dict ``{"l1": ..., "l2": ...}``."""
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    if isinstance(identifier, dict):
        unknown = [key for key in identifier if key not in ("l1", "l2")]
        if unknown:
            suggestion = did_you_mean(unknown[0], ("l1", "l2"))
            raise InvalidInputError(f"regularizer key {short_repr(unknown[0])} is unknown."
                                    f"{suggestion} Use 'l1' and/or 'l2', e.g. {{'l2': 1e-4}}.")
        return L1L2(**identifier)
    raise InvalidTypeError(
        f"kernel_regularizer={short_repr(identifier)}: give None, mlplab.engine.L2(1e-4) or "
        "a dict such as {'l2': 1e-4}."
    )
