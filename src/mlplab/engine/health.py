"""Training health: what each layer's weights, gradients and activations do over training.

:class:`TrainingHealth` is a callback. Every ``every`` epochs (and before the first) it
runs the engine's own forward and backward pass (:meth:`Sequential.loss_and_gradients`)
on one fixed batch of the training data, with the model's current weights, and keeps per
Dense layer:

- quantiles of its kernel's weights, of their gradients and of its activations;
- the norm of its gradient (kernel and bias): a deep sigmoid stack's first layers get
  gradients orders of magnitude smaller than its last (vanishing gradients);
- in hidden layers, the fraction of dead ReLUs (units that output 0 for every sample of
  the batch) and of saturated sigmoid/tanh activations (where the derivative is below 1%
  of its peak, so almost no gradient flows back).

It reads nothing from the runner that trains the epochs, so it records the same numbers
whether NumPy's or the compiled runner trains; it listens to epochs only, so it keeps the
compiled runner available. Its pass uses prediction mode (Dropout off) and draws no random
numbers, so training goes exactly as it would without it. It knows nothing of plotting:
:func:`mlplab.viz.plot_training_health` draws what it recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from mlplab._validation import Integer, check, short_repr
from mlplab.engine import fitting
from mlplab.engine.callbacks import Callback, Logs
from mlplab.engine.spec import neuron_layers
from mlplab.errors import InvalidInputError

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the bands drawn: 5-95%, 25-75%, the median
DEAD_ACTIVATIONS = ("relu",)  # a unit that outputs 0 everywhere gets no gradient again
SATURATING_ACTIVATIONS = ("sigmoid", "tanh")
# A saturated activation: its derivative is below this fraction of the derivative's peak
# (sigmoid: a(1-a) < 0.0025, i.e. a < 0.0025 or a > 0.9975; tanh: |a| > 0.995).
SATURATION_LEVEL = 0.01
PEAK_DERIVATIVE = {"sigmoid": 0.25, "tanh": 1.0}
KEYS = ("weights", "gradients", "activations", "gradient_norm", "dead_fraction",
        "saturated_fraction")

if TYPE_CHECKING:
    pass


class TrainingHealth(Callback):
    """Record each layer's health every ``every`` epochs, on a fixed batch of (X, y).

    Parameters
    ----------
    X, y : array-like
        Training data; the records use ``batch_size`` rows of it, evenly spaced.
    every : int
        Record after every ``every``-th epoch (the weights before training are recorded
        first, and the last epoch always).
    batch_size : int
        Rows of (X, y) the pass uses: the cost of one record is one forward and backward
        pass on this many rows.
    quantiles : sequence of float
        Which quantiles of weights, gradients and activations to keep, ascending in [0, 1].

    Attributes
    ----------
    epochs : list of int
        The epochs recorded (0: before training; e: after e epochs).
    layer_names : list of str
        Each Dense layer, e.g. "dense_1 (tanh, 8 units)".
    records : dict of str -> list
        Per record: "weights", "gradients", "activations" (each (n_layers, n_quantiles)),
        "gradient_norm", "dead_fraction", "saturated_fraction" ((n_layers,), NaN where
        the activation cannot die or saturate) and "loss". :meth:`arrays` stacks them.

    Examples
    --------
    >>> health = TrainingHealth(X, y, every=5)          # doctest: +SKIP
    >>> history = model.fit(X, y, epochs=100, callbacks=[health])
    >>> history.health is health                        # fit's History carries it
    True
    """

    def __init__(self, X: ArrayLike, y: ArrayLike, *, every: int = 1, batch_size: int = 256,
                 quantiles: Sequence[float] = QUANTILES):
        self.X, self.y = X, y
        self.every = check(every, "every", Integer(1), owner="TrainingHealth",
                           example="TrainingHealth(X, y, every=10)")
        self.batch_size = check(batch_size, "batch_size", Integer(1), owner="TrainingHealth",
                                example="TrainingHealth(X, y, batch_size=256)")
        self.quantiles = _check_quantiles(quantiles)
        self.epochs: list[int] = []
        self.layer_names: list[str] = []
        self.records: dict[str, list[Any]] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        model = self.model
        X, Y, _ = fitting.prepare(model, self.X, self.y, None, None, ("X", "y"))
        rows = np.unique(np.linspace(0, len(X) - 1, min(self.batch_size, len(X))).astype(int))
        self._batch = (X[rows], Y[rows])
        self._pairs = neuron_layers(model.layers)
        self.layer_names = [f"{dense.name} ({activation.name}, {dense.units} "
                            f"unit{'s' * (dense.units != 1)})" for dense, activation in self._pairs]
        self.epochs, self.records = [], {key: [] for key in (*KEYS, "loss")}
        assert model.history is not None  # fit makes it before any hook
        model.history.health = self  # plot_training_health(history) finds it there
        self._record(0)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self._last_epoch = epoch + 1
        if (epoch + 1) % self.every == 0:
            self._record(epoch + 1)

    def on_train_end(self, logs: Logs | None = None) -> None:
        last = getattr(self, "_last_epoch", None)
        if last is not None and self.epochs[-1] != last:
            self._record(last)

    def _record(self, epoch: int) -> None:
        """One forward and backward pass on the batch with the current weights."""
        X, Y = self._batch
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged model records NaN
            loss, _ = self.model.loss_and_gradients(X, Y, training=False)
            layers = [self._layer_health(dense, activation, hidden=index < len(self._pairs) - 1)
                      for index, (dense, activation) in enumerate(self._pairs)]
        self.epochs.append(epoch)
        self.records["loss"].append(float(loss))
        for key in KEYS:
            self.records[key].append(np.array([layer[key] for layer in layers]))

    def _layer_health(self, dense, activation, hidden):
        """One Dense layer's numbers after the pass: its logits hold this batch's z. The
        output layer neither dies nor saturates: fused with the loss, its gradient is
        ``p - y`` however sure it is (its fractions are NaN)."""
        z = dense.logits  # (n_rows, units)
        a = activation.forward(z)  # what the layer's neurons show
        grad_kernel = dense.gradients[0]
        grad_bias = dense.gradients[1] if len(dense.gradients) > 1 else np.zeros(0)
        return {
            "weights": quantiles(dense.kernel, self.quantiles),
            "gradients": quantiles(grad_kernel, self.quantiles),
            "activations": quantiles(a, self.quantiles),
            "gradient_norm": float(np.sqrt(np.sum(grad_kernel**2) + np.sum(grad_bias**2))),
            "dead_fraction": dead_fraction(activation.name, a) if hidden else np.nan,
            "saturated_fraction": saturated_fraction(activation, z, a) if hidden else np.nan,
        }

    def arrays(self) -> dict[str, Any]:
        """The records as arrays: "epochs" (n_records,), "weights", "gradients",
        "activations" (n_records, n_layers, n_quantiles), "gradient_norm",
        "dead_fraction", "saturated_fraction" (n_records, n_layers), "loss" (n_records,)."""
        if not self.epochs:
            raise InvalidInputError("TrainingHealth has recorded nothing yet: pass it to "
                                    "fit(X, y, callbacks=[health]) first.")
        return {"epochs": np.array(self.epochs), "quantiles": np.array(self.quantiles),
                **{key: np.array(values) for key, values in self.records.items()}}


def quantiles(values, levels):
    """``np.quantile(values, levels)`` (its default, linear rule) in one sort: a fifth of
    the time of numpy's general function on a layer's few thousand numbers."""
    ordered = np.sort(values, axis=None).astype(np.float64)  # flattened
    positions = np.asarray(levels) * (ordered.size - 1)
    below = np.floor(positions).astype(np.int64)
    above = np.minimum(below + 1, ordered.size - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (positions - below)


def dead_fraction(activation_name, a) -> float:
    """The fraction of a ReLU layer's units that output 0 for every row of ``a``
    (n_rows, units); NaN for activations whose units cannot die."""
    if activation_name not in DEAD_ACTIVATIONS:
        return float("nan")
    return float(np.mean(np.all(a == 0, axis=0)))


def saturated_fraction(activation, z, a) -> float:
    """The fraction of activations where the derivative is below SATURATION_LEVEL of its
    peak (computed with the activation's own backward rule); NaN for other activations."""
    if activation.name not in SATURATING_ACTIVATIONS:
        return float("nan")
    derivative = activation.backward(z, a, np.ones_like(a))
    return float(np.mean(derivative < SATURATION_LEVEL * PEAK_DERIVATIVE[activation.name]))


def _check_quantiles(quantiles):
    try:
        values = tuple(float(q) for q in quantiles)
    except (TypeError, ValueError):
        values = ()
    if not values or any(not 0 <= q <= 1 for q in values) or list(values) != sorted(values):
        raise InvalidInputError(f"TrainingHealth(quantiles={short_repr(quantiles)}): give "
                                "ascending numbers in [0, 1], e.g. quantiles=(0.05, 0.5, 0.95).")
    return values
