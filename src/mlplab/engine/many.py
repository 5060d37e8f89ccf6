"""Many models in one pass: train M copies of one architecture together.

Ten seeds (or ten learning rates) of a small net cost ten times the Python and
NumPy call overhead when trained one after another, and on small nets that
overhead is most of the time. Here the M models' weights are stacked into
arrays of shape (M, fan_in, fan_out), so every layer of every model takes one
batched ``np.matmul`` per step instead of M small ones; activations, losses and
optimizers are the engine's own functions, applied to the stacks.

Each model computes exactly what its own ``model.fit`` would: the models never
mix (a batched matmul multiplies slice m by slice m), and all of them see the
batches in the order ``fit`` draws from the same ``random_state``.

Layout: all parameters of model m sit in one row of a (M, n_parameters) array,
in ``model.parameters()`` order (kernel_1, bias_1, kernel_2, ...). Each layer's
weights are a view into it, so the engine's optimizer updates all parameters of
all models with a handful of whole-array operations, each model's row with its
own learning rate. :class:`ModelStack` explains the layout of the activations.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from mlplab._rng import as_generator
from mlplab._typing import RandomState
from mlplab._validation import check_positive_int
from mlplab.engine.callbacks import History
from mlplab.engine.layers import Dense
from mlplab.engine.model import Sequential
from mlplab.engine.runners import ENGINES, EpochOrders, compiled_stack
from mlplab.errors import (
    InvalidInputError,
    InvalidTypeError,
    NotFittedError,
    TrainingDivergedWarning,
)

FIX = "Train it with its own model.fit(...), or build all models alike."


def fit_many(models: Sequence[Sequential], X: ArrayLike | Sequence[ArrayLike],
             y: ArrayLike | Sequence[ArrayLike], *, epochs: int = 1, batch_size: int | None = 32,
             shuffle: bool = True, random_state: RandomState | Sequence[RandomState] = None,
             engine: Literal["auto", "numpy", "compiled"] = "auto",
             per_model_data: bool = False) -> list[History]:
    """Train several models of one architecture together, as one stacked model.

    The models may differ in their initial weights (e.g. built from different
    seeds) and their learning rates; everything else must be the same: the
    Dense layers (widths and activations), the dtype, the loss and the kind of
    optimizer with its other settings. Each model ends with the weights,
    optimizer state and history that ``model.fit(X, y, ..., random_state=seed,
    engine="numpy")`` would give it, up to rounding in the last bits: the
    batched products add up in another order (measured in float64: relative
    differences near 1e-15 after 100 steps, at most 1.5e-14 of an array's
    largest weight in tests/fast/test_lanes.py). Long or chaotic runs can
    amplify them, as they amplify the differences between the engine's compiled
    and NumPy paths (E5's net, SGD with momentum 0.99, 1000 steps: up to 4e-9
    with engine="numpy", 5e-9 with "compiled", 2e-9 between fit's two paths).

    Parameters
    ----------
    models : list of Sequential
        Compiled models with identical Dense layers; built ones keep their
        weights, unbuilt ones are built from their own ``random_state``.
        Dropout layers and kernel regularizers are not supported.
    X : array-like, shape (n_samples, n_features)
        The training data of every model; with ``per_model_data``, a list of
        one such array per model, all of one shape.
    y : array-like, shape (n_samples,) or (n_samples, n_outputs)
        Targets as ``Sequential.fit`` takes them; with ``per_model_data``, a
        list of one per model.
    epochs : int
        Passes over the training data.
    batch_size : int or None
        Samples per step, the same for every model; ``None`` is full batch.
        Default 32, as in ``Sequential.fit``.
    shuffle : bool
        Reshuffle the samples every epoch (one order shared by all models).
    random_state : None, int, numpy.random.Generator, or a list of them
        Seeds the shuffling. A separate ``model.fit(..., random_state=seed)``
        with the same int sees the same batches; ``None`` draws a fresh seed. A
        list gives each model its own (``random_state[m]`` shuffles model m's
        samples as its own fit would), e.g. the Generators that built the models.
    engine : "auto", "numpy" or "compiled"
        "compiled" trains every epoch of all models in one numba-compiled call
        (:mod:`mlplab.fast.lanes`; much faster on small nets), in groups of
        models on several threads when an epoch holds enough work (the same
        numbers; OMP_NUM_THREADS=1 keeps it to one); "numpy" stacks the models'
        weights and takes batched matmuls. "auto" uses the compiled loop when
        numba is installed and the models allow it (sgd or adam; no softmax in a
        hidden layer); on nets too large for it to win
        (``mlplab.fast.stack.LANE_PARAMETERS``) it runs each model's own compiled epochs,
        groups of models on threads, which gives each model its ``fit``'s
        numbers exactly. The compiled stacks share one batch order and one data
        set: models with their own (a list of ``random_state`` with shuffling, or
        ``per_model_data``) train with NumPy's batched matmuls.
    per_model_data : bool
        ``X`` and ``y`` are lists, one data set per model (the same number of
        samples and features in each): e.g. the seeds of a study cell that each
        draw their own train/test split.

    Returns
    -------
    list of History
        One per model, in order (also set as each ``model.history``), with the
        loss and the compiled metrics per epoch. A model whose loss becomes NaN
        or infinite stops logging at that epoch (``history.stop_reason`` says
        so); the others train on.

    Examples
    --------
    >>> import mlplab
    >>> from mlplab import data
    >>> X, y = data.xor(n_samples=200, random_state=0)
    >>> models = [mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=seed)
    ...           .compile(optimizer="adam", learning_rate=0.01) for seed in range(10)]
    >>> histories = mlplab.fit_many(models, X, y, epochs=20, random_state=0)
    >>> len(histories), len(histories[0]["loss"])
    (10, 20)
    """
    models = _check_models(models)
    epochs = check_positive_int(epochs, "epochs", "epochs=100")
    X, Y = _prepare_data(models, X, y, per_model_data)  # (n, f) or, per model, (M, n, f)
    rngs = _generators(random_state, len(models))
    for model in models:  # as fit does: parameters and optimizer state in flat arrays
        model._gather_parameters()
        model.optimizer.build(model.parameters())
    _check_same_architecture(models)
    n_samples = X.shape[-2]
    batch_size = n_samples if batch_size is None else check_positive_int(
        batch_size, "batch_size", "batch_size=32, or None for full batch")
    batch_size = min(batch_size, n_samples)  # as fit: more than n_samples is one full batch
    shuffle = shuffle and batch_size < n_samples
    own_orders = shuffle and len(rngs) > 1
    stack = _choose_stack(models, X, Y, engine, shared=not (own_orders or per_model_data))
    histories = _train(stack, models, _orders(rngs, n_samples, epochs, shuffle), batch_size)
    stack.write_back(models)
    for m, (model, history) in enumerate(zip(models, histories, strict=True)):
        model.history = history
        model._input_scale = float(np.max(np.abs(X[m] if per_model_data else X)))
    return histories


def _generators(random_state, n_models):
    """One Generator for all models, or (a list) one per model."""
    if not isinstance(random_state, list | tuple):
        return [as_generator(random_state)]
    if len(random_state) != n_models:
        raise InvalidInputError(f"fit_many: random_state is a list of {len(random_state)}, "
                                f"but there are {n_models} models; give one per model, or "
                                "one int for all.")
    return [as_generator(seed) for seed in random_state]


def _orders(rngs, n_samples, epochs, shuffle):
    """The batch orders: one for all models, or (several generators) one per model."""
    if len(rngs) == 1 or not shuffle:
        return EpochOrders(rngs[0], n_samples, epochs, shuffle)
    return ModelOrders([EpochOrders(rng, n_samples, epochs, True) for rng in rngs])


class ModelOrders:
    """Each model's own :class:`EpochOrders`, taken together: ``take()`` gives
    (count, M, n_samples), epoch e of model m drawn from model m's generator."""

    def __init__(self, per_model):
        self.per_model = per_model

    @property
    def left(self):
        return self.per_model[0].left

    def take(self, count=1):
        return np.stack([orders.take(count) for orders in self.per_model], axis=1)


