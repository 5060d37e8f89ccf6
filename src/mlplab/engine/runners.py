"""Runners: what trains the epochs of a fit, behind one small interface.

``Sequential.fit`` has one epoch loop and does not know which runner it drives::

    for epoch, total in enumerate(runner.epochs(X, Y, factor, orders, batch_size, outputs)):
        ...  # logs, callbacks; parameters and optimizer state are current here

A runner's ``epochs`` is a generator: it trains the epochs whose sample orders
``orders`` (:class:`EpochOrders`) hands out and yields each epoch's loss summed over its
batches (each batch's mean loss times its size). ``outputs[i]`` holds the network's
output for sample ``i`` before the step that used it. After each ``yield`` the model's
parameter arrays and its optimizer's state are those after the epoch: closing the
generator (``break``) stops training there. ``fit_many`` drives its stacks of models the
same way (:mod:`mlplab.engine.many`).

:class:`NumpyRunner` is the engine's own runner, one :meth:`Sequential.train_step` per
batch: it defines the numbers. The compiled runner of :mod:`mlplab.fast` gives the same
numbers faster; this module is the one place where the engine reaches it.
"""

import numpy as np

from mlplab.engine.callbacks import History, TerminateOnNaN
from mlplab.errors import InvalidInputError

ENGINES = ("auto", "numpy", "compiled")


class EpochOrders:
    """The sample order of every epoch of a fit, drawn from ``rng`` one epoch after
    another (so a runner that takes several epochs at once sees the same orders).

    With ``shuffle=False`` every epoch takes the samples in order.
    """

    def __init__(self, rng, n_samples, epochs, shuffle):
        self.rng, self.n_samples, self.left, self.shuffle = rng, n_samples, epochs, shuffle

    def take(self, count=1):
        """The orders of the next ``count`` epochs, shape (count, n_samples); a single
        row (every epoch the same) when not shuffled."""
        assert 0 < count <= self.left
        self.left -= count
        if not self.shuffle:
            return np.arange(self.n_samples)[None, :]
        return np.stack([self.rng.permutation(self.n_samples) for _ in range(count)])


class NumpyRunner:
    """The engine's runner: every batch through ``model.train_step``, batch listeners
    (callbacks with ``wants_batches``) told after each step."""

    name = "numpy"
    reason: str | None  # why this runner trains the model (set by choose_runner)

    def __init__(self, model, batch_listeners):
        self.model, self.listeners = model, batch_listeners

    def epochs(self, X, Y, factor, orders, batch_size, outputs):
        """Yield each epoch's summed batch losses (see the module docstring)."""
        model, epoch = self.model, 0
        while orders.left and not model.stop_training:
            order = orders.take()[0]
            total = 0.0
            for start in range(0, X.shape[0], batch_size):
                index = order[start:start + batch_size]
                loss, outputs[index] = model.train_step(
                    X[index], Y[index], None if factor is None else factor[index])
                total += loss * len(index)
                for callback in self.listeners:
                    callback.on_batch_end(model.steps, {"epoch": epoch, "loss": loss})
                if model.stop_training:
                    break
            yield total
            epoch += 1


def choose_runner(model, engine, batch_listeners, callbacks, quiet, sparse=False):
    """The runner of ``model.fit(..., engine=engine)``: :class:`NumpyRunner`, or the
    compiled runner when ``engine`` is "auto" or "compiled" and it can train the model.

    ``quiet``: nothing but ``callbacks`` looks at the model between epochs (no
    validation, metrics or printing), so the compiled runner may train several epochs
    per call when ``callbacks`` are only the History and the NaN guard. ``sparse``: X is
    a scipy sparse matrix, which only the NumPy runner takes. Sets
    ``runner.reason``: why the NumPy runner trains, or None.
    """
    if engine not in ENGINES:
        raise InvalidInputError(f"engine={engine!r}: use 'auto', 'numpy' or 'compiled'.")
    if engine == "numpy":
        # Decided before importing numba: importing it was measured to slow NumPy's own
        # path by ~25% on E4 (cause not yet known).
        return _numpy_runner(model, batch_listeners, "engine='numpy' was asked for")
    if sparse and engine == "compiled":
        raise InvalidInputError("engine='compiled' cannot train on a sparse X; use "
                                "engine='auto' (the NumPy runner takes it) or X.toarray().")
    if sparse:
        return _numpy_runner(model, batch_listeners, "X is sparse (the first layer's product "
                             "is a sparse one)")
    from mlplab.fast import epochs as compiled

    reason = compiled.supports(model)
    if reason is None and any(not isinstance(c, TerminateOnNaN) for c in batch_listeners):
        reason = "a callback needs every step (e.g. WeightSnapshots(unit='step'))"
    if engine == "compiled" and reason:
        raise InvalidInputError(f"engine='compiled' cannot train this model: {reason}. "
                                "Use engine='numpy' or 'auto'.")
    if reason:
        return _numpy_runner(model, batch_listeners, reason)
    blocks = quiet and all(type(c) in (History, TerminateOnNaN) for c in callbacks)
    _announce_compiling()
    runner = compiled.CompiledRunner(model, batch_listeners, blocks)
    runner.reason = None
    return runner


def _numpy_runner(model, batch_listeners, reason):
    runner = NumpyRunner(model, batch_listeners)
    runner.reason = reason
    return runner


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
    _announce_compiling()
    if engine == "auto" and not stack.pays_off(models[0]):
        return many.CompiledModels(models, X, Y)
    return stack.LaneStack(models, X, Y)


def full_batch_objective(model, engine, sparse=False):
    """What L-BFGS evaluates (:mod:`mlplab.engine.lbfgs`): ``evaluate(X, Y, factor) ->
    (loss, outputs, gradient)`` at ``model``'s current parameters, over every row (the
    gradient flat, in the order of ``model.parameter_buffer``). The engine's own
    :meth:`Sequential.loss_and_gradients`, or the compiled kernels' same numbers when
    ``engine`` is "auto" or "compiled" and they can compute this model's. Returns
    (evaluate, runner name, why the NumPy one evaluates or None). ``sparse``: X is a
    scipy sparse matrix, which only the NumPy one takes."""
    if engine not in ENGINES:
        raise InvalidInputError(f"engine={engine!r}: use 'auto', 'numpy' or 'compiled'.")

    def numpy_objective(X, Y, factor):
        loss, outputs = model.loss_and_gradients(X, Y, factor)
        return loss, outputs, np.concatenate([g.ravel() for g in model.gradients()])

    if engine == "numpy":
        return numpy_objective, "numpy", "engine='numpy' was asked for"
    from mlplab.fast import objective

    reason = "X is sparse" if sparse else objective.supports(model)
    if engine == "compiled" and reason:
        raise InvalidInputError(f"engine='compiled' cannot evaluate this model: {reason}. "
                                "Use engine='numpy' or 'auto'.")
    if reason:
        return numpy_objective, "numpy", reason
    _announce_compiling()
    return objective.CompiledObjective(model), "compiled", None


def _announce_compiling():
    """Tell the user, once, when numba is about to compile the kernels (see fast/warmup)."""
    from mlplab.fast import warmup

    warmup.announce()
