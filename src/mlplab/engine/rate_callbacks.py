"""Callbacks that steer the learning rate between epochs, with Keras' rules.

- :class:`LearningRateScheduler` sets the rate at the start of every epoch from a function
  of the epoch (and the current rate).
- :class:`ReduceLROnPlateau` multiplies the rate by ``factor`` when a logged quantity
  has stopped improving for ``patience`` epochs; :meth:`ReduceLROnPlateau.adaptive` is
  scikit-learn's ``learning_rate="adaptive"`` rule.

Both need an optimizer whose rate is a number (a schedule cannot be set, as in Keras).
``fit`` records the rate of every epoch's last step in ``history["lr"]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from mlplab._validation import Integer, Options, Real, check, short_repr
from mlplab.engine.callbacks import (
    Callback,
    Logs,
    Mode,
    _check_monitor,
    _improved,
    _monitored,
    rate_optimizer,
)
from mlplab.errors import InvalidInputError, InvalidTypeError

if TYPE_CHECKING:
    from mlplab.engine.stopping import NoImprovement


class LearningRateScheduler(Callback):
    """Set the rate to ``schedule(epoch, lr)`` at the start of each epoch (Keras' rule).

    ``epoch`` counts from 0 and ``lr`` is the current rate; a function of the epoch
    alone, ``schedule(epoch)``, works too. It must return a positive finite number.

    Example: halve the rate every 10 epochs::

        LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch and epoch % 10 == 0 else lr)
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0):
        if not callable(schedule):
            raise InvalidTypeError(f"LearningRateScheduler(schedule={short_repr(schedule)}): "
                                   "give a function of (epoch, lr), e.g. "
                                   "LearningRateScheduler(lambda epoch, lr: lr * 0.95).")
        self.schedule = schedule
        self.verbose = check(verbose, "verbose", Options((0, 1)), owner="LearningRateScheduler",
                             example="LearningRateScheduler(fn, verbose=1)")

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = rate_optimizer(self.model)
        current = optimizer.current_learning_rate
        try:  # Keras tries the two-argument form first, then the one-argument one
            rate = self.schedule(epoch, current)
        except TypeError:
            rate = self.schedule(epoch)
        number = not isinstance(rate, bool) and (isinstance(rate, (int, float))
                                                 or hasattr(rate, "__float__"))
        if not number or not Real(0, closed="neither").value_ok(rate):  # positive, finite
            raise InvalidInputError(
                f"LearningRateScheduler: the schedule returned {short_repr(rate)} for epoch "
                f"{epoch}; it must return a positive finite number (the rate).")
        optimizer.learning_rate = float(rate)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")


class ReduceLROnPlateau(Callback):
    """Multiply the rate by ``factor`` when ``monitor`` stops improving (Keras' rule).

    After each epoch: an improvement is a value better than the best so far by more
    than ``min_delta``; it resets the wait. Otherwise, outside the ``cooldown`` epochs
    that follow a reduction, the wait grows, and when it reaches ``patience`` the rate
    becomes ``max(rate * factor, min_lr)`` (if it is above ``min_lr``), the wait restarts
    and the cooldown begins.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: Mode = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0):
        def checked(value, name, constraint, example):
            return check(value, name, constraint, owner="ReduceLROnPlateau",
                         example=f"ReduceLROnPlateau({example})")

        self.monitor, self.mode = _check_monitor(monitor, mode, "ReduceLROnPlateau")
        self.factor = checked(factor, "factor", Real(0, 1, "neither"), "factor=0.5")
        self.patience = checked(patience, "patience", Integer(0), "patience=5")
        self.verbose = checked(verbose, "verbose", Options((0, 1)), "verbose=1")
        self.min_delta = abs(checked(min_delta, "min_delta", Real(), "min_delta=1e-4"))
        self.cooldown = checked(cooldown, "cooldown", Integer(0), "cooldown=2")
        self.min_lr = checked(min_lr, "min_lr", Real(0), "min_lr=1e-6")

    @staticmethod
    def adaptive(tol: float = 1e-4, n_iter_no_change: int = 10) -> NoImprovement:
        """scikit-learn's ``learning_rate="adaptive"``: divide the rate by 5 once the
        training loss has failed to fall below the best loss minus ``tol`` for more than
        ``n_iter_no_change`` epochs in a row (the best loss follows every decrease); stop
        training when the rate is already at most 1e-6 by then. It is
        :class:`mlplab.engine.stopping.NoImprovement` (the rule of scikit-learn's MLP,
        written once) with ``adaptive=True``; like scikit-learn's estimators it keeps
        its count and best loss from one ``fit`` to the next."""
        from mlplab.engine.stopping import NoImprovement

        return NoImprovement(tol=tol, n_iter_no_change=n_iter_no_change, adaptive=True)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = self.cooldown_counter = 0

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        value = _monitored(logs, self.monitor, "ReduceLROnPlateau")
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if _improved(self.mode, value, self.best, self.min_delta):
            self.best, self.wait = value, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                optimizer = rate_optimizer(self.model)
                rate = optimizer.current_learning_rate
                if rate > self.min_lr:
                    self._set(epoch, max(rate * self.factor, self.min_lr))
                    self.cooldown_counter, self.wait = self.cooldown, 0

    def _set(self, epoch: int, rate: float) -> None:
        rate_optimizer(self.model).learning_rate = rate
        if self.verbose:
            print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {rate:g}.")


class InverseScalingBySamples(Callback):
    """scikit-learn's ``learning_rate="invscaling"``, set once per epoch, at its end::

        samples_seen += n_train
        rate = InverseScaling(initial_learning_rate, power_t)(samples_seen)
             = initial_learning_rate / (samples_seen + 1) ** power_t

    scikit-learn counts time in samples seen (its ``t_``), not in steps, and changes the
    rate only between epochs; ``samples_seen`` starts where the previous fit left it.
    """

    def __init__(self, initial_learning_rate: float, power_t: float, n_train: int,
                 samples_seen: int = 0):
        from mlplab.engine.schedules import InverseScaling

        self.schedule = InverseScaling(initial_learning_rate, power_t)
        self.n_train = check(n_train, "n_train", Integer(1), owner="InverseScalingBySamples",
                             example="InverseScalingBySamples(0.01, 0.5, n_train=100)")
        self.samples_seen = check(samples_seen, "samples_seen", Integer(0),
                                  owner="InverseScalingBySamples",
                                  example="InverseScalingBySamples(0.01, 0.5, 100, 0)")

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.samples_seen += self.n_train
        rate_optimizer(self.model).learning_rate = float(self.schedule(self.samples_seen))
