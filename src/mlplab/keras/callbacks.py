"""``keras.callbacks``: Keras' callbacks, on the engine's (:mod:`mlplab.engine.callbacks`).

EarlyStopping, TerminateOnNaN, ReduceLROnPlateau and LearningRateScheduler are the
engine's, which follow Keras' rules (``mode="auto"`` decided as Keras 3 decides it, from
the model's metrics when training begins); the two rate callbacks here also log the rate as
``learning_rate``, as Keras 3 does. ModelCheckpoint takes Keras' arguments and file
names; CSVLogger and ProgbarLogger write what Keras writes.

A :class:`Callback` subclass is called as Keras calls it: ``on_train_begin(logs)``,
``on_epoch_begin(epoch, logs)``, ``on_train_batch_end(batch, logs)`` with ``batch``
counted within the epoch and ``logs["loss"]`` the epoch's loss so far, each batch weighed
by its rows as Keras does (metrics are computed per epoch only). ``on_*_batch_begin`` and
the test and predict hooks are never called.
"""

from __future__ import annotations

import csv
import functools
import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any, Literal

from mlplab._typing import PathLike
from mlplab._validation import Options, check, short_repr
from mlplab.engine import callbacks as engine
from mlplab.engine import metrics as engine_metrics
from mlplab.engine import rate_callbacks
from mlplab.engine.callbacks import Logs, Mode, rate_optimizer
from mlplab.errors import InvalidInputError
from mlplab.keras._missing import missing_names

TerminateOnNaN = engine.TerminateOnNaN

# Keras' hooks and the number of arguments each takes before ``logs``.
_HOOKS = {"on_train_begin": 0, "on_train_end": 0, "on_epoch_begin": 1, "on_epoch_end": 1,
          "on_batch_begin": 1, "on_batch_end": 1, "on_train_batch_begin": 1,
          "on_train_batch_end": 1}
_BATCH_HOOKS = ("on_batch_end", "on_train_batch_end")


def _with_logs(method: Callable[..., None], arity: int) -> Callable[..., None]:
    """``method`` called as Keras calls it, however the engine calls it: its first
    ``arity`` arguments, then ``logs`` ({} when the engine gives none)."""
    @functools.wraps(method)
    def hook(self: Callback, *args: Any, **kwargs: Any) -> None:
        logs = kwargs.get("logs", args[arity] if len(args) > arity else None)
        return method(self, *args[:arity], {} if logs is None else logs)
    hook.keras_hook = method  # type: ignore[attr-defined]  # (marks it wrapped)
    return hook


class Callback(engine.Callback):
    """Base class of callbacks written for Keras: override the hooks you need."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, arity in _HOOKS.items():
            method = cls.__dict__.get(name)
            if method is None or hasattr(method, "keras_hook"):
                continue
            if name in _BATCH_HOOKS:  # the engine calls on_batch_end(step, logs): translate
                setattr(cls, f"_keras_{name}", _with_logs(method, arity))
                if name == "on_batch_end":
                    cls.on_batch_end = Callback.on_batch_end  # type: ignore[method-assign]
            else:
                setattr(cls, name, _with_logs(method, arity))
        if any(f"_keras_{name}" in cls.__dict__ for name in _BATCH_HOOKS):
            cls.wants_batches = True

    def on_train_begin(self, logs: Logs | None = None) -> None:
        pass

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        pass

    def on_batch_end(self, step: int, logs: Logs) -> None:
        """The engine's call after every step, turned into Keras' batch hooks."""
        epoch = (id(self.model.history), logs["epoch"])  # this fit's epoch
        if getattr(self, "_epoch_seen", None) != epoch:
            self._epoch_seen, self._batch, self._losses, self._rows = epoch, 0, 0.0, 0
        # Keras' running mean weighs each batch by its rows: all batch_size but a last,
        # smaller one (known when an mlplab.keras model fits; else the batches count alike).
        batch_size, n_rows = getattr(self.model, "_keras_batches", (1, None))
        rows = batch_size if n_rows is None else min(batch_size, n_rows - self._rows)
        self._losses += logs["loss"] * rows
        self._batch, self._rows = self._batch + 1, self._rows + rows
        keras_logs = {"loss": self._losses / self._rows}
        for name in _BATCH_HOOKS:
            hook = getattr(self, f"_keras_{name}", None)
            if hook is not None:
                hook(self._batch - 1, keras_logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        pass

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        pass

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        pass


class History(engine.History, Callback):
    """What ``fit`` returns: ``history`` (a list per logged quantity, keys sorted as Keras
    logs them), ``epoch``, ``params`` and ``model``."""

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        super().on_epoch_end(epoch, logs or {})
        self.model.history = self


def _auto_mode(monitor: str, model: Any, guess: str, owner: str) -> str:
    """Keras 3's ``mode="auto"`` (keras/src/callbacks/monitor_callback.py), decided when
    training begins: "min" for the loss, else the direction of the model's metric logged
    under the monitored name (``BinaryAccuracy(name="bacc")``: "max" for ``val_bacc``).
    A metric function of one's own has none: an error, as in Keras. A name that is no
    metric of the model keeps the engine's ``guess`` (a callback may log it)."""
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    for logged, function in getattr(model, "metrics", []):
        if logged == name:
            kind = engine_metrics.kind_of(function)
            if kind is None or kind not in engine_metrics.DIRECTIONS:
                raise InvalidInputError(
                    f"{owner}(monitor={monitor!r}): as in Keras, mode='auto' cannot tell "
                    f"whether the metric {name!r} (a function of your own) should rise or "
                    f"fall. Give {owner}(monitor={monitor!r}, mode='max') or mode='min'.")
            return engine_metrics.DIRECTIONS[kind]
    return guess


