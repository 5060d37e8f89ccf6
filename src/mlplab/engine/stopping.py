"""scikit-learn's MLP rule for a plateau: stop, or divide the learning rate by 5.

scikit-learn's ``MLPClassifier``/``MLPRegressor`` (solvers ``sgd`` and ``adam``) count
the epochs that failed to improve, after each epoch::

    # value: the training loss, or with early stopping the held-out score
    if loss:   count = count + 1 if value > best - tol else 0;   best = min(best, value)
    if score:  count = count + 1 if value < best + tol else 0;   best = max(best, value)
    if count > n_iter_no_change:
        if adaptive and rate > 1e-6:  rate /= 5; count = 0     # learning_rate="adaptive"
        else:                         stop

(a score that beats the best also keeps the weights, restored at the end of training).
The count and the best value outlive a fit: scikit-learn keeps them across
``partial_fit`` calls and warm starts, so :class:`NoImprovement` keeps them too, until
:meth:`NoImprovement.reset`. :class:`QuietNaNGuard` stops at a NaN loss as
``TerminateOnNaN`` does, without warning (the estimator raises instead).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from mlplab._typing import FloatArray
from mlplab._validation import Boolean, Real, check, short_repr
from mlplab.engine.callbacks import Callback, Logs, TerminateOnNaN, likely_cause, rate_optimizer
from mlplab.errors import InvalidInputError

if TYPE_CHECKING:
    from mlplab.engine.model import Sequential


class NoImprovement(Callback):
    """scikit-learn's ``n_iter_no_change``/``tol`` rule (see the module docstring).

    Parameters
    ----------
    tol : float
        The least improvement that counts.
    n_iter_no_change : int or inf
        Epochs without improvement allowed; ``inf`` never stops.
    validation_score : callable or None
        ``validation_score() -> float`` on the model's current weights (NaN when they
        do not give finite outputs); None watches the training loss.
    adaptive : bool
        Divide the rate by 5 on a plateau instead of stopping, until it is <= 1e-6
        (scikit-learn's ``learning_rate="adaptive"``; its ``sgd`` solver only).
    verbose : bool
        Print scikit-learn's lines: "Iteration 3, loss = 0.12345678", the validation
        score, and why training stopped or the rate changed.
    """

    def __init__(self, tol: float = 1e-4, n_iter_no_change: float = 10,
                 validation_score: Callable[[], float] | None = None, adaptive: bool = False,
                 verbose: bool = False):
        self.tol = check(tol, "tol", Real(0), owner="NoImprovement",
                         example="NoImprovement(tol=1e-4)")
        if not (n_iter_no_change == math.inf or (isinstance(n_iter_no_change, int)
                                                 and n_iter_no_change >= 1)):
            raise InvalidInputError(f"NoImprovement(n_iter_no_change="
                                    f"{short_repr(n_iter_no_change)}): n_iter_no_change must "
                                    "be an int >= 1 or numpy.inf. Try "
                                    "NoImprovement(n_iter_no_change=10).")
        self.n_iter_no_change = n_iter_no_change
        self.validation_score = validation_score
        self.adaptive = check(adaptive, "adaptive", Boolean(), owner="NoImprovement",
                              example="NoImprovement(adaptive=True)")
        self.verbose = bool(verbose)
        self.reset()

    def reset(self) -> None:
        """Forget the count, the best value and the best weights (a fresh fit)."""
        self.count = 0
        self.best = -math.inf if self.validation_score is not None else math.inf
        self.best_weights: list[FloatArray] | None = None
        self.scores: list[float] = []  # the held-out score of every epoch (early stopping)

    def state(self) -> tuple[int, float, list[FloatArray] | None]:
        """``(count, best, best_weights)``: what a later fit continues from (plain
        values, so an estimator that keeps it pickles)."""
        return self.count, self.best, self.best_weights

    def resume(self, state: tuple[int, float, list[FloatArray] | None]) -> None:
        """Continue from a :meth:`state` of an earlier fit."""
        self.count, self.best, self.best_weights = state

    def keep_weights(self, model: Sequential) -> None:
        """Remember ``model``'s weights as the best so far (scikit-learn starts from the
        initial ones)."""
        self.best_weights = model.get_weights()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epochs_run = 0
        self.stopped = False

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.epochs_run += 1
        loss = logs["loss"]
        if self.verbose:
            print(f"Iteration {self.epochs_run:d}, loss = {loss:.8f}")
        if self.validation_score is None:
            self._count(loss > self.best - self.tol)
            self.best = min(self.best, loss)
        else:
            score = float(self.validation_score())
            self.scores.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            self._count(score < self.best + self.tol)
            if score > self.best:
                self.best = score
                self.keep_weights(self.model)
        if self.count > self.n_iter_no_change:
            self._plateau()

    def _count(self, no_improvement: bool) -> None:
        self.count = self.count + 1 if no_improvement else 0

    def _plateau(self) -> None:
        watched = ("Validation score" if self.validation_score is not None
                   else "Training loss")
        message = (f"{watched} did not improve more than tol={self.tol:f} for "
                   f"{self.n_iter_no_change:d} consecutive epochs.")
        optimizer = rate_optimizer(self.model)
        if self.adaptive and optimizer.current_learning_rate > 1e-6:
            optimizer.learning_rate = optimizer.current_learning_rate / 5.0
            self.count = 0
            if self.verbose:
                print(f"{message} Setting learning rate to {optimizer.learning_rate:f}")
            return
        if self.verbose:
            print(message + (" Learning rate too small. Stopping." if self.adaptive
                             else " Stopping."))
        self.stopped = True
        self.model.stop_training = True
        assert self.model.history is not None  # fit makes it before any hook
        self.model.history.stop_reason = message

    def restore_best(self, model: Sequential) -> None:
        """Set ``model``'s weights to the best kept (early stopping's end)."""
        if self.best_weights is not None:
            model.set_weights(self.best_weights)


class QuietNaNGuard(TerminateOnNaN):
    """Stop at a NaN or infinite loss (or weights beyond the engine's bound) as
    ``TerminateOnNaN`` does, and record why in ``history.stop_reason``, without a
    warning: the caller checks the weights and raises its own error."""

    def _report(self, what: str) -> None:
        self.reported = True
        assert self.model.history is not None  # fit makes it before any hook
        self.model.history.stop_reason = what + likely_cause(self.model)


def weights_finite(model: Sequential) -> bool:
    """Whether every parameter of ``model`` is finite."""
    return all(np.isfinite(p).all() for p in model.parameters())
