"""Learning-rate schedules: the rate of each optimizer step, as a function of the step.

``schedule(step)`` is the learning rate of the optimizer's update number ``step``,
counted from 0: the first update uses step 0, as Keras evaluates a
``LearningRateSchedule`` at ``optimizer.iterations`` before adding one.
``schedule.rates(steps)`` evaluates an integer array of steps at once, through the
same code, so both give the same bits; a compiled runner asks for an epoch's rates in
one call::

    rates = schedule.rates(np.arange(first, first + n_steps))      # (n_steps,) float64

The schedules, their arguments and their formulas are Keras 3's
(``keras.optimizers.schedules``), computed in float64 (Keras computes in the dtype of
``initial_learning_rate``: float32 for a Python float). :class:`InverseScaling` is
scikit-learn's ``invscaling``. Each class gives its formula as code, for one step.

Arguments are checked when a schedule is made, so that every rate is a finite number
>= 0 at every step >= 0. A rate reaches 0.0 only where its formula does:
``CosineDecay`` with ``alpha=0`` from its last step on, a warm-up that starts from 0,
or a decay that underflows after very many steps. A rate of 0.0 is an update that does
not move the weights; the optimizer refuses only negative rates.

Any function ``f(step) -> rate`` can be a schedule too: :func:`get` wraps it in
:class:`FromFunction`.
"""

from __future__ import annotations

import inspect
import itertools
import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlplab._validation import (
    Boolean,
    Integer,
    Optional,
    Real,
    check,
    did_you_mean,
    lookup,
    short_repr,
)
from mlplab.errors import InvalidInputError, InvalidTypeError

_POSITIVE = Real(0, closed="neither")  # a rate to start from
_STEPS = Real(1)  # decay_steps: Keras takes any number > 0; below 1 it is a smaller decay_rate
_DECAY = Real(0, 1, closed="right")  # ExponentialDecay's decay_rate: above 1 the rate grows to inf
_STEP = Integer(0, 2**63 - 1)  # a step (a boundary, warmup_steps): an optimizer step is an int64


class Schedule:
    """Base class: the learning rate of optimizer step ``step`` (0-based).

    A schedule of your own sets ``name`` (its name in :data:`SCHEDULES`), ``arguments``
    (its constructor's arguments, stored under the same names) and ``example`` (valid
    values of them, for messages), and writes :meth:`formula` for a float64 array of
    steps; ``__call__``, ``rates``, ``config`` and ``repr`` come from here. A plain
    function is simpler: see :class:`FromFunction`.
    """

    name = ""
    arguments: tuple[str, ...] = ()
    example: dict[str, Any] = {}

    @overload
    def __call__(self, step: int) -> float: ...
    @overload
    def __call__(self, step: NDArray[np.integer[Any]]) -> NDArray[np.float64]: ...
    def __call__(self, step: int | ArrayLike) -> float | NDArray[np.float64]:
        """The rate of ``step``: a float for an int, a float64 array for an integer array."""
        rates = self.rates(step)
        return float(rates) if rates.ndim == 0 and not isinstance(step, np.ndarray) else rates

    def rates(self, steps: int | ArrayLike) -> NDArray[np.float64]:
        """The rates of ``steps`` (ints >= 0, any shape), as a float64 array of that shape."""
        steps = _as_steps(steps)
        # One step or many, the formula sees a 1-D array: NumPy computes pow and cos of a
        # 0-d array with the C library and of a 1-D array with its SIMD loops, which may
        # differ in the last bit, and schedule(step) must equal rates(...)[step].
        step = steps.reshape(-1).astype(np.float64)
        # An overflow (a huge step in a denominator) or an underflow means that the rate
        # has reached its limit, 0.0; that is not worth a warning.
        with np.errstate(over="ignore", under="ignore"):
            rates = np.asarray(self.formula(step), dtype=np.float64)
        return rates.reshape(steps.shape)

    def formula(self, step: NDArray[np.float64]) -> NDArray[np.float64]:
        """The rates of ``step``, a float64 array of whole numbers >= 0."""
        raise NotImplementedError(f"{type(self).__name__} must define formula(step).")

    def config(self) -> dict[str, Any]:
        """The schedule as a JSON dict, ``{"name": ..., **arguments}``, for :func:`from_config`."""
        return {"name": self.name, **{k: getattr(self, k) for k in self.arguments}}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.arguments)
        return f"{type(self).__name__}({args})"

    @classmethod
    def call_example(cls, **changes: Any) -> str:
        """A valid call, for messages: ``ExponentialDecay(initial_learning_rate=0.1, ...)``."""
        args = ", ".join(f"{k}={v!r}" for k, v in {**cls.example, **changes}.items())
        return f"{cls.__name__}({args})"

    def _check(self, value: Any, name: str, constraint: Any, **example_changes: Any) -> Any:
        return check(value, name, constraint, owner=type(self).__name__,
                     example=self.call_example(**example_changes))

    def _decay_arguments(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                         staircase: bool, rate_constraint: Any) -> None:
        """The checked arguments of a decay every ``decay_steps`` steps (exponential,
        inverse-time): ``decay_rate`` within ``rate_constraint``."""
        self.initial_learning_rate = self._check(initial_learning_rate,
                                                 "initial_learning_rate", _POSITIVE)
        self.decay_steps = self._check_steps(decay_steps, "decay_steps")
        self.decay_rate = self._check(decay_rate, "decay_rate", rate_constraint)
        self.staircase = self._check(staircase, "staircase", Boolean())

    def _check_steps(self, value: float, name: str) -> float:
        """A number of steps such as ``decay_steps`` (>= 1), kept an int when given one."""
        number = self._check(value, name, _STEPS)
        return int(value) if isinstance(value, numbers.Integral) else number


