"""``Sequential``: a stack of layers with a Keras-like compile / fit / predict API.

The whole training algorithm is in :meth:`Sequential.train_step`: forward
through every layer, the loss from the output logits, backward through every
layer, one optimizer step. :meth:`Sequential.fit` is one loop over epochs that a
runner trains (:mod:`mlplab.engine.runners`): NumPy's calls ``train_step`` per
batch; the compiled one (:mod:`mlplab.fast`) gives the same numbers, faster.
"""

from collections.abc import Callable, Sequence
from typing import Any, Literal, Self, cast

import numpy as np
from numpy.typing import NDArray

from mlplab._rng import as_generator
from mlplab._typing import ArrayLike, DTypeLike, FactorArray, FloatArray, PathLike, RandomState
from mlplab._validation import (
    Integer,
    check,
    check_dtype,
    check_X,
    input_bound,
    short_repr,
)
from mlplab.engine import activations, configs, fitting, flat, io, lbfgs, losses, optimizers
from mlplab.engine import callbacks as callbacks_module
from mlplab.engine.callbacks import Callback, History
from mlplab.engine.describe import summary_html, summary_text
from mlplab.engine.initializers import InitializerLike
from mlplab.engine.layers import Activation, Dense, Input, Layer
from mlplab.engine.metrics import get as get_metric
from mlplab.engine.runners import EpochOrders, choose_runner
from mlplab.engine.spec import (
    ModelSpec,
    check_chain,
    check_memory,
    find_layer,
    layers_from_spec,
    name_layer,
)
from mlplab.errors import InvalidInputError, InvalidTypeError, NotFittedError, SpecError

DTYPES = ("float64", "float32")