def _choose_stack(models, X, Y, engine, shared):
    """The compiled stacks of :mod:`mlplab.fast` (lanes for small nets, each model's own
    compiled epochs for larger ones) or NumPy's stacked matmuls, as ``engine`` asks.
    The compiled stacks need ``shared``: one data set and one batch order for all."""
    if engine not in ENGINES:
        raise InvalidInputError(f"fit_many(engine={engine!r}): use 'auto', 'numpy' or "
                                "'compiled'.")
    if engine == "compiled" and not shared:
        raise InvalidInputError("fit_many(engine='compiled') trains models on one data set in "
                                "one batch order; with per_model_data or a random_state per "
                                "model use engine='numpy' or 'auto'.")
    if engine == "numpy" or not shared:  # decided before importing numba, as fit does
        return ModelStack(models, X, Y)
    return compiled_stack(models, X, Y, engine) or ModelStack(models, X, Y)


def _train(stack, models, orders, batch_size):
    """The epoch loop of ``Sequential.fit``, in the batch orders of ``orders`` (one for
    all models, or each model's own: :class:`ModelOrders`).

    ``stack.epochs(orders, batch_size)`` (the runner interface of
    :mod:`mlplab.engine.runners`) trains every model epoch by epoch and yields
    ``logs_of(m)``, model m's loss and metrics over each epoch (None when a compiled
    model stopped).
    """
    histories = [History() for _ in models]
    finished = [False] * len(models)  # a model stops logging once its loss is not finite
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
        for epoch, logs_of in enumerate(stack.epochs(orders, batch_size)):
            for m, history in enumerate(histories):
                logs = None if finished[m] else logs_of(m)
                if logs is None:
                    continue
                logs["lr"] = models[m].optimizer.current_learning_rate  # constant: as fit logs
                history.on_epoch_end(epoch, logs)
                finished[m] = not np.isfinite(logs["loss"])
                if finished[m]:
                    _report_divergence(m, epoch, logs["loss"], history)
    return histories