def _as_steps(steps: int | ArrayLike) -> np.ndarray:
    """``steps`` as an integer array of optimizer steps (ints >= 0), or raise."""
    is_steps = isinstance(steps, (numbers.Integral, np.ndarray, list, tuple, range))
    array = np.asarray(steps) if is_steps else None
    if array is None or array.dtype.kind not in "iu":
        raise InvalidTypeError(
            f"step={short_repr(steps)}: a schedule takes optimizer steps, an int >= 0 or an "
            "integer array such as np.arange(100).")
    lowest = steps if isinstance(steps, numbers.Integral) else array.min(initial=0)
    if lowest < 0:
        raise InvalidInputError(f"step={short_repr(steps)}: optimizer steps count from 0; "
                                f"got {lowest}. Try schedule(0).")
    return array


class Constant(Schedule):
    """The same rate at every step::

        rate(step) = learning_rate
    """

    name = "constant"
    arguments = ("learning_rate",)
    example = {"learning_rate": 0.01}

    def __init__(self, learning_rate: float):
        self.learning_rate = self._check(learning_rate, "learning_rate", _POSITIVE)

    def formula(self, step: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.full(step.shape, self.learning_rate)


class ExponentialDecay(Schedule):
    """Keras' ``ExponentialDecay``: multiply the rate by ``decay_rate`` every ``decay_steps``
    steps, smoothly or, with ``staircase=True``, at whole multiples of ``decay_steps``::

        p = step / decay_steps
        if staircase:
            p = floor(p)
        rate(step) = initial_learning_rate * decay_rate ** p

    ``decay_rate`` is in (0, 1] and ``decay_steps`` a number >= 1 (Keras takes any
    ``decay_rate``, but above 1 the rate grows without bound, to inf).
    """

    name = "exponential_decay"
    arguments: tuple[str, ...] = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase")
    example = {"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.5}

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False):
        self._decay_arguments(initial_learning_rate, decay_steps, decay_rate, staircase, _DECAY)

    def formula(self, step: NDArray[np.float64]) -> NDArray[np.float64]:
        p = step / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return self.initial_learning_rate * np.power(self.decay_rate, p)


class StepDecay(ExponentialDecay):
    """Multiply the rate by ``decay_rate`` once every ``decay_steps`` steps (PyTorch's
    ``StepLR``): ``ExponentialDecay(..., staircase=True)`` under a name of its own::

        rate(step) = initial_learning_rate * decay_rate ** floor(step / decay_steps)
    """

    name = "step_decay"
    arguments = ("initial_learning_rate", "decay_steps", "decay_rate")

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase=True)


