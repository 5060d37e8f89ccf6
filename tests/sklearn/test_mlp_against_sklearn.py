"""mlplab's MLPClassifier/MLPRegressor against scikit-learn's, fit for fit.

With the same arguments and ``random_state`` both start from the same weights and draw
the same batch orders and validation split, so ``sgd`` follows scikit-learn's path up
to rounding (the sums are grouped differently: ~1e-15 per step), and ``lbfgs`` takes
the same iterations. Adam matches statistically only: the engine adds ``epsilon`` after
the bias correction (``m_hat / (sqrt(v_hat) + eps)``), scikit-learn before it.

Also here: the behaviour that the skipped tests of scikit-learn's suite check through
its private attributes (tests/sklearn/test_sklearn_mlp_suite.py), checked on mlplab's
public ones.
"""

import warnings

import numpy as np
import pytest
import sklearn.neural_network as reference
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import MinMaxScaler, scale

from mlplab.neural_network import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_digits, y_digits = load_digits(n_class=3, return_X_y=True)
X_digits = MinMaxScaler().fit_transform(X_digits[:200])
y_digits = y_digits[:200]
X_reg, y_reg = make_regression(n_samples=200, n_features=10, noise=10.0, random_state=7)
y_reg = scale(y_reg)


def both(kind, **settings):
    """The mlplab estimator and scikit-learn's, with the same settings."""
    return (MLPClassifier if kind == "classifier" else MLPRegressor)(**settings), getattr(
        reference, "MLPClassifier" if kind == "classifier" else "MLPRegressor")(**settings)


def fitted(kind, X, y, **settings):
    ours, theirs = both(kind, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ours.fit(X, y), theirs.fit(X, y)


def assert_same_weights(ours, theirs, rtol=1e-9):
    for mine, reference_array in zip(ours.coefs_ + ours.intercepts_,
                                     theirs.coefs_ + theirs.intercepts_, strict=True):
        assert_allclose(mine, reference_array, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_initial_weights_are_scikit_learns(kind, activation):
    """One plain full-batch SGD step from the same start: equal to rounding, which it
    would not be from other weights."""
    X, y = (X_digits, y_digits) if kind == "classifier" else (X_reg, y_reg)
    ours, theirs = fitted(kind, X, y, solver="sgd", momentum=0.0, max_iter=1, shuffle=False,
                          activation=activation, hidden_layer_sizes=(7, 5), random_state=3,
                          batch_size=len(X))
    assert_same_weights(ours, theirs, rtol=1e-12)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-12)


@pytest.mark.parametrize("settings", [
    {"momentum": 0.9, "nesterovs_momentum": True, "batch_size": 50},
    {"momentum": 0.5, "nesterovs_momentum": False, "batch_size": 25, "alpha": 0.01},
    {"momentum": 0.0, "batch_size": 200, "learning_rate": "invscaling", "power_t": 0.3},
    {"momentum": 0.9, "batch_size": 40, "early_stopping": True, "validation_fraction": 0.2},
], ids=["nesterov", "momentum-alpha", "invscaling", "early-stopping"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_sgd_follows_scikit_learns_path(kind, settings):
    X, y = (X_digits, y_digits) if kind == "classifier" else (X_reg, y_reg)
    ours, theirs = fitted(kind, X, y, solver="sgd", learning_rate_init=0.05, max_iter=30,
                          hidden_layer_sizes=(12,), activation="tanh", random_state=0,
                          **settings)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    assert_same_weights(ours, theirs, rtol=1e-8)
    if settings.get("early_stopping"):
        assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-12)
        best = theirs.best_validation_score_
        assert ours.best_validation_score_ == pytest.approx(best, rel=1e-12)
        assert ours.best_loss_ is None
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-9)


@pytest.mark.parametrize("n_iter_no_change", [2, 5, np.inf])
def test_stops_on_the_same_epoch_as_scikit_learn(n_iter_no_change):
    """scikit-learn's suite checks its private no-improvement counter; the epoch training
    stops at, on the same path, is the public consequence."""
    ours, theirs = fitted("classifier", X_digits, y_digits, solver="sgd", tol=0.01,
                          max_iter=400, n_iter_no_change=n_iter_no_change, random_state=0,
                          hidden_layer_sizes=(10,))
    assert ours.n_iter_ == theirs.n_iter_
    assert (ours.n_iter_ == 400) == (n_iter_no_change == np.inf)


def test_adaptive_rate_is_divided_by_5_until_below_1e_6():
    """scikit-learn's test_adaptive_learning_rate, on the public model_.optimizer."""
    ours, theirs = fitted("classifier", [[3, 2], [1, 6]], [1, 0], tol=0.5, max_iter=3000,
                          solver="sgd", learning_rate="adaptive", random_state=0)
    assert ours.n_iter_ == theirs.n_iter_ < 3000
    assert ours.model_.optimizer.learning_rate < 1e-6
    assert ours.model_.optimizer.learning_rate == theirs._optimizer.learning_rate


@pytest.mark.parametrize("learning_rate", ["invscaling", "constant"])
def test_invscaling_counts_the_samples_of_every_warm_start(learning_rate):
    """scikit-learn's test_learning_rate_warmstart, on the public model_.optimizer."""
    X, y = [[3, 2], [1, 6], [5, 6], [-2, -4]], [1, 1, 1, 0]
    mlp = MLPClassifier(solver="sgd", hidden_layer_sizes=4, learning_rate=learning_rate,
                        max_iter=1, power_t=0.25, warm_start=True, random_state=0)
    mlp.fit(X, y)
    first = mlp.model_.optimizer.learning_rate
    mlp.fit(X, y)
    rate = mlp.model_.optimizer.learning_rate
    assert mlp.t_ == 8
    assert rate == (first if learning_rate == "constant" else 0.001 / pow(8 + 1, 0.25))


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_lbfgs_takes_scikit_learns_iterations(kind):
    X, y = (X_digits, y_digits) if kind == "classifier" else (X_reg, y_reg)
    ours, theirs = fitted(kind, X, y, solver="lbfgs", hidden_layer_sizes=(15,), max_iter=60,
                          activation="logistic", random_state=1)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)
    assert_same_weights(ours, theirs, rtol=1e-5)


