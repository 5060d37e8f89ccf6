"""Optimizers: update parameter arrays in place, keeping state per parameter.

``step(parameters, gradients)`` takes two lists of arrays in the same order
(the model's flattened parameters); state such as momentum is kept per
position in that list. Each docstring gives the update rule as code, for one
parameter ``w`` with gradient ``g`` and ``lr`` the learning rate of this step:
a number, or a schedule (:mod:`mlplab.engine.schedules`) evaluated at the step's
number (``iterations`` before it, counted from 0, as Keras does).

Every optimizer can clip the gradients first, as Keras defines it (one of):

- ``clipnorm=c``: each parameter array's gradient ``g * c / max(norm(g), c)``;
- ``global_clipnorm=c``: every gradient ``g * c / max(global_norm, c)``, the global
  norm taken over all of them together;
- ``clipvalue=c``: every entry clipped to ``[-c, c]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np

from mlplab._typing import FloatArray
from mlplab._validation import (
    Boolean,
    Optional,
    Real,
    check,
    did_you_mean,
    lookup,
    short_repr,
)
from mlplab.engine import flat, schedules
from mlplab.engine.lbfgs import LBFGS
from mlplab.errors import InvalidInputError, InvalidTypeError

CLIPPING = ("clipnorm", "global_clipnorm", "clipvalue")
# What an optimizer's learning_rate takes: a positive number or a schedule.
LearningRateLike: TypeAlias = float | schedules.ScheduleLike


class Optimizer:
    """Base class: validated hyper-parameters, per-parameter state, ``step``."""

    name = ""
    hyperparameters: tuple[str, ...]  # each optimizer's, in its constructor's order
    clipnorm: float | None  # set from CLIPPING by __init__
    global_clipnorm: float | None
    clipvalue: float | None
    _learning_rate: float | schedules.Schedule

    def __init__(self, learning_rate: LearningRateLike, clipnorm: float | None = None,
                 global_clipnorm: float | None = None, clipvalue: float | None = None):
        owner = type(self).__name__
        self.learning_rate = learning_rate
        for name, value in zip(CLIPPING, (clipnorm, global_clipnorm, clipvalue), strict=True):
            setattr(self, name, check(value, name, Optional(Real(0, closed="neither")),
                                      owner=owner, example=f"{owner}({name}=1.0)"))
        if sum(getattr(self, name) is not None for name in CLIPPING) > 1:
            raise InvalidInputError(f"{owner}: give at most one of clipnorm, global_clipnorm "
                                    "and clipvalue (Keras allows only one too).")
        self.iterations = 0
        self.lr = self.rate_at(0)  # the rate of the step being taken (set by ``step``)
        # (parameter index, name) -> array shaped like the parameter
        self.state: dict[tuple[int, str], FloatArray] = {}
        self.buffers: dict[str, FloatArray] = {}  # name -> flat array; state[...] are views

    @property
    def learning_rate(self) -> float | schedules.Schedule:
        """The rate as given: a positive number, or a :class:`~schedules.Schedule`."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: LearningRateLike) -> None:
        owner = type(self).__name__
        if isinstance(value, (schedules.Schedule, dict)) or callable(value):
            self._learning_rate = schedules.get(value)
            return
        if isinstance(getattr(self, "_learning_rate", None), schedules.Schedule):
            raise InvalidInputError(f"{owner}: its learning rate is a schedule, so it cannot be "
                                    "set to a number (as in Keras); give the optimizer a "
                                    "number to let callbacks change the rate.")
        self._learning_rate = float(_positive(value, "learning_rate", owner))

    @property
    def scheduled(self) -> bool:
        return isinstance(self._learning_rate, schedules.Schedule)

    def rate_at(self, step: int) -> float:
        """The learning rate of step ``step`` (counted from 0)."""
        rate = self._learning_rate
        return rate(step) if isinstance(rate, schedules.Schedule) else rate

    @property
    def current_learning_rate(self) -> float:
        """The rate the next step uses."""
        return self.rate_at(self.iterations)

    @property
    def clips(self) -> bool:
        return not (self.clipnorm is None and self.global_clipnorm is None
                    and self.clipvalue is None)

    def clip(self, gradients: Sequence[FloatArray]) -> Sequence[FloatArray]:
        """The gradients clipped as the optimizer's clipnorm, global_clipnorm or clipvalue
        says (new arrays; the layers' own are left as they are)."""
        if self.clipnorm is not None:
            c = self.clipnorm
            return [g * c / max(float(np.sqrt(np.sum(g * g))), c) for g in gradients]
        if self.global_clipnorm is not None:
            c = self.global_clipnorm
            norm = float(np.sqrt(sum(np.sum(g * g) for g in gradients)))
            return [g * c / max(norm, c) for g in gradients]
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in gradients]
        return gradients

    def state_names(self) -> tuple[str, ...]:
        """The state arrays ``update`` keeps per parameter (e.g. SGD's "velocity")."""
        return ()

    def initial_state(self, name: str) -> float:
        """The value a state array ``name`` starts at."""
        return 0.0

    def build(self, parameters: Sequence[FloatArray]) -> None:
        """Allocate the state of ``parameters`` (a model's, in its order): for each of
        ``state_names()``, one flat array, ``buffers[name]``, of which ``state[(i, name)]``
        are the views (see :mod:`mlplab.engine.flat`), so that a compiled runner updates
        the same arrays. State that exists keeps its values; calling it again does
        nothing unless a state array was replaced."""
        for name in self.state_names():
            arrays = [self.state.get((i, name)) for i in range(len(parameters))]
            if all(a is not None for a in arrays) and flat.is_flat(self.buffers.get(name),
                                                                   arrays):
                continue
            start = [np.full_like(p, self.initial_state(name)) if a is None else a
                     for p, a in zip(parameters, arrays, strict=True)]
            self.buffers[name], views = flat.flatten(start, parameters[0].dtype)
            for i, view in enumerate(views):
                self.state[(i, name)] = view

    def step(self, parameters: Sequence[FloatArray], gradients: Sequence[FloatArray]) -> None:
        """One update of every parameter: clip the gradients, take this step's rate."""
        self.lr = self.rate_at(self.iterations)
        gradients = self.clip(gradients) if self.clips else gradients
        self.iterations += 1
        for index, (w, g) in enumerate(zip(parameters, gradients, strict=True)):
            self.update(index, w, g)

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        """Update parameter ``w`` (number ``index``) with gradient ``g``, at rate
        ``self.lr`` (set by ``step``)."""
        raise NotImplementedError

    def slot(self, index: int, name: str, like: FloatArray) -> FloatArray:
        """The state array ``name`` of parameter ``index``, created at its initial value
        if ``build`` has not made it (``step`` called on arrays of one's own)."""
        key = (index, name)
        if key not in self.state:
            self.state[key] = np.full_like(like, self.initial_state(name))
        return self.state[key]

    def state_config(self) -> dict[str, Any]:
        """The state as JSON data, for a saved model to resume training where it was (as
        Keras' files do): ``{"iterations": n, "slots": {name: [numbers of parameter 0,
        of parameter 1, ...]}}``, one entry per name of ``state_names()``."""
        count = 1 + max((index for index, _ in self.state), default=-1)
        slots = {name: [self.state[(i, name)].ravel().tolist() for i in range(count)]
                 for name in self.state_names() if (0, name) in self.state}
        return {"iterations": self.iterations, "slots": slots}

    def restore_state(self, state: dict[str, Any], parameters: Sequence[FloatArray]) -> None:
        """Take back what :meth:`state_config` gave, for ``parameters`` (a model's, in
        its order); a state that does not fit them is refused."""
        iterations, slots = state.get("iterations"), state.get("slots")
        if (not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 0
                or not isinstance(slots, dict) or set(state) != {"iterations", "slots"}
                or not _state_fits(slots, self.state_names(), parameters)):
            raise InvalidInputError(f"{type(self).__name__}: the saved optimizer state does "
                                    f"not fit the model's {len(parameters)} parameter arrays.")
        self.build(parameters)
        for name, values in slots.items():
            for index, numbers in enumerate(values):
                self.state[(index, name)][...] = np.reshape(numbers, parameters[index].shape)
        self.iterations = iterations
        self.lr = self.rate_at(iterations)

    def config(self) -> dict[str, Any]:
        settings = {k: getattr(self, k) for k in self.hyperparameters}
        if isinstance(self._learning_rate, schedules.Schedule):  # self.scheduled
            settings["learning_rate"] = self._learning_rate.config()
        settings.update({k: getattr(self, k) for k in CLIPPING if getattr(self, k) is not None})
        return {"name": self.name, **settings}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _state_fits(slots: dict[str, Any], names: Sequence[str],
                parameters: Sequence[FloatArray]) -> bool:
    """Whether saved ``slots`` (name -> one list of numbers per parameter) fit."""
    return set(slots) <= set(names) and all(
        isinstance(values, list) and len(values) == len(parameters)
        and all(isinstance(v, list) and len(v) == p.size
                for v, p in zip(values, parameters, strict=True))
        for values in slots.values())


