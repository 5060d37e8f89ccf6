"""Training callbacks and the History that ``fit`` returns.

A callback is told when training starts and ends and when each epoch begins and ends
(``logs`` holds the epoch's ``loss``, metrics, ``val_`` entries and the learning rate
``lr``); one with
``wants_batches = True`` is also told after every optimisation step. Setting
``model.stop_training = True`` ends training after the current step.
"""

from __future__ import annotations

import math
import os
import string
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import numpy as np

from mlplab._typing import FloatArray
from mlplab._validation import (
    Boolean,
    Integer,
    Optional,
    Options,
    Real,
    check,
    did_you_mean,
    input_bound,
    short_repr,
)
from mlplab.engine import metrics
from mlplab.errors import (
    InvalidInputError,
    InvalidTypeError,
    TrainingDivergedError,
    TrainingDivergedWarning,
)

if TYPE_CHECKING:
    from mlplab.engine.health import TrainingHealth
    from mlplab.engine.model import Sequential
    from mlplab.engine.optimizers import Optimizer

# An epoch's logs: loss, metrics, val_ entries and lr, floats; a batch's: epoch and loss.
Logs: TypeAlias = dict[str, Any]
Mode: TypeAlias = Literal["auto", "min", "max"]  # which way the monitored quantity improves
Snapshot: TypeAlias = dict[str, Any]  # WeightSnapshots': epoch, step, loss, weights


class Callback:
    """Base class; override the hooks you need.

    ``fit`` gives it the model (``set_model``) and, as Keras does, its settings
    (``set_params``): ``params = {"verbose": ..., "epochs": ..., "steps": ...}``, the
    steps of one epoch.
    """

    wants_batches = False
    params: dict[str, Any] | None = None
    model: Sequential  # set by fit (set_model), before any hook

    def set_model(self, model: Sequential) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None:
        pass

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        pass

    def on_batch_end(self, step: int, logs: Logs) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        pass

    def on_train_end(self, logs: Logs | None = None) -> None:
        pass


class History(Callback):
    """Loss and metrics per epoch: ``history.history["val_loss"][-1]`` and so on.

    Attributes
    ----------
    history : dict of str -> list of float
        One list per logged quantity (``loss``, ``accuracy``, ``val_loss``, ...).
    epoch : list of int
        The epoch numbers (0-based) that were logged.
    stop_reason : str or None
        Why training stopped early (early stopping, NaN loss), if it did.
    runner : "numpy" or "compiled"
        Which runner trained the epochs (see :mod:`mlplab.engine.runners`).
    runner_reason : str or None
        Why the NumPy runner trained, when it did (e.g. an activation the compiled
        runner does not have).
    """

    solver: Any  # an L-BFGS fit's LBFGSResult (mlplab.engine.lbfgs), set by that fit only

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.stop_reason: str | None = None
        self.runner: str | None = None
        self.runner_reason: str | None = None
        self.health: TrainingHealth | None = None  # the TrainingHealth that watched the fit

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
        return f"History({len(self.epoch)} epochs: {last})"

    def _repr_html_(self) -> str:  # Jupyter: first, last and best value of each quantity
        from mlplab._display import html_table

        rows = []
        for key, values in self.history.items():
            best = max(values) if "acc" in key or "score" in key else min(values)
            rows.append((key, f"{values[0]:.4g}", f"{values[-1]:.4g}", f"{best:.4g}"))
        caption = f"{len(self.epoch)} epochs" + (f" ({self.stop_reason})"
                                                if self.stop_reason else "")
        return html_table(("quantity", "first", "last", "best"), rows, caption)


def _improved(mode: str, value: float, best: float, min_delta: float) -> bool:
    if mode == "min":
        return value < best - min_delta
    return value > best + min_delta


def _check_monitor(monitor: str, mode: str, owner: str) -> tuple[str, str]:
    """The checked ``(monitor, mode)``, "auto" resolved: max for accuracies, else min."""
    if not isinstance(monitor, str) or not monitor:
        raise InvalidTypeError(f"{owner}(monitor={short_repr(monitor)}): monitor must be the "
                               f"name of a logged quantity. Try {owner}(monitor='val_loss').")
    mode = check(mode, "mode", Options(("auto", "min", "max")), owner=owner,
                 example=f"{owner}(mode='auto')")
    if mode != "auto":
        return monitor, mode
    return monitor, metrics.direction(monitor) or ("max" if "acc" in monitor else "min")


