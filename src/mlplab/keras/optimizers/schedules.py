"""``keras.optimizers.schedules``: the engine's schedules (:mod:`mlplab.engine.schedules`),
which compute Keras' rates, with Keras' signatures (``name=`` is taken and ignored)."""

from mlplab.engine import schedules as engine
from mlplab.keras._missing import missing_names


def ExponentialDecay(initial_learning_rate, decay_steps, decay_rate,  # noqa: N802
                     staircase=False, name="ExponentialDecay"):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored exponent
    with ``staircase=True``)."""
    return engine.ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase)


def PiecewiseConstantDecay(boundaries, values, name="PiecewiseConstant"):  # noqa: N802
    """``values[i]`` between ``boundaries[i-1]`` and ``boundaries[i]``."""
    return engine.PiecewiseConstantDecay(boundaries, values)


def InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate,  # noqa: N802
                     staircase=False, name="InverseTimeDecay"):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``."""
    return engine.InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase)


def CosineDecay(initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",  # noqa: N802
                warmup_target=None, warmup_steps=0):
    """A cosine from ``initial_learning_rate`` to ``alpha`` times it over ``decay_steps``,
    after an optional linear warm-up."""
    return engine.CosineDecay(initial_learning_rate, decay_steps, alpha, warmup_target,
                              warmup_steps)


class LearningRateSchedule:
    """Subclass and define ``__call__(self, step)``; the optimizer calls it with each
    step's number (from 0), as Keras does (the engine wraps it in ``FromFunction``)."""

    def __call__(self, step):
        raise NotImplementedError("a LearningRateSchedule defines __call__(self, step)")


__getattr__ = missing_names("keras.optimizers.schedules", {
    name: "its schedules are ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay and "
          "CosineDecay (or a LearningRateSchedule subclass)"
    for name in ("PolynomialDecay", "CosineDecayRestarts")},
    ["ExponentialDecay", "PiecewiseConstantDecay", "InverseTimeDecay", "CosineDecay",
     "LearningRateSchedule"])