def test_adam_matches_statistically():
    ours, theirs = fitted("classifier", X_digits, y_digits, max_iter=50, random_state=0,
                          hidden_layer_sizes=(20,))
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-3)


def test_verbose_prints_scikit_learns_lines(capsys):
    for estimator in both("classifier", solver="sgd", max_iter=15, random_state=0,
                          early_stopping=True, n_iter_no_change=3, tol=0.5, verbose=True):
        estimator.fit(X_digits, y_digits)
    printed = capsys.readouterr().out.splitlines()
    half = len(printed) // 2
    assert printed[:half] == printed[half:]
    assert printed[0].startswith("Iteration 1, loss = ")
    assert printed[-1].startswith("Validation score did not improve more than tol=0.500000")


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_multi_output_regression_as_scikit_learn(solver):
    """Several outputs: scikit-learn's gradient (of the error summed over outputs) with
    its loss value (their mean), so the loss curve, the stopping epoch and the L-BFGS
    line search are its own too."""
    X, Y = make_regression(n_samples=100, n_features=5, n_targets=3, random_state=0)
    ours, theirs = fitted("regressor", X, Y / 100, solver=solver, max_iter=40, tol=1e-3,
                          random_state=0, hidden_layer_sizes=(6,))
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)
    assert_same_weights(ours, theirs, rtol=1e-6)


def test_poisson_and_multilabel_follow_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(80, 3))
    counts = rng.poisson(np.exp(X @ [1.0, -0.5, 0.3]))
    ours, theirs = fitted("regressor", X, counts, loss="poisson", solver="sgd", max_iter=5,
                          shuffle=False, batch_size=80, random_state=0, momentum=0.0)
    assert_same_weights(ours, theirs, rtol=1e-10)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)
    labels = (X[:, :2] > 0.5).astype(int)
    ours, theirs = fitted("classifier", X, labels, solver="sgd", max_iter=5, shuffle=False,
                          batch_size=80, random_state=0, momentum=0.0)
    assert_same_weights(ours, theirs, rtol=1e-10)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)


@pytest.mark.parametrize("batch_size", [200, 40])
def test_adam_follows_scikit_learns_path_with_its_epsilon(batch_size):
    """With the engine's ScikitLearnAdam (epsilon before the bias correction, as
    scikit-learn places it) the default solver follows scikit-learn's path too."""
    from mlplab.engine.optimizers import ScikitLearnAdam

    settings = dict(max_iter=30, random_state=0, hidden_layer_sizes=(20,),
                    batch_size=batch_size, learning_rate_init=0.01)
    theirs = reference.MLPClassifier(**settings).fit(X_digits, y_digits)
    ours = MLPClassifier(optimizer=ScikitLearnAdam(learning_rate=0.01), **settings)
    ours.fit(X_digits, y_digits)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    assert_same_weights(ours, theirs, rtol=1e-8)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_convergence_warnings_say_what_scikit_learns_say(solver):
    messages = []
    for estimator in both("classifier", solver=solver, max_iter=3, random_state=0,
                          hidden_layer_sizes=(5,)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X_digits, y_digits)
        messages.append([str(w.message) for w in caught
                         if issubclass(w.category, ConvergenceWarning)])
    assert messages[0] == messages[1] and len(messages[0]) == 1


@pytest.mark.parametrize("form", ["csr", "float32"])
def test_sparse_and_float32_inputs_follow_scikit_learns_path(form):
    """A sparse X trains on the NumPy runner, float32 on float32 weights: both still take
    scikit-learn's steps (float32 to its rounding)."""
    from scipy.sparse import csr_matrix

    X = csr_matrix(X_digits) if form == "csr" else X_digits.astype(np.float32)
    ours, theirs = fitted("classifier", X, y_digits, solver="sgd", max_iter=10, batch_size=50,
                          random_state=0, hidden_layer_sizes=(8,))
    assert ours.coefs_[0].dtype == theirs.coefs_[0].dtype
    assert_same_weights(ours, theirs, rtol=1e-9 if form == "csr" else 2e-4)