class PiecewiseConstantDecay(Schedule):
    """Keras' ``PiecewiseConstantDecay``: constant rates between step boundaries::

        rate(step) = values[0]     if step <= boundaries[0]
                     values[i]     if boundaries[i - 1] < step <= boundaries[i]
                     values[-1]    if step > boundaries[-1]

    A boundary step still belongs to the piece before it, as in Keras: with
    ``boundaries=[100]``, step 100 has ``values[0]`` and step 101 ``values[1]``.
    ``boundaries`` are strictly increasing steps (ints >= 0); ``values`` are positive
    rates, one more than the boundaries.
    """

    name = "piecewise_constant_decay"
    arguments = ("boundaries", "values")
    example = {"boundaries": [100, 200], "values": [0.1, 0.01, 0.001]}

    def __init__(self, boundaries: Sequence[int], values: Sequence[float]):
        self.boundaries = [self._check(b, f"boundaries[{i}]", _STEP)
                           for i, b in enumerate(self._list(boundaries, "boundaries"))]
        for before, after in itertools.pairwise(self.boundaries):
            if after <= before:
                raise InvalidInputError(
                    f"PiecewiseConstantDecay(boundaries={short_repr(boundaries)}): boundaries "
                    f"must increase; {after} follows {before}. Try {self.call_example()}.")
        self.values = [self._check(v, f"values[{i}]", _POSITIVE)
                       for i, v in enumerate(self._list(values, "values"))]
        if len(self.values) != len(self.boundaries) + 1:
            pieces = len(self.boundaries) + 1
            raise InvalidInputError(
                f"PiecewiseConstantDecay: {pieces - 1} boundaries make {pieces} pieces, so "
                f"values needs {pieces} rates; got {len(self.values)}. "
                f"Try {self.call_example()}.")
        self._boundaries = np.array(self.boundaries, dtype=np.float64)
        self._values = np.array(self.values, dtype=np.float64)

    def _list(self, value: Any, name: str) -> Sequence[Any]:
        if isinstance(value, np.ndarray) and value.ndim == 1:
            value = value.tolist()
        if not isinstance(value, (list, tuple)) or not value:
            raise InvalidTypeError(f"PiecewiseConstantDecay({name}={short_repr(value)}): "
                                   f"{name} must be a non-empty list. Try "
                                   f"{self.call_example()}.")
        return value

    def formula(self, step: NDArray[np.float64]) -> NDArray[np.float64]:
        piece = np.searchsorted(self._boundaries, step, side="left")  # first boundary >= step
        return self._values[piece]


class InverseTimeDecay(Schedule):
    """Keras' ``InverseTimeDecay``: divide the rate by ``1 + decay_rate * step / decay_steps``,
    smoothly or, with ``staircase=True``, at whole multiples of ``decay_steps``::

        p = step / decay_steps
        if staircase:
            p = floor(p)
        rate(step) = initial_learning_rate / (1 + decay_rate * p)

    ``decay_rate`` is a number >= 0 (0 keeps the rate constant), ``decay_steps`` >= 1.
    """

    name = "inverse_time_decay"
    arguments = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase")
    example = {"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.5}

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False):
        self._decay_arguments(initial_learning_rate, decay_steps, decay_rate, staircase,
                              Real(0))

    def formula(self, step: NDArray[np.float64]) -> NDArray[np.float64]:
        p = step / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)