class Sequential:
    """A feed-forward network: layers applied one after another.

    Parameters
    ----------
    layers : list of Layer
        The layers, input side first, optionally after an :class:`Input`; the last
        is the output :class:`Dense` or an :class:`Activation` after it (the output
        activation, fused with the loss).
    random_state : None, int or numpy.random.Generator
        Seeds the initial weights and, unless ``fit`` is given its own, the
        shuffling, validation split and dropout masks. The same int gives
        bit-identical weights and history on the same machine.
    dtype : "float64" or "float32"
        Floating type of every parameter and computation.
    """

    def __init__(self, layers: Sequence[Layer | Input] | None = None, *,
                 random_state: RandomState = None, dtype: DTypeLike = "float64", _build=True):
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise InvalidTypeError(f"Sequential(layers={short_repr(layers)}): give a list of "
                                   "layers, e.g. Sequential([Dense(8, input_dim=2), Dense(1)]).")
        self.layers: list[Layer] = []
        self.declared_input: int | None = None  # the width an Input gave
        for layer in layers or []:
            self._take(layer, len(self.layers) + 1 + (self.declared_input is not None))
        self.dtype = check_dtype(dtype, "Sequential")
        as_generator(random_state)  # only checks it: a Generator is returned as it is, unused
        self.random_state = random_state
        self.loss: losses.Loss | None = None
        self.optimizer: optimizers.Optimizer | lbfgs.LBFGS | None = None
        self.metrics: list[tuple[str, Callable[..., float]]] = []  # (name, function)
        self.history: History | None = None
        self.steps = 0
        self.stop_training = False
        # Every parameter in one flat array, of which the layers' kernels and biases are
        # views (see mlplab.engine.flat): set by build().
        self.parameter_buffer: FloatArray | None = None
        if self.layers:
            check_chain(self.layers)  # a bad stack is refused at once, as Keras does
            if _build:
                self._build_if_declared()

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: ModelSpec, *, activation: activations.ActivationLike = "relu",
                  output_activation: activations.ActivationLike = None,
                  kernel_initializer: InitializerLike = "glorot_uniform",
                  random_state: RandomState = None, dtype: DTypeLike = "float64") -> Self:
        """Build from a size list ``[2, 4, 3, 1]`` or a list of layer dicts.

        ``activation`` is used by hidden layers whose spec names none;
        ``output_activation`` by the last layer (default: sigmoid for one unit,
        softmax for several). See :mod:`mlplab.engine.spec`.
        """
        layers = layers_from_spec(spec, activation, output_activation, kernel_initializer,
                                  check_dtype(dtype, "Sequential.from_spec"))
        return cls(layers, random_state=random_state, dtype=dtype)

    def add(self, layer: Layer | Input) -> None:
        """Append a layer, or an :class:`Input` first. A model whose input width is
        declared is built as it grows (each new layer's weights drawn after the last's,
        as if it had been built at once)."""
        if self.steps:
            raise InvalidInputError("add(): the model has been trained; create a new one.")
        self._take(layer, len(self.layers) + 1 + (self.declared_input is not None))
        check_chain(self.layers, complete=False)
        if len(self.layers) > 1 and all(other.built for other in self.layers[:-1]):
            self.layers[-1].build(cast(int, self.layers[-2].output_dim), self._rng, self.dtype)
            self._gather_parameters()
        else:
            self._build_if_declared()

    def _take(self, layer: Layer | Input, position: int) -> None:
        """Append ``layer`` (an :class:`Input` only first), named uniquely in the model."""
        if isinstance(layer, Input):
            if self.layers or self.declared_input is not None:
                raise SpecError(f"item {position} is {layer!r}; an Input may only come first.")
            self.declared_input = layer.width
            return
        if not isinstance(layer, Layer):
            raise InvalidTypeError(f"layer {position} is {short_repr(layer)}, not an mlplab "
                                   "layer. Use mlplab.Dense(...) or Sequential.from_spec(...).")
        name_layer(layer, self.layers)
        self.layers.append(layer)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or the one at ``index`` (0-based) in ``layers``."""
        return find_layer(self.layers, name, index)

    @property
    def built(self) -> bool:
        return bool(self.layers) and all(layer.built for layer in self.layers)

    @property
    def output_layer(self) -> Dense | Activation:
        """The last layer: the output Dense, or an Activation after it. Its ``logits``
        and ``activation`` are what the loss is fused with."""
        return cast("Dense | Activation", self.layers[-1])  # check_chain made sure

    @property
    def output_activation(self) -> activations.Activation:
        """The activation of the network's outputs (the last layer's)."""
        return self.output_layer.activation

    @property
    def output_units(self) -> int:
        """The number of outputs (the last Dense layer's units)."""
        return [layer for layer in self.layers if isinstance(layer, Dense)][-1].units

    @property
    def input_dim(self) -> int | None:
        return self.layers[0].input_dim if self.built else self._declared_input_dim()

    def _declared_input_dim(self) -> int | None:
        if self.declared_input is not None:
            return self.declared_input
        return getattr(self.layers[0], "declared_input_dim", None) if self.layers else None

    def _build_if_declared(self) -> None:
        """Build now if the input width is declared (an Input, ``input_dim`` or
        ``input_shape``): the weights a fit would start from, drawn from the same seed."""
        if not self.built and self.layers and self._declared_input_dim() is not None:
            self.build()

    def build(self, input_dim: int | None = None) -> Self:
        """Create every layer's parameters from the model's random_state."""
        if not self.layers:
            raise SpecError("the model has no layers; add at least one Dense layer, e.g. "
                            "Sequential([Dense(8, input_dim=2), Dense(1)]).")
        check_chain(self.layers, complete=False)
        declared = self._declared_input_dim()
        if input_dim is None:
            input_dim = declared
        if input_dim is None:
            raise NotFittedError("build(): the input width is unknown. Give the first layer "
                                 "input_dim=..., call build(input_dim), or call fit(X, y).")
        input_dim = check(input_dim, "input_dim", Integer(1), owner="build",
                          example="build(input_dim=2)")
        if declared is not None and declared != input_dim:
            raise InvalidInputError(f"X has {input_dim} features but the first layer declares "
                                    f"input_dim={declared}.")
        widths = [input_dim] + [layer.units for layer in self.layers if isinstance(layer, Dense)]
        check_memory(widths, self.dtype, f"this network ({'-'.join(map(str, widths))})")
        self._rng = as_generator(self.random_state)
        width = input_dim
        for layer in self.layers:
            width = layer.build(width, self._rng, self.dtype)
        self._gather_parameters()
        return self

    def _gather_parameters(self) -> None:
        """Keep every parameter in ``parameter_buffer``, one flat array (kernel then bias,
        layer after layer) of which the layers' arrays are views, so that NumPy's runner
        and a compiled one update the same arrays. ``build`` makes it; a fit gathers the
        parameters again if a layer's arrays were replaced (assigned, or unpickled)."""
        parameters = self.parameters()
        if flat.is_flat(self.parameter_buffer, parameters):
            return
        self.parameter_buffer, arrays = flat.flatten(parameters, self.dtype)
        for layer in self.layers:
            count = len(layer.parameters)
            layer.use_parameters(arrays[:count])
            arrays = arrays[count:]

    # -- compile ----------------------------------------------------------------
    def compile(self, loss: str | losses.Loss | None = None,
                optimizer: optimizers.OptimizerLike = "adam",
                metrics: str | Sequence[str] | None = None,
                learning_rate: optimizers.LearningRateLike | None = None) -> Self:
        """Choose the loss, optimizer and metrics.

        Parameters
        ----------
        loss : str or Loss, optional
            ``"binary_crossentropy"`` (sigmoid output), ``"categorical_crossentropy"``
            (softmax output) or ``"mse"``. Default: the natural loss of the output
            activation.
        optimizer : str, dict or Optimizer
            ``"sgd"``, ``"adam"``, ``"rmsprop"``, ``"adagrad"``, ``"lbfgs"`` (full batch,
            :mod:`mlplab.engine.lbfgs`), a dict like
            ``{"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}``, or an object.
        metrics : list of str, optional
            Reported each epoch, e.g. ``["accuracy"]``.
        learning_rate : float, optional
            Overrides the optimizer's default when it is given by name.
        """
        if not self.layers:
            raise SpecError("compile(): the model has no layers; add a Dense layer first.")
        check_chain(self.layers)
        output_activation = self.output_activation
        loss = losses.default_for(output_activation) if loss is None else losses.get(loss)
        loss.check_activation(output_activation)
        overrides = {} if learning_rate is None else {"learning_rate": learning_rate}
        if overrides and isinstance(optimizer, optimizers.Optimizer):
            raise InvalidInputError("compile(): learning_rate= applies to an optimizer given by "
                                    "name; set it on the Optimizer object instead.")
        optimizer = optimizers.get(optimizer, **overrides)
        if isinstance(metrics, str):
            metrics = [metrics]
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise InvalidTypeError(f"compile(metrics={short_repr(metrics)}): metrics must be a "
                                   "list of names. Try compile(metrics=['accuracy']).")
        resolved = [get_metric(m) for m in (metrics or [])]
        # Assign only once everything resolved, so a failed compile changes nothing.
        self.loss, self.optimizer, self.metrics = loss, optimizer, resolved
        return self

    # -- forward, loss, backward ------------------------------------------------
    def forward(self, X: FloatArray, training: bool = False) -> FloatArray:
        """Run every layer; return the output activations (n_samples, n_outputs)."""
        out = X
        for layer in self.layers:
            out = layer.forward(out, training)
        return out

    def parameters(self) -> list[FloatArray]:
        return [p for layer in self.layers for p in layer.parameters]

    def gradients(self) -> list[FloatArray]:
        return [g for layer in self.layers for g in layer.gradients]

    def penalty(self) -> float:
        return sum(layer.penalty() for layer in self.layers)

    def loss_and_gradients(self, X: FloatArray, Y: FloatArray, sample_factor: FactorArray = None,
                           training: bool = True) -> tuple[float, FloatArray]:
        """Forward and backward pass; fill every layer's ``gradients``, return (loss, outputs)."""
        assert self.loss is not None, "compile() first"
        outputs = self.forward(X, training)
        logits = self.output_layer.logits  # (n_samples, n_outputs)
        activation = self.output_activation
        loss = self.loss.value(logits, Y, activation, sample_factor) + self.penalty()
        grad = self.loss.gradient(logits, Y, activation, sample_factor)  # dL/dlogits
        grad = self.output_layer.backward_from_logits(grad)
        for layer in reversed(self.layers[:-1]):
            grad = layer.backward(grad)
        return loss, outputs

    def train_step(self, X: FloatArray, Y: FloatArray, sample_factor: FactorArray = None
                   ) -> tuple[float, FloatArray]:
        """One optimisation step on one batch; return the batch loss before the step."""
        assert isinstance(self.optimizer, optimizers.Optimizer)  # (L-BFGS: lbfgs.fit_epochs)
        loss, outputs = self.loss_and_gradients(X, Y, sample_factor)
        self.optimizer.step(self.parameters(), self.gradients())
        self.steps += 1
        return loss, outputs

    # -- fit ----------------------------------------------------------------------
    def fit(self, X: ArrayLike, y: ArrayLike, epochs: int = 1,
            batch_size: fitting.BatchSize = "auto",
            validation_data: tuple[ArrayLike, ArrayLike] | None = None,
            validation_split: float = 0.0, shuffle: bool = True, random_state: RandomState = None,
            callbacks: Callback | Sequence[Callback] | None = None, verbose: Literal[0, 1, 2] = 0,
            sample_weight: ArrayLike | None = None, engine: fitting.Engine = "auto",
            class_weight: fitting.ClassWeight = None, initial_epoch: int = 0) -> History:
        """Train the network.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
        y : array-like, shape (n_samples,) or (n_samples, n_outputs)
            0/1 labels (sigmoid), class indices or one-hot rows (softmax), or targets.
        epochs : int
            Passes over the training data.
        batch_size : int, None or "auto"
            Samples per step: ``None`` is full-batch gradient descent, ``1`` is
            per-sample SGD; "auto" is 32, as in Keras (the full batch for L-BFGS).
        validation_data : (X_val, y_val), optional
        validation_split : float
            Fraction of (X, y) held out for validation, drawn at random with the
            training seed (Keras takes the last rows instead).
        shuffle : bool
            Reshuffle the samples every epoch (full batches are not shuffled: every
            step sees every sample anyway).
        random_state : None, int or Generator
            Seeds shuffling, the validation split and dropout; default: the
            model's own random_state stream.
        callbacks : list of Callback
        verbose : 0, 1 or 2
            0 silent, 1 a progress bar, 2 one line per epoch.
        sample_weight : array-like, shape (n_samples,), optional
            Each sample's weight in the loss: a weight of 2 trains as the row twice.
        class_weight : dict or "balanced", optional
            A weight per class index, multiplying ``sample_weight`` (see
            :mod:`mlplab.engine.fitting`); "balanced" gives every class the same total.
        engine : "auto", "numpy" or "compiled"
            The runner of the epochs (:mod:`mlplab.engine.runners`). "numpy" calls
            :meth:`train_step` per batch; "compiled" runs each epoch in one
            numba-compiled loop (:mod:`mlplab.fast`: the same numbers, much faster on
            small nets), and blocks of epochs per call when nothing but the NaN guard
            listens between epochs (no metrics, validation, printing or callbacks of
            your own); "auto" uses it when numba is installed and the model and
            callbacks allow it, else the NumPy runner. ``history.runner`` says which
            trained, ``history.runner_reason`` why the NumPy one did.
        initial_epoch : int
            The number of the first epoch, as in Keras: to resume, ``fit(epochs=20,
            initial_epoch=10)`` trains epochs 10 to 19 (callbacks see those numbers).

        Returns
        -------
        History
        """
        if self.loss is None:
            raise NotFittedError("fit(): call compile(loss=..., optimizer=...) before fit.")
        assert self.optimizer is not None  # compile sets it with the loss
        epochs, batch_size, validation_split, shuffle, verbose, engine = fitting.fit_arguments(
            epochs, batch_size, validation_split, shuffle, verbose, engine)
        first = check(initial_epoch, "initial_epoch", Integer(0, epochs - 1), owner="fit",
                      example=f"fit(X, y, epochs={epochs + 10}, initial_epoch={epochs})")
        callbacks = callbacks_module.as_list(callbacks)
        rng = None if random_state is None else as_generator(random_state)
        X, Y, factor = self._prepare(X, y, sample_weight, class_weight)
        rng = self._rng if rng is None else rng
        validation, X, Y, factor = fitting.hold_out(self, validation_data, validation_split,
                                                    X, Y, factor, rng)
        n_samples = X.shape[0]
        batch_size = fitting.batch_size_for(self.optimizer, batch_size, n_samples)
        for layer in self.layers:
            if hasattr(layer, "rng"):
                layer.rng = rng  # dropout masks follow the training seed
        self._input_scale = fitting.largest_magnitude(X)
        fitting.check_first_pass(self, X, Y)
        self._gather_parameters()
        self.optimizer.build(self.parameters())
        self.history = callbacks_module.history_of(callbacks)  # one given, as in Keras
        active = callbacks_module.with_defaults(callbacks, self.history, verbose, epochs - first)
        batch_listeners = [c for c in active if c.wants_batches]
        params = self._callback_params(verbose, epochs, -(-n_samples // batch_size))
        for callback in active:
            callback.set_model(self)
            callback.set_params(params)
            callback.on_train_begin()
        self.stop_training = False
        outputs = np.empty((n_samples, self.output_units), dtype=self.dtype)
        quiet = not verbose and validation is None and not self.metrics
        runner = None if isinstance(self.optimizer, lbfgs.LBFGS) else choose_runner(
            self, engine, batch_listeners, active, quiet, sparse=hasattr(X, "tocsr"))
        self.history.runner, self.history.runner_reason = (
            (runner.name, runner.reason) if runner else ("lbfgs", "L-BFGS runs in scipy"))
        # A batch of every sample needs no shuffling: the order would only change how
        # the gradient's sum is rounded, and gathering rows in a random order costs more
        # than the step on large data (1e6 rows: ~20% of an epoch).
        orders = EpochOrders(rng, n_samples, epochs - first, shuffle and batch_size < n_samples)
        for callback in active:
            callback.on_epoch_begin(first)
        # Where each epoch's steps end, for its logged rate (blocks of epochs log late).
        self._epoch_steps, self._first_epoch = (self.optimizer.iterations, params["steps"]), first
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
            if runner is None:  # L-BFGS: one epoch per iteration (mlplab.engine.lbfgs)
                self.history.solver = lbfgs.fit_epochs(
                    self, X, Y, factor, epochs - first, lambda epoch, loss, out: self._end_epoch(
                        first + epoch, epochs, loss, out, Y, validation, verbose, active),
                    engine)
            for epoch, total in enumerate(runner.epochs(X, Y, factor, orders, batch_size,
                                                        outputs) if runner else (), first):
                self._end_epoch(epoch, epochs, total / n_samples, outputs, Y, validation,
                                verbose, active)
                if self.stop_training:
                    break
        for callback in active:
            callback.on_train_end()
        return self.history

    def _callback_params(self, verbose: int, epochs: int, steps: int) -> dict[str, Any]:
        """What every callback's ``params`` is (Keras' keys); steps: of one epoch."""
        return {"verbose": verbose, "epochs": epochs, "steps": steps}

    def _end_epoch(self, epoch, epochs, loss, outputs, Y, validation, verbose, active) -> None:
        """The epoch's logs, printed if asked, to the callbacks."""
        logs = self._epoch_logs(epoch, loss, outputs, Y, validation)
        if verbose == 2:
            print(f"epoch {epoch + 1}/{epochs}: "
                  + "  ".join(f"{k}={v:.4f}" for k, v in logs.items()))
        for callback in active:
            callback.on_epoch_end(epoch, logs)
        if epoch + 1 < epochs and not self.stop_training:
            for callback in active:
                callback.on_epoch_begin(epoch + 1)

    def _epoch_logs(self, epoch, loss, outputs, Y, validation) -> dict[str, float]:
        """``loss``, the metrics, the validation entries (NaN after a divergence, as the
        loss is) and the epoch's learning rate ``lr``."""
        logs = {"loss": loss, **self._metric_logs(outputs, Y)}
        if validation is not None:
            logs.update({f"val_{k}": v for k, v in self._evaluate(*validation).items()})
        if isinstance(self.optimizer, optimizers.Optimizer):  # not L-BFGS
            logs["lr"] = fitting.epoch_rate(self.optimizer, self._epoch_steps,
                                            epoch - self._first_epoch)
        return logs

    def _prepare(self, X, y, sample_weight, class_weight=None, names=("X", "y")):
        """``(X, Y, factor)`` checked, in the model's dtype (:func:`fitting.prepare`)."""
        return fitting.prepare(self, X, y, sample_weight, class_weight, names)

    def _check_X(self, X: ArrayLike, name: str = "X") -> FloatArray:
        """``X`` as the model's dtype, within the engine's magnitude bound (see
        :func:`mlplab._validation.input_bound`: 2**256 in float64, 2**32 in float32)."""
        return check_X(X, dtype=self.dtype, n_features=self.input_dim, name=name,
                       max_abs=input_bound(self.dtype), accept_sparse=True)

    def _metric_logs(self, outputs: FloatArray, Y: FloatArray) -> dict[str, float]:
        activation = self.output_activation
        return {name: fn(outputs, Y, activation) for name, fn in self.metrics}

    # -- use a trained model ------------------------------------------------------
    def _require_built(self) -> None:
        if not self.built:
            raise NotFittedError("this model has no weights yet: call fit(X, y) first (or "
                                 "build(input_dim) for untrained weights).")

    def _check_ready(self, X: ArrayLike) -> FloatArray:
        self._require_built()
        return self._check_X(X)

    # Rows per forward pass when predicting: small enough that every layer's arrays stay
    # in cache and memory stays bounded on large grids, big enough to amortise calls.
    PREDICT_CHUNK = 4096

    def predict(self, X: ArrayLike) -> FloatArray:
        """Output activations, shape (n_samples, n_outputs): probabilities for
        sigmoid/softmax outputs, values for linear ones."""
        return self._predict_rows(self._check_ready(X), logits=False)

    def _outputs(self, X: ArrayLike) -> FloatArray:  # predict's, for predict_proba/_classes
        return self._predict_rows(self._check_ready(X), logits=False)

    def predict_logits(self, X: ArrayLike) -> FloatArray:
        """Pre-activations of the output layer, shape (n_samples, n_outputs)."""
        return self._predict_rows(self._check_ready(X), logits=True)

    def _predict_rows(self, X: FloatArray, logits: bool) -> FloatArray:
        """Forward passes over chunks of rows, written into one result array.

        NaN or inf comes out only of a model whose weights are NaN or inf, which
        ``fit`` reported as divergence; finite weights that overflow raise.
        """
        result = np.empty((X.shape[0], self.output_units), dtype=self.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # checked below
            for start in range(0, X.shape[0], self.PREDICT_CHUNK):
                outputs = self.forward(X[start:start + self.PREDICT_CHUNK])
                result[start:start + len(outputs)] = (self.output_layer.logits if logits
                                                      else outputs)
        if not np.isfinite(result).all() and self._weights_are_finite():
            fitting.refuse_overflow(self, X)
        return result

    def _weights_are_finite(self) -> bool:
        return all(np.isfinite(p).all() for p in self.parameters())

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """Class probabilities, shape (n_samples, n_classes); a single sigmoid
        output gives two columns, P(y=0) and P(y=1)."""
        outputs = self._outputs(X)
        name = self.output_activation.name
        if name == "sigmoid" and outputs.shape[1] == 1:
            return np.hstack([1.0 - outputs, outputs])
        if name in ("sigmoid", "softmax"):
            return outputs
        raise InvalidInputError(f"predict_proba needs a sigmoid or softmax output layer; this "
                                f"one is {name!r}. Use predict() for values.")

    def predict_classes(self, X: ArrayLike) -> NDArray[np.int64]:
        """Predicted class indices, shape (n_samples,) (or (n_samples, n_outputs)
        for several independent sigmoid outputs)."""
        outputs = self._outputs(X)
        if self.output_activation.name == "softmax":
            return np.argmax(outputs, axis=1)
        classes = (outputs > 0.5).astype(np.int64)
        return classes[:, 0] if classes.shape[1] == 1 else classes

    def evaluate(self, X: ArrayLike, y: ArrayLike,
                 sample_weight: ArrayLike | None = None) -> dict[str, float]:
        """Loss (with any weight penalty) and metrics on (X, y), as a dict."""
        if self.loss is None:
            raise NotFittedError("evaluate(): call compile(...) first.")
        self._require_built()
        return self._evaluate(*self._prepare(X, y, sample_weight))

    def _evaluate(self, X, Y, factor=None) -> dict[str, float]:
        """evaluate's dict on prepared (X, Y, factor), what fit's validation logs too."""
        assert self.loss is not None, "compile() first"
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged model's NaN is its loss
            outputs = self.forward(X)
            logits = self.output_layer.logits
            loss = self.loss.value(logits, Y, self.output_activation, factor)
            return {"loss": loss + self.penalty(), **self._metric_logs(outputs, Y)}

    # -- weights and description --------------------------------------------------
    def get_weights(self) -> list[FloatArray]:
        """Copies of every parameter array: [kernel_1, bias_1, kernel_2, ...]."""
        self._build_if_declared()
        return [p.copy() for p in self.parameters()]

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Overwrite every parameter array (shapes must match ``get_weights()``)."""
        self._build_if_declared()
        if not self.built:
            raise NotFittedError("set_weights(): build the model first (build(input_dim)).")
        flat.assign(self.parameters(), weights, self.dtype)  # in place: the optimizer keeps them

    def count_params(self) -> int:
        """The number of weights and biases (the model is built first if its input
        width is declared)."""
        self._build_if_declared()
        return sum(layer.n_parameters() for layer in self.layers)

    def to_spec(self) -> list[dict[str, Any]]:
        """The layer dicts that :meth:`from_spec` turns back into this architecture."""
        return configs.layer_specs(self)

    def summary(self, print_fn: Callable[[str], object] | None = print) -> str:
        """A table of layers, output shapes and parameter counts (printed and returned)."""
        self._build_if_declared()
        text = summary_text(self)
        if print_fn is not None:
            print_fn(text)
        return text

    def _repr_html_(self) -> str:  # Jupyter shows the summary table
        self._build_if_declared()
        return summary_html(self)

    # -- files ------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """What the model is, without its weights, as plain JSON data: dtype, seed, the
        layer dicts, the compile settings and the history (what a saved file's header
        holds; :meth:`from_config` makes the model again)."""
        return configs.model_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """The model ``config`` describes (see :meth:`get_config`), not built yet:
        :meth:`weight_shapes` says what its weights will be, nothing is allocated."""
        return configs.model_from_config(cls, config)

    def weight_shapes(self) -> list[tuple[int, ...]]:
        """The shape of every parameter array the layers will hold, from the declared
        widths, without building: [(fan_in, units), (units,), ...] per Dense layer."""
        return configs.weight_shapes(self)

    def save(self, path: PathLike) -> None:
        """Write the model to one file, atomically; read it back with ``mlplab.load``."""
        self._require_built()
        io.save_archive(path, self.get_config(), self.parameters())

    def __repr__(self) -> str:
        widths = [str(self.input_dim or "?")] + [
            str(layer.units) for layer in self.layers if isinstance(layer, Dense)]
        return f"Sequential({'-'.join(widths)}, dtype={self.dtype})"

