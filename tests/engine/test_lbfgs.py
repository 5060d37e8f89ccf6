"""L-BFGS (mlplab.engine.lbfgs): the objective against central differences, the stopping
rules, the iterate handed to on_iteration, and scikit-learn's solver="lbfgs" from the
same weights as the reference."""

import warnings

import numpy as np
import pytest

import mlplab
from mlplab.engine import lbfgs
from mlplab.engine.lbfgs import LBFGS
from mlplab.errors import InvalidInputError, InvalidTypeError, NotFittedError

from numeric import central_differences  # isort: skip


def small_problem(n_samples=40, seed=0):
    """Two noisy, overlapping classes in 2-D: a loss with a proper minimum."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.5 * rng.normal(size=n_samples) > 0).astype(int)
    return X, y


def compiled(layers, X, y, sample_weight=None, dtype="float64", seed=0):
    """A built model and (X, Y, factor) prepared as fit prepares them."""
    model = mlplab.Sequential(layers, random_state=seed, dtype=dtype)
    model.compile(loss="binary_crossentropy", optimizer="sgd")  # minimize ignores it
    return model, model._prepare(X, y, sample_weight)


def tanh_net(l2=0.0):
    penalty = {"l2": l2} if l2 else None
    return [mlplab.Dense(3, activation="tanh", kernel_regularizer=penalty),
            mlplab.Dense(1, activation="sigmoid", kernel_regularizer=penalty)]


# -- the objective ---------------------------------------------------------------------------
def test_the_objective_is_the_loss_and_its_gradient_in_parameter_order():
    X, y = small_problem(12)
    weights = np.random.default_rng(1).uniform(0.2, 3.0, len(X))
    layers = [mlplab.Dense(4, activation="tanh", kernel_regularizer={"l1": 0.0, "l2": 0.03}),
              mlplab.Dense(3, activation="sigmoid", kernel_regularizer={"l2": 0.01}),
              mlplab.Dense(1, activation="sigmoid")]
    model, (X, Y, factor) = compiled(layers, X, y, sample_weight=weights)
    objective = lbfgs.Objective(model, X, Y, factor)
    w = model.parameter_buffer.astype(np.float64) + 0.3  # away from the initial zeros biases
    loss, gradient = objective(w)
    assert gradient.dtype == np.float64 and gradient.shape == w.shape
    assert loss == pytest.approx(model.evaluate(X, y, sample_weight=weights)["loss"], rel=1e-12)
    point = w.copy()  # perturbed entry by entry
    numeric = central_differences(lambda: objective(point)[0], point)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-9)


def test_the_objective_counts_passes_and_answers_a_repeated_point_from_memory():
    X, y = small_problem(10)
    model, (X, Y, factor) = compiled(tanh_net(), X, y)
    passes = []
    inner = model.loss_and_gradients
    model.loss_and_gradients = lambda *args: passes.append(1) or inner(*args)
    objective = lbfgs.Objective(model, X, Y, factor, engine="numpy")
    w = model.parameter_buffer.copy()
    first = objective(w)
    assert objective(w.copy())[0] == first[0]
    objective(w + 1e-3)
    assert objective.evaluations == len(passes) == 2


# -- minimize ----------------------------------------------------------------------------------
def test_it_converges_on_a_separable_problem():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(-2.0, 0.5, (30, 2)), rng.normal(2.0, 0.5, (30, 2))])
    y = np.repeat([0, 1], 30)
    model, (X_, Y, factor) = compiled(tanh_net(l2=1e-3), X, y)
    result = lbfgs.minimize(model, X_, Y, factor, 500)
    assert result.converged and result.message.startswith("CONVERGENCE")
    assert result.warning is None and not result.stopped
    assert 0 < result.iterations < 500
    assert np.array_equal(model.predict_classes(X), y)
    assert result.loss == pytest.approx(model.evaluate(X, y)["loss"], rel=1e-12)


def test_every_iterate_lowers_the_loss_and_is_the_model_state_on_iteration():
    # L-BFGS-B's line search accepts a step only if it lowers the loss (Armijo's rule).
    X, y = small_problem()
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(X))
    model, (X_, Y, factor) = compiled(tanh_net(l2=0.01), X, y, sample_weight=weights)
    seen = []

    def on_iteration(loss, outputs):
        evaluated = model.evaluate(X, y, sample_weight=weights)["loss"]  # its own forward pass
        seen.append((loss, evaluated, np.max(np.abs(outputs - model.predict(X)))))
        return False

    start = model.evaluate(X, y, sample_weight=weights)["loss"]
    result = lbfgs.minimize(model, X_, Y, factor, 200, on_iteration)
    losses = np.array([loss for loss, _, _ in seen])
    assert len(seen) == result.iterations > 5
    np.testing.assert_allclose(losses, [evaluated for _, evaluated, _ in seen], rtol=1e-12)
    assert max(gap for _, _, gap in seen) < 1e-12
    assert np.all(np.diff(np.concatenate([[start], losses])) < 0)
    assert result.loss == losses[-1]


def test_on_iteration_returning_true_stops_at_that_iterate():
    X, y = small_problem()
    model, (X_, Y, factor) = compiled(tanh_net(), X, y)
    iterates = []

    def on_iteration(loss, outputs):
        iterates.append(model.parameter_buffer.copy())
        return len(iterates) == 3

    result = lbfgs.minimize(model, X_, Y, factor, 100, on_iteration)
    assert result.stopped and not result.converged and result.warning is None
    assert result.iterations == len(iterates) == 3
    np.testing.assert_array_equal(model.parameter_buffer, iterates[-1])


def test_the_iteration_limit_is_the_smaller_of_maxiter_and_epochs():
    X, y = small_problem()
    solver = LBFGS(maxiter=5)
    for epochs, expected in ((100, 5), (2, 2)):
        model, (X_, Y, factor) = compiled(tanh_net(), X, y)
        result = lbfgs.minimize(model, X_, Y, factor, epochs, solver=solver)
        assert result.iterations == expected and not result.converged
        # scikit-learn's warning, with its advice once the iteration limit is reached
        assert result.warning.startswith(f"lbfgs failed to converge after {expected} "
                                         "iteration(s) (status=1):")
        assert f"(max_iter={expected})" in result.warning
    assert solver.iterations == 7  # counted over both runs


def test_maxfun_stops_at_the_end_of_the_iteration_that_passes_it():
    X, y = small_problem()
    model, (X_, Y, factor) = compiled(tanh_net(), X, y)
    result = lbfgs.minimize(model, X_, Y, factor, 1000, solver=LBFGS(maxfun=6))
    assert not result.converged and "EVALUATIONS EXCEEDS LIMIT" in result.message
    assert 6 < result.function_evaluations < 6 + 20  # at most one line search over
    assert "Increase the number" not in result.warning  # not the iteration limit


def test_a_trial_step_whose_loss_is_nan_leaves_the_model_at_the_last_good_iterate():
    # As if the forward pass overflowed beyond some weight: given NaN, scipy's line search
    # may accept the point; given +inf, it steps back.
    X, y = small_problem()
    model, (X_, Y, factor) = compiled(tanh_net(), X, y)
    bound = 1.5 * np.max(np.abs(model.parameter_buffer))
    inner = model.loss_and_gradients

    def overflowing(*args):
        loss, outputs = inner(*args)
        return (np.nan if np.max(np.abs(model.parameter_buffer)) > bound else loss), outputs

    model.loss_and_gradients = overflowing
    losses = []
    result = lbfgs.minimize(model, X_, Y, factor, 500, lambda loss, _: losses.append(loss),
                            engine="numpy")  # the patched pass is the engine's
    assert "trial step(s) overflowed the forward pass" in result.message
    assert np.max(np.abs(model.parameter_buffer)) <= bound
    assert np.isfinite(result.loss) and result.loss == losses[-1]
    assert result.loss == pytest.approx(model.evaluate(X, y)["loss"], rel=1e-12)


def test_the_settings_come_from_the_models_lbfgs_optimizer():
    X, y = small_problem()
    model, (X_, Y, factor) = compiled(tanh_net(), X, y)
    model.optimizer = LBFGS(maxiter=4)  # what compile(optimizer="lbfgs") will hold
    assert lbfgs.minimize(model, X_, Y, factor, 100).iterations == 4
    assert model.optimizer.iterations == 4


def test_a_float32_model_trains_in_float32():
    X, y = small_problem(60)
    model, (X_, Y, factor) = compiled(tanh_net(l2=1e-3), X, y, dtype="float32")
    start = model.evaluate(X, y)["loss"]
    result = lbfgs.minimize(model, X_, Y, factor, 200)
    assert model.parameter_buffer.dtype == np.float32
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert result.loss < 0.6 * start and result.iterations > 5
    assert result.loss == pytest.approx(model.evaluate(X, y)["loss"], rel=1e-6)
    assert np.mean(model.predict_classes(X) == y) > 0.85


def test_the_same_seed_gives_the_same_bits():
    X, y = small_problem()
    runs = []
    for _ in range(2):
        model, (X_, Y, factor) = compiled(tanh_net(l2=1e-3), X, y, seed=7)
        losses = []
        lbfgs.minimize(model, X_, Y, factor, 50, lambda loss, _, seen=losses: seen.append(loss))
        runs.append((model.parameter_buffer.tobytes(), losses))
    assert runs[0] == runs[1]


def test_a_relu_net_on_e4_like_data_reaches_a_good_fit():
    from mlplab import data

    X, y = data.moons(n_samples=160, noise=0.2, random_state=42)
    layers = [mlplab.Dense(16, activation="relu"), mlplab.Dense(16, activation="relu"),
              mlplab.Dense(1, activation="sigmoid")]
    model, (X_, Y, factor) = compiled(layers, X, y)
    result = lbfgs.minimize(model, X_, Y, factor, 2000)
    assert result.converged
    assert np.mean(model.predict_classes(X) == y) > 0.95


# -- against scikit-learn --------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_it_takes_scikit_learns_path_from_the_same_weights(weighted):
    """scikit-learn's MLPClassifier(solver="lbfgs") calls the same scipy routine on the same
    loss: mean log-loss + 0.5 * alpha * sum(W**2) / sum(sample_weight), which is mlplab's
    l2 = 0.5 * alpha / sum(sample_weight). Started from mlplab's weights (warm_start), both
    evaluate the same losses until rounding (scikit-learn packs every kernel before every
    bias; mlplab kernel and bias per layer) grows along the path; both end at one minimum."""
    from sklearn.neural_network import MLPClassifier

    X, y = small_problem()
    weights = np.random.default_rng(5).uniform(0.5, 2.0, len(X)) if weighted else None
    alpha = 0.01
    total = len(X) if weights is None else weights.sum()
    model, (X_, Y, factor) = compiled(tanh_net(l2=0.5 * alpha / total), X, y, weights)
    start = model.get_weights()
    ours = []
    inner = model.loss_and_gradients
    model.loss_and_gradients = lambda *args: (lambda out: ours.append(out[0]) or out)(
        inner(*args))
    # scikit-learn's memory (scipy's default maxcor); the engine's pass, which is counted
    result = lbfgs.minimize(model, X_, Y, factor, 200, solver=LBFGS(memory=10), engine="numpy")

    net = MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", solver="lbfgs",
                        alpha=alpha, max_iter=1, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one iteration, only to create its attributes
        net.fit(X, y, sample_weight=weights)
    net.coefs_, net.intercepts_ = [w.copy() for w in start[0::2]], [b.copy()
                                                                    for b in start[1::2]]
    theirs = []
    evaluate = net._loss_grad_lbfgs
    net._loss_grad_lbfgs = lambda *args: (lambda out: theirs.append(out[0]) or out)(
        evaluate(*args))
    net.set_params(max_iter=200).fit(X, y, sample_weight=weights)

    np.testing.assert_allclose(ours[:20], theirs[:20], rtol=1e-9)
    assert result.converged and net.n_iter_ < 200
    assert result.loss == pytest.approx(net.loss_, rel=1e-5)
    assert abs(result.function_evaluations - len(theirs)) <= 0.1 * len(theirs)
    np.testing.assert_allclose(model.predict(X)[:, 0], net.predict_proba(X)[:, 1], atol=5e-3)


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("arguments", "error", "words"), [
    ({"tol": -1e-4}, InvalidInputError, "LBFGS(tol=-0.0001): tol must be a finite number >= 0"),
    ({"tol": float("nan")}, InvalidInputError, "Try LBFGS(tol=1e-4)"),
    ({"memory": 0}, InvalidInputError, "memory must be a positive int"),
    ({"maxiter": 0}, InvalidInputError, "maxiter must be None or a positive int"),
    ({"maxiter": 2.5}, InvalidTypeError, "maxiter must be None or a positive int"),
    ({"maxfun": True}, InvalidTypeError, "LBFGS(maxfun=True)"),
])
def test_bad_settings_are_refused_in_the_constructor(arguments, error, words):
    with pytest.raises(error) as caught:
        LBFGS(**arguments)
    assert words in str(caught.value)


def test_the_settings_object_reads_like_an_optimizer():
    solver = LBFGS(maxiter=50, tol=1e-5)
    assert solver.config() == {"name": "lbfgs", "maxiter": 50, "maxfun": 15000, "tol": 1e-5,
                               "memory": 15}
    assert repr(solver) == "LBFGS(maxiter=50, maxfun=15000, tol=1e-05, memory=15)"
    config = solver.config()
    del config["name"]
    assert LBFGS(**config).config() == solver.config()
    assert solver.state_names() == () and solver.learning_rate is None
    assert solver.build([np.zeros(3)]) is None and solver.iterations == 0


def test_a_start_that_is_not_finite_is_refused():
    X, y = small_problem()
    model, (X_, Y, factor) = compiled(tanh_net(), X, y)
    model.parameter_buffer[0] = np.nan
    with pytest.raises(InvalidInputError, match="cannot start.*weights are NaN or infinite"):
        lbfgs.minimize(model, X_, Y, factor, 10)


def test_dropout_is_refused_because_the_loss_must_not_change_at_the_same_weights():
    X, y = small_problem()
    layers = [mlplab.Dense(4, activation="tanh"), mlplab.engine.Dropout(0.2),
              mlplab.Dense(1, activation="sigmoid")]
    model, (X_, Y, factor) = compiled(layers, X, y)
    with pytest.raises(InvalidInputError, match=r"Dropout\(0.2\).*optimizer='adam'"):
        lbfgs.minimize(model, X_, Y, factor, 10)


def test_bad_calls_are_refused():
    X, y = small_problem()
    model, (X_, Y, factor) = compiled(tanh_net(), X, y)
    with pytest.raises(InvalidTypeError, match="give an LBFGS object"):
        lbfgs.minimize(model, X_, Y, factor, 10, solver="lbfgs")
    with pytest.raises(InvalidTypeError, match="on_iteration"):
        lbfgs.minimize(model, X_, Y, factor, 10, on_iteration=3)
    with pytest.raises(InvalidInputError, match="max_iterations must be a positive int"):
        lbfgs.minimize(model, X_, Y, factor, 0)
    with pytest.raises(InvalidInputError):
        lbfgs.minimize(model, X_, Y[:-1], factor, 10)
    fresh = mlplab.Sequential(tanh_net(), random_state=0)
    with pytest.raises(NotFittedError, match="compile the model first"):
        lbfgs.minimize(fresh, X_, Y, None, 10)
    fresh.compile(loss="binary_crossentropy", optimizer="sgd")
    with pytest.raises(NotFittedError, match="build the model first"):
        lbfgs.minimize(fresh, X_, Y, None, 10)