def _monitored(logs: Logs, monitor: str, owner: str) -> float:
    if monitor not in logs:
        hint = (" Pass validation_data=(X_val, y_val) or validation_split=0.2 to fit, "
                f"or monitor={monitor[4:]!r}." if monitor.startswith("val_") else "")
        raise InvalidInputError(
            f"{owner}(monitor={monitor!r}): fit logs no {monitor!r}; it logs "
            f"{sorted(logs)}.{hint}"
        )
    return logs[monitor]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs,
    with Keras' rule and arguments.

    After each epoch from ``start_from_epoch`` on: the wait grows by one; a value better
    than the best so far by more than ``min_delta`` becomes the best and resets the wait
    (only if it also beats ``baseline``, when one is given); otherwise training stops
    once the wait reaches ``patience`` (never after the first epoch). With
    ``patience=3`` that is three epochs after the best one. ``verbose=1`` prints the
    epoch it stopped at (counted from 1, as Keras prints it).

    With ``restore_best_weights=True`` the model ends with the weights of its best
    epoch rather than its last, even when it did not stop early.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: Mode = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        def checked(value, name, constraint, example):
            return check(value, name, constraint, owner="EarlyStopping",
                         example=f"EarlyStopping({example})")

        self.monitor, self.mode = _check_monitor(monitor, mode, "EarlyStopping")
        # As in Keras, the sign of min_delta does not matter: it is an improvement's size.
        self.min_delta = abs(checked(min_delta, "min_delta", Real(), "min_delta=0.001"))
        self.patience = checked(patience, "patience", Integer(0), "patience=10")
        self.verbose = checked(verbose, "verbose", Options((0, 1)), "verbose=1")
        self.baseline = checked(baseline, "baseline", Optional(Real()), "baseline=0.5")
        self.restore_best_weights = checked(restore_best_weights, "restore_best_weights",
                                            Boolean(), "restore_best_weights=True")
        self.start_from_epoch = checked(start_from_epoch, "start_from_epoch", Integer(0),
                                        "start_from_epoch=5")

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_weights: list[FloatArray] | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if epoch < self.start_from_epoch:  # the warm-up: not watched
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self.best is None or _improved(self.mode, value, self.best, self.min_delta):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or _improved(self.mode, value, self.baseline,
                                                  self.min_delta):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            assert self.model.history is not None  # fit makes it before any hook
            self.model.history.stop_reason = (
                f"early stopping at epoch {epoch}: {self.monitor} has not improved on "
                f"{self.best:.6g} (epoch {self.best_epoch}) for {self.wait} epochs"
            )

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.verbose and self.stopped_epoch is not None:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            assert self.best_epoch is not None  # set with best_weights
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop as soon as a step's loss is NaN or infinite, and say why it likely happened.

    At the end of training it also checks that every weight is finite and within
    the engine's bound (:func:`mlplab._validation.input_bound`): a last step can
    blow them up without a NaN loss. The reason goes to
    ``history.stop_reason`` and, by default, to a :class:`TrainingDivergedWarning`;
    with ``raise_error=True`` (as in Keras) a :class:`TrainingDivergedError`
    is raised instead. ``fit`` adds one of these unless you pass your own.
    """

    wants_batches = True

    def __init__(self, raise_error: bool = False):
        self.raise_error = check(raise_error, "raise_error", Boolean(), owner="TerminateOnNaN",
                                 example="TerminateOnNaN(raise_error=True)")

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.reported = False

    def on_batch_end(self, step: int, logs: Logs) -> None:
        loss = logs["loss"]
        if np.isfinite(loss):
            return
        self.model.stop_training = True
        self._report(f"Training stopped: the loss became {loss} at epoch {logs['epoch']}, "
                     f"step {step}. ")

    def on_train_end(self, logs: Logs | None = None) -> None:
        # Weights beyond the engine's input bound overflow the next forward pass (a squared
        # error of their outputs is inf) even while they are finite: that is divergence too.
        bound = input_bound(self.model.dtype)
        assert self.model.history is not None  # fit makes it before any hook
        largest = max((max(p.max(), -p.min()) for p in self.model.parameters() if p.size),
                      default=0.0)
        if not self.reported and not largest <= bound:  # NaN fails the comparison too
            self._report(f"Training diverged: the weights became NaN, infinite or larger than "
                         f"{bound:.3g} (largest |w| {largest:.3g}) by epoch "
                         f"{len(self.model.history.epoch) - 1}, step {self.model.steps}. ")

    def _report(self, what: str) -> None:
        self.reported = True
        message = what + likely_cause(self.model)
        assert self.model.history is not None  # fit makes it before any hook
        self.model.history.stop_reason = message
        if self.raise_error:
            raise TrainingDivergedError(message)
        warnings.warn(message, TrainingDivergedWarning, stacklevel=3)


def rate_optimizer(model: Sequential) -> Optimizer:
    """The optimizer of a compiled model, for callbacks that read or set its learning rate
    (a step rule: L-BFGS has no learning rate, and fails there)."""
    return cast("Optimizer", model.optimizer)


def likely_cause(model: Sequential) -> str:
    """Why a model's training likely diverged, with fixes (never the bad value again)."""
    causes = []
    learning_rate = getattr(model.optimizer, "current_learning_rate", None)
    if learning_rate is not None and learning_rate / 10 > 0:
        smaller = min(learning_rate / 10, 0.1)  # a tenth, and no more than a usual rate
        causes.append(f"the learning rate ({learning_rate:g}) is too large: try "
                      f"learning_rate={smaller:g}")
    scale = getattr(model, "_input_scale", None)
    if scale is not None and scale > 10:
        causes.append(f"the inputs are not scaled (largest |x| is {scale:.3g}): standardize "
                      "them with mlplab.data.standardize")
    return ("Likely causes: " + "; or ".join(causes) + ".") if causes else ""


