import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlplab
from mlplab import data
from mlplab.errors import (
    InvalidInputError,
    InvalidTypeError,
    SpecError,
    TrainingDivergedError,
)
from mlplab.estimator import NetClassifier, NetRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def moons():
    return data.moons(n_samples=300, noise=0.2, random_state=0)


def quick(**params):
    settings = {"hidden_layer_sizes": (16,), "learning_rate": 0.01, "epochs": 60,
                "random_state": 0}
    return NetClassifier(**{**settings, **params})


def test_fit_returns_self_and_sets_the_fitted_attributes(moons):
    X, y = moons
    net = quick()
    assert net.fit(X, y) is net
    assert net.n_features_in_ == 2 and list(net.classes_) == [0, 1]
    assert [w.shape for w in net.coefs_] == [(2, 16), (16, 1)]
    assert [b.shape for b in net.intercepts_] == [(16,), (1,)]
    assert len(net.loss_curve_) == net.n_iter_ <= 60
    assert net.loss_curve_[-1] < net.loss_curve_[0]
    assert isinstance(net.model_, mlplab.Sequential)
    assert mlplab.NetClassifier is NetClassifier and mlplab.NetRegressor is NetRegressor
    assert net.score(X, y) > 0.85


def test_probabilities_logits_and_log_probabilities_agree(moons):
    X, y = moons
    net = quick().fit(X, y)
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(net.predict_log_proba(X)), proba, rtol=1e-10)
    np.testing.assert_array_equal(net.decision_function(X) > 0, proba[:, 1] > 0.5)
    np.testing.assert_array_equal(net.predict(X), net.classes_[np.argmax(proba, axis=1)])


def test_string_labels_and_multiclass():
    X, y = data.blobs(n_samples=300, centers=3, cluster_std=1.0, random_state=0)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    net = quick().fit(X, names)
    assert list(net.classes_) == ["setosa", "versicolor", "virginica"]
    assert net.model_.output_layer.units == 3
    assert net.model_.output_layer.activation.name == "softmax"
    assert net.decision_function(X).shape == (300, 3)
    assert net.score(X, names) > 0.9
    assert set(net.predict(X)) <= set(names)


def test_layer_spec_with_per_layer_activations(moons):
    X, y = moons
    spec = [{"input_dim": 2, "output_dim": 8, "activation": "tanh"},
            {"input_dim": 8, "output_dim": 8, "activation": "relu"},
            {"input_dim": 8, "output_dim": 1, "activation": "sigmoid"}]
    net = quick(layers=spec).fit(X, y)
    assert [layer.activation.name for layer in net.model_.layers] == ["tanh", "relu", "sigmoid"]
    bad = quick(layers=spec[:2] + [{"input_dim": 8, "output_dim": 3}])
    with pytest.raises(ValueError, match="the last layer has 3 units but the targets need 1"):
        bad.fit(X, y)


def test_multi_output_regression_and_float32():
    X, y = data.regression_plane(n_samples=300, random_state=0)
    Y = np.column_stack([y, -2 * y])
    net = NetRegressor(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=100,
                       random_state=0, dtype="float32").fit(X, Y)
    assert net.predict(X).shape == (300, 2) and net.predict(X).dtype == np.float32
    assert net.score(X, Y) > 0.95
    single = NetRegressor(hidden_layer_sizes=(8,), epochs=5, random_state=0).fit(X, y)
    assert single.predict(X).shape == (300,)


def test_sample_weight_changes_the_fit(moons):
    X, y = moons
    weights = np.where(y == 1, 5.0, 1.0)
    plain = quick().fit(X, y)
    weighted = quick().fit(X, y, sample_weight=weights)
    assert (weighted.predict(X) == 1).mean() > (plain.predict(X) == 1).mean()


