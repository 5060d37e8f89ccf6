"""``keras.regularizers``: weight penalties with Keras' names and defaults.

All are :class:`mlplab.engine.regularizers.L1L2`: ``l1 * sum(|W|) + l2 * sum(W**2)``
added to the loss, as Keras adds them.
"""

from __future__ import annotations

from mlplab.engine.regularizers import L1L2 as _EngineL1L2
from mlplab.engine.regularizers import RegularizerLike
from mlplab.engine.regularizers import get as _engine_get
from mlplab.keras._missing import missing_names

Regularizer = _EngineL1L2


def L1(l1: float = 0.01) -> _EngineL1L2:  # noqa: N802 - Keras' name
    """``l1 * sum(|W|)``."""
    return _EngineL1L2(l1=l1)


def L2(l2: float = 0.01) -> _EngineL1L2:  # noqa: N802
    """``l2 * sum(W**2)``."""
    return _EngineL1L2(l2=l2)


def L1L2(l1: float = 0.0, l2: float = 0.0) -> _EngineL1L2:  # noqa: N802
    """``l1 * sum(|W|) + l2 * sum(W**2)`` (both 0 by default, as Keras' class)."""
    return _EngineL1L2(l1=l1, l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> _EngineL1L2:
    """Keras' shortcut: both penalties, 0.01 each by default."""
    return _EngineL1L2(l1=l1, l2=l2)


l1, l2 = L1, L2
_NAMES = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "l1l2": L1L2}


def get(identifier: str | RegularizerLike) -> _EngineL1L2 | None:
    """None, a penalty, a name ("l1", "l2", "l1_l2": Keras' defaults) or a dict
    ``{"l2": 1e-4}``."""
    if isinstance(identifier, str) and identifier.lower() in _NAMES:
        return _NAMES[identifier.lower()]()
    return _engine_get(identifier)  # type: ignore[arg-type]  # (it refuses other names)


__getattr__ = missing_names("keras.regularizers", {
    "OrthogonalRegularizer": "its penalties are L1, L2 and L1L2"},
    ["L1", "L2", "L1L2", "l1", "l2", "l1_l2", "Regularizer", "get"])
