"""Training callbacks and the History that ``fit`` returns.

A callback is told when training starts and ends and when each epoch ends
(``logs`` holds the epoch's ``loss``, metrics and ``val_`` entries); one with
``wants_batches = True`` is also told after every optimisation step. Setting
``model.stop_training = True`` ends training after the current step.
"""

import math
import warnings

import numpy as np

from mlplab._validation import check_positive_int
from mlplab.errors import InvalidInputError, TrainingDivergedWarning


class Callback:
    """Base class; override the hooks you need."""

    wants_batches = False

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_batch_end(self, step, logs):
        pass

    def on_epoch_end(self, epoch, logs):
        pass

    def on_train_end(self, logs=None):
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
    """

    def __init__(self):
        self.history: dict = {}
        self.epoch: list = []
        self.stop_reason = None

    def on_epoch_end(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
        return f"History({len(self.epoch)} epochs: {last})"

    def _repr_html_(self):  # Jupyter: first, last and best value of each quantity
        from mlplab.engine.describe import html_table

        rows = []
        for key, values in self.history.items():
            best = max(values) if "acc" in key or "score" in key else min(values)
            rows.append((key, f"{values[0]:.4g}", f"{values[-1]:.4g}", f"{best:.4g}"))
        caption = f"{len(self.epoch)} epochs" + (f" ({self.stop_reason})"
                                                if self.stop_reason else "")
        return html_table(("quantity", "first", "last", "best"), rows, caption)


def _improved(mode, value, best, min_delta):
    if mode == "min":
        return value < best - min_delta
    return value > best + min_delta


def _resolve_mode(mode, monitor):
    if mode not in ("auto", "min", "max"):
        raise InvalidInputError(f"mode={mode!r}: use 'auto', 'min' or 'max'.")
    if mode != "auto":
        return mode
    return "max" if "acc" in monitor else "min"


def _monitored(logs, monitor, owner):
    if monitor not in logs:
        hint = (" Pass validation_data=(X_val, y_val) or validation_split=0.2 to fit, "
                f"or monitor={monitor[4:]!r}." if monitor.startswith("val_") else "")
        raise InvalidInputError(
            f"{owner}(monitor={monitor!r}): fit logs no {monitor!r}; it logs "
            f"{sorted(logs)}.{hint}"
        )
    return logs[monitor]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights=True`` the model ends with the weights of its
    best epoch rather than its last.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False):
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.mode = _resolve_mode(mode, monitor)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.best_weights = None
        self.wait = 0
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs):
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if _improved(self.mode, value, self.best, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            self.model.history.stop_reason = (
                f"early stopping at epoch {epoch}: {self.monitor} has not improved on "
                f"{self.best:.6g} (epoch {self.best_epoch}) for {self.wait} epochs"
            )

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop as soon as a step's loss is NaN or infinite, and say why it likely happened.

    ``fit`` adds one of these unless you pass your own.
    """

    wants_batches = True

    def on_batch_end(self, step, logs):
        loss = logs["loss"]
        if np.isfinite(loss):
            return
        message = (
            f"Training stopped: the loss became {loss} at epoch {logs['epoch']}, step {step}. "
            + self._likely_cause()
        )
        self.model.stop_training = True
        self.model.history.stop_reason = message
        warnings.warn(message, TrainingDivergedWarning, stacklevel=2)

    def _likely_cause(self):
        causes = []
        learning_rate = getattr(self.model.optimizer, "learning_rate", None)
        if learning_rate is not None:
            causes.append(
                f"the learning rate ({learning_rate:g}) is too large: try "
                f"learning_rate={learning_rate / 10:g}"
            )
        scale = getattr(self.model, "_input_scale", None)
        if scale is not None and scale > 10:
            causes.append(
                f"the inputs are not scaled (largest |x| is {scale:.3g}): standardize them "
                "with mlplab.data.standardize"
            )
        return ("Likely causes: " + "; or ".join(causes) + ".") if causes else ""