def _report_divergence(m, epoch, loss, history):
    history.stop_reason = (f"fit_many: models[{m}]'s loss became {loss} at epoch {epoch}; "
                           "it stopped logging (its weights are not finite) while the other "
                           "models trained on. Lower its learning rate.")
    warnings.warn(history.stop_reason, TrainingDivergedWarning, stacklevel=4)


def _epoch_logs(model, logits, Y):
    """Loss and metrics of one model over the epoch, from its logits before each step.

    ``fit`` adds up batch means weighted by batch size; the mean over all rows is the
    same number, summed in a different order.
    """
    activation = model.output_activation
    logs = {"loss": model.loss.value(logits, Y, activation)}
    if model.metrics:
        outputs = activation.forward(logits)
        logs.update({name: fn(outputs, Y, activation) for name, fn in model.metrics})
    return logs


@dataclass
class Workspace:
    """Buffers for one batch size, each (units, M, n): reused by every step."""

    pre_activations: list  # z of every layer
    activations: list  # a of every hidden layer and a row of ones: the next layer's input
    input_gradients: list  # dL/da of every hidden layer
    targets: np.ndarray  # y repeated for every model


class ModelStack:
    """M models of one architecture as stacked arrays, trained with batched matmuls.

    ``run_epoch(order, batch_size)`` trains every model for one epoch, one
    ``train_step(x_T, y_T)`` per batch: forward, the fused loss gradient, backward
    and one optimizer step for every model at once; ``write_back(models)`` copies
    the weights and optimizer state back into the models.

    Two layout choices make it fast:

    - The bias is the kernel's last row, fed by a constant input of 1: a layer's
      kernel and bias lie end to end in ``params``, so the (M, fan_in + 1, fan_out)
      view of that span is the kernel with the bias appended. One matmul then gives
      ``x @ kernel + bias``, and one more both gradients.
    - Activations are kept "units first", shape (units, M, n): the matmuls write
      them through the (M, units, n) view ``_by_model``, and ``_rows`` sees them as
      (M * n, units) without a copy. Stored that way, the reductions over units
      (softmax, the losses) run along long contiguous rows; NumPy reduces a short
      last axis, such as the 2 units of a softmax, about 20 times slower.
    """

    def __init__(self, models, X, Y):
        first = models[0]
        self.models = models
        self.n_models = len(models)
        n_samples = X.shape[-2]
        # Shared data as (features + 1, n) and (n_outputs, n); data per model (M, n, .) as
        # (features + 1, M, n) and (n_outputs, M, n): the layout of the activations.
        self.X_T = np.ascontiguousarray(_units_first(
            np.concatenate([X, np.ones((*X.shape[:-1], 1), X.dtype)], axis=-1)))
        self.Y_T = np.ascontiguousarray(_units_first(Y))
        self.epoch_logits = np.empty((Y.shape[-1], len(models), n_samples), dtype=X.dtype)
        self.activations = [layer.activation for layer in first.layers]
        self.loss = first.loss
        self.steps = 0
        self.shapes = [p.shape for p in first.parameters()]
        sizes = [int(np.prod(shape)) for shape in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        # One row per model: (M, n_parameters), in model.parameters() order.
        self.params = np.stack([_flat(model.parameters()) for model in models])
        self.grads = np.zeros_like(self.params)
        self.weights = self._with_bias_rows(self.params)  # (M, fan_in + 1, fan_out)
        self.weights_T = [np.swapaxes(w, 1, 2) for w in self.weights]  # (M, fan_out, ...)
        self.kernels = [w[:, :-1, :] for w in self.weights]  # (M, fan_in, fan_out)
        self.grad_weights = self._with_bias_rows(self.grads)
        self.optimizer = self._stacked_optimizer(models)
        self.workspaces = {}  # batch size -> Workspace

    def _with_bias_rows(self, flat):
        """Views of ``flat`` (M, n_parameters): per layer, the kernel with its bias as
        one more row, (M, fan_in + 1, fan_out)."""
        starts, ends = self.offsets[0:-1:2], self.offsets[2::2]
        return [flat[:, a:b].reshape(self.n_models, fan_in + 1, fan_out)
                for a, b, (fan_in, fan_out) in zip(starts, ends, self.shapes[0::2],
                                                   strict=True)]

    def _stacked_optimizer(self, models):
        """One optimizer of the models' kind over the (M, n_parameters) array.

        Its learning rate is a column (M, 1), so each model's row steps with its own
        rate; the update rule is the engine's, unchanged. Existing state (momentum,
        Adam's moments) is stacked too, so already-trained models continue exactly.
        """
        first = models[0].optimizer
        optimizer = type(first)(**{k: getattr(first, k) for k in first.hyperparameters})
        # A rate per model, broadcast over its row: set past the setter, which takes one.
        optimizer._learning_rate = np.array([[m.optimizer.learning_rate] for m in models],
                                           dtype=self.params.dtype)
        optimizer.iterations = first.iterations
        n_arrays = len(self.offsets) - 1
        for name in sorted({name for _, name in first.state}):
            optimizer.state[(0, name)] = np.stack([
                _flat([m.optimizer.state[(i, name)] for i in range(n_arrays)]) for m in models])
        return optimizer

    def epochs(self, orders, batch_size):
        """Yield ``logs_of(m)`` per epoch: model m's loss and metrics over it."""
        while orders.left:
            yield self.run_epoch(orders.take()[0], batch_size)

    def run_epoch(self, order, batch_size):
        """Train every model for one epoch on the batches of ``order`` (n,), or of each
        model's own order (M, n); return ``logs_of(m)``, model m's loss and metrics from
        its logits before each step."""
        # Shuffle once per epoch; each batch is then a slice, not a gather.
        X_epoch, Y_epoch = _in_order(self.X_T, order), _in_order(self.Y_T, order)
        logits = self.epoch_logits  # (k, M, n)
        for start in range(0, X_epoch.shape[-1], batch_size):
            batch = slice(start, start + batch_size)
            logits[:, :, batch] = self.train_step(X_epoch[..., batch], Y_epoch[..., batch])
        # Losses and metrics are means: order-free.
        return lambda m: _epoch_logs(self.models[m], logits[:, m, :].T,
                                     (Y_epoch if Y_epoch.ndim == 2 else Y_epoch[:, m, :]).T)

    def train_step(self, x_T, y_T):
        """One step of every model on a batch given as columns: x_T (n_features + 1, n),
        whose last row is all ones, and y_T (n_outputs, n); or each model's own batch,
        (n_features + 1, M, n) and (n_outputs, M, n). Return the logits before the
        step, (n_outputs, M, n), in a buffer that the next step overwrites."""
        work = self._workspace(x_T.shape[-1])
        inputs = [x_T, *work.activations]  # each layer's input, with a row of ones
        self._forward(inputs, work.pre_activations)
        logits = work.pre_activations[-1]
        work.targets[...] = y_T if y_T.ndim == 3 else y_T[:, None, :]  # every model's
        # The loss sees the M models' rows as one batch of M * n rows and divides by that
        # count; each model's own mean divides by n, hence the factor M.
        grad_z = self.loss.gradient(_rows(logits), _rows(work.targets), self.activations[-1])
        grad_z *= self.n_models
        self._backward(inputs, work, _unrows(grad_z, logits.shape))
        self.optimizer.step([self.params], [self.grads])
        self.steps += 1
        return logits

    def _forward(self, inputs, pre_activations):
        """Fill every layer's pre-activations and the hidden activations, (units, M, n)."""
        last = len(self.weights) - 1
        for layer, activation in enumerate(self.activations):
            z = pre_activations[layer]  # x @ kernel + bias, through the row of ones
            np.matmul(self.weights_T[layer], _by_model(inputs[layer]), out=_by_model(z))
            if layer < last:  # the output activation is fused with the loss
                np.copyto(inputs[layer + 1][:-1], _apply(activation, "forward", z))

    def _backward(self, inputs, work, grad_z):
        """Write dL/dkernel and dL/dbias of every layer of every model into ``grads``."""
        for layer in range(len(self.weights) - 1, -1, -1):
            a = inputs[layer]  # (fan_in + 1, M, n): the row of ones gives dL/dbias
            np.matmul(_by_model(a), np.swapaxes(_by_model(grad_z), 1, 2),
                      out=self.grad_weights[layer])  # (M, fan_in + 1, fan_out)
            if layer == 0:
                break  # nobody needs the gradient of the data
            grad_a = work.input_gradients[layer - 1]  # (fan_in, M, n)
            np.matmul(self.kernels[layer], _by_model(grad_z), out=_by_model(grad_a))
            z = work.pre_activations[layer - 1]
            grad_z = _apply(self.activations[layer - 1], "backward", z, a[:-1], grad_a)

    def _workspace(self, n):
        """The arrays every step on a batch of ``n`` samples fills, made once per size.

        Fresh arrays each step would cost more than the arithmetic on E4-sized nets:
        freeing megabytes at once hands the memory back to the operating system, and
        taking it again costs a page fault per 4 kB.
        """
        if n not in self.workspaces:
            def stack_of(units):
                return np.empty((units, self.n_models, n), dtype=self.params.dtype)

            widths = [w.shape[2] for w in self.weights]  # fan_out of every layer
            activations = [stack_of(units + 1) for units in widths[:-1]]
            for a in activations:
                a[-1] = 1.0  # the constant input that multiplies the next layer's bias
            self.workspaces[n] = Workspace(
                pre_activations=[stack_of(units) for units in widths],
                activations=activations,
                input_gradients=[stack_of(units) for units in widths[:-1]],
                targets=stack_of(widths[-1]))
        return self.workspaces[n]

    def write_back(self, models):
        """Copy each model's row of weights and optimizer state into the model."""
        spans = list(zip(self.offsets[:-1], self.offsets[1:], strict=True))
        for m, model in enumerate(models):
            for target, (a, b) in zip(model.parameters(), spans, strict=True):
                target[...] = self.params[m, a:b].reshape(target.shape)
            model.steps += self.steps
            optimizer = model.optimizer
            optimizer.iterations = self.optimizer.iterations
            for (_, name), array in self.optimizer.state.items():
                for i, (target, (a, b)) in enumerate(zip(model.parameters(), spans,
                                                         strict=True)):
                    optimizer.state[(i, name)][...] = array[m, a:b].reshape(target.shape)


def _flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


def _units_first(data):
    """(n, units) -> (units, n); one data set per model, (M, n, units) -> (units, M, n)."""
    return data.T if data.ndim == 2 else data.transpose(2, 0, 1)


def _in_order(data_T, order):
    """The samples (last axis) of ``data_T`` in ``order``, shared (n,) or per model (M, n):
    (units, n) or (units, M, n)."""
    if order.ndim == 1:
        return data_T[..., order]
    if data_T.ndim == 2:  # one data set, each model its own order
        return data_T[:, order]
    return np.take_along_axis(data_T, order[None], axis=2)


def _by_model(array):
    """(units, M, n) seen as (M, units, n), the shape batched matmuls want; the data,
    (n_features, n), broadcasts to every model as it is."""
    return array if array.ndim == 2 else array.transpose(1, 0, 2)


def _rows(array):
    """(units, M, n) seen as (M * n, units), one row per sample of each model: what
    activations and losses, written for (n_samples, units), expect."""
    return array.reshape(array.shape[0], -1).T


def _unrows(rows, shape):
    """The inverse of ``_rows``: (M * n, units) back to (units, M, n)."""
    return rows.T.reshape(shape)


ROW_WISE = {"softmax"}  # activations that mix the units of a row; the others are elementwise


def _apply(activation, direction, *arrays):
    """Call an activation's "forward" or "backward", written for (n, units), on
    (units, M, n) arrays: elementwise ones as they are, row-wise ones on ``_rows`` views."""
    function = getattr(activation, direction)
    if activation.name not in ROW_WISE:
        return function(*arrays)
    return _unrows(function(*(_rows(a) for a in arrays)), arrays[0].shape)


# -- checks at the public boundary ------------------------------------------------------


def _check_models(models):
    if isinstance(models, Sequential) or not hasattr(models, "__len__"):
        raise InvalidTypeError(f"fit_many(models={models!r}): give a list of Sequential models, "
                               "e.g. [Sequential.from_spec([2, 8, 1], random_state=s) for s in "
                               "range(10)].")
    models = list(models)
    if not models:
        raise InvalidInputError("fit_many(models=[]): give at least one compiled model.")
    for m, model in enumerate(models):
        if not isinstance(model, Sequential):
            raise InvalidTypeError(f"fit_many: models[{m}] is {model!r}, not a Sequential.")
        if model.loss is None:
            raise NotFittedError(f"fit_many: models[{m}] is not compiled. Call "
                                 "compile(loss=..., optimizer=...) on every model first.")
        for position, layer in enumerate(model.layers, start=1):
            if not isinstance(layer, Dense):
                raise InvalidInputError(
                    f"fit_many: models[{m}] has {layer!r} as layer {position}; fit_many trains "
                    "stacks of Dense layers only. Remove it, or train this model with "
                    "model.fit(...).")
            if layer.kernel_regularizer is not None:
                raise InvalidInputError(
                    f"fit_many: models[{m}], layer {position} has kernel_regularizer="
                    f"{layer.kernel_regularizer!r}, which fit_many does not support. Drop the "
                    "regularizer, or train this model with model.fit(...).")
            if not layer.use_bias or layer.bias_regularizer is not None:
                raise InvalidInputError(
                    f"fit_many: models[{m}], layer {position} has no bias or a "
                    "bias_regularizer, which fit_many does not support. Train this model "
                    "with model.fit(...).")
    if len({id(model) for model in models}) < len(models):
        raise InvalidInputError("fit_many: the same model appears twice in models; give "
                                "distinct models (one per seed or learning rate).")
    if len({id(model.optimizer) for model in models}) < len(models):
        raise InvalidInputError("fit_many: several models share one optimizer object, which "
                                "would mix their state. Compile each model with its own, "
                                "e.g. compile(optimizer='sgd', learning_rate=0.1).")
    return models


def _prepare_data(models, X, y, per_model_data):
    """Validate (X, y) once per model (this also builds unbuilt models); return model 0's,
    or with ``per_model_data`` every model's, stacked: (M, n, features), (M, n, outputs)."""
    if not per_model_data:
        prepared = [model._prepare(X, y, None) for model in models]
        return prepared[0][0], prepared[0][1]
    for name, data in (("X", X), ("y", y)):
        if not isinstance(data, list | tuple) or len(data) != len(models):
            raise InvalidInputError(f"fit_many(per_model_data=True): {name} must be a list of "
                                    f"{len(models)} data sets, one per model; got "
                                    f"{type(data).__name__}.")
    prepared = [model._prepare(X_m, y_m, None)
                for model, X_m, y_m in zip(models, X, y, strict=True)]
    shapes = {(p[0].shape, p[1].shape) for p in prepared}
    if len(shapes) > 1:
        raise InvalidInputError(f"fit_many(per_model_data=True): the data sets differ in "
                                f"shape ({', '.join(str(s[0]) for s in sorted(shapes))}); "
                                "every model must train on as many samples as the others.")
    return np.stack([p[0] for p in prepared]), np.stack([p[1] for p in prepared])


def _describe(model):
    layers = ", ".join(f"Dense({layer.units}, {layer.activation.name!r})"
                       for layer in model.layers)
    return f"input {model.input_dim} -> {layers}"


def _check_same_architecture(models):
    first = models[0]
    for m, model in enumerate(models):
        if model.optimizer.scheduled or model.optimizer.clips:
            raise InvalidInputError(f"fit_many: models[{m}]'s optimizer {model.optimizer!r} has "
                                    "a learning-rate schedule or gradient clipping, which "
                                    "fit_many does not run yet; train such models with fit.")
    for m, model in enumerate(models[1:], start=1):
        if model.dtype != first.dtype:
            raise InvalidInputError(f"fit_many: models[{m}] has dtype {model.dtype}, models[0] "
                                    f"{first.dtype}. {FIX}")
        if _describe(model) != _describe(first):
            raise InvalidInputError(f"fit_many: models[{m}] has layers [{_describe(model)}] but "
                                    f"models[0] has [{_describe(first)}]. {FIX}")
        if model.loss.name != first.loss.name:
            raise InvalidInputError(f"fit_many: models[{m}] uses loss={model.loss.name!r}, "
                                    f"models[0] loss={first.loss.name!r}. {FIX}")
        _check_same_optimizer(m, model.optimizer, first.optimizer)


def _check_same_optimizer(m, optimizer, first):
    if type(optimizer) is not type(first):
        raise InvalidInputError(f"fit_many: models[{m}] uses {optimizer!r}, models[0] {first!r}"
                                ". The optimizers may differ in learning_rate only. " + FIX)
    for name in first.hyperparameters:
        if name != "learning_rate" and getattr(optimizer, name) != getattr(first, name):
            raise InvalidInputError(
                f"fit_many: models[{m}] uses {optimizer!r}, models[0] {first!r}: they differ "
                f"in {name}. The optimizers may differ in learning_rate only. {FIX}")
    if optimizer.iterations != first.iterations or set(optimizer.state) != set(first.state):
        raise InvalidInputError(
            f"fit_many: models[{m}]'s optimizer has taken {optimizer.iterations} steps, "
            f"models[0]'s {first.iterations}; stacked models must start from the same point. "
            "Compile every model afresh, or train them the same way first.")
