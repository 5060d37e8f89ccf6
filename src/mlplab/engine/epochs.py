"""Which loop trains an epoch: NumPy's, one train_step per batch, or the compiled one;
and whether the compiled one may run several epochs per call."""

from mlplab.engine.callbacks import History, TerminateOnNaN
from mlplab.errors import InvalidInputError

ENGINES = ("auto", "numpy", "compiled")
# Work (samples x parameters x epochs) of one call running several epochs: ~20-60 ms,
# so Ctrl-C still stops a fit at once (a compiled call cannot be interrupted).
WORK_PER_BLOCK = 20_000_000
# Sample indices of a block's shuffled orders, at most (int64: 8 MB; tiny nets on many
# samples would otherwise draw orders for thousands of epochs at once).
ORDER_ENTRIES = 1 << 20


def choose_epoch_runner(model, engine, batch_listeners, batch_size):
    """Return ``run(X, Y, factor, order, batch_size, outputs, epoch, listeners) -> total``."""
    if engine not in ENGINES:
        raise InvalidInputError(f"engine={engine!r}: use 'auto', 'numpy' or 'compiled'.")
    if engine == "numpy":
        # Decided before importing numba: importing it was measured to slow NumPy's own
        # path by ~25% on E4 (cause not yet known).
        return model.numpy_epoch
    # The compiled epoch runs small steps sample by sample and large ones as one matrix
    # product per layer (compiled.BATCHED_WORK decides); both beat NumPy's per-step calls.
    from mlplab.engine import compiled

    reason = compiled.supports(model)
    if reason is None and any(not isinstance(c, TerminateOnNaN) for c in batch_listeners):
        reason = "a callback needs every step (e.g. WeightSnapshots(unit='step'))"
    if engine == "compiled" and reason:
        raise InvalidInputError(f"engine='compiled' cannot train this model: {reason}. "
                                "Use engine='numpy' or 'auto'.")
    if reason:
        return model.numpy_epoch
    runner = compiled.CompiledEpoch(model)

    def compiled_epoch(X, Y, factor, order, batch_size, outputs, epoch, listeners):
        total, _, bad_start = runner.run(X, Y, factor, order, batch_size, outputs)
        if bad_start >= 0:  # let the NaN guard stop training and say why
            for callback in listeners:
                callback.on_batch_end(model.steps, {"epoch": epoch, "loss": float("nan")})
        return total

    compiled_epoch.runner = runner
    return compiled_epoch


def epoch_blocks(run_epoch, callbacks, validation, verbose, metrics, batch_size, n_samples):
    """``run_epochs(X, Y, factor, orders, batch_size, outputs, totals) -> (ran, bad)``
    training several epochs in one compiled call, with the same numbers, or None when
    the fit needs Python between epochs: validation, metrics, printing, or a callback
    other than the History and the NaN guard (which are told after the call).

    On small nets an epoch's Python (its call, the runner's checks, the logs) is a
    tenth of the epoch: E2's per-sample SGD goes from ~3.6M to ~4M updates/s."""
    runner = getattr(run_epoch, "runner", None)
    if runner is None or verbose or validation is not None or metrics:
        return None
    if any(type(c) not in (History, TerminateOnNaN) for c in callbacks):
        return None
    from mlplab.engine import compiled

    if compiled.chunks_in_threads(batch_size, n_samples):
        return None  # epochs of many chunks: the Python between them is nothing
    return runner.run_epochs


def block_epochs(n_samples, n_parameters, epochs_left):
    """How many epochs one ``run_epochs`` call takes: about ``WORK_PER_BLOCK`` of work,
    and at most ``ORDER_ENTRIES`` sample indices for their orders (8 MB)."""
    work = max(1, n_samples * n_parameters)
    return max(1, min(epochs_left, WORK_PER_BLOCK // work, ORDER_ENTRIES // n_samples))