def _positive(value: float, name: str, owner: str, example: float = 0.01) -> float:
    """A positive, finite hyper-parameter (a learning rate, an epsilon)."""
    return check(value, name, Real(0, closed="neither"), owner=owner,
                 example=f"{owner}({name}={example:g})")


def _fraction(value: float, name: str, owner: str) -> float:
    """A decay rate or momentum in [0, 1): at 1 the state would never forget."""
    return check(value, name, Real(0, 1, "left"), owner=owner, example=f"{owner}({name}=0.9)")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    ::

        v = momentum * v - lr * g
        w += v                                     # plain momentum
        w += momentum * v - lr * g      # nesterov=True

    With ``momentum=0`` this is ``w -= lr * g``.
    """

    name = "sgd"
    hyperparameters = ("learning_rate", "momentum", "nesterov")

    def __init__(self, learning_rate: LearningRateLike = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, clipnorm: float | None = None,
                 global_clipnorm: float | None = None, clipvalue: float | None = None):
        super().__init__(learning_rate, clipnorm, global_clipnorm, clipvalue)
        self.momentum = _fraction(momentum, "momentum", "SGD")
        self.nesterov = check(nesterov, "nesterov", Boolean(), owner="SGD",
                              example="SGD(momentum=0.9, nesterov=True)")

    def state_names(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum != 0.0 else ()

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        if self.momentum == 0.0:
            w -= self.lr * g
            return
        v = self.slot(index, "velocity", w)
        v *= self.momentum
        v -= self.lr * g
        if self.nesterov:
            w += self.momentum * v - self.lr * g
        else:
            w += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with bias-corrected moments.

    ::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = m / (1 - beta_1**t);  v_hat = v / (1 - beta_2**t)
        w -= lr * m_hat / (sqrt(v_hat) + epsilon)
    """

    name = "adam"
    hyperparameters = ("learning_rate", "beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate: LearningRateLike = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, clipnorm: float | None = None,
                 global_clipnorm: float | None = None, clipvalue: float | None = None):
        super().__init__(learning_rate, clipnorm, global_clipnorm, clipvalue)
        self.beta_1 = _fraction(beta_1, "beta_1", "Adam")
        self.beta_2 = _fraction(beta_2, "beta_2", "Adam")
        self.epsilon = _positive(epsilon, "epsilon", "Adam", 1e-7)

    def state_names(self) -> tuple[str, ...]:
        return ("m", "v")

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        m = self.slot(index, "m", w)
        v = self.slot(index, "v", w)
        m *= self.beta_1
        m += (1.0 - self.beta_1) * g
        v *= self.beta_2
        v += (1.0 - self.beta_2) * g * g
        m_hat = m / (1.0 - self.beta_1**self.iterations)
        v_hat = v / (1.0 - self.beta_2**self.iterations)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.epsilon)


