"""fit_many's compiled stack for small nets: M models in (M, n_parameters) arrays,
trained by the lane kernels of :mod:`mlplab.fast.lanes`, one call per epoch."""

import numpy as np

from mlplab.fast import epochs as compiled
from mlplab.fast import lanes, tables, threads
from mlplab.fast.epochs import stack_epochs
from mlplab.fast.lanes import CHUNK

# Parameters per model up to which fit_many's "auto" trains in this compiled loop
# rather than with NumPy's batched matmuls. Measured on 2 cores, 10 models (ms per
# epoch, compiled vs NumPy): a 2-16-16-1 net (337 parameters) 1.8 vs 2.2 at batch 100
# and 1.8 vs 2.7 at 1000; E5's 2-4-4-2 (42) 4.9 vs 10; E4's 2-25-50-50-25-1 (5226)
# 5.8 vs 3.1 at batch 16 and 3.3 vs 2.8 at 160. The batch size hardly moves the
# crossover: NumPy's per-step overhead is paid per layer, its matmuls beat these
# loops on wide layers.
LANE_PARAMETERS = 1_000
# Work per epoch (samples x parameters x models) from which the models train in
# threads.WORKERS threads, each a group of them. Measured on 2 cores, E5's 2-4-4-2 net
# (42 parameters), 10 models, batch 100, ms per epoch with 1 and 2 threads: 10 000
# samples (work 4.2M) 5.0 vs 3.5; 1 000 (420k) 0.66 vs 0.57-0.90; 200 (84k) 0.24 vs 0.36.
THREADED_WORK = 1_000_000


def supports(model) -> str | None:
    """Why models like ``model`` cannot train in lanes, or None if they can: the same
    activations, losses and optimizers as the single-model kernels."""
    return compiled.supports(model)


def pays_off(model) -> bool:
    """Whether this loop beats NumPy's batched matmuls on models like ``model``."""
    return sum(p.size for p in model.parameters()) <= LANE_PARAMETERS


