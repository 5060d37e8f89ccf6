"""Which loop trains an epoch: NumPy's, one train_step per batch, or the compiled one."""

from mlplab.engine.callbacks import TerminateOnNaN
from mlplab.errors import InvalidInputError

ENGINES = ("auto", "numpy", "compiled")


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

    return compiled_epoch