class EarlyStopping(engine.EarlyStopping):
    """The engine's EarlyStopping (Keras' arguments and stopping rule), with Keras 3's
    ``mode="auto"``: decided when training begins, from the model's metrics; after
    training ``stopped_epoch`` is 0 if it did not stop, as in Keras."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: Mode = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__(monitor, min_delta, patience, verbose, mode, baseline,
                         restore_best_weights, start_from_epoch)
        self.auto_mode = mode == "auto"

    def on_train_begin(self, logs: Logs | None = None) -> None:
        super().on_train_begin(logs)
        if self.auto_mode:
            self.mode = _auto_mode(self.monitor, self.model, self.mode, "EarlyStopping")

    def on_train_end(self, logs: Logs | None = None) -> None:
        super().on_train_end(logs)
        if self.stopped_epoch is None:  # Keras' stopped_epoch is 0 when it did not stop
            self.stopped_epoch = 0


class ModelCheckpoint(engine.ModelCheckpoint):
    """Keras' ``ModelCheckpoint(filepath, monitor="val_loss", verbose=0,
    save_best_only=False, save_weights_only=False, mode="auto", save_freq="epoch",
    initial_value_threshold=None)``. As in Keras 3 a model file ends in ``.keras`` (or
    ``.h5``) and a weights file in ``.weights.h5``; both are mlplab's format."""

    def __init__(self, filepath: PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: Mode = "auto",
                 save_freq: Literal["epoch"] = "epoch",
                 initial_value_threshold: float | None = None):
        super().__init__(filepath, monitor=monitor, save_best_only=save_best_only, mode=mode)
        self.auto_mode = mode == "auto"
        self.filepath, self.save_weights_only = self.path, bool(save_weights_only)
        self.verbose = check(verbose, "verbose", Options((0, 1)), owner="ModelCheckpoint",
                             example="ModelCheckpoint('best.keras', verbose=1)")
        self.initial_value_threshold = initial_value_threshold
        if save_freq != "epoch":
            raise InvalidInputError(f"ModelCheckpoint(save_freq={short_repr(save_freq)}): "
                                    "mlplab saves once per epoch (save_freq='epoch').")
        suffixes = (".weights.h5",) if save_weights_only else (".keras", ".h5")
        if not self.path.endswith(suffixes):
            what = "save_weights_only=True needs" if save_weights_only else "a model file needs"
            raise InvalidInputError(f"ModelCheckpoint(filepath={self.path!r}): as in Keras 3, "
                                    f"{what} a path ending in {' or '.join(suffixes)}.")

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if self.auto_mode:  # before the engine's best, which follows the mode
            self.mode = _auto_mode(self.monitor, self.model, self.mode, "ModelCheckpoint")
        super().on_train_begin(logs)
        if self.initial_value_threshold is not None:
            self.best = self.initial_value_threshold

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        saved = len(self.saved)
        before = self.best
        super().on_epoch_end(epoch, logs)
        if not self.verbose:
            return
        best = "None" if not math.isfinite(before) else f"{before:.5f}"  # Keras' first best
        if len(self.saved) > saved:
            print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                  f"{self.best:.5f}, saving model to {self.saved[-1]}" if self.save_best_only
                  else f"\nEpoch {epoch + 1}: saving model to {self.saved[-1]}")
        else:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")

    def write(self, path: str) -> None:
        """Save the model (or its weights), creating the folder as Keras does."""
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        model: Any = self.model  # a keras Sequential, which has save_weights
        (model.save_weights if self.save_weights_only else model.save)(path)


