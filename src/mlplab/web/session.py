"""One playground page's state: its data, its network, its training so far.

A :class:`Session` turns a :class:`~mlplab.web.config.PlaygroundConfig` into
data and an mlplab network, trains it a few epochs at a time and describes the
result as a *frame*: what the page draws (the output over the plane, the
thumbnails of the neurons on screen, the weights, losses and accuracies). Images
are one byte per grid point; :mod:`mlplab.web.frames` sends a frame as JSON (images
as base64 text: a 100x100 output is ~13 kB) or as one binary message.

Every method takes the session's lock: the websocket's play loop and the page's
HTTP requests may reach one session from different threads.

Every number in a frame is finite (or null): a network whose loss diverges is put
back to its weights before the diverging epochs and the session says so
(``diverged``) until it is reset, so a learning rate of 10 is a lesson, not an error.
"""

import secrets
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np

import mlplab
from mlplab._typing import FloatArray, Model, NDArray
from mlplab.data.features import PlaygroundFeatures
from mlplab.engine.activations import sigmoid
from mlplab.engine.callbacks import Callback, Logs
from mlplab.errors import InvalidInputError
from mlplab.viz._grid import positive_score
from mlplab.web import frames, pictures
from mlplab.web.build import (
    build_model,
    check_plane,
    dense_layers,
    make_points,
    plane_grid,
    split_points,
)
from mlplab.web.config import MAX_CLASSES, MAX_WORK_SECONDS, PlaygroundConfig
from mlplab.web.hidden import check_layer, hidden_view
from mlplab.web.pictures import THUMBNAIL  # noqa: F401 - where it was

MAX_SNAPSHOTS = 120  # weights kept for the GIF export (thinned by half when full) ...
MAX_SNAPSHOT_BYTES = 4_000_000  # ... and their bytes: 12 of the largest network
BOUNDED = ("sigmoid", "tanh")  # activations that squash their output
# A frame (see the module docstring), a data message, a baseline: what the page reads.
PageMessage: TypeAlias = dict[str, Any]
Upload: TypeAlias = tuple[FloatArray, NDArray[Any], str]  # (X, y, task) of an uploaded CSV


