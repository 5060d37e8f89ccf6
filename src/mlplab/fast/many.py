"""fit_many's compiled path for nets too large for the lanes: each model in its own
compiled epochs (its ``fit``'s numbers), groups of models on threads."""

import numpy as np

from mlplab.fast import threads
from mlplab.fast.epochs import CompiledEpoch, chunks_in_threads, stack_epochs


class CompiledModels:
    """Models too large for the lanes, each in its own compiled epoch (as its ``fit``
    runs it: the same bits), groups of models on threads of their own.

    On such nets the arithmetic is one BLAS product per layer and there is little
    call overhead to share, so the gain of training them together is the cores: each
    thread takes a group of models, with one-thread BLAS. (E4's net, full batch of 160,
    10 models, 2 cores: 1.8 ms per epoch for NumPy's stacked matmuls, 1.65 for separate
    fits, ~0.9 here.) Batches large enough for ``fit``'s own threads (chunks of one
    batch on several threads) run one model at a time instead.
    """

    def __init__(self, models, X, Y):
        self.models, self.X, self.Y = models, X, Y
        self.runners = [CompiledEpoch(model) for model in models]
        self.outputs = np.empty((len(models), len(X), Y.shape[1]), dtype=X.dtype)
        self.totals = np.zeros(len(models))
        self.stopped = [False] * len(models)  # a loss became NaN: as its fit, no more steps

    def run_epoch(self, order, batch_size):
        """Train every model for one epoch on the batches of ``order``; return
        ``logs_of(m)``, model m's loss and metrics over the epoch."""
        def train(m):
            self.totals[m], _, bad = self.runners[m].run(self.X, self.Y, None, order,
                                                         batch_size, self.outputs[m])
            return bad

        self._share(train, batch_size)
        return self._logs_of

    def blocks(self, batch_size):
        """``run_epochs(orders) -> logs_of(m, e)`` training every model for
        ``len(orders)`` epochs per call (each model's ``run_epochs``: its fit's
        numbers), or None when an epoch needs Python: metrics, or batches that
        ``fit`` shares among threads. One call per block instead of per epoch saves
        the threads' hand-over (~60 us here) and the Python of every model's epoch.
        """
        if any(model.metrics for model in self.models) or chunks_in_threads(
                batch_size, len(self.X)):
            return None
        ran = [0] * len(self.models)

        def run_epochs(orders, count):
            totals = np.full((len(self.models), count), np.nan)

            def train(m):
                ran[m], bad = self.runners[m].run_epochs(self.X, self.Y, None, orders,
                                                         batch_size, self.outputs[m],
                                                         totals[m])
                return bad

            ran[:] = [0] * len(self.models)
            self._share(train, batch_size)
            return lambda m, e: ({"loss": totals[m, e] / len(self.X)} if e < ran[m]
                                 else None)

        return run_epochs

    def epochs(self, orders, batch_size):
        """Yield ``logs_of(m)`` per epoch (see :func:`mlplab.fast.epochs.stack_epochs`)."""
        return stack_epochs(self, orders, batch_size)

    def _share(self, train, batch_size):
        """``train(m)`` (returning a NaN batch's start, or -1) for every model that has
        not stopped, groups of models on threads; each runner counts its steps."""

        def train_group(group):
            for m in group:
                if not self.stopped[m]:
                    self.stopped[m] = train(m) >= 0

        n_threads = min(threads.WORKERS, len(self.models))
        if n_threads == 1 or chunks_in_threads(batch_size, len(self.X)):
            train_group(range(len(self.models)))
        else:
            groups = np.array_split(np.arange(len(self.models)), n_threads)
            with threads.one_blas_thread():
                threads.run_in_threads(train_group, groups)

    def _logs_of(self, m):
        model = self.models[m]
        return {"loss": self.totals[m] / len(self.X),
                **model._metric_logs(self.outputs[m], self.Y)}

    def write_back(self, models):
        """Nothing to copy: each model trained its own arrays (and counted its steps)."""
