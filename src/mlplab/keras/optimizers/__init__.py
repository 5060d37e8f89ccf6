"""``keras.optimizers``: SGD, Adam, RMSprop and Adagrad with Keras' arguments, defaults
and update rules.

Each returns an engine optimizer (:mod:`mlplab.engine.optimizers`, whose docstrings show
the rules as code). SGD is the engine's own ``SGD``, Keras' rule, which the compiled
runner trains. Adam, RMSprop and Adagrad are the engine's Keras variants, written from
Keras 3's ``adam.py``, ``rmsprop.py`` and ``adagrad.py``: ``KerasAdam`` (epsilon hat,
the bias corrections in the step size; ``KerasAMSGrad`` for ``amsgrad=True``),
``KerasRMSprop`` (epsilon inside the square root; ``momentum`` and ``centered``) and
``KerasAdagrad`` (the accumulator starting at 0.1). The compiled kernels have SGD and
KerasAdam; models with the others train on the NumPy runner (``history.runner_reason``
says why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlplab._validation import Boolean, check, short_repr
from mlplab.engine import optimizers as engine
from mlplab.engine.optimizers import LearningRateLike, OptimizerLike
from mlplab.errors import InvalidInputError, InvalidTypeError
from mlplab.keras._missing import missing_names, not_provided
from mlplab.keras.optimizers import schedules  # noqa: F401 - keras.optimizers.schedules

Optimizer = engine.Optimizer


def _refuse(owner: str, **given: Any) -> None:
    """Raise for the first Keras option mlplab does not provide that is set."""
    reasons = {"weight_decay": "use kernel_regularizer=keras.regularizers.L2(...) on the layers",
               "use_ema": "weights are not averaged",
               "loss_scale_factor": "there is no mixed precision",
               "gradient_accumulation_steps": "use a larger batch_size"}
    for name, value in given.items():
        if value:
            raise InvalidInputError(f"{owner}({name}={short_repr(value)}): mlplab does not "
                                    f"provide {name}; {reasons[name]}.")


def _flag(owner: str, name: str, value: Any) -> bool:
    """A Keras switch such as ``amsgrad``: True or False (NumPy's bools too)."""
    return check(value, name, Boolean(), owner=owner, example=f"{owner}({name}=True)")


def SGD(  # noqa: N802
        learning_rate: LearningRateLike = 0.01, momentum: float = 0.0, nesterov: bool = False,
        weight_decay: float | None = None, clipnorm: float | None = None,
        clipvalue: float | None = None, global_clipnorm: float | None = None, use_ema: bool = False,
        ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None, gradient_accumulation_steps: int | None = None,
        name: str = "SGD", **kwargs: Any) -> engine.SGD:
    """Keras' ``SGD``: ``learning_rate=0.01``, ``momentum``, ``nesterov``, clipping."""
    _refuse("SGD", weight_decay=weight_decay, use_ema=use_ema,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps)
    return engine.SGD(learning_rate, momentum, nesterov, clipnorm=clipnorm,
                      global_clipnorm=global_clipnorm, clipvalue=clipvalue)


def Adam(  # noqa: N802
        learning_rate: LearningRateLike = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
        epsilon: float = 1e-7, amsgrad: bool = False, weight_decay: float | None = None,
        clipnorm: float | None = None, clipvalue: float | None = None,
        global_clipnorm: float | None = None, use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None, loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None, name: str = "adam",
        **kwargs: Any) -> engine.KerasAdam:
    """Keras' ``Adam``: ``learning_rate=0.001``, ``beta_1``, ``beta_2``, ``epsilon=1e-7``,
    Keras' rule (:class:`~mlplab.engine.optimizers.KerasAdam`); with ``amsgrad=True``
    :class:`~mlplab.engine.optimizers.KerasAMSGrad` (trained on the NumPy runner)."""
    _refuse("Adam", weight_decay=weight_decay, use_ema=use_ema,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps)
    rule = engine.KerasAMSGrad if _flag("Adam", "amsgrad", amsgrad) else engine.KerasAdam
    return rule(learning_rate, beta_1, beta_2, epsilon, clipnorm=clipnorm,
                global_clipnorm=global_clipnorm, clipvalue=clipvalue)


def RMSprop(  # noqa: N802
        learning_rate: LearningRateLike = 0.001, rho: float = 0.9, momentum: float = 0.0,
        epsilon: float = 1e-7, centered: bool = False, weight_decay: float | None = None,
        clipnorm: float | None = None, clipvalue: float | None = None,
        global_clipnorm: float | None = None, use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None, loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None, name: str = "rmsprop",
        **kwargs: Any) -> engine.KerasRMSprop:
    """Keras' ``RMSprop``: ``learning_rate=0.001``, ``rho=0.9``, ``momentum``,
    ``epsilon=1e-7``, ``centered``, Keras' rule
    (:class:`~mlplab.engine.optimizers.KerasRMSprop`)."""
    _refuse("RMSprop", weight_decay=weight_decay, use_ema=use_ema,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps)
    return engine.KerasRMSprop(learning_rate, rho, momentum, epsilon,
                               _flag("RMSprop", "centered", centered), clipnorm=clipnorm,
                               global_clipnorm=global_clipnorm, clipvalue=clipvalue)


def Adagrad(  # noqa: N802
        learning_rate: LearningRateLike = 0.001, initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7, weight_decay: float | None = None, clipnorm: float | None = None,
        clipvalue: float | None = None, global_clipnorm: float | None = None, use_ema: bool = False,
        ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None, gradient_accumulation_steps: int | None = None,
        name: str = "adagrad", **kwargs: Any) -> engine.KerasAdagrad:
    """Keras' ``Adagrad``: ``learning_rate=0.001`` (mlplab's own Adagrad defaults to 0.01),
    Keras' rule (:class:`~mlplab.engine.optimizers.KerasAdagrad`)."""
    _refuse("Adagrad", weight_decay=weight_decay, use_ema=use_ema,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps)
    return engine.KerasAdagrad(learning_rate, initial_accumulator_value, epsilon,
                               clipnorm=clipnorm, global_clipnorm=global_clipnorm,
                               clipvalue=clipvalue)


_BY_NAME: dict[str, Callable[..., engine.Optimizer]] = {"sgd": SGD, "adam": Adam,
                                                       "rmsprop": RMSprop, "adagrad": Adagrad}
_LEFT_OUT = {name: "its optimizers are SGD, Adam, RMSprop and Adagrad"
             for name in ("AdamW", "Nadam", "Adamax", "Adadelta", "Ftrl", "Lion", "Lamb",
                          "Muon", "LossScaleOptimizer")}


def get(identifier: OptimizerLike) -> engine.Optimizer | engine.LBFGS:
    """An optimizer for a Keras name ("adam", "SGD", ...: Keras' defaults), a dict (Keras'
    ``{"class_name": "Adam", "config": {...}}`` or mlplab's ``{"name": "adam", ...}``) or
    an optimizer object (returned as it is)."""
    if isinstance(identifier, (engine.Optimizer, engine.LBFGS)):
        return identifier
    if isinstance(identifier, dict) and "class_name" in identifier:
        return _BY_NAME[_known(identifier["class_name"])](**identifier.get("config", {}))
    if isinstance(identifier, dict):
        return engine.get(identifier)
    if isinstance(identifier, str):
        key = _known(identifier)
        return _BY_NAME[key]() if key in _BY_NAME else engine.get(key)  # "lbfgs" too
    raise InvalidTypeError(f"optimizer={short_repr(identifier)}: give a name such as 'adam' "
                           "or a keras.optimizers object such as SGD(momentum=0.9).")


def _known(name) -> str:
    key = name.strip().lower()
    left_out = {k.lower(): k for k in _LEFT_OUT}
    if key in left_out:
        raise not_provided(f"optimizer={name!r}", _LEFT_OUT[left_out[key]])
    if key not in _BY_NAME and key not in engine.SOLVERS:
        engine.get(key)  # raises the engine's "unknown optimizer ... did you mean"
    return key


__getattr__ = missing_names("keras.optimizers", _LEFT_OUT,
                            ["SGD", "Adam", "RMSprop", "Adagrad", "Optimizer", "get",
                             "schedules"])
