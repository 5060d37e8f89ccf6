"""L-BFGS: full-batch training with scipy's L-BFGS-B on the flat parameter vector.

SGD and Adam take one step per batch from the gradient alone. L-BFGS looks at the whole
data set each time: it estimates the loss's curvature from its last ``memory`` steps and
the change of the gradient along them, and searches along the direction that estimate
gives for a step that lowers the loss enough (a line search: one or more loss
evaluations per iteration). On small data sets it reaches a minimum in far fewer
evaluations than gradient descent, which is why scikit-learn recommends it there.

The model keeps every parameter in one flat array (``Sequential.parameter_buffer``:
kernel, bias, layer after layer), so scipy sees one vector ``w``::

    def objective(w):                                   # float64, (n_parameters,)
        model.parameter_buffer[...] = w
        loss, outputs = model.loss_and_gradients(X, Y, factor)
        return loss, concatenate(model.gradients())     # the same order as w

    scipy.optimize.minimize(objective, w0, jac=True, method="L-BFGS-B",
                            options={"maxiter": maxiter, "maxfun": maxfun,
                                     "gtol": tol, "maxcor": memory})

as scikit-learn's ``MLPClassifier(solver="lbfgs")`` calls it. scipy stops when the
largest entry of the gradient is at most ``tol`` in absolute value, when an iteration
lowers the loss by at most 2.2e-9 times ``max(|loss|, 1)`` (both "converged"), or at
``maxiter`` iterations or ``maxfun`` evaluations (not converged). scipy is imported
inside :func:`minimize`: ``import mlplab.engine`` needs NumPy only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mlplab._typing import FloatArray
from mlplab._validation import Integer, Optional, Real, check, check_same_length, short_repr
from mlplab.engine.layers import Dropout
from mlplab.errors import InvalidInputError, InvalidTypeError, NotFittedError

if TYPE_CHECKING:
    from mlplab.engine.model import Sequential


class LBFGS:
    """Settings of full-batch L-BFGS training (``compile(optimizer="lbfgs")``).

    Not a per-batch optimizer: ``fit`` hands the whole training set to
    :func:`minimize`, and each L-BFGS iteration is one epoch of the History.

    Parameters
    ----------
    maxiter : int or None
        The most iterations; None: ``fit``'s ``epochs`` (with both, the smaller).
    maxfun : int
        The most loss-and-gradient evaluations (scikit-learn's ``max_fun``); scipy
        checks it at the end of each iteration, so the last may go a few over.
    tol : float
        Converged when every entry of the gradient is at most ``tol`` in absolute
        value (scipy's ``gtol``, scikit-learn's ``tol``).
    memory : int
        Past steps kept for the curvature estimate (scipy's ``maxcor``). The default, 15,
        is scipy's and scikit-learn's 10 plus half: on E4's net and data (20 seeds on
        each of its two sets, ``benchmarks/bench_lbfgs.py``) it needed ~8% fewer
        evaluations to converge at the same ``tol``, with the same test accuracy. More
        memory saves more evaluations (30: ~20%) but scipy's own work per iteration grows
        with it (at 30 it costs more than the evaluation it saves on E4's 160 rows);
        ``memory=10`` takes scikit-learn's path.
    """

    name = "lbfgs"
    hyperparameters = ("maxiter", "maxfun", "tol", "memory")
    learning_rate = None  # no step size: the line search chooses each step

    def __init__(self, maxiter: int | None = None, maxfun: int = 15000, tol: float = 1e-4,
                 memory: int = 15):
        def arg(value, name, constraint, example):
            return check(value, name, constraint, owner="LBFGS", example=f"LBFGS({example})")

        self.maxiter = arg(maxiter, "maxiter", Optional(Integer(1)), "maxiter=200")
        self.maxfun = arg(maxfun, "maxfun", Integer(1), "maxfun=15000")
        self.tol = arg(tol, "tol", Real(0), "tol=1e-4")
        self.memory = arg(memory, "memory", Integer(1), "memory=10")
        self.iterations = 0  # L-BFGS iterations done, over every fit
        self.state: dict = {}  # no per-parameter state: kept so code that reads an
        self.buffers: dict = {}  # optimizer's state finds it empty

    def state_names(self) -> tuple[str, ...]:
        return ()

    def build(self, parameters: Sequence[FloatArray]) -> None:
        """Nothing to allocate: scipy keeps the curvature pairs during one fit."""

    def config(self) -> dict[str, Any]:
        return {"name": self.name, **{k: getattr(self, k) for k in self.hyperparameters}}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.hyperparameters)
        return f"LBFGS({args})"


@dataclass(frozen=True)
class LBFGSResult:
    """What :func:`minimize` did."""

    iterations: int  # L-BFGS iterations (on_iteration was called once per iteration)
    function_evaluations: int  # loss-and-gradient evaluations, the first one included
    converged: bool  # scipy's gradient or loss-change test passed
    stopped: bool  # on_iteration asked to stop
    loss: float  # at the final parameters, penalty included
    message: str  # scipy's message, e.g. "CONVERGENCE: RELATIVE REDUCTION OF F <= ..."
    warning: str | None  # scikit-learn's ConvergenceWarning text when it would warn
    runner: str = "numpy"  # what evaluated the loss and gradient: "numpy" or "compiled"
    runner_reason: str | None = None  # why the NumPy runner did, or None


class Objective:
    """``objective(w) -> (loss, gradient)`` of ``model`` on (X, Y), float64 for scipy.

    ``engine``: "auto" evaluates on the compiled kernels when they can compute the
    model's loss (the same numbers as ``model.loss_and_gradients``, held equal by
    tests), "numpy" always on the engine's own forward and backward pass.

    Remembers its last point: asked again at the same ``w`` (scipy's first call and
    each iteration's callback are), it answers without a new forward and backward
    pass, so ``evaluations`` counts the passes that were really made. A loss that is
    not finite (a trial step so long that the forward pass overflowed) is given to
    scipy as +inf, which its line search rejects and steps back from; NaN would end
    the run. ``overflows`` counts those points.
    """

    def __init__(self, model, X, Y, factor, engine="auto"):
        from mlplab.engine.runners import full_batch_objective

        self.model, self.X, self.Y, self.factor = model, X, Y, factor
        self.evaluations = self.overflows = 0
        self.last_w = None
        # model.loss_and_gradients, or the compiled kernels' same numbers (runners.py)
        self.evaluate, self.runner, self.reason = full_batch_objective(
            model, engine, sparse=hasattr(X, "tocsr"))

    def __call__(self, w):
        if self.last_w is None or not np.array_equal(w, self.last_w):
            self.model.parameter_buffer[...] = w  # cast to the model's dtype
            self.loss, self.outputs, gradient = self.evaluate(self.X, self.Y, self.factor)
            self.gradient = gradient.astype(np.float64)  # (n_parameters,), a copy
            self.last_w = np.array(w, dtype=np.float64)
            self.evaluations += 1
            if not np.isfinite(self.loss):
                self.loss = np.inf
                self.overflows += 1
        return float(self.loss), self.gradient


def minimize(model, X, Y, factor, max_iterations, on_iteration=None, *, solver=None,
             engine="auto"):
    """Train ``model`` on all of (X, Y) with L-BFGS-B; each iteration ends at a new point.

    Parameters
    ----------
    model : Sequential
        Built and compiled (its loss is used, its optimizer only if ``solver`` is None).
    X : ndarray, shape (n_samples, n_features)
    Y : ndarray, shape (n_samples, n_outputs)
        Targets as the loss prepared them (``model.loss.prepare_targets``).
    factor : ndarray, shape (n_samples, 1), or None
        Sample weights normalised to mean 1, as ``fit`` passes them.
    max_iterations : int
        ``fit``'s epochs: the most iterations unless ``solver.maxiter`` is smaller.
    on_iteration : callable or None
        ``on_iteration(loss, outputs) -> bool`` after every iteration, with the
        model's parameters at that iterate, its loss (penalty included) and outputs
        (n_samples, n_outputs); True stops training there (early stopping, NaN).
    solver : LBFGS, optional
        The settings; default ``model.optimizer`` if it is an :class:`LBFGS`, else
        ``LBFGS()``. Its ``iterations`` grows by the iterations done.
    engine : {"auto", "numpy", "compiled"}
        What evaluates the loss and gradient (see :class:`Objective`).

    Returns
    -------
    LBFGSResult
        The model's parameters are left at the final iterate.
    """
    import scipy
    from scipy.optimize import minimize as scipy_minimize

    solver = _solver(model, solver)
    _check_arguments(model, X, Y, on_iteration, scipy.__version__)
    max_iterations = check(max_iterations, "max_iterations", Integer(1), owner="lbfgs.minimize",
                           example="lbfgs.minimize(model, X, Y, None, 200)")
    limit = max_iterations if solver.maxiter is None else min(solver.maxiter, max_iterations)
    model._gather_parameters()  # as fit does: the layers' arrays are views of the buffer
    objective = Objective(model, X, Y, factor, engine)
    with np.errstate(over="ignore", invalid="ignore"):  # a bad start is refused below
        start_loss, start_gradient = objective(model.parameter_buffer)
    _check_start(model, start_loss, start_gradient)
    done = {"iterations": 0, "stopped": False}

    def callback(intermediate_result):  # scipy >= 1.11 passes the iterate by this name
        loss, _ = objective(intermediate_result.x)  # the last point evaluated: no new pass
        done["iterations"] += 1
        if on_iteration is not None and on_iteration(loss, objective.outputs):
            done["stopped"] = True
            raise StopIteration  # scipy ends the run at this iterate

    options = {"maxiter": limit, "maxfun": solver.maxfun, "gtol": solver.tol,
               "maxcor": solver.memory}
    with np.errstate(over="ignore", invalid="ignore"):  # a trial step may overflow
        result = scipy_minimize(objective, objective.last_w, jac=True, method="L-BFGS-B",
                                callback=callback, options=options)
        # Leave the model at the final iterate: the point evaluated last, unless a failed
        # line search went back to the iterate before it (scipy then reports the loss of
        # the rejected point).
        loss, _ = objective(result.x)
    solver.iterations += done["iterations"]
    return _result(result, done, objective, limit, loss)


def _solver(model, solver):
    if solver is None:
        return model.optimizer if isinstance(model.optimizer, LBFGS) else LBFGS()
    if not isinstance(solver, LBFGS):
        raise InvalidTypeError(f"lbfgs.minimize(solver={short_repr(solver)}): give an LBFGS "
                               "object, e.g. LBFGS(tol=1e-5), or None for the defaults.")
    return solver


def _check_arguments(model, X, Y, on_iteration, scipy_version):
    if getattr(model, "loss", None) is None:
        raise NotFittedError("L-BFGS: compile the model first, e.g. "
                             "model.compile(loss='binary_crossentropy', optimizer='lbfgs').")
    if not model.built:
        raise NotFittedError("L-BFGS: build the model first (build(input_dim), or fit(X, y)).")
    check_same_length(X, Y)
    if on_iteration is not None and not callable(on_iteration):
        raise InvalidTypeError(f"lbfgs.minimize(on_iteration={short_repr(on_iteration)}): "
                               "give a function (loss, outputs) -> bool, or None.")
    for layer in model.layers:
        if isinstance(layer, Dropout) and layer.rate > 0.0:
            raise InvalidInputError(
                f"L-BFGS needs the same loss at the same weights, but {layer!r} draws new "
                "masks at every evaluation, which breaks its line search. Remove the "
                "Dropout layer, or train with optimizer='adam'.")
    if tuple(int(part) for part in scipy_version.split(".")[:2]) < (1, 11):
        raise InvalidInputError(f"L-BFGS needs scipy >= 1.11 (its callbacks can stop a run); "
                                f"scipy {scipy_version} is installed. Upgrade scipy.")


def _check_start(model, loss, gradient):
    if np.isfinite(loss) and np.isfinite(gradient).all():
        return
    what = "loss" if not np.isfinite(loss) else "gradient"
    weights_finite = np.isfinite(model.parameter_buffer).all()
    cause = ("the inputs overflow the forward pass: standardize X (mlplab.data.standardize)"
             if weights_finite else "the weights are NaN or infinite (a diverged model): "
             "build a new model")
    raise InvalidInputError(f"L-BFGS cannot start: the {what} at the initial weights is not "
                            f"finite. Likely cause: {cause}.")


def _result(result, done, objective, limit, loss):
    """The result, with scikit-learn's warning text where it would warn: any status but
    0, "Increase the number of iterations" once the iteration limit is reached, and its
    advice to scale the data."""
    converged = result.status == 0 and not done["stopped"]
    message = str(result.message)
    if objective.overflows:
        message += (f" ({objective.overflows} trial step(s) overflowed the forward pass; "
                    "the line search stepped back from them)")
    warning = None
    if not converged and not done["stopped"]:
        iterations = min(result.nit, limit)
        warning = (f"lbfgs failed to converge after {iterations} iteration(s) "
                   f"(status={result.status}):\n{message}\n")
        if iterations == limit:
            warning += (f"\nIncrease the number of iterations to improve the convergence "
                        f"(max_iter={limit}).")
        warning += ("\nYou might also want to scale the data as shown in:\n"
                    "    https://scikit-learn.org/stable/modules/preprocessing.html")
    return LBFGSResult(iterations=done["iterations"],
                       function_evaluations=objective.evaluations, converged=converged,
                       stopped=done["stopped"], loss=loss, message=message, warning=warning,
                       runner=objective.runner, runner_reason=objective.reason)


def fit_epochs(model: Sequential, X: FloatArray, Y: FloatArray, factor: FloatArray | None,
               epochs: int, end_epoch: Callable[[int, float, FloatArray], None],
               engine: str = "auto") -> LBFGSResult:
    """``Sequential.fit`` with an :class:`LBFGS` optimizer: each iteration is an epoch of
    the History; ``end_epoch(epoch, loss, outputs)`` logs it and tells the callbacks, whose
    ``model.stop_training`` ends the run there; ``engine`` is fit's. Returns the
    :class:`LBFGSResult`."""
    epoch = 0

    def on_iteration(loss, outputs):
        nonlocal epoch
        end_epoch(epoch, loss, outputs)
        epoch += 1
        return model.stop_training

    result = minimize(model, X, Y, factor, epochs, on_iteration, engine=engine)
    model.steps += result.iterations
    assert model.history is not None  # fit made it
    model.history.runner_reason = (f"L-BFGS runs in scipy; the {result.runner} runner "
                                   "evaluates the loss and gradient"
                                   + (f" ({result.runner_reason})" if result.runner_reason
                                      else ""))
    return result