class LaneStack:
    """M models of one architecture in (M, n_parameters) arrays, trained by one
    compiled call per epoch.

    ``run_epoch(order, batch_size)`` trains every model for one epoch and returns
    ``logs_of(m)``: model m's loss and metrics over that epoch, each sample's taken
    before its batch's step, as ``fit`` logs them; ``blocks(batch_size)`` trains
    blocks of epochs per call when no metrics are asked. ``write_back(models)``
    copies the weights and optimizer state into the models.

    Row m of ``params`` holds model m's parameters in ``model.parameters()`` order,
    each kernel row-major: weight (i, j) of layer l sits at ``offsets[2 l] + i *
    fan_out + j``, its bias j at ``offsets[2 l + 1] + j``. ``first`` and ``second``
    hold the optimizer state in the same layout (SGD's velocity, or Adam's moments).
    """

    def __init__(self, models, X, Y):
        first = models[0]
        self.models, self.X, self.Y = models, X, Y
        self.loss_code = tables.loss_code(first.loss)
        self.optimizer_code = tables.optimizer_code(first.optimizer)
        self.optimizer = first.optimizer
        self.iterations, self.steps = first.optimizer.iterations, 0
        self.params = _stack([model.parameters() for model in models])  # (M, n_parameters)
        self.state_names = first.optimizer.state_names()
        state = [_stack([_state(model, name) for model in models]) for name in self.state_names]
        unused = [np.zeros_like(self.params) for _ in range(2 - len(state))]
        self.first, self.second = state + unused
        self.rates = np.array([model.optimizer.learning_rate for model in models],
                              dtype=first.dtype)
        self.settings = tables.settings(self.optimizer, first.dtype)
        (self.offsets, self.fan_in, self.fan_out, self.codes, self.act_offsets,
         self.act_params) = compiled.layout(first)
        self.gradients = np.zeros_like(self.params)
        self.losses = np.zeros(len(models))  # summed in float64, as fit sums its batch losses
        # Metrics need every output: (M, n_samples, k), by sample index, not by order.
        with_outputs = any(model.metrics for model in models)
        self.outputs = np.zeros((len(models), len(X) if with_outputs else 0, Y.shape[1]),
                                dtype=first.dtype)

    def run_epoch(self, order, batch_size):
        """Train every model for one epoch on the batches of ``order``; return
        ``logs_of(m)``, model m's loss and metrics over the epoch."""
        order = np.asarray(order, dtype=np.int64)[None, :]
        self.losses[:] = self._train(order, 1, batch_size)[:, 0]
        return self._logs_of

    def blocks(self, batch_size):
        """``run_epochs(orders, count) -> logs_of(m, e)`` training every model for
        ``count`` epochs in one call (epoch e in ``orders[e]``, or ``orders[0]`` for
        all), the numbers of ``count`` calls of ``run_epoch``; or None when metrics
        need every epoch's outputs. A call per block saves each epoch's Python and
        hand-over to the threads (~60 us)."""
        if self.outputs.shape[1] > 0:
            return None
        n_samples = len(self.X)

        def run_epochs(orders, count):
            losses = self._train(orders, count, batch_size)
            return lambda m, e: {"loss": float(losses[m, e] / n_samples)}

        return run_epochs

    def _train(self, orders, count, batch_size):
        """Train every model for ``count`` epochs in one compiled call, epoch e in the
        order ``orders[e]`` (or ``orders[0]`` for all); return each model's loss of each
        epoch, summed over its samples, (M, count).

        Models never mix, so groups of them train in threads at once (``_groups``),
        each model with the same numbers as when all run in one thread.
        """
        n_samples = len(self.X)
        n_steps = -(-n_samples // batch_size) * count
        corrections = self._corrections(n_steps)
        losses = np.zeros((len(self.models), count))  # in float64, as fit sums its losses

        def train(group):
            a, b = group
            activations, deltas = self._chunk_buffers(batch_size)
            lanes._epochs(self.X, self.Y, orders, batch_size, self.params[a:b],
                          self.first[a:b], self.second[a:b], self.gradients[a:b],
                          self.rates[a:b], corrections, self.settings, self.offsets,
                          self.fan_in, self.fan_out, self.act_offsets, self.codes,
                          self.act_params, self.loss_code, self.optimizer_code, activations,
                          deltas, losses[a:b], self.outputs[a:b])

        self._share(train, n_samples)
        self.iterations += n_steps
        self.steps += n_steps
        return losses

    def epochs(self, orders, batch_size):
        """Yield ``logs_of(m)`` per epoch (see :func:`mlplab.fast.epochs.stack_epochs`)."""
        return stack_epochs(self, orders, batch_size)

    def _chunk_buffers(self, batch_size):
        """Each layer's activations (then the logits, 3 rows of per-sample sums and the
        targets) and dL/dz for a chunk of samples: a row per unit, the samples along."""
        k = int(self.fan_out[-1])
        rows = (int(self.act_offsets[-1]) + 2 * k + 3) * min(batch_size, CHUNK)
        return (np.empty(rows, dtype=self.params.dtype) for _ in "ad")

    def _share(self, train, n_samples):
        """``train((first, stop))`` for each group of models (``_groups``), on threads
        when there are several."""
        groups = self._groups(n_samples)
        if len(groups) == 1:
            train(groups[0])
        else:
            threads.run_in_threads(train, groups)

    def _groups(self, n_samples):
        """(first, stop) model ranges, one per thread: as many as ``threads.WORKERS``
        when an epoch holds enough work to pay for the threads, else one."""
        n_models = self.params.shape[0]
        work = n_samples * self.params.shape[1] * n_models
        n_threads = min(threads.WORKERS, n_models) if work >= THREADED_WORK else 1
        bounds = np.linspace(0, n_models, n_threads + 1).round().astype(int)
        return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def _corrections(self, n_steps):
        """Adam's bias corrections ``1 - beta**t`` for the coming steps, (n_steps, 2),
        computed as the Adam class computes them (numba's power may round otherwise)."""
        if self.optimizer.name not in ("adam", "keras_adam"):
            return np.zeros((n_steps, 2), dtype=self.params.dtype)
        beta_1, beta_2 = self.optimizer.beta_1, self.optimizer.beta_2
        steps = range(self.iterations + 1, self.iterations + n_steps + 1)
        return np.array([(1.0 - beta_1**t, 1.0 - beta_2**t) for t in steps],
                        dtype=self.params.dtype)

    def _logs_of(self, m):
        model = self.models[m]
        logs = {"loss": float(self.losses[m] / len(self.X))}
        if model.metrics:
            outputs, activation = self.outputs[m], model.output_activation
            logs.update({name: fn(outputs, self.Y, activation) for name, fn in model.metrics})
        return logs

    def write_back(self, models):
        """Copy each model's row of weights and optimizer state into the model."""
        spans = list(zip(self.offsets[:-1], self.offsets[1:], strict=True))
        for m, model in enumerate(models):
            parameters = model.parameters()
            for target, (a, b) in zip(parameters, spans, strict=True):
                target[...] = self.params[m, a:b].reshape(target.shape)
            model.optimizer.iterations = self.iterations
            model.steps += self.steps
            for name, stacked in zip(self.state_names, (self.first, self.second), strict=False):
                for i, (target, (a, b)) in enumerate(zip(parameters, spans, strict=True)):
                    model.optimizer.state[(i, name)][...] = stacked[m, a:b].reshape(
                        target.shape)




def _state(model, name):
    """Model's state arrays ``name``, one per parameter; zeros where it has none yet."""
    return [model.optimizer.state.get((i, name), np.zeros_like(p))
            for i, p in enumerate(model.parameters())]


def _stack(per_model):
    """(M, n_parameters): model m's arrays, flattened end to end, as row m."""
    return np.stack([np.concatenate([np.ravel(a) for a in arrays]) for arrays in per_model])