class ModelCheckpoint(Callback):
    """Save the model after each epoch (or only when ``monitor`` improves).

    As in Keras, ``path`` may name ``{epoch}`` (counted from 1) and any quantity
    fit logs, with a format: ``"ckpt-{epoch:03d}-{val_loss:.3f}.npz"``; it is
    filled in with ``path.format(epoch=epoch + 1, **logs)``. A name that is not
    logged raises an error listing the names that are. Files are written
    atomically by :meth:`Sequential.save`.
    """

    def __init__(self, path: str | os.PathLike[str], monitor: str = "val_loss",
                 save_best_only: bool = False, mode: Mode = "auto"):
        if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
            raise InvalidTypeError(f"ModelCheckpoint(path={short_repr(path)}): path must be a "
                                   "file path (a str or pathlib.Path). Try "
                                   "ModelCheckpoint('model-{epoch:03d}.npz').")
        self.path = os.fspath(path)
        self.fields = _path_fields(self.path)
        self.monitor, self.mode = _check_monitor(monitor, mode, "ModelCheckpoint")
        self.save_best_only = check(save_best_only, "save_best_only", Boolean(),
                                    owner="ModelCheckpoint",
                                    example="ModelCheckpoint(path, save_best_only=True)")
        self.saved: list = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self.save_best_only:
            value = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not _improved(self.mode, value, self.best, 0.0):
                return
            self.best = value
        path = self.file_path(epoch, logs)
        self.write(path)
        self.saved.append(path)

    def write(self, path: str) -> None:
        """Save the model to ``path`` (a subclass may save something else)."""
        self.model.save(path)

    def file_path(self, epoch: int, logs: Logs) -> str:
        """The path for 0-based ``epoch`` with its ``logs``, as Keras fills it in."""
        values = {**logs, "epoch": epoch + 1}
        call = f"ModelCheckpoint({short_repr(self.path)})"
        for field in self.fields:
            if field not in values:
                raise InvalidInputError(
                    f"{call}: the path names {{{field}}}, which fit does not log."
                    f"{did_you_mean(field, values)} It may name: {', '.join(sorted(values))}.")
        try:
            return self.path.format(**values)
        except (ValueError, TypeError, IndexError, AttributeError, KeyError) as exc:
            raise InvalidInputError(f"{call}: cannot fill in the path ({exc}). Use formats "
                                    "such as {epoch:03d} or {val_loss:.4f}.") from None


