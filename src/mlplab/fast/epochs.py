"""The compiled runner of one model's epochs: binds a Sequential to :mod:`mlplab.fast.kernels`.

``Sequential.fit`` uses it when numba is installed and the model qualifies (see
:func:`supports`); ``engine="numpy"`` forces the NumPy runner, which tests compare it with.
"""

import numpy as np

from mlplab.engine.spec import dense_stack
from mlplab.fast import kernels, tables, threads
from mlplab.fast.kernels import BATCHED_WORK, CHUNK, GROUP_CHUNKS

numba = kernels.numba

# Work (samples x parameters x epochs) of one call running several epochs: ~20-60 ms,
# so Ctrl-C still stops a fit at once (a compiled call cannot be interrupted).
WORK_PER_BLOCK = 20_000_000
# Sample indices of a block's shuffled orders, at most (int64: 8 MB; tiny nets on many
# samples would otherwise draw orders for thousands of epochs at once).
ORDER_ENTRIES = 1 << 20

def chunks_in_threads(batch_size, n_samples):
    """Whether ``CompiledEpoch.run`` shares each batch's groups of chunks among threads:
    when there are threads to share them and a batch holds two groups or more."""
    return threads.WORKERS > 1 and min(batch_size, n_samples) >= 2 * CHUNK * GROUP_CHUNKS


def available() -> bool:
    return numba is not None


def supports(model) -> str | None:
    """Why ``model`` cannot use the compiled runner, or None if it can."""
    if numba is None:
        return "numba is not installed"
    return tables.supports(model)


