"""Which runner trains a model's epochs: the NumPy engine's own, one ``train_step`` per
batch, or the compiled one of :mod:`mlplab.fast` (the same numbers, faster on small nets).

This is the one place where the engine reaches into :mod:`mlplab.fast`.
"""

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
    from mlplab.fast import epochs as compiled

    reason = compiled.supports(model)
    if reason is None and any(not isinstance(c, TerminateOnNaN) for c in batch_listeners):
        reason = "a callback needs every step (e.g. WeightSnapshots(unit='step'))"
    if engine == "compiled" and reason:
        raise InvalidInputError(f"engine='compiled' cannot train this model: {reason}. "
                                "Use engine='numpy' or 'auto'.")
    if reason:
        return model.numpy_epoch
    return compiled.epoch_runner(model)


def epoch_blocks(run_epoch, callbacks, validation, verbose, metrics, batch_size, n_samples):
    """The compiled runner, whose ``run_epochs`` trains several epochs per call (the same
    numbers), or None: see :func:`mlplab.fast.epochs.epoch_blocks`."""
    if getattr(run_epoch, "runner", None) is None:
        return None
    from mlplab.fast import epochs as compiled

    return compiled.epoch_blocks(run_epoch, callbacks, validation, verbose, metrics,
                                 batch_size, n_samples)


def compiled_stack(models, X, Y, engine):
    """fit_many's compiled stack for ``models`` (``engine`` "auto" or "compiled"), or None
    when they cannot train compiled and "auto" lets the NumPy stack train them."""
    from mlplab.fast import many, stack

    reason = stack.supports(models[0])
    if engine == "compiled" and reason:
        raise InvalidInputError(f"fit_many(engine='compiled') cannot train these models: "
                                f"{reason}. Use engine='numpy' or 'auto'.")
    if reason:
        return None
    if engine == "auto" and not stack.pays_off(models[0]):
        return many.CompiledModels(models, X, Y)
    return stack.LaneStack(models, X, Y)
