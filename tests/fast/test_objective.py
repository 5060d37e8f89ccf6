"""The compiled full-batch objective (mlplab.fast.objective), which L-BFGS evaluates: the
same loss, gradient and outputs as the engine's Sequential.loss_and_gradients, for every
setup the kernels take, and L-BFGS fits that choose it or fall back with a reason."""

import numpy as np
import pytest
import scipy.sparse

import mlplab
from mlplab.engine import activations, lbfgs
from mlplab.engine.runners import full_batch_objective
from mlplab.errors import InvalidInputError
from mlplab.fast import epochs as compiled
from mlplab.fast import kernels

from cases import SETUPS, setup_id  # isort: skip

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba is not installed")


def problem(setup, n_samples=60, dtype="float64", weights=False, seed=0):
    """A built model away from its initial point, and (X, Y, factor) as fit prepares them."""
    hidden, loss, output, units = setup
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    y = {"categorical_crossentropy": lambda: rng.integers(0, units, n_samples),
         "binary_crossentropy": lambda: rng.integers(0, 2, (n_samples, units))}.get(
        loss, lambda: rng.normal(size=(n_samples, units)))()
    model = mlplab.Sequential([
        mlplab.Dense(5, hidden, input_dim=3, kernel_regularizer={"l1": 1e-3, "l2": 2e-3}),
        mlplab.Dense(4, hidden, kernel_regularizer={"l2": 1e-2}),
        mlplab.Dense(units, output),
    ], random_state=1, dtype=dtype)
    model.compile(loss=loss, optimizer="lbfgs")
    sample_weight = rng.uniform(0.2, 3.0, n_samples) if weights else None
    prepared = model._prepare(X, y, sample_weight)
    model._gather_parameters()
    model.parameter_buffer[...] += rng.normal(scale=0.3, size=model.parameter_buffer.shape)
    return model, prepared


def both(model, X, Y, factor):
    numpy_objective, _, _ = full_batch_objective(model, "numpy")
    fast, runner, reason = full_batch_objective(model, "compiled")
    assert (runner, reason) == ("compiled", None)
    loss, outputs, gradient = numpy_objective(X, Y, factor)
    return (loss, outputs.copy(), gradient.copy()), fast(X, Y, factor)


@pytest.mark.parametrize("weights", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_compiled_objective_equals_the_engine_s_loss_and_gradients(setup, weights):
    model, (X, Y, factor) = problem(setup, weights=weights)
    (loss, outputs, gradient), (fast_loss, fast_outputs, fast_gradient) = both(model, X, Y,
                                                                              factor)
    assert fast_loss == pytest.approx(loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(fast_gradient, gradient, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(fast_outputs, outputs, rtol=1e-12, atol=1e-15)


def test_more_rows_than_a_group_of_chunks_add_up_in_order():
    rows = kernels.CHUNK * kernels.GROUP_CHUNKS * 2 + 37  # three groups, the last short
    model, (X, Y, factor) = problem(SETUPS[0], n_samples=rows, weights=True)
    (loss, _, gradient), (fast_loss, _, fast_gradient) = both(model, X, Y, factor)
    assert fast_loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(fast_gradient, gradient, rtol=1e-10, atol=1e-14)


def test_a_float32_model_is_evaluated_in_float32():
    model, (X, Y, factor) = problem(SETUPS[1], dtype="float32")
    (loss, _, gradient), (fast_loss, _, fast_gradient) = both(model, X, Y, factor)
    assert fast_gradient.dtype == np.float32
    assert fast_loss == pytest.approx(loss, rel=1e-5)
    np.testing.assert_allclose(fast_gradient, gradient, rtol=1e-4, atol=1e-6)


def fit(engine, X=None, y=None, **options):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 2)) if X is None else X
    y = (X[:, 0] * X[:, 1] > 0).astype(int) if y is None else y
    model = mlplab.Sequential.from_spec([2, 6, 1], activation="tanh", random_state=0)
    model.compile(loss="binary_crossentropy", optimizer=mlplab.LBFGS(maxiter=60),
                  metrics=["accuracy"])
    history = model.fit(X, y, epochs=100, engine=engine, **options)
    return model, history


def test_lbfgs_fits_on_the_compiled_objective_follow_the_numpy_one():
    fast_model, fast = fit("auto")
    slow_model, slow = fit("numpy")
    assert fast.solver.runner == "compiled" and slow.solver.runner == "numpy"
    assert "compiled runner evaluates" in fast.runner_reason
    assert "engine='numpy' was asked for" in slow.runner_reason
    # The same scipy run on losses equal to ~1e-16: the same first iterations.
    np.testing.assert_allclose(fast.history["loss"][:15], slow.history["loss"][:15],
                               rtol=1e-9)
    assert fast.history["accuracy"][:15] == slow.history["accuracy"][:15]


def test_what_the_kernels_cannot_evaluate_falls_back_with_its_reason():
    X = scipy.sparse.random(80, 2, density=0.6, random_state=0, format="csr")
    y = (X.toarray()[:, 0] > 0.3).astype(int)
    _, history = fit("auto", X, y)
    assert history.solver.runner == "numpy" and history.solver.runner_reason == "X is sparse"
    own_tanh = activations.Activation("tanh", np.tanh, lambda z, a, g: g * (1 - a * a))
    model = mlplab.Sequential([mlplab.Dense(3, own_tanh, input_dim=2), mlplab.Dense(1)],
                              random_state=0)
    model.compile(loss="mse", optimizer="lbfgs")
    with pytest.raises(InvalidInputError, match="engine='compiled' cannot evaluate"):
        full_batch_objective(model, "compiled")
    assert full_batch_objective(model, "auto")[1] == "numpy"
    with pytest.raises(InvalidInputError, match="engine='fast'"):
        lbfgs.Objective(model, np.zeros((3, 2)), np.zeros((3, 1)), None, engine="fast")


@pytest.mark.parametrize("options", [{"use_bias": False}, {"bias_regularizer": {"l2": 0.1}}])
def test_a_dense_without_its_plain_bias_trains_on_numpy_and_says_why(options):
    model = mlplab.Sequential([mlplab.Dense(3, "tanh", input_dim=2, **options),
                               mlplab.Dense(1, "sigmoid")], random_state=0)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    history = model.fit(np.eye(2), [0, 1], epochs=1)
    assert history.runner == "numpy"
    assert history.runner_reason == ("Dense layer 1 has no bias or a bias penalty, which the "
                                      "kernels do not compute")
