"""``keras.Sequential`` and ``keras.models.load_model``: an mlplab model with Keras' API.

:class:`Sequential` *is* an :class:`mlplab.engine.model.Sequential` (so ``mlplab.viz``,
``trace``, ``gradcheck``, studies and ``mlplab.load`` take it); it changes only what
Keras does differently:

- ``compile(optimizer="rmsprop", loss=None, metrics=None)``: Keras' order and defaults;
  metrics logged under the names given, ``"accuracy"`` chosen by the output's width.
- ``fit(x, y, batch_size=None, epochs=1, verbose="auto", ...)``: Keras' defaults (32 per
  batch, a line per epoch), ``validation_split`` taking the *last* rows as Keras does, logs
  sorted by name without mlplab's ``lr``; returns a Keras-style History. Sample and class
  weights are Keras': a batch's loss is ``sum(w_i * l_i) / batch_size`` (mlplab scales
  the weights to average 1), and ``class_weight`` with ``sample_weight`` is refused.
- ``evaluate`` returns the loss, or ``[loss, *metrics]``, or a dict with
  ``return_dict=True``, and prints Keras' line unless ``verbose=0``; ``predict`` prints
  it only when asked (``verbose=1``); ``summary()`` prints Keras' table.
- models are float32 (``keras.backend.floatx()``) and seeded by the session
  (``keras.utils.set_random_seed``); ``save`` wants a ``.keras`` (or ``.h5``) path.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, NoReturn, Self

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from mlplab._typing import FloatArray, PathLike, RandomState
from mlplab._validation import Integer, Options, check, short_repr
from mlplab.engine import fitting, io, saving
from mlplab.engine import layers as engine_layers
from mlplab.engine import metrics as engine_metrics
from mlplab.engine import model as engine_model
from mlplab.engine.callbacks import Callback, History
from mlplab.engine.layers import Input, Layer
from mlplab.engine.optimizers import Optimizer, OptimizerLike
from mlplab.errors import InvalidInputError, NotFittedError
from mlplab.keras import backend, losses, optimizers
from mlplab.keras import callbacks as callbacks_module
from mlplab.keras import layers as keras_layers
from mlplab.keras import metrics as metrics_module
from mlplab.keras._missing import FUNCTIONAL, TRAINING_LOOPS, missing_names, not_provided
from mlplab.keras._summary import summary_text

DEFAULT_BATCH = 32  # Keras' batch_size=None
STATE_NUMBERS = 2_000_000  # the most optimizer-state numbers save writes (as JSON text)
# The dialect's layer for each engine layer a saved file describes.
_KERAS_LAYERS: dict[type, type] = {engine_layers.Dense: keras_layers.Dense,
                                   engine_layers.Activation: keras_layers.Activation,
                                   engine_layers.Dropout: keras_layers.Dropout}


def _verbosity(verbose, owner):
    if verbose == "auto":
        return 1
    return check(int(verbose) if isinstance(verbose, bool) else verbose, "verbose",
                 Options((0, 1, 2)), owner=owner, example=f"{owner}(x, y, verbose=0)")


def _refuse(owner, **given):
    for name, (value, default, instead) in given.items():
        if value is not default and value != default:
            raise InvalidInputError(f"{owner}({name}={short_repr(value)}): mlplab.keras does "
                                    f"not provide {name}; {instead}.")


def _rows(array):
    """An array-like as something row-sliceable (sparse matrices stay sparse)."""
    return array if array is None or hasattr(array, "tocsr") else np.asarray(array)


class Sequential(engine_model.Sequential):
    """``keras.Sequential(layers=None, trainable=True, name=None)``."""

    def __init__(self, layers: Sequence[Layer | Input] | None = None, trainable: bool = True,
                 name: str | None = None, *, random_state: RandomState = None,
                 dtype: DTypeLike | None = None, _build: bool = True):
        if not trainable:
            raise not_provided("Sequential(trainable=False)", "every mlplab model trains")
        self.name = name or backend.unique_name("sequential")
        super().__init__(layers, dtype=dtype or backend.floatx(), _build=_build,
                         random_state=backend.draw_seed() if random_state is None
                         else random_state)

    # -- Keras' model attributes ---------------------------------------------------------
    @property
    def weights(self) -> list[FloatArray]:
        """Every parameter array itself, layer by layer (empty before the model is built)."""
        return self.parameters()

    trainable_weights = trainable_variables = variables = weights

    @property
    def non_trainable_weights(self) -> list[FloatArray]:
        return []  # every mlplab weight trains

    non_trainable_variables = non_trainable_weights

    def __getattr__(self, name: str) -> NoReturn:  # only for attributes not found
        if name in _LEFT_OUT_METHODS:
            raise not_provided(f"model.{name}", _LEFT_OUT_METHODS[name])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def compiled(self) -> bool:
        return self.optimizer is not None

    @property
    def metrics_names(self) -> list[str]:
        return ["loss", *(name for name, _ in self.metrics)]

    @property
    def input_shape(self) -> tuple[None, int | None]:
        return (None, self.input_dim)

    @property
    def output_shape(self) -> tuple[None, int]:
        return (None, self.output_units)

    @property
    def inputs(self) -> NoReturn:
        raise not_provided(f"{self.name}.inputs (symbolic tensors)", FUNCTIONAL)

    outputs = inputs

    def build(self, input_shape: int | tuple[int | None, ...] | list[int | None] | None = None
              ) -> Self:
        """Create the weights: Keras' ``build(input_shape=(None, n_features))`` (a width
        alone, as mlplab's ``build(n_features)``, works too)."""
        if isinstance(input_shape, (tuple, list)):
            if len(input_shape) != 2:
                raise InvalidInputError(f"build(input_shape={short_repr(input_shape)}): mlplab's "
                                        "models take flat rows; give (None, n_features).")
            input_shape = input_shape[1]
        return super().build(input_shape)

    def pop(self) -> Layer:
        """Remove the last layer and return it (the model is built again if it was)."""
        if not self.layers:
            raise InvalidInputError("pop(): the model has no layers to remove.")
        layer = self.layers.pop()
        if self.layers and self.built:
            self._gather_parameters()
        return layer

    def __call__(self, x: ArrayLike, training: bool = False) -> FloatArray:
        """The outputs for ``x`` as an array (Keras returns a tensor), built on first use."""
        x = self._check_X(x)
        if not self.built:
            self.build(x.shape[1])
        return self.forward(x, training)

    # -- compile, fit, evaluate, predict --------------------------------------------------
    def compile(self, optimizer: OptimizerLike = "rmsprop", loss: Any = None,  # type: ignore[override]
                loss_weights: object = None, metrics: Sequence[Any] | None = None,
                weighted_metrics: object = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: object = "auto",
                auto_scale_loss: bool = True) -> None:
        """Keras' ``compile``: optimizer first, RMSprop by default, no default loss."""
        _refuse("compile", loss_weights=(loss_weights, None, "a Sequential has one output"),
                weighted_metrics=(weighted_metrics, None, "metrics are unweighted"),
                steps_per_execution=(steps_per_execution, 1, "the compiled runner already "
                                     "runs whole epochs in one call"))
        if isinstance(metrics, (dict, tuple)) or any(isinstance(m, (list, tuple, dict))
                                                     for m in (metrics or [])):
            raise not_provided("per-output metrics", "a Sequential has one output: give a "
                               "flat list such as metrics=['accuracy']")
        given = losses.get(loss) if loss is not None else None
        last = getattr(self.layers[-1], "activation", None) if self.layers else None
        if (given is not None and last is not None and last.name == "linear"
                and given.output_activations and "linear" not in given.output_activations):
            kind = {"binary_crossentropy": "BinaryCrossentropy"}.get(given.name,
                                                                      "CategoricalCrossentropy")
            raise InvalidInputError(
                f"compile(loss={loss!r}): the last layer has no activation, so its outputs "
                f"are logits. Give it activation='sigmoid' (or 'softmax'), or compile with "
                f"loss=keras.losses.{kind}(from_logits=True).")
        super().compile(loss=given, optimizer=optimizers.get(optimizer))
        self.metrics = [metrics_module.resolve(m, self.output_units) for m in (metrics or [])]
        self.loss = given  # None: fit and evaluate ask for one, as Keras does
        return None

    def fit(self, x: ArrayLike | None = None, y: ArrayLike | None = None,  # type: ignore[override]
            batch_size: int | None = None, epochs: int = 1, verbose: int | Literal["auto"] = "auto",
            callbacks: Callback | Sequence[Callback] | None = None, validation_split: float = 0.0,
            validation_data: tuple[ArrayLike, ...] | None = None, shuffle: bool = True,
            class_weight: Mapping[Any, float] | None = None, sample_weight: ArrayLike | None = None,
            initial_epoch: int = 0, steps_per_epoch: None = None, validation_steps: None = None,
            validation_batch_size: int | None = None, validation_freq: int = 1) -> History:
        """Keras' ``fit``; returns a History (``.history``, ``.epoch``, ``.params``)."""
        _refuse("fit", steps_per_epoch=(steps_per_epoch, None, "every epoch is one pass "
                                        "over x"),
                validation_steps=(validation_steps, None, "validation uses every row"))
        self._require_loss("fit")
        if class_weight is not None and sample_weight is not None:
            raise InvalidInputError("fit(class_weight=..., sample_weight=...): as in Keras, "
                                    "give one of them; fold the class weights into "
                                    "sample_weight to use both.")
        if x is None or y is None:
            raise InvalidInputError("fit(x, y): mlplab trains on arrays, so it needs both the "
                                    "inputs x and the targets y (datasets and generators are "
                                    "not provided).")
        verbose = _verbosity(verbose, "fit")
        x, y, sample_weight, validation_data = _held_out(
            _rows(x), _rows(y), _rows(sample_weight), validation_split, validation_data)
        given = _callback_list(callbacks)  # a History among them records the fit, as Keras
        listening = given + ([] if any(isinstance(c, callbacks_module.History) for c in given)
                             else [callbacks_module.History()])
        if verbose:
            listening.append(callbacks_module.ProgbarLogger(verbose))
        self._keras_verbose, self._validation_freq = verbose, _validation_epochs(validation_freq)
        self._keras_batches = (batch_size or DEFAULT_BATCH, x.shape[0])  # for batch logs
        if initial_epoch >= epochs:  # Keras trains no epoch and returns an empty History
            return self._no_epochs(listening, epochs, x.shape[0], batch_size)
        super().fit(x, y, epochs=epochs, batch_size=batch_size or DEFAULT_BATCH,
                    validation_data=validation_data, shuffle=shuffle, callbacks=listening,
                    sample_weight=sample_weight, class_weight=class_weight,
                    initial_epoch=initial_epoch)
        assert self.history is not None  # the fit made it
        return self.history

    def _no_epochs(self, listening, epochs, n_rows, batch_size):
        self.history = next(c for c in listening if isinstance(c, callbacks_module.History))
        self.history.set_model(self)
        self.history.set_params(self._callback_params(
            self._keras_verbose, epochs, -(-n_rows // (batch_size or DEFAULT_BATCH))))
        self.history.on_train_begin()
        return self.history

    def _callback_params(self, verbose, epochs, steps) -> dict:
        return {"verbose": getattr(self, "_keras_verbose", verbose), "epochs": epochs,
                "steps": steps}

    _validation_freq = 1  # what fit's validation_freq sets

    def _epoch_logs(self, epoch, loss, outputs, Y, validation) -> dict:
        """Keras' logs: sorted by name, floats, no ``lr`` (the rate callbacks add
        ``learning_rate``, as in Keras), validation only on ``validation_freq``'s epochs."""
        if not _validates(self._validation_freq, epoch):
            validation = None
        logs = super()._epoch_logs(epoch, loss, outputs, Y, validation)
        return {key: float(logs[key]) for key in sorted(logs) if key != "lr"}

    def evaluate(self, x: ArrayLike | None = None, y: ArrayLike | None = None,  # type: ignore[override]
                 batch_size: int | None = None, verbose: int | Literal["auto"] = "auto",
                 sample_weight: ArrayLike | None = None, steps: None = None,
                 callbacks: Callback | Sequence[Callback] | None = None,
                 return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """The loss alone, ``[loss, *metrics]`` (in compile's order), or with
        ``return_dict=True`` a dict, as Keras returns them."""
        _refuse("evaluate", steps=(steps, None, "evaluate uses every row"),
                callbacks=(callbacks, None, "evaluate calls no callbacks"))
        self._require_loss("evaluate")
        verbose = _verbosity(verbose, "evaluate")
        started = time.perf_counter()
        scores = {k: float(v) for k, v in
                  super().evaluate(x, y, sample_weight).items()}  # type: ignore[arg-type]
        if verbose:
            self._print_line(_rows(x).shape[0], batch_size, started,
                             dict(sorted(scores.items())), verbose)
        if return_dict:
            return scores
        values = list(scores.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: ArrayLike, batch_size: int | None = None,
                verbose: int | Literal["auto"] = "auto", steps: None = None,
                callbacks: Callback | Sequence[Callback] | None = None) -> FloatArray:
        """The outputs, shape (n_samples, n_outputs), in the model's float type.

        Keras prints a progress line by default; here ``verbose="auto"`` is quiet (only
        ``verbose=1`` or ``2`` print it), because mlplab's pictures call ``predict`` on
        the model, hundreds of times for an animation.
        """
        _refuse("predict", steps=(steps, None, "predict uses every row"),
                callbacks=(callbacks, None, "predict calls no callbacks"))
        verbose = 0 if verbose == "auto" else _verbosity(verbose, "predict")
        started = time.perf_counter()
        outputs = super().predict(x)
        if verbose:
            self._print_line(len(outputs), batch_size, started, {}, verbose)
        return outputs

    def _print_line(self, n_rows, batch_size, started, logs, verbose):
        steps = -(-n_rows // (batch_size or DEFAULT_BATCH))
        print(callbacks_module.progress_line(steps, time.perf_counter() - started, logs,
                                             bar=verbose == 1))

    def _prepare(self, X, y, sample_weight, class_weight=None, names=("X", "y")):
        """The engine's preparation with the weights as given: Keras' loss of a batch is
        ``sum(w_i * l_i) / batch_size`` (mlplab's scales the weights to average 1)."""
        return fitting.prepare(self, X, y, sample_weight, class_weight, names,
                               scale_weights=False)

    def _require_loss(self, owner):
        if self.optimizer is None:
            raise NotFittedError(f"{owner}(): call model.compile(optimizer=..., loss=...) first.")
        if self.loss is None:
            raise InvalidInputError(f"{owner}(): the model was compiled without a loss; "
                                    "give one, e.g. model.compile(optimizer='adam', "
                                    "loss='binary_crossentropy').")

    # -- description and files -----------------------------------------------------------
    def summary(self, line_length: int | None = None, positions: Sequence[float] | None = None,  # type: ignore[override]
                print_fn: Callable[..., object] | None = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: object = None) -> None:
        """Print Keras' table: layer (type), output shape, param #, then the totals."""
        _refuse("summary", show_trainable=(show_trainable, False, "every layer trains"),
                layer_range=(layer_range, None, "the summary shows every layer"))
        self._build_if_declared()
        text = summary_text(self, line_length, positions)
        (print_fn or (lambda line: print(line, end="")))(text)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """The engine's model of ``config`` (a saved file's), its Dense, Activation and
        Dropout layers given Keras' methods (``weights``, ``count_params``, calling a
        layer on an array), as the layers of a model built here have."""
        model = super().from_config(config)
        for layer in model.layers:
            keras_class = _KERAS_LAYERS.get(type(layer))
            if keras_class is not None:  # the same layer; its class adds only methods
                layer.__class__ = keras_class
        return model

    def get_config(self) -> dict[str, Any]:
        """The engine's config, each metric kept with its name and arguments
        (``"binary_accuracy(name='bacc', threshold=0.7)"``, :func:`engine_metrics.describe`),
        so that both loaders compile the model back with the metrics it had."""
        config = super().get_config()
        if config["compile"] is not None:
            config["compile"]["metrics"] = [engine_metrics.describe(name, function)
                                            for name, function in self.metrics]
        return config

    def save(self, filepath: PathLike, overwrite: bool = True, zipped: bool | None = None,  # type: ignore[override]
             **kwargs: object) -> None:
        """Write the model (mlplab's format) to a path ending in ``.keras`` or ``.h5``,
        with its optimizer's state, as Keras' files hold it (so that training resumes
        where it was after ``load_model``)."""
        self._writable(filepath, (".keras", ".h5"), "save", overwrite)
        self._require_built()
        io.save_archive(filepath, self._config_with_state(), self.parameters())

    def _config_with_state(self) -> dict[str, Any]:
        """:meth:`get_config` with the optimizer's state in its settings (what
        ``saving.read_model`` takes back), unless the optimizer has not stepped on this
        model's parameters or its state is too large for the file's JSON header (then a
        warning says so)."""
        config = self.get_config()
        optimizer = self.optimizer
        parameters = self.parameters()
        if config["compile"] is None or not isinstance(optimizer, Optimizer) \
                or not optimizer.iterations or any(  # a state of other arrays than these
                    index >= len(parameters) or array.shape != parameters[index].shape
                    for (index, _), array in optimizer.state.items()):
            return config
        size = sum(array.size for array in optimizer.state.values())
        if size > STATE_NUMBERS:
            warnings.warn(f"save: the optimizer's state has {size} numbers, more than the "
                          f"{STATE_NUMBERS} a file keeps; training resumed after load_model "
                          "starts the optimizer afresh.", stacklevel=3)
            return config
        config["compile"]["optimizer"]["state"] = optimizer.state_config()
        return config

    def save_weights(self, filepath: PathLike, overwrite: bool = True,
                     max_shard_size: object = None) -> None:
        """Write the weights to a path ending in ``.weights.h5`` (mlplab's format: the
        whole model; ``load_weights`` takes its weights back)."""
        self._writable(filepath, (".weights.h5",), "save_weights", overwrite)
        super().save(filepath)

    def load_weights(self, filepath: PathLike, skip_mismatch: bool = False,
                     **kwargs: object) -> None:
        """Set the weights from a file written by ``save_weights`` or ``save``."""
        self.set_weights(saving.load_model(filepath).get_weights())

    @staticmethod
    def _writable(filepath, suffixes, owner, overwrite):
        path = os.fspath(filepath)
        if not path.endswith(suffixes):
            raise InvalidInputError(f"{owner}({path!r}): as in Keras 3, the path must end in "
                                    f"{' or '.join(suffixes)}.")
        if not overwrite and os.path.exists(path):
            raise InvalidInputError(f"{owner}({path!r}, overwrite=False): the file exists.")

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, built={self.built}>"


# Keras model methods mlplab leaves out, and what to call instead.
_LEFT_OUT_METHODS = {
    "train_on_batch": "call model.fit(x_batch, y_batch, batch_size=len(x_batch), epochs=1, "
                      "verbose=0)",
    "test_on_batch": "call model.evaluate(x_batch, y_batch, verbose=0)",
    "predict_on_batch": "call model.predict(x_batch)",
    **{name: "pass NumPy arrays to fit, evaluate and predict"
       for name in ("fit_generator", "evaluate_generator", "predict_generator")},
    **{name: "save the model with model.save('model.keras') (mlplab's format)"
       for name in ("to_json", "to_yaml", "export")},
    **{name: TRAINING_LOOPS for name in ("compute_loss", "compute_metrics",
                                         "make_train_function")},
}


def _held_out(x, y, sample_weight, validation_split, validation_data):
    """``(x, y, sample_weight, validation_data)`` as Keras splits them: with
    ``validation_split`` the last rows, before any shuffling, validate."""
    if validation_data is None and validation_split:
        split = int(np.floor(x.shape[0] * (1.0 - validation_split)))
        if split in (0, x.shape[0]):
            raise InvalidInputError(f"fit(validation_split={validation_split}): of "
                                    f"{x.shape[0]} rows that leaves no training or no "
                                    "validation rows.")
        validation_data = (x[split:], y[split:])
        x, y = x[:split], y[:split]
        sample_weight = None if sample_weight is None else sample_weight[:split]
    if isinstance(validation_data, (list, tuple)) and len(validation_data) == 3:
        if validation_data[2] is not None:
            raise InvalidInputError("fit(validation_data=(x, y, sample_weight)): mlplab "
                                    "weighs validation rows equally; give (x_val, y_val).")
        validation_data = validation_data[:2]
    return x, y, sample_weight, validation_data


def _validation_epochs(validation_freq):
    """Keras' ``validation_freq`` checked: an int n (validate after every n-th epoch) or
    the epochs to validate after, counted from 1 (a frozenset)."""
    if isinstance(validation_freq, (list, tuple, set, frozenset)):
        return frozenset(validation_freq)
    return check(validation_freq, "validation_freq", Integer(1), owner="fit",
                 example="fit(x, y, validation_freq=2)")


def _validates(validation_freq, epoch) -> bool:
    """Keras' ``_should_eval``: whether 0-based ``epoch`` is validated."""
    if isinstance(validation_freq, frozenset):
        return epoch + 1 in validation_freq
    return (epoch + 1) % validation_freq == 0


def load_model(filepath: PathLike, custom_objects: Mapping[str, Any] | None = None,  # noqa: A002
               compile: bool = True, safe_mode: bool = True) -> Sequential:
    """Read a model that ``Sequential.save`` (or mlplab's own ``save``) wrote, as an
    ``mlplab.keras`` Sequential, compiled as it was saved (its metrics under their names,
    with their arguments). ``custom_objects`` gives back, by name, the metric functions
    of one's own it was compiled with, as in Keras; ``compile=False`` leaves it
    uncompiled."""
    custom = dict(custom_objects or {})
    for name, value in custom.items():
        if not callable(value) or isinstance(value, type):
            raise not_provided(f"load_model(custom_objects={{{name!r}: {short_repr(value)}}})",
                               "mlplab models hold only mlplab's own layers and losses; "
                               "custom_objects gives back metric functions fn(y_true, y_pred)")
    return saving.read_model(filepath, Sequential, compile=compile, custom_metrics=custom)


def clone_model(model: engine_model.Sequential) -> Sequential:
    """The same architecture with fresh weights (drawn from the session's seed)."""
    return Sequential.from_config({**model.get_config(), "random_state": None})


def _callback_list(given):
    if given is None:
        return []
    return list(given) if isinstance(given, (list, tuple)) else [given]


__getattr__ = missing_names("keras.models", {"Model": FUNCTIONAL, "Functional": FUNCTIONAL,
                                             "model_from_json": "use load_model"},
                            ["Sequential", "load_model", "clone_model"])