def test_partial_fit_is_one_epoch_and_needs_classes_first(moons):
    X, y = moons
    net = quick()
    with pytest.raises(ValueError, match="pass classes="):
        net.partial_fit(X, y)
    for _ in range(3):
        net.partial_fit(X, y, classes=[0, 1])
    assert net.n_iter_ == 3 and len(net.loss_curve_) == 3
    with pytest.raises(ValueError, match="X has 3 features, but NetClassifier is expecting 2"):
        net.partial_fit(np.zeros((4, 3)), [0, 1, 0, 1])


def test_warm_start_continues_training(moons):
    X, y = moons
    net = quick(warm_start=True, n_iter_no_change=None, epochs=10).fit(X, y)
    first = net.get_params()["epochs"], net.n_iter_
    net.fit(X, y)
    assert first == (10, 10) and net.n_iter_ == 20
    cold = quick(n_iter_no_change=None, epochs=10).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 10


def test_convergence_warning_when_epochs_run_out(moons):
    X, y = moons
    with pytest.warns(ConvergenceWarning, match="stopped after epochs=3"):
        quick(epochs=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        quick(epochs=3, n_iter_no_change=None).fit(X, y)  # fixed epochs asked for: no warning


def test_early_stopping_keeps_validation_scores(moons):
    X, y = moons
    net = quick(early_stopping=True, epochs=300, validation_fraction=0.2).fit(X, y)
    assert len(net.validation_scores_) == net.n_iter_ < 300
    assert net.best_validation_score_ == max(net.validation_scores_) > 0.8


def test_pipeline_grid_search_and_cross_validation(moons):
    X, y = moons
    pipe = make_pipeline(StandardScaler(), quick())
    assert np.mean(cross_val_score(pipe, X, y, cv=3)) > 0.8
    grid = GridSearchCV(pipe, {"netclassifier__hidden_layer_sizes": [(4,), (16,)],
                               "netclassifier__learning_rate": [0.001, 0.01]}, cv=3, n_jobs=2)
    grid.fit(X, y)
    assert grid.best_params_["netclassifier__learning_rate"] == 0.01
    assert grid.best_score_ > 0.8


def test_clone_and_pickle_round_trip_to_identical_predictions(moons):
    X, y = moons
    net = quick().fit(X, y)
    again = clone(net).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))


def test_feature_names_from_a_dataframe(moons):
    X, y = moons
    frame = pd.DataFrame(X, columns=["x1", "x2"])
    net = quick(epochs=2).fit(frame, y)
    assert list(net.feature_names_in_) == ["x1", "x2"]


def test_not_fitted():
    with pytest.raises(NotFittedError):
        quick().predict([[0.0, 0.0]])


@pytest.mark.parametrize("X,y,message", [
    (np.zeros(10), np.arange(10) % 2, "Expected 2D array, got 1D array"),
    (np.array([[0.0, np.nan]] * 4), [0, 1, 0, 1], "Input X contains NaN"),
    (np.zeros((4, 2)), [1, 1, 1, 1], "at least 2 classes in the data; got 1 class"),
    (np.zeros((4, 2)), [0.1, 0.7, 1.3, 2.2], "Unknown label type: continuous"),
])
def test_bad_input_gets_scikit_learns_errors(X, y, message):
    with pytest.raises(ValueError, match=message):
        quick().fit(X, y)


def test_mismatched_sample_weight(moons):
    X, y = moons
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(300,\)"):
        quick().fit(X, y, sample_weight=[1, 2, 3])


@pytest.mark.parametrize("params,message", [
    ({"epochs": 0}, "epochs=0"),
    ({"batch_size": 0}, "batch_size=0"),
    ({"optimizer": "adamw"}, "Did you mean 'adam'"),
    ({"activation": "rleu"}, "Did you mean 'relu'"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"n_iter_no_change": 0}, "n_iter_no_change=0"),
])
def test_bad_parameters_are_caught_in_fit(params, message, moons):
    net = quick(**params)  # the constructor only stores them
    with pytest.raises(ValueError, match=message):
        net.fit(*moons)


