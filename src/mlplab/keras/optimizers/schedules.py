"""``keras.optimizers.schedules``: the engine's schedules (:mod:`mlplab.engine.schedules`),
which compute Keras' rates, with Keras' signatures (``name=`` is taken and ignored)."""

from __future__ import annotations

from collections.abc import Sequence

from mlplab.engine import schedules as engine
from mlplab.keras._missing import missing_names


def ExponentialDecay(  # noqa: N802
        initial_learning_rate: float, decay_steps: float, decay_rate: float,
        staircase: bool = False, name: str = "ExponentialDecay") -> engine.ExponentialDecay:
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored exponent
    with ``staircase=True``)."""
    return engine.ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase)


def PiecewiseConstantDecay(  # noqa: N802
        boundaries: Sequence[int], values: Sequence[float],
        name: str = "PiecewiseConstant") -> engine.PiecewiseConstantDecay:
    """``values[i]`` between ``boundaries[i-1]`` and ``boundaries[i]``."""
    return engine.PiecewiseConstantDecay(boundaries, values)


def InverseTimeDecay(  # noqa: N802
        initial_learning_rate: float, decay_steps: float, decay_rate: float,
        staircase: bool = False, name: str = "InverseTimeDecay") -> engine.InverseTimeDecay:
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``."""
    return engine.InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase)


def CosineDecay(initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,  # noqa: N802
                name: str = "CosineDecay", warmup_target: float | None = None,
                warmup_steps: int = 0) -> engine.CosineDecay:
    """A cosine from ``initial_learning_rate`` to ``alpha`` times it over ``decay_steps``,
    after an optional linear warm-up."""
    return engine.CosineDecay(initial_learning_rate, decay_steps, alpha, warmup_target,
                              warmup_steps)


class LearningRateSchedule:
    """Subclass and define ``__call__(self, step)``; the optimizer calls it with each
    step's number (from 0), as Keras does (the engine wraps it in ``FromFunction``)."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError("a LearningRateSchedule defines __call__(self, step)")


__getattr__ = missing_names("keras.optimizers.schedules", {
    name: "its schedules are ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay and "
          "CosineDecay (or a LearningRateSchedule subclass)"
    for name in ("PolynomialDecay", "CosineDecayRestarts")},
    ["ExponentialDecay", "PiecewiseConstantDecay", "InverseTimeDecay", "CosineDecay",
     "LearningRateSchedule"])