class ScikitLearnAdam(Adam):
    """Adam with the bias corrections folded into the step size, as scikit-learn's MLP
    (and Keras 3) computes it (Kingma & Ba's "more efficient" order, section 2)::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w -= lr_t * m / (sqrt(v) + epsilon)

    It differs from :class:`Adam` only in where ``epsilon`` enters: here before the
    bias correction, so it weighs ``1 / sqrt(1 - beta_2**t)`` times more (30x at the
    first step with ``beta_2=0.999``). The compiled kernels do not have it: models with
    it train on the NumPy runner. scikit-learn's default ``epsilon`` is 1e-8; Keras 3
    takes the same rule (:class:`KerasAdam`, in its own order of operations).
    """

    name = "scikit_learn_adam"

    def __init__(self, learning_rate: LearningRateLike = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, clipnorm: float | None = None,
                 global_clipnorm: float | None = None, clipvalue: float | None = None):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, clipnorm, global_clipnorm,
                         clipvalue)

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        m = self.slot(index, "m", w)
        v = self.slot(index, "v", w)
        m[...] = self.beta_1 * m + (1 - self.beta_1) * g
        v[...] = self.beta_2 * v + (1 - self.beta_2) * (g**2)
        t = self.iterations
        rate = self.lr * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        w += -rate * m / (np.sqrt(v) + self.epsilon)


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root mean square of the gradient.

    ::

        s = rho * s + (1 - rho) * g**2
        w -= lr * g / (sqrt(s) + epsilon)
    """

    name = "rmsprop"
    hyperparameters: tuple[str, ...] = ("learning_rate", "rho", "epsilon")

    def __init__(self, learning_rate: LearningRateLike = 0.001, rho: float = 0.9,
                 epsilon: float = 1e-7, clipnorm: float | None = None,
                 global_clipnorm: float | None = None, clipvalue: float | None = None):
        super().__init__(learning_rate, clipnorm, global_clipnorm, clipvalue)
        self.rho = _fraction(rho, "rho", "RMSprop")
        self.epsilon = _positive(epsilon, "epsilon", "RMSprop", 1e-7)

    def state_names(self) -> tuple[str, ...]:
        return ("mean_square",)

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        s = self.slot(index, "mean_square", w)
        s *= self.rho
        s += (1.0 - self.rho) * g * g
        w -= self.lr * g / (np.sqrt(s) + self.epsilon)


class Adagrad(Optimizer):
    """Adagrad: divide the step by the root of the summed squared gradients.

    ::

        s = s + g**2                    # s starts at initial_accumulator_value
        w -= lr * g / (sqrt(s) + epsilon)
    """

    name = "adagrad"
    hyperparameters = ("learning_rate", "initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate: LearningRateLike = 0.01,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 clipnorm: float | None = None, global_clipnorm: float | None = None,
                 clipvalue: float | None = None):
        super().__init__(learning_rate, clipnorm, global_clipnorm, clipvalue)
        self.initial_accumulator_value = check(
            initial_accumulator_value, "initial_accumulator_value", Real(0), owner="Adagrad",
            example="Adagrad(initial_accumulator_value=0.1)")
        self.epsilon = _positive(epsilon, "epsilon", "Adagrad", 1e-7)

    def state_names(self) -> tuple[str, ...]:
        return ("accumulator",)

    def initial_state(self, name: str) -> float:
        return self.initial_accumulator_value

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        s = self.slot(index, "accumulator", w)
        s += g * g
        w -= self.lr * g / (np.sqrt(s) + self.epsilon)


# Keras 3's rules (keras/src/optimizers/adam.py, rmsprop.py, adagrad.py), for its dialect
# (mlplab.keras.optimizers). The compiled kernels have KerasAdam only (fast/tables.py keys
# its codes by class): models with the others train on the NumPy runner.
class KerasAdam(Adam):
    """Adam as Keras 3 computes it: the bias corrections folded into the step size, so
    ``epsilon`` is Kingma & Ba's "epsilon hat" (the rule of :class:`ScikitLearnAdam`, in
    Keras' order of operations and with its default ``epsilon=1e-7``)::

        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m += (g - m) * (1 - beta_1)
        v += (g**2 - v) * (1 - beta_2)
        w -= m * alpha / (sqrt(v) + epsilon)
    """

    name = "keras_adam"

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        m = self.slot(index, "m", w)
        v = self.slot(index, "v", w)
        t = self.iterations
        alpha = self.lr * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        m += (g - m) * (1.0 - self.beta_1)
        v += (g * g - v) * (1.0 - self.beta_2)
        w -= m * alpha / (np.sqrt(v) + self.epsilon)


class KerasAMSGrad(KerasAdam):
    """Keras 3's ``Adam(amsgrad=True)``: :class:`KerasAdam` dividing by the root of the
    largest ``v`` so far (Reddi et al., 2018), so that a parameter's steps never grow
    because its recent gradients were small::

        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m += (g - m) * (1 - beta_1)
        v += (g**2 - v) * (1 - beta_2)
        v_max = maximum(v_max, v)                # v_max starts at 0
        w -= m * alpha / (sqrt(v_max) + epsilon)

    A class of its own, not an option of KerasAdam: the compiled kernels run KerasAdam
    (fast/tables.py keys them by class), not this, so models with it train on the NumPy
    runner and ``history.runner_reason`` says so. PyTorch's ``Adam(amsgrad=True)`` keeps
    the same maximum of ``v``, with its ``eps`` added after the bias correction.
    """

    name = "keras_amsgrad"
    amsgrad = True  # Keras' config key

    def state_names(self) -> tuple[str, ...]:
        return ("m", "v", "v_max")

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        m = self.slot(index, "m", w)
        v = self.slot(index, "v", w)
        v_max = self.slot(index, "v_max", w)
        t = self.iterations
        alpha = self.lr * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        m += (g - m) * (1.0 - self.beta_1)
        v += (g * g - v) * (1.0 - self.beta_2)
        np.maximum(v_max, v, out=v_max)
        w -= m * alpha / (np.sqrt(v_max) + self.epsilon)


class KerasRMSprop(RMSprop):
    """RMSprop as Keras 3 computes it, ``epsilon`` inside the square root, with Keras'
    ``momentum`` and ``centered`` options (keras/src/optimizers/rmsprop.py)::

        s = rho * s + (1 - rho) * g**2
        a = rho * a + (1 - rho) * g                # centered=True: the mean gradient
        step = lr * g / sqrt(s - a**2 + epsilon)   # centered; else sqrt(s + epsilon)
        u = momentum * u + step                    # momentum > 0; else u = step
        w -= u

    PyTorch's ``RMSprop(centered=True)`` is the same rule with ``epsilon`` outside the
    root, ``sqrt(s - a**2) + eps`` (tests/keras/test_keras_optimizer_options.py).
    """

    name = "keras_rmsprop"
    hyperparameters = ("learning_rate", "rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate: LearningRateLike = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 clipnorm: float | None = None, global_clipnorm: float | None = None,
                 clipvalue: float | None = None):
        super().__init__(learning_rate, rho, epsilon, clipnorm, global_clipnorm, clipvalue)
        self.momentum = _fraction(momentum, "momentum", "KerasRMSprop")
        self.centered = check(centered, "centered", Boolean(), owner="KerasRMSprop",
                              example="KerasRMSprop(centered=True)")

    def state_names(self) -> tuple[str, ...]:
        return (("mean_square",) + (("momentum",) if self.momentum > 0 else ())
                + (("average_gradient",) if self.centered else ()))

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        s = self.slot(index, "mean_square", w)
        s *= self.rho
        s += (1.0 - self.rho) * g * g
        if self.centered:
            a = self.slot(index, "average_gradient", w)
            a *= self.rho
            a += (1.0 - self.rho) * g
            step = self.lr * g / np.sqrt(s - a * a + self.epsilon)
        else:
            step = self.lr * g / np.sqrt(s + self.epsilon)
        if self.momentum > 0:
            u = self.slot(index, "momentum", w)
            u *= self.momentum
            u += step
            step = u
        w -= step


class KerasAdagrad(Adagrad):
    """Adagrad as Keras 3 computes it, ``epsilon`` inside the square root, and Keras'
    default ``learning_rate=0.001``::

        s = s + g**2                    # s starts at initial_accumulator_value (0.1)
        w -= lr * g / sqrt(s + epsilon)
    """

    name = "keras_adagrad"

    def __init__(self, learning_rate: LearningRateLike = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 clipnorm: float | None = None, global_clipnorm: float | None = None,
                 clipvalue: float | None = None):
        super().__init__(learning_rate, initial_accumulator_value, epsilon, clipnorm,
                         global_clipnorm, clipvalue)

    def update(self, index: int, w: FloatArray, g: FloatArray) -> None:
        s = self.slot(index, "accumulator", w)
        s += g * g
        w -= self.lr * g / np.sqrt(s + self.epsilon)


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad,
              "scikit_learn_adam": ScikitLearnAdam, "keras_adam": KerasAdam,
              "keras_amsgrad": KerasAMSGrad, "keras_rmsprop": KerasRMSprop,
              "keras_adagrad": KerasAdagrad}
# Not a step rule but a whole solver, full batch, by scipy (mlplab.engine.lbfgs).
SOLVERS = {"lbfgs": LBFGS}


# What compile's optimizer takes (see get).
OptimizerLike: TypeAlias = str | dict[str, Any] | Optimizer | LBFGS


def get(identifier: OptimizerLike, **overrides: Any) -> Optimizer | LBFGS:
    """Resolve a name (``"adam"``), a dict (``{"name": "sgd", "momentum": 0.9}``)
    or an Optimizer instance. ``overrides`` (e.g. ``learning_rate``) apply to names
    and dicts."""
    if isinstance(identifier, (Optimizer, LBFGS)):
        return identifier
    if isinstance(identifier, dict):
        params = {**identifier, **overrides}
        name = params.pop("name", None)
    elif isinstance(identifier, str):
        name, params = identifier, dict(overrides)
    else:
        raise InvalidTypeError(
            f"optimizer={short_repr(identifier)}: give a name "
            f"({', '.join({**OPTIMIZERS, **SOLVERS})}), a "
            "dict such as {'name': 'sgd', 'momentum': 0.9}, or an Optimizer object."
        )
    kind = lookup({**OPTIMIZERS, **SOLVERS}, name, "optimizer")
    unknown = [key for key in params
               if key not in kind.hyperparameters + (() if kind is LBFGS else CLIPPING)]
    if unknown:
        suggestion = did_you_mean(unknown[0], kind.hyperparameters)
        raise InvalidInputError(
            f"optimizer {short_repr(name)} got parameters {short_repr(sorted(map(str, params)))};"
            f" it takes: {', '.join(kind.hyperparameters)}.{suggestion}")
    return kind(**params)