@pytest.mark.parametrize("params,error,message", [
    ({"hidden_layer_sizes": None}, InvalidTypeError,
     r"NetClassifier\(hidden_layer_sizes=None\): .* Try .*hidden_layer_sizes=\(100,\)\)"),
    ({"alpha": "a"}, InvalidTypeError, r"alpha must be a finite number >= 0, not a str"),
    ({"l1": -1.0}, InvalidInputError, r"NetClassifier\(l1=-1.0\)"),
    ({"validation_fraction": "a"}, InvalidTypeError, r"validation_fraction must be a number"),
    ({"dtype": "foo"}, InvalidInputError,
     r"dtype must be 'float64' \(default\), 'float32' or 'infer'"),
    ({"learning_rate": float("inf")}, InvalidInputError,
     r"Try NetClassifier\(learning_rate=0.001\)"),
    ({"random_state": "seed"}, InvalidTypeError, r"random_state"),
    ({"layers": 5}, InvalidTypeError, r"layers must be None or a list"),
    ({"hidden_layer_sizes": (99999999999,)}, SpecError, r"more than this machine's"),
])
def test_every_parameter_is_checked_in_fit_with_the_fix(params, error, message, moons):
    net = quick(**params)  # stored as given
    with pytest.raises(error, match=message):
        net.fit(*moons)


def test_early_stopping_on_too_few_samples_suggests_a_fraction():
    X, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    with pytest.raises(InvalidInputError, match=r"holds out 1 of 5 .* validation_fraction=0.4"):
        quick(early_stopping=True, epochs=2).fit(X, y)
    quick(early_stopping=True, validation_fraction=0.4, epochs=2).fit(X, y)  # the fix works


@pytest.mark.parametrize("X,message", [
    (np.zeros((4, 2)) + 1j, "Complex data not supported: .*X.real"),
    (np.full((4, 2), 1e300), r"above the engine's bound of 1.16e\+77"),
])
def test_complex_and_huge_inputs_are_refused(X, message):
    with pytest.raises(InvalidInputError, match=message):
        quick(epochs=2).fit(X, [0, 1, 0, 1])


def test_a_diverging_fit_raises_with_the_likely_cause_and_leaves_no_model(rng):
    X = rng.normal(size=(40, 2)) * 1000
    net = NetRegressor(hidden_layer_sizes=(8,), optimizer="sgd", momentum=0.0, learning_rate=1e3,
                       batch_size=1, epochs=5, n_iter_no_change=None, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"\(1000\) is too large: try .*=0.1"):
        net.fit(X, X[:, 0])
    with pytest.raises(NotFittedError):  # scikit-learn's class, and mlplab's
        net.predict(X)


def test_make_model_checks_values_before_any_fit():
    with pytest.raises(InvalidInputError, match=r"NetClassifier\(alpha=-1\)"):
        mlplab.make_model("net", alpha=-1)
    with pytest.raises(InvalidInputError, match="The 'C' parameter of SVC"):
        mlplab.make_model("svc_rbf", C="big")


def test_callbacks_watch_every_fit_and_health_can_be_drawn():
    import mlplab
    from mlplab import viz

    X, y = data.moons(n_samples=120, noise=0.2, random_state=0)
    est = NetClassifier(hidden_layer_sizes=(6, 6), epochs=20, random_state=0,
                        callbacks=[mlplab.TrainingHealth(X, y, every=5)])
    est.fit(X, y)
    assert est.model_.history.health is not None
    assert viz.plot_training_health(est) is not None
    plain = NetClassifier(hidden_layer_sizes=(6, 6), epochs=20, random_state=0).fit(X, y)
    for a, b in zip(est.model_.get_weights(), plain.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # watching changes nothing
    with pytest.raises(InvalidTypeError, match=r"callbacks=.*give a list"):
        NetClassifier(callbacks=mlplab.TrainingHealth(X, y)).fit(X, y)