class ModelCheckpoint(Callback):
    """Save the model after each epoch (or only when ``monitor`` improves).

    ``path`` may contain ``{epoch}``, e.g. ``"ckpt-{epoch:03d}.npz"``. Files are
    written atomically by :meth:`Sequential.save`.
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto"):
        self.path = str(path)
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.mode = _resolve_mode(mode, monitor)
        self.saved: list = []

    def on_train_begin(self, logs=None):
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch, logs):
        if self.save_best_only:
            value = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not _improved(self.mode, value, self.best, 0.0):
                return
            self.best = value
        path = self.path.format(epoch=epoch)
        self.model.save(path)
        self.saved.append(path)


class WeightSnapshots(Callback):
    """Record a copy of every weight array every ``every`` epochs (or steps).

    The pictures module animates these. ``snapshots`` is a list of dicts with
    ``epoch``, ``step``, ``loss`` and ``weights`` (as from ``get_weights``); the
    initial weights are recorded first, with ``epoch = step = 0`` and the loss
    ``None``, and the last epoch is always recorded.
    """

    def __init__(self, every=1, unit="epoch"):
        self.every = check_positive_int(every, "every", "WeightSnapshots(every=10)")
        if unit not in ("epoch", "step"):
            raise InvalidInputError(f"WeightSnapshots(unit={unit!r}): use 'epoch' or 'step'.")
        self.unit = unit
        self.wants_batches = unit == "step"
        self.snapshots: list = []

    def _record(self, epoch, step, loss):
        self.snapshots.append(
            {"epoch": epoch, "step": step, "loss": loss, "weights": self.model.get_weights()}
        )

    def on_train_begin(self, logs=None):
        self.snapshots = []
        self._record(0, 0, None)

    def on_batch_end(self, step, logs):
        if step % self.every == 0:
            self._record(logs["epoch"] + 1, step, logs["loss"])

    def on_epoch_end(self, epoch, logs):
        self._last = (epoch + 1, self.model.steps, logs["loss"])
        if self.unit == "epoch" and (epoch + 1) % self.every == 0:
            self._record(*self._last)

    def on_train_end(self, logs=None):
        recorded = (self.snapshots[-1]["epoch"], self.snapshots[-1]["step"])
        if getattr(self, "_last", None) and recorded != self._last[:2]:
            self._record(*self._last)


class ProgressBar(Callback):
    """A rich progress bar over epochs showing the latest loss and metrics."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_train_begin(self, logs=None):
        self.progress = progress_bar("training", "epochs", status=True)
        self.task = self.progress.add_task("fit", total=self.epochs, status="")
        self.progress.start()

    def on_epoch_end(self, epoch, logs):
        status = "  ".join(f"{k} {v:.4f}" for k, v in logs.items())
        self.progress.update(self.task, advance=1, status=status)

    def on_train_end(self, logs=None):
        self.progress.stop()


def progress_bar(title, unit, status=False):
    """A rich Progress with a bar, done/total, elapsed time and an ETA (not started)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn(f"[bold]{title}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    if status:
        columns.append(TextColumn("{task.fields[status]}"))
    return Progress(*columns, console=_console())


def _console():
    """rich's console; in Jupyter without ipywidgets, one that prints the bar when done.

    rich animates a bar in a notebook through an ipywidgets output; without them it
    would only warn, so the bar is then printed once, finished, as plain output.
    """
    from rich.console import Console

    console = Console()
    if console.is_jupyter:
        try:
            import ipywidgets  # noqa: F401 - rich draws live bars with it
        except ImportError:
            return Console(force_jupyter=False)
    return console


def with_defaults(callbacks, history, verbose, epochs):
    """The callbacks ``fit`` runs: History first, a NaN guard unless given, a bar if asked."""
    callbacks = list(callbacks or [])
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise InvalidInputError(
                f"callbacks: {callback!r} is not an mlplab Callback; subclass "
                "mlplab.engine.callbacks.Callback."
            )
    if not any(isinstance(c, TerminateOnNaN) for c in callbacks):
        callbacks.append(TerminateOnNaN())
    if verbose == 1:
        callbacks.append(ProgressBar(epochs))
    return [history, *callbacks]