class ReduceLROnPlateau(rate_callbacks.ReduceLROnPlateau, Callback):
    """The engine's (Keras' rule), with Keras 3's ``mode="auto"`` (decided when training
    begins, from the model's metrics); logs the rate after each epoch as
    ``learning_rate``."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: Mode = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0):
        super().__init__(monitor, factor, patience, verbose, mode, min_delta, cooldown, min_lr)
        self.auto_mode = mode == "auto"

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if self.auto_mode:
            self.mode = _auto_mode(self.monitor, self.model, self.mode, "ReduceLROnPlateau")
        super().on_train_begin(logs)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        super().on_epoch_end(epoch, logs)
        logs["learning_rate"] = rate_optimizer(self.model).current_learning_rate


class LearningRateScheduler(rate_callbacks.LearningRateScheduler, Callback):
    """The engine's (Keras' rule); logs the rate after each epoch as ``learning_rate``."""

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        logs["learning_rate"] = rate_optimizer(self.model).current_learning_rate


class CSVLogger(Callback):
    """Write each epoch's logs to a CSV file, as Keras does: an ``epoch`` column (from 0)
    and the logged names sorted (with ``val_`` columns added when there are none)."""

    def __init__(self, filename: PathLike, separator: str = ",", append: bool = False):
        self.filename, self.separator, self.append = os.fspath(filename), separator, append

    def on_train_begin(self, logs: Logs | None = None) -> None:
        header = not (self.append and os.path.exists(self.filename)
                      and os.path.getsize(self.filename))
        self.file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.writer: csv.DictWriter[str] | None = None
        self.keys: list[str] | None = None
        self.header = header

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        assert logs is not None  # _with_logs gives {} when the engine gives none
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
            self.writer = csv.DictWriter(self.file, ["epoch", *self.keys],
                                         delimiter=self.separator)
            if self.header:
                self.writer.writeheader()
        assert self.writer is not None  # made with the keys
        self.writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self.file.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        self.file.close()


class LambdaCallback(Callback):
    """Callbacks from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_epoch_begin: Callable[[int, Logs], object] | None = None,
                 on_epoch_end: Callable[[int, Logs], object] | None = None,
                 on_train_begin: Callable[[Logs], object] | None = None,
                 on_train_end: Callable[[Logs], object] | None = None,
                 on_train_batch_end: Callable[[int, Logs], object] | None = None, **kwargs: Any):
        if kwargs:
            raise InvalidInputError(f"LambdaCallback: mlplab does not call "
                                    f"{sorted(kwargs)[0]}; it calls on_epoch_begin/end, "
                                    "on_train_begin/end and on_train_batch_end.")
        self.functions = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                          "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        if on_train_batch_end is not None:
            self._keras_on_train_batch_end, self.wants_batches = on_train_batch_end, True

    def _call(self, name: str, *args: Any) -> None:
        function = self.functions[name]
        if function is not None:
            function(*args)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        super().on_train_begin()
        self._call("on_train_begin", logs or {})

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._call("on_train_end", logs or {})

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_begin", epoch, logs or {})

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._call("on_epoch_end", epoch, logs)


class ProgbarLogger(Callback):
    """What Keras prints while fitting: "Epoch i/n" (when there are several epochs), then
    the epoch's line, with a full bar for ``verbose=1`` and without it for ``verbose=2``
    (keras/src/callbacks/progbar_logger.py prints the epoch's number for both)."""

    BAR = "\u2501" * 20

    def __init__(self, verbose: int = 1):
        self.verbose = verbose

    def on_train_begin(self, logs: Logs | None = None) -> None:
        super().on_train_begin()
        assert self.params is not None  # fit sets them before any hook
        self.epochs, self.steps = self.params["epochs"], self.params["steps"]

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self.started = time.perf_counter()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        assert logs is not None  # _with_logs gives {} when the engine gives none
        print(progress_line(self.steps, time.perf_counter() - self.started, logs,
                            bar=self.verbose == 1))
        sys.stdout.flush()


def progress_line(steps: int, seconds: float, logs: Logs, bar: bool = True) -> str:
    """Keras' final progress-bar line for an epoch (or evaluate, predict), as
    keras/src/utils/progbar.py writes it for verbose=1 (``bar``) and verbose=2."""
    per_step = seconds / max(steps, 1)
    values = "".join(f" - {k}: {_number(v, bar)}" for k, v in (logs or {}).items())
    if bar:
        return f"{steps}/{steps} {ProgbarLogger.BAR} {seconds:.0f}s{_per_step(per_step)}" + values
    return f"{steps}/{steps} - {seconds:.0f}s -{_per_step(per_step)}" + values


def _per_step(seconds: float) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/step"
    return f" {seconds * 1e6:.0f}us/step"


def _number(value: float, bar: bool) -> str:
    """Keras' number: 4 decimals, or an exponent at or below 1e-3 (verbose=2 compares the
    value itself, verbose=1 its size)."""
    return f"{value:.4f}" if (abs(value) if bar else value) > 1e-3 else f"{value:.4e}"


__getattr__ = missing_names("keras.callbacks", {
    "TensorBoard": "plot the history instead: mlplab.viz.plot_history(history)",
    "BackupAndRestore": "use ModelCheckpoint and fit(initial_epoch=...)",
    "RemoteMonitor": "use a Callback of your own", "SwapEMAWeights": "weights are not averaged",
    "OrbaxCheckpoint": "use ModelCheckpoint"}, [
    "Callback", "History", "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau",
    "LearningRateScheduler", "TerminateOnNaN", "CSVLogger", "LambdaCallback", "ProgbarLogger"])