class Session:
    """The data, network and training state behind one browser tab."""

    # The data, as _make_data sets it (all at once, on a rebuild):
    class_names: list[str]  # the classes as the user wrote them; [] for a regression
    n_classes: int  # 0 for a regression
    X_train: FloatArray  # (n_train, 2) points of the plane
    y_train: NDArray[Any]  # (n_train,) class indices, or regression targets
    X_test: FloatArray
    y_test: NDArray[Any]
    features: PlaygroundFeatures  # fitted to the points: the network's inputs
    F_train: FloatArray  # (n_train, n_features) the features of X_train
    F_test: FloatArray | None  # None without a test part
    bounds: list[float]  # x1_min, x1_max, x2_min, x2_max of the picture
    y_range: list[float]  # a regression's target range; [0, 1] for classes

    def __init__(self, config: PlaygroundConfig | None = None) -> None:
        self.id = secrets.token_urlsafe(12)
        self.lock = threading.RLock()
        self.last_seen = time.monotonic()
        self.connections = 0
        self.playing = False
        self.upload: Upload | None = None
        self.version = 0  # counts rebuilds, so a page can drop frames of an old network
        self.work_seconds = MAX_WORK_SECONDS  # one advance trains at most this long
        self.config = config or PlaygroundConfig()
        # The layer of the page's hidden-space view, if it is on.
        self.hidden_layer: int | None = None
        # The page's thumbnail ranges (None: pictures.default_visible).
        self.visible: list[list[int] | None] | None = None
        self._build()

    # -- building ------------------------------------------------------------------------
    def configure(self, config: PlaygroundConfig) -> bool:
        """Take a new setup: rebuild data and network if needed, else adjust training."""
        with self.lock:
            rebuild = config.rebuild_needed(self.config)
            old = self.config
            self.config = config
            try:
                if rebuild:
                    self._build()
                else:
                    self._adjust(old)
            except Exception:
                self.config = old
                raise
            return rebuild

    def set_upload(self, X: FloatArray, y: NDArray[Any], task: str) -> None:
        """Keep an uploaded data set; the page then chooses dataset 'upload'."""
        with self.lock:
            self.upload = (X, y, task)

    def reset(self) -> None:
        """New initial weights from the seed; the data stays."""
        with self.lock:
            self._build(data_too=False)

    def _build(self, data_too: bool = True) -> None:
        """New data (if asked) and a new network; nothing changes unless both succeed."""
        config = self.config
        data = self._make_data(config) if data_too else {"n_classes": self.n_classes}
        model = build_model(config, len(config.features), data["n_classes"])
        self.__dict__.update(data)
        self.model = model
        self.epoch = 0
        self.snapshots: list[tuple[int, list[FloatArray]]] = []  # (epoch, weights)
        self.edited = False  # weights changed by hand: the exported script cannot replay them
        self.changed_midway = False  # learning rate or batch size changed after epoch 0
        self.stopped: str | None = None
        self.diverged: str | None = None  # why the loss diverged; no training until reset
        self.playing = False
        self.version += 1
        self._baseline: PageMessage | None = None
        # resolution -> the grid's features (the data may have changed)
        self._grids: dict[int, NDArray[np.float32]] = {}
        if self.hidden_layer is not None:  # a layer the new network still has, or off
            self.hidden_layer = min(self.hidden_layer, len(dense_layers(model)))
        self._remember()

    def set_hidden_layer(self, layer: object) -> PageMessage:
        """Show layer ``layer`` (1-based; the last is the output) in every frame's
        ``hidden``, or nothing (None); return the frame."""
        with self.lock:
            self.hidden_layer = check_layer(layer, len(dense_layers(self.model)))
            return self.frame()

    def set_visible(self, units: object) -> None:
        """Send thumbnails of these neurons only (see :func:`pictures.check_visible`)."""
        with self.lock:
            self.visible = pictures.check_visible(units, self._layer_sizes())

    def _layer_sizes(self) -> list[int]:
        return pictures.layer_sizes(self.model, len(self.config.features))

    def _adjust(self, old: PlaygroundConfig) -> None:
        if self.epoch and (self.config.learning_rate, self.config.batch_size) != (
                old.learning_rate, old.batch_size):
            self.changed_midway = True
        optimizer = self.model.optimizer
        assert optimizer is not None  # build_model compiled the network
        optimizer.learning_rate = self.config.learning_rate
        if self.config.baseline != old.baseline:
            self._baseline = None
        if (self.config.stop_epochs, self.config.stop_loss) != (old.stop_epochs, old.stop_loss):
            self.stopped = None

    def _make_data(self, config: PlaygroundConfig) -> dict[str, Any]:
        """The data of ``config`` as the attributes to set (nothing is set here)."""
        X, y = make_points(config, self.upload)
        classification = config.problem != "regression"
        check_plane(X, y if not classification else None)
        if classification:
            classes, y = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise InvalidInputError("the data has one class only; add points of another "
                                        "class or choose another dataset.")
            if config.problem == "binary" and len(classes) > 2:
                raise InvalidInputError(
                    f"the data has {len(classes)} classes; choose problem 'multiclass' "
                    "(or 2 classes) for a binary network.")
            if len(classes) > MAX_CLASSES:
                raise InvalidInputError(f"the data has {len(classes)} classes; the playground "
                                        f"draws at most {MAX_CLASSES}.")
            class_names = [label_text(c) for c in classes]
        else:
            class_names = []
            y = y.astype(np.float64)
        X_train, y_train, X_test, y_test = split_points(X, y, config.test_ratio, config.seed,
                                                        stratify=classification)
        features = PlaygroundFeatures(config.features).fit(X)
        low, high = X.min(axis=0), X.max(axis=0)
        pad = np.maximum((high - low) * 0.08, 0.1)
        if config.dataset == "custom":
            # Points drawn on the plane: room around them to draw more, and at least the
            # plane they were drawn on (-1..1), so a click does not shrink it onto the points.
            pad = np.maximum((high - low) * 0.25, 0.5)
            low, high = np.minimum(low - pad, -1.0) + pad, np.maximum(high + pad, 1.0) - pad
        return {
            "class_names": class_names, "n_classes": len(class_names),
            "X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test,
            "features": features, "F_train": features.transform(X_train),
            "F_test": features.transform(X_test) if len(X_test) else None,
            "bounds": [float(low[0] - pad[0]), float(high[0] + pad[0]),
                       float(low[1] - pad[1]), float(high[1] + pad[1])],
            "y_range": [float(y.min()), float(y.max())] if not classification else [0.0, 1.0],
        }

    # -- training ------------------------------------------------------------------------
    def advance(self, epochs: int | None = None, stop: Callable[[], bool] | None = None,
                raw: bool = False, thumbnails: bool = True) -> PageMessage:
        """Train ``epochs`` (default: the page's epochs per frame); return the new frame
        (``raw``: as :meth:`frame` gives it with ``raw=True``).

        Training ends early, and the frame says why, at the stop rule, when the loss
        diverges (``diverged``: the weights go back to before this call and the session
        trains no more until reset) and after ``work_seconds`` (``interrupted``).
        ``stop``, a function, is asked after every epoch whether to end quietly (the
        page has gone, or paused).
        """
        with self.lock:
            config = self.config
            asked = config.epochs_per_frame if epochs is None else epochs
            epochs = asked if config.stop_epochs is None else min(
                asked, config.stop_epochs - self.epoch)
            if self.diverged or epochs <= 0:
                if not self.diverged:
                    self.stopped = f"reached {config.stop_epochs} epochs"
                self.playing = False
                return self.frame(raw, thumbnails)
            before = self.model.get_weights()
            limit = TrainingLimit(self.work_seconds, stop)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # divergence is reported in the frame
                history = self.model.fit(self.F_train, self.y_train, epochs=epochs,
                                         batch_size=min(config.batch_size, len(self.F_train)),
                                         verbose=0, callbacks=[limit])
            ran = len(history.epoch)
            self.epoch += ran
            frame = self.frame(raw=True, thumbnails=thumbnails)
            if history.stop_reason or frame["train_loss"] is None:
                self.model.set_weights(before)
                self.epoch -= ran
                self._diverge(self.epoch + ran)
                return self.frame(raw, thumbnails)
            if config.stop_epochs is not None and self.epoch >= config.stop_epochs:
                self.stopped = f"reached {config.stop_epochs} epochs"
            elif config.stop_loss is not None and frame["train_loss"] <= config.stop_loss:
                self.stopped = f"train loss reached {config.stop_loss:g}"
            if self.stopped:
                self.playing = False
                frame["stopped"] = self.stopped
            if limit.timed_out:
                frame["interrupted"] = (
                    f"trained {ran:,} of {asked:,} epochs: one request trains for at most "
                    f"{self.work_seconds:g} s; send another step to go on.")
            self._remember()
            return frame if raw else frames.to_json(frame)

    def busy(self) -> bool:
        """True while another thread works on this session (a request is training)."""
        if self.lock.acquire(blocking=False):
            self.lock.release()
            return False
        return True

    def _diverge(self, epoch: int) -> None:
        """Say why the loss diverged during ``epoch``; the weights are already back."""
        config = self.config
        causes = [f"the learning rate {config.learning_rate:g} is too large for this network "
                  f"(try {config.learning_rate / 10:g})"]
        if config.batch_size == 1:
            causes.append("batch size 1 makes every step follow a single point")
        unbounded = sorted({layer.activation for layer in config.layers
                            if layer.activation not in BOUNDED})
        if unbounded:
            causes.append(f"{' and '.join(unbounded)} layers do not squash their outputs, so "
                          "large values grow from layer to layer")
        self.diverged = (
            f"The loss diverged during epoch {epoch}: it became NaN (not a number). Each step "
            "moves every weight by the learning rate times its gradient; when the steps are "
            "too big the loss overshoots, and it and the weights grow step after step until "
            "they overflow to infinity, where infinity minus infinity is NaN. Likely causes "
            f"here: {'; '.join(causes)}. The picture shows the network before it diverged; "
            "lower the learning rate and press Reset to start again.")
        self.stopped = "the loss diverged: lower the learning rate and reset"
        self.playing = False

    def set_weight(self, layer: int, source: int, target: int, value: float) -> PageMessage:
        """Set one weight by hand (``source`` = -1 sets the bias of ``target``)."""
        with self.lock:
            dense = dense_layers(self.model)
            if not 0 <= layer < len(dense):
                raise InvalidInputError(f"layer {layer} does not exist; the network has "
                                        f"{len(dense)} weight layers (0..{len(dense) - 1}).")
            kernel = dense[layer].kernel
            if not 0 <= target < kernel.shape[1] or not -1 <= source < kernel.shape[0]:
                raise InvalidInputError(
                    f"layer {layer} connects {kernel.shape[0]} inputs to {kernel.shape[1]} "
                    f"neurons; got source {source}, target {target} (source -1 is the bias).")
            if source == -1:
                dense[layer].bias[target] = value
            else:
                kernel[source, target] = value
            self.edited = True
            return self.frame()

    # -- describing ----------------------------------------------------------------------
    def frame(self, raw: bool = False, thumbnails: bool = True) -> PageMessage:
        """The page's picture of the network now (see the module docstring): the JSON
        frame, or (``raw``) the same with NumPy arrays for :mod:`mlplab.web.frames`.
        Without ``thumbnails``, ``neurons`` is None (the page keeps the last ones)."""
        with self.lock, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            train = self.model.evaluate(self.F_train, self.y_train)
            test = (self.model.evaluate(self.F_test, self.y_test)
                    if self.F_test is not None else None)
            metric = "accuracy" if self.n_classes else "r2"
            frame: PageMessage = {
                "type": "frame", "version": self.version, "epoch": self.epoch,
                "train_loss": _number(train["loss"]),
                "test_loss": _number(test["loss"]) if test else None,
                "metric": metric, "train_metric": _number(train[metric]),
                "test_metric": _number(test[metric]) if test else None,
                "output": self._picture(),
                "neurons": self.neurons() if thumbnails else None,
                "weights": [{"kernel": layer.kernel.copy(), "bias": layer.bias.copy()}
                            for layer in dense_layers(self.model)],
                "playing": self.playing, "stopped": self.stopped, "diverged": self.diverged,
            }
            if self.n_classes:
                frame["confusion"] = self._confusion()
            if self.hidden_layer is not None:
                frame["hidden"] = hidden_view(self.model, self.X_train, self.features,
                                              self.hidden_layer)
            self.last_seen = time.monotonic()  # someone is looking (after a wait, maybe)
            return frame if raw else frames.to_json(frame)

    def neurons(self) -> PageMessage:
        """The frame's ``neurons``: thumbnails of the neurons the page shows."""
        with self.lock:
            return pictures.thumbnails(self.model, self._plane_features(THUMBNAIL),
                                       self._visible())

    def _plane_features(self, resolution: int) -> NDArray[np.float32]:
        """The features of a ``resolution`` grid over the plane, kept until a rebuild."""
        if resolution not in self._grids:
            points = self.features.transform(plane_grid(self.bounds, resolution))
            self._grids[resolution] = points.astype(np.float32)
        return self._grids[resolution]

    def _visible(self) -> list[list[int] | None]:
        sizes = self._layer_sizes()
        if self.visible is None:
            return pictures.default_visible(sizes)
        return pictures.check_visible(self.visible, sizes)  # clamped to a rebuilt net

    def _picture(self) -> PageMessage:
        """The network's output over the plane, in bytes (see :mod:`pictures`)."""
        points = self._plane_features(self.config.resolution)
        kind, outputs = pictures.picture_outputs(self.model, points, self.config.problem)
        return {"size": self.config.resolution,
                **pictures.output_bytes(kind, outputs, self.y_range)}

    def describe_data(self) -> PageMessage:
        """The points and everything about them the page needs to draw them."""
        with self.lock:
            config = self.config
            message: PageMessage = {
                "type": "data", "version": self.version, "bounds": self.bounds,
                "problem": config.problem, "classes": self.class_names,
                "y_range": self.y_range,
                "train": _points(self.X_train, self.y_train),
                "test": _points(self.X_test, self.y_test),
                "layers": [len(config.features)] + [layer.units for layer in config.layers]
                + [dense_layers(self.model)[-1].units],
                "features": config.features,
                "activations": [layer.activation for layer in config.layers],
            }
            if config.baseline != "none":
                message["baseline"] = self.baseline()
            return message

    def baseline(self) -> PageMessage:
        """The baseline's picture and scores on the same data (computed once per setup)."""
        with self.lock:
            if self._baseline is None:
                self._baseline = self._fit_baseline()
            return self._baseline

    def _fit_baseline(self) -> PageMessage:
        from sklearn.linear_model import LinearRegression
        from sklearn.svm import SVR

        name = self.config.baseline
        if self.n_classes:
            model = mlplab.make_model(name, random_state=self.config.seed)
        else:
            model = LinearRegression() if name == "logistic_regression" else SVR(kernel="rbf")
        model.fit(self.F_train, self.y_train)
        result: PageMessage = {
            "name": name, "output": self._output_image(model, self.config.resolution),
            "train_score": float(model.score(self.F_train, self.y_train)),
            "metric": "accuracy" if self.n_classes else "r2"}
        if self.F_test is not None:
            result["test_score"] = float(model.score(self.F_test, self.y_test))
        return result

    def _output_image(self, model: Model, resolution: int) -> PageMessage:
        points = self.features.transform(plane_grid(self.bounds, resolution))
        kind, outputs = net_outputs(model, points, self.config.problem, self.n_classes)
        return {"size": resolution, **output_image(kind, outputs, self.y_range)}

    def _confusion(self) -> list[list[int]]:
        """Counts of (true class, predicted class), rows true, on the test points (the
        training points without a test part): scikit-learn's confusion_matrix, ~50x
        cheaper (it checked its inputs for ~1 ms of every 3 ms frame)."""
        X, y = (self.F_test, self.y_test) if self.F_test is not None else (self.F_train,
                                                                          self.y_train)
        predicted = self.model.predict_classes(X).reshape(-1)
        n = self.n_classes
        return np.bincount(y * n + predicted, minlength=n * n).reshape(n, n).tolist()

    def _remember(self) -> None:
        """Keep a weight snapshot of this moment, for the GIF export."""
        weights = self.model.get_weights()
        self.snapshots.append((self.epoch, weights))
        size = sum(w.nbytes for w in weights)
        while len(self.snapshots) > max(2, min(MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES // size)):
            self.snapshots = self.snapshots[:-1:2] + self.snapshots[-1:]


class TrainingLimit(Callback):
    """Ends ``fit`` after an epoch once ``seconds`` have passed or ``stop()`` is true."""

    def __init__(self, seconds: float, stop: Callable[[], bool] | None = None) -> None:
        self.deadline = time.monotonic() + seconds
        self.stop = stop
        self.timed_out = False

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self.stop is not None and self.stop():
            self.model.stop_training = True
        elif time.monotonic() > self.deadline:
            self.model.stop_training = self.timed_out = True


# -- helpers -------------------------------------------------------------------------------
def _positive_probability(model: Model, points: FloatArray) -> FloatArray:
    """P(y=1); a decision function (an SVC's) squashed through the sigmoid."""
    values, is_probability = positive_score(model, points)
    return values if is_probability else sigmoid(values)


def _class_probabilities(model: Model, points: FloatArray, n_classes: int) -> FloatArray:
    if isinstance(model, mlplab.Sequential) and model.output_units == 1:
        p = model.predict_proba(points)[:, -1]
        return np.column_stack([1 - p, p])
    if hasattr(model, "predict_proba"):
        try:
            return np.asarray(model.predict_proba(points))
        except AttributeError:
            pass
    return np.eye(n_classes)[np.asarray(model.predict(points), dtype=np.int64)]


def net_outputs(model: Model, points: FloatArray, problem: str,
                n_classes: int) -> tuple[str, FloatArray]:
    """(kind, outputs): what ``model`` says at ``points``, as
    :func:`mlplab.viz.style.output_colors` takes it."""
    if problem == "regression":
        return "value", np.asarray(model.predict(points), dtype=np.float64).reshape(-1)
    if n_classes == 2 and problem == "binary":
        return "probability", _positive_probability(model, points)
    return "classes", _class_probabilities(model, points, n_classes)


def output_image(kind: str, outputs: FloatArray,
                 value_range: Sequence[float] | None = None) -> PageMessage:
    """:func:`mlplab.web.pictures.output_bytes` as a JSON frame carries it (base64)."""
    return frames.to_json(pictures.output_bytes(kind, outputs, value_range))


def label_text(label: object) -> str:
    """A class label as the user wrote it: 1.0 of a clicked point is "1"."""
    if isinstance(label, float | np.floating) and float(label).is_integer():
        return str(int(label))
    return str(label)


def _points(X: FloatArray, y: NDArray[Any]) -> list[list[float]]:
    return [[round(float(a), 4), round(float(b), 4), float(label)]
            for (a, b), label in zip(X, y, strict=True)]


def _number(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