def _path_fields(path: str) -> list[str]:
    """The names a checkpoint path's ``{...}`` fields refer to, or raise if malformed."""
    call = f"ModelCheckpoint({short_repr(path)})"
    try:
        parsed = list(string.Formatter().parse(path))
    except ValueError:
        raise InvalidInputError(f"{call}: the path has an unmatched '{{' or '}}'. Write a "
                                "literal brace twice ('{{'), and fields as {epoch:03d}.") from None
    fields = []
    for _, field, _, _ in parsed:
        if field is None:
            continue
        name = field.split(".")[0].split("[")[0]
        if not name or name.isdigit():
            raise InvalidInputError(f"{call}: the path has a positional field {{{field}}}; "
                                    "name a logged quantity instead, e.g. {epoch} or {loss}.")
        fields.append(name)
    return fields


class WeightSnapshots(Callback):
    """Record a copy of every weight array every ``every`` epochs (or steps).

    The pictures module animates these. ``snapshots`` is a list of dicts with
    ``epoch``, ``step``, ``loss`` and ``weights`` (as from ``get_weights``); the
    initial weights are recorded first, with ``epoch = step = 0`` and the loss
    ``None``, and the last epoch is always recorded.
    """

    def __init__(self, every: int = 1, unit: Literal["epoch", "step"] = "epoch"):
        self.every = check(every, "every", Integer(1), owner="WeightSnapshots",
                           example="WeightSnapshots(every=10)")
        self.unit = check(unit, "unit", Options(("epoch", "step")), owner="WeightSnapshots",
                          example="WeightSnapshots(unit='epoch')")
        self.wants_batches = unit == "step"
        self.snapshots: list[Snapshot] = []

    def _record(self, epoch: int, step: int, loss: float | None) -> None:
        self.snapshots.append(
            {"epoch": epoch, "step": step, "loss": loss, "weights": self.model.get_weights()}
        )

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.snapshots = []
        self._record(0, 0, None)

    def on_batch_end(self, step: int, logs: Logs) -> None:
        if step % self.every == 0:
            self._record(logs["epoch"] + 1, step, logs["loss"])

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self._last = (epoch + 1, self.model.steps, logs["loss"])
        if self.unit == "epoch" and (epoch + 1) % self.every == 0:
            self._record(*self._last)

    def on_train_end(self, logs: Logs | None = None) -> None:
        recorded = (self.snapshots[-1]["epoch"], self.snapshots[-1]["step"])
        if getattr(self, "_last", None) and recorded != self._last[:2]:
            self._record(*self._last)


class ProgressBar(Callback):
    """A rich progress bar over epochs showing the latest loss and metrics."""

    def __init__(self, epochs: int):
        self.epochs = check(epochs, "epochs", Integer(1), owner="ProgressBar",
                            example="ProgressBar(epochs=100)")

    def on_train_begin(self, logs: Logs | None = None) -> None:
        from mlplab._display import progress_bar

        self.progress = progress_bar("training", "epochs", status=True)
        self.task = self.progress.add_task("fit", total=self.epochs, status="")
        self.progress.start()

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        status = "  ".join(f"{k} {v:.4f}" for k, v in logs.items())
        self.progress.update(self.task, advance=1, status=status)

    def on_train_end(self, logs: Logs | None = None) -> None:
        self.progress.stop()


def as_list(callbacks: Callback | Sequence[Callback] | None) -> list[Callback]:
    """``fit``'s ``callbacks`` as a list: None, one Callback, or a list or tuple of them."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise InvalidTypeError(f"fit(callbacks={short_repr(callbacks)}): give a list of "
                               "callbacks, e.g. fit(X, y, callbacks=[EarlyStopping()]).")
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise InvalidTypeError(
                f"callbacks: {short_repr(callback)} is not an mlplab Callback; subclass "
                "mlplab.engine.callbacks.Callback.")
    return list(callbacks)


def history_of(callbacks: Callback | Sequence[Callback] | None) -> History:
    """The History among ``fit``'s callbacks, which records the fit (as in Keras), or a
    new one."""
    return next((c for c in as_list(callbacks) if isinstance(c, History)), None) or History()


def with_defaults(callbacks: Callback | Sequence[Callback] | None, history: History, verbose: int,
                  epochs: int) -> list[Callback]:
    """The callbacks ``fit`` runs: History first (or where it was given), a NaN guard
    unless given, a bar if asked."""
    callbacks = as_list(callbacks)
    if not any(isinstance(c, TerminateOnNaN) for c in callbacks):
        callbacks.append(TerminateOnNaN())
    if verbose == 1:
        callbacks.append(ProgressBar(epochs))
    return callbacks if any(c is history for c in callbacks) else [history, *callbacks]