class CosineDecay(Schedule):
    """Keras' ``CosineDecay``: half a cosine from a rate down to ``alpha`` times it over
    ``decay_steps`` steps, after an optional linear warm-up to ``warmup_target``::

        def decayed(s):                          # from 1 at s = 0 to alpha at decay_steps
            fraction = s / decay_steps
            cosine = 0.5 * (1 + cos(pi * fraction))
            return (1 - alpha) * cosine + alpha

        if warmup_target is None:                # no warm-up
            step = min(step, decay_steps)
            rate(step) = initial_learning_rate * decayed(step)
        else:
            step = min(step, warmup_steps + decay_steps)
            if step < warmup_steps:              # from initial_learning_rate to warmup_target
                rate(step) = ((warmup_target - initial_learning_rate) * (step / warmup_steps)
                              + initial_learning_rate)
            else:
                rate(step) = warmup_target * decayed(step - warmup_steps)

    After the decay the rate stays at its end, ``alpha`` times the rate it decayed
    from: with ``alpha=0`` (the default) that is 0.0 and training stops moving; give
    ``alpha`` > 0 to keep learning. ``alpha`` is in [0, 1], ``decay_steps`` >= 1. A
    warm-up may start from ``initial_learning_rate=0`` (its first update then moves
    nothing); ``warmup_steps`` needs a ``warmup_target`` (Keras ignores it without one).
    """

    name = "cosine_decay"
    arguments = ("initial_learning_rate", "decay_steps", "alpha", "warmup_target",
                 "warmup_steps")
    example = {"initial_learning_rate": 0.1, "decay_steps": 1000}
    WARMUP = {"initial_learning_rate": 0.0, "warmup_target": 0.1, "warmup_steps": 100}

    def __init__(self, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,
                 warmup_target: float | None = None, warmup_steps: int = 0):
        self.warmup_target = self._check(warmup_target, "warmup_target", Optional(_POSITIVE),
                                         **self.WARMUP)
        start = _POSITIVE if self.warmup_target is None else Real(0)
        self.initial_learning_rate = self._check(initial_learning_rate,
                                                 "initial_learning_rate", start)
        self.decay_steps = self._check_steps(decay_steps, "decay_steps")
        self.alpha = self._check(alpha, "alpha", Real(0, 1), alpha=0.01)
        self.warmup_steps = self._check(warmup_steps, "warmup_steps", _STEP, **self.WARMUP)
        if self.warmup_steps > 0 and self.warmup_target is None:
            raise InvalidInputError(
                f"CosineDecay(warmup_steps={self.warmup_steps}): a warm-up needs "
                "warmup_target, the rate to warm up to (Keras ignores warmup_steps without "
                f"one). Try {self.call_example(**self.WARMUP)}.")

    def decayed(self, s: NDArray[np.float64]) -> NDArray[np.float64]:
        fraction = s / self.decay_steps
        cosine = 0.5 * (1.0 + np.cos(np.pi * fraction))
        return (1.0 - self.alpha) * cosine + self.alpha

    def formula(self, step: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.warmup_target is None:
            return self.initial_learning_rate * self.decayed(np.minimum(step, self.decay_steps))
        step = np.minimum(step, self.warmup_steps + self.decay_steps)
        decay = self.warmup_target * self.decayed(step - self.warmup_steps)
        if self.warmup_steps == 0:
            return decay
        warmup = ((self.warmup_target - self.initial_learning_rate) * (step / self.warmup_steps)
                  + self.initial_learning_rate)
        return np.where(step < self.warmup_steps, warmup, decay)


class InverseScaling(Schedule):
    """scikit-learn's ``learning_rate="invscaling"``::

        rate(step) = initial_learning_rate / (step + 1) ** power_t

    as scikit-learn's ``learning_rate_init / pow(t + 1, power_t)``, with ``power_t`` a
    number >= 0. Here ``step`` counts optimizer updates. scikit-learn counts ``t`` in
    samples seen and changes the rate once per epoch, at its end, so that epoch ``e``
    (from 0) trains at ``learning_rate_init / (e * n_train + 1) ** power_t``; mlplab's
    scikit-learn dialect reproduces that with
    :class:`~mlplab.engine.rate_callbacks.InverseScalingBySamples`, which sets the rate
    to ``InverseScaling(...)(samples_seen)`` at the end of every epoch.
    """

    name = "inverse_scaling"
    arguments = ("initial_learning_rate", "power_t")
    example = {"initial_learning_rate": 0.01, "power_t": 0.5}

    def __init__(self, initial_learning_rate: float, power_t: float = 0.5):
        self.initial_learning_rate = self._check(initial_learning_rate,
                                                 "initial_learning_rate", _POSITIVE)
        self.power_t = self._check(power_t, "power_t", Real(0))

    def formula(self, step: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.initial_learning_rate / np.power(step + 1.0, self.power_t)


class FromFunction(Schedule):
    """A schedule from any function ``function(step) -> rate`` (``step`` a Python int)::

        rate(step) = function(step)

    :meth:`rates` calls the function once per step, in a Python loop: slower than the
    built-in schedules, which compute a whole array at once. A returned rate must be a
    finite number >= 0; anything else is refused, naming the step and the value. Keras
    calls a plain callable ``learning_rate`` with no argument; mlplab passes the step,
    as Keras does to a ``LearningRateSchedule``. The config names the function but
    cannot rebuild it.
    """

    name = "from_function"
    arguments = ("function",)
    EXAMPLE = "lambda step: 0.1 * 0.5 ** (step // 100)"

    def __init__(self, function: Callable[[int], float]):
        if not callable(function) or isinstance(function, type):
            raise InvalidTypeError(f"FromFunction(function={short_repr(function)}): give a "
                                   f"function of the step, e.g. FromFunction({self.EXAMPLE}).")
        self.function = function

    def rates(self, steps: int | ArrayLike) -> NDArray[np.float64]:
        steps = _as_steps(steps)
        rates = np.empty(steps.shape)
        for index, step in np.ndenumerate(steps):
            rates[index] = self._rate(int(step), self.function(int(step)))
        return rates

    def _rate(self, step: int, value: Any) -> float:
        array = np.asarray(value) if isinstance(value, (numbers.Real, np.ndarray)) else None
        returned = (f"The learning-rate function {self.function_name()} returned "
                    f"{short_repr(value)} at step {step}")
        if array is None or array.ndim != 0 or array.dtype.kind not in "iuf":
            raise InvalidTypeError(f"{returned}; it must return a number, e.g. "
                                   f"{self.EXAMPLE}.")
        rate = float(array)
        if not np.isfinite(rate) or rate < 0:
            raise InvalidInputError(f"{returned}; a learning rate must be a finite number "
                                    ">= 0. Make it return one for every step from 0.")
        return rate

    def function_name(self) -> str:
        return getattr(self.function, "__qualname__", None) or type(self.function).__name__

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "function": self.function_name()}

    def __repr__(self) -> str:
        return f"FromFunction({self.function_name()})"


SCHEDULES = {cls.name: cls for cls in (Constant, ExponentialDecay, StepDecay,
                                       PiecewiseConstantDecay, InverseTimeDecay, CosineDecay,
                                       InverseScaling)}
_CLASS_NAMES = {cls.__name__.lower(): name for name, cls in SCHEDULES.items()}


# What an optimizer's learning_rate takes besides a number (see get).
ScheduleLike: TypeAlias = Schedule | dict[str, Any] | Callable[[int], float]


def get(identifier: ScheduleLike | float) -> Schedule:
    """Resolve a learning rate into a :class:`Schedule`.

    Parameters
    ----------
    identifier : Schedule, dict, number or callable
        A schedule is returned as it is; a dict such as ``{"name": "exponential_decay",
        "initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.5}`` is built
        (the names are the keys of :data:`SCHEDULES`; class names such as
        ``"ExponentialDecay"`` work too); a number is a :class:`Constant` rate; a function
        of the step is wrapped in :class:`FromFunction`.

    Returns
    -------
    Schedule
    """
    if isinstance(identifier, Schedule):
        return identifier
    if isinstance(identifier, dict):
        return _from_dict(identifier)
    if isinstance(identifier, numbers.Real) and not isinstance(identifier, (bool, np.bool_)):
        return Constant(identifier)
    if callable(identifier) and not isinstance(identifier, type):
        return FromFunction(identifier)
    raise InvalidTypeError(
        f"learning_rate={short_repr(identifier)}: give a number (0.01), a schedule such as "
        "ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5), its config dict "
        "{'name': 'exponential_decay', ...}, or a function of the step.")


def from_config(config: dict[str, Any]) -> Schedule:
    """The schedule that ``config`` (from :meth:`Schedule.config`) describes: ``get(config)``."""
    if not isinstance(config, dict):
        raise InvalidTypeError(f"from_config({short_repr(config)}): give a dict such as "
                               "{'name': 'constant', 'learning_rate': 0.01}.")
    return _from_dict(config)


def _from_dict(config: dict[str, Any]) -> Schedule:
    params = dict(config)
    name = params.pop("name", None)
    if name == FromFunction.name:
        raise InvalidInputError(
            f"The schedule {short_repr(config.get('function', ''))} was made from a "
            "function, which a config cannot rebuild; pass the function itself again.")
    if isinstance(name, str):
        name = _CLASS_NAMES.get(name.strip().lower(), name)
    kind = lookup(SCHEDULES, name, "learning-rate schedule")
    accepted = inspect.signature(kind).parameters
    example = {"name": kind.name, **kind.example}
    unknown = [key for key in params if key not in accepted]
    if unknown:
        raise InvalidInputError(
            f"schedule {kind.name!r} got {short_repr(unknown[0])}; it takes: "
            f"{', '.join(accepted)}.{did_you_mean(unknown[0], accepted)}")
    missing = [key for key, p in accepted.items() if p.default is p.empty and key not in params]
    if missing:
        raise InvalidInputError(f"schedule {kind.name!r} needs {', '.join(missing)}; e.g. "
                                f"{example!r}.")
    return kind(**params)