class CompiledEpoch:
    """Binds a model to the compiled kernels; ``run`` trains one epoch.

    The kernels work on flat arrays: the model's own ``parameter_buffer`` (every kernel
    and bias end to end, row-major) and its optimizer's ``buffers`` (each kind of state
    in the same layout), which the model's and the optimizer's arrays are views of (see
    :mod:`mlplab.engine.flat`). So the kernels update the model in place, as the NumPy
    runner does, and nothing is copied or swapped. The model and its optimizer must be
    built (``Sequential.fit`` builds them before it chooses a runner).
    """

    def __init__(self, model):
        dense = [layer for layer, _ in dense_stack(model.layers)]
        self.model = model
        optimizer = model.optimizer
        self.params = model.parameter_buffer
        # The kernels take two state arrays (SGD's velocity; Adam's m and v); scratch
        # where the optimizer keeps fewer.
        state = [optimizer.buffers[name] for name in optimizer.state_names()]
        self.first, self.second = state + [np.zeros_like(self.params)
                                           for _ in range(2 - len(state))]
        (self.offsets, self.fan_in, self.fan_out, self.codes, self.act_offsets,
         self.act_params) = layout(model)
        self.l1 = np.array([_reg(layer, "l1") for layer in dense])
        self.l2 = np.array([_reg(layer, "l2") for layer in dense])
        self.opt_code = tables.optimizer_code(optimizer)
        self.loss_code = tables.loss_code(model.loss)
        self.settings = tables.settings(optimizer)
        self._ones = np.ones(0)
        self._scratch = np.zeros(0)
        self._buffers = []  # _threaded_epoch's, per thread

    def run(self, X, Y, factor, order, batch_size, outputs):
        """Train one epoch; return (summed loss x batch sizes, steps, start of a NaN batch)."""
        factor = self._factor(X, factor)
        order = np.asarray(order, dtype=np.int64)  # no copy when it is already
        optimizer = self.model.optimizer
        settings = self._settings(optimizer, -(-len(X) // batch_size))
        if chunks_in_threads(batch_size, len(X)):
            total, steps, bad = self._threaded_epoch(X, Y, factor, order, batch_size, outputs,
                                                     settings)
        else:
            # Per-sample loops win on small work; above it, batch matrix products (BLAS).
            per_sample = batch_size * len(self.params) <= BATCHED_WORK
            kernel = kernels._epoch if per_sample else kernels._batch_epoch
            total, steps, bad = kernel(
                X, Y, factor, order, batch_size, self.params, self.first, self.second,
                self.offsets, self.fan_in, self.fan_out, self.act_offsets, self.codes,
                self.act_params, self.loss_code, self.l1, self.l2, self.opt_code,
                settings, optimizer.iterations, outputs, self._work(Y), CHUNK,
                GROUP_CHUNKS)
        optimizer.iterations += steps
        self.model.steps += steps
        return total, steps, bad

    def run_epochs(self, X, Y, factor, orders, batch_size, outputs, totals):
        """Train ``len(totals)`` epochs in one compiled call, epoch e in the order
        ``orders[e]`` (or ``orders[0]`` for every epoch when there is one row); write
        each epoch's summed loss into ``totals``. Return (epochs run, start of a NaN
        batch in the last one, or -1). Per-epoch calls of ``run`` give the same numbers;
        this saves their Python overhead (~8 us an epoch), which on small nets is a
        tenth of the epoch. Not for batches that ``run`` would share among threads."""
        factor = self._factor(X, factor)
        optimizer = self.model.optimizer
        settings = self._settings(optimizer, len(totals) * -(-len(X) // batch_size))
        per_sample = batch_size * len(self.params) <= BATCHED_WORK
        kernel = kernels._epochs_per_sample if per_sample else kernels._epochs_batched
        ran, steps, bad = kernel(
            X, Y, factor, orders, batch_size, self.params, self.first,
            self.second, self.offsets, self.fan_in, self.fan_out, self.act_offsets,
            self.codes, self.act_params, self.loss_code, self.l1, self.l2, self.opt_code,
            settings, optimizer.iterations, outputs, self._work(Y), CHUNK, GROUP_CHUNKS,
            totals)
        optimizer.iterations += steps
        self.model.steps += steps
        return ran, bad

    def _settings(self, optimizer, n_steps):
        """The settings of a call of ``n_steps`` steps, read again every call: a callback
        may have changed the rate; a schedule's rates are the call's own."""
        if optimizer.scheduled:
            return tables.step_settings(optimizer, n_steps)
        self.settings[0] = optimizer.learning_rate
        return self.settings

    def epochs_per_block(self, n_samples, epochs_left):
        """Epochs per ``run_epochs`` call (see :func:`block_epochs`)."""
        return block_epochs(n_samples, len(self.params), epochs_left)

    def _work(self, Y):
        """The per-sample loop's scratch (its gradient, activations, dL/dz and logits),
        kept here: the kernel reads it through a borrowed view (see ``_borrowed``)."""
        size = len(self.params) + 2 * int(self.act_offsets[-1]) + Y.shape[1]
        if self._scratch.size != size:
            self._scratch = np.zeros(size, dtype=self.params.dtype)
        return self._scratch

    def _factor(self, X, factor):
        """The sample weights as the kernels take them: one per row, ones if None."""
        if factor is None:  # no sample weights: ones, made once (epochs can be ~100 us)
            if len(self._ones) != len(X) or self._ones.dtype != X.dtype:
                self._ones = np.ones(len(X), dtype=X.dtype)
            return self._ones
        return factor[:, 0]

    def _threaded_epoch(self, X, Y, factor, order, batch_size, outputs, settings):
        """``_batch_epoch`` with the groups of chunks of each batch shared by ``threads.WORKERS``
        threads.

        Every group's gradient is found whole (as ``_batch_epoch`` finds it) and the
        gradients are added in group order, so the numbers do not depend on how many
        threads there are: they equal ``_batch_epoch``'s bit for bit.
        """
        loss_code = self.loss_code
        P, S1, S2 = self.params, self.first, self.second
        iterations = self.model.optimizer.iterations
        width, k = int(self.act_offsets[-1]), Y.shape[1]
        if len(self._buffers) != threads.WORKERS or self._buffers[0][2].size != CHUNK * width:
            # Each thread's arrays, kept from epoch to epoch: megabytes taken afresh
            # would cost a page fault per 4 kB every epoch.
            self._buffers = [(np.empty_like(P), np.empty_like(P),
                              np.empty(CHUNK * width, P.dtype),
                              np.empty(CHUNK * width, P.dtype), np.empty((CHUNK, k), P.dtype))
                             for _ in range(threads.WORKERS)]
        buffers = self._buffers
        G, PT = np.zeros_like(P), np.empty_like(P)
        total, steps = 0.0, 0
        group_rows = CHUNK * GROUP_CHUNKS

        def group(job):
            worker, first, stop, count = job
            gradient, part, A, D, logits = buffers[worker]
            return kernels._group_gradients(
                X, Y, factor, order, first, min(first + group_rows, stop), count, CHUNK, P,
                PT, gradient, part, A, D, logits, self.offsets, self.fan_in,
                self.fan_out, self.act_offsets, self.codes, self.act_params, loss_code, outputs)

        with threads.one_blas_thread():
            for start in range(0, len(X), batch_size):
                stop = min(start + batch_size, len(X))
                count = stop - start
                firsts = list(range(start, stop, group_rows))
                G[:] = 0.0
                batch_loss = 0.0
                kernels._transpose_kernels(P, PT, self.offsets, self.fan_in, self.fan_out)
                for at in range(0, len(firsts), threads.WORKERS):  # a round: one group per thread
                    jobs = [(worker, first, stop, count)
                            for worker, first in enumerate(firsts[at:at + threads.WORKERS])]
                    for worker, loss in enumerate(threads.run_in_threads(group, jobs)):  # in order
                        batch_loss += loss
                        G += buffers[worker][0]
                added, finite = kernels._finish_batch(
                    batch_loss, count, P, G, S1, S2, self.offsets, self.l1, self.l2,
                    self.opt_code, settings, iterations + steps + 1)
                total += added
                if not finite:
                    return total, steps, start
                steps += 1
        return total, steps, -1



def layout(model):
    """How the kernels find a Dense stack in flat buffers, as int64 arrays:
    ``offsets`` (where each kernel and bias starts among the parameters, and the total),
    ``fan_in`` and ``fan_out`` per layer, the activation ``codes``, ``act_offsets``
    (where each layer's activations start, input first, and their total width); and the
    activations' constants ``act_params`` (in the model's dtype)."""
    sizes = [p.size for p in model.parameters()]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    stack = dense_stack(model.layers)  # Dense layers with their activations
    fan_in = np.array([layer.kernel.shape[0] for layer, _ in stack], dtype=np.int64)
    fan_out = np.array([layer.units for layer, _ in stack], dtype=np.int64)
    codes = np.array([tables.activation_code(activation) for _, activation in stack],
                     dtype=np.int64)
    widths = np.concatenate([[model.input_dim], fan_out])
    act_offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    act_params = np.array([tables.activation_parameter(activation) for _, activation in stack],
                          dtype=model.dtype)
    return offsets, fan_in, fan_out, codes, act_offsets, act_params


def _reg(layer, name):
    regularizer = layer.kernel_regularizer
    return 0.0 if regularizer is None else float(getattr(regularizer, name))


class CompiledRunner:
    """The compiled runner of one model's epochs, with the interface of
    :mod:`mlplab.engine.runners`: each epoch one call of :class:`CompiledEpoch`'s
    kernels, or, with ``blocks`` (nothing looks at the model between epochs but the
    History and the NaN guard), several epochs per call, with the same numbers.

    On small nets an epoch's Python (its call, the runner's checks, the logs) is a tenth
    of the epoch: blocks take E2's per-sample SGD from ~3.6M to ~4M updates/s. The
    batch listeners (only the NaN guard may be one) hear of a batch whose loss is not
    finite, at the end of its epoch.
    """

    name = "compiled"
    reason: str | None  # None: nothing kept the model from this runner (choose_runner)

    def __init__(self, model, batch_listeners, blocks):
        self.model, self.listeners, self.blocks = model, batch_listeners, blocks
        self.compiled = CompiledEpoch(model)

    def epochs(self, X, Y, factor, orders, batch_size, outputs):
        """Yield each epoch's summed batch losses (see :mod:`mlplab.engine.runners`)."""
        compiled, epoch = self.compiled, 0
        # Epochs of many chunks on threads: the Python between them is nothing.
        blocks = self.blocks and not chunks_in_threads(batch_size, len(X))
        while orders.left:
            if blocks:
                totals = np.empty(compiled.epochs_per_block(len(X), orders.left))
                ran, bad = compiled.run_epochs(X, Y, factor, orders.take(len(totals)),
                                               batch_size, outputs, totals)
            else:
                totals = np.empty(1)
                totals[0], _, bad = compiled.run(X, Y, factor, orders.take()[0], batch_size,
                                                 outputs)
                ran = 1
            for done in range(ran):
                if done == ran - 1 and bad >= 0:  # the NaN guard stops training, says why
                    for callback in self.listeners:
                        callback.on_batch_end(self.model.steps,
                                              {"epoch": epoch, "loss": float("nan")})
                yield float(totals[done])
                epoch += 1


def block_epochs(n_samples, n_parameters, epochs_left):
    """How many epochs one ``run_epochs`` call takes: about ``WORK_PER_BLOCK`` of work,
    and at most ``ORDER_ENTRIES`` sample indices for their orders (8 MB)."""
    work = max(1, n_samples * n_parameters)
    return max(1, min(epochs_left, WORK_PER_BLOCK // work, ORDER_ENTRIES // n_samples))


def stack_epochs(stack, orders, batch_size):
    """``epochs(orders, batch_size)`` of fit_many's compiled stacks (the interface of
    :mod:`mlplab.engine.runners`): yield ``logs_of(m)`` per epoch, model m's loss and
    metrics over it (None once it stopped), training blocks of epochs per call when
    ``stack.blocks(batch_size)`` allows (the same orders, drawn in the same sequence)."""
    blocks = stack.blocks(batch_size)
    n_samples = len(stack.X)
    while orders.left:
        if blocks is None:
            yield stack.run_epoch(orders.take()[0], batch_size)
            continue
        count = stack_block_epochs(stack.models, n_samples, orders.left)
        logs_of = blocks(orders.take(count), count)
        for done in range(count):
            yield lambda m, e=done, block=logs_of: block(m, e)


def stack_block_epochs(models, n_samples, epochs_left):
    """Epochs per block of fit_many's compiled stacks: about the work of one fit's block
    per thread."""
    n_threads = min(threads.WORKERS, len(models))
    return block_epochs(n_samples, models[0].count_params() * len(models) // n_threads,
                        epochs_left)
