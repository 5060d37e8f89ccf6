"""Which loop trains an epoch: NumPy's, one train_step per batch, or the compiled one."""

from mlplab.engine.callbacks import TerminateOnNaN
from mlplab.errors import InvalidInputError

# Above this many (samples per step x parameters), NumPy's BLAS matrix products beat the
# compiled per-sample loops (measured: E4's full batch is 3x faster in NumPy; per-sample
# SGD on small nets 100x faster compiled; the two break even near 40 000).
COMPILED_WORK_LIMIT = 40_000
ENGINES = ("auto", "numpy", "compiled")


def choose_epoch_runner(model, engine, batch_listeners, batch_size):
    """Return ``run(X, Y, factor, order, batch_size, outputs, epoch, listeners) -> total``."""
    if engine not in ENGINES:
        raise InvalidInputError(f"engine={engine!r}: use 'auto', 'numpy' or 'compiled'.")
    too_big = batch_size * model.count_params() > COMPILED_WORK_LIMIT
    if engine == "numpy" or (engine == "auto" and too_big):
        # Decided before importing numba: importing it was measured to slow NumPy's own
        # path by ~25% on E4 (cause not yet known).
        return model.numpy_epoch
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
