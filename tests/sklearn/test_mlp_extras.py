"""mlplab.MLPClassifier/MLPRegressor: scikit-learn's signature, and mlplab's extras."""

import inspect

import numpy as np
import pytest
import sklearn.neural_network as reference
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import mlplab
from mlplab._sklearn import ParameterError
from mlplab.engine import schedules
from mlplab.engine.layers import Dropout
from mlplab.errors import InvalidInputError
from mlplab.neural_network import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
EXTRAS = {"class_weight", "dropout", "callbacks", "optimizer", "dtype"}


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_signature_is_scikit_learns_parameter_for_parameter(name):
    """Every scikit-learn parameter, in its order, kind and default; the extras after
    them, keyword-only and off by default."""
    ours = inspect.signature(getattr(mlplab, name)).parameters
    theirs = inspect.signature(getattr(reference, name)).parameters
    assert list(ours)[:len(theirs)] == list(theirs)
    for parameter in theirs.values():
        assert ours[parameter.name].default == parameter.default, parameter.name
        assert ours[parameter.name].kind == parameter.kind, parameter.name
    extras = list(ours)[len(theirs):]
    assert set(extras) <= EXTRAS and all(
        ours[e].kind == inspect.Parameter.KEYWORD_ONLY for e in extras)
    assert all(ours[e].default in (None, 0.0) for e in extras)


def test_class_weight_is_sample_weight_by_scikit_learns_rule():
    settings = dict(solver="lbfgs", hidden_layer_sizes=(5,), random_state=0, max_iter=30)
    y_uneven = np.where(y == 2, 1, y)
    balanced = MLPClassifier(class_weight="balanced", **settings).fit(X, y_uneven)
    weighted = MLPClassifier(**settings).fit(
        X, y_uneven, sample_weight=compute_sample_weight("balanced", y_uneven))
    for ours, theirs in zip(balanced.coefs_, weighted.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_an_activation_per_hidden_layer_and_dropout():
    net = MLPClassifier(hidden_layer_sizes=(6, 4), activation=["tanh", "logistic"],
                        dropout=0.2, max_iter=20, random_state=0).fit(X, y)
    names = [layer.activation.name for layer in net.model_.layers if hasattr(layer, "units")]
    assert names == ["tanh", "sigmoid", "softmax"]
    assert sum(isinstance(layer, Dropout) for layer in net.model_.layers) == 2
    np.testing.assert_array_equal(net.predict_proba(X), net.predict_proba(X))  # no dropout
    with pytest.raises(InvalidInputError, match="2 hidden layers"):
        MLPClassifier(hidden_layer_sizes=(6, 4), activation=["tanh"]).fit(X, y)
    with pytest.raises(ParameterError, match="activation.*Did you mean 'relu'"):
        MLPClassifier(activation=["tanh", "rleu"], hidden_layer_sizes=(3, 3)).fit(X, y)


def test_engine_callbacks_optimizer_and_dtype():
    snapshots = mlplab.WeightSnapshots(every=5)
    optimizer = mlplab.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    net = MLPClassifier(solver="sgd", optimizer=optimizer, callbacks=[snapshots],
                        dtype="float32", max_iter=20, random_state=0).fit(X, y)
    assert net.model_.optimizer is not optimizer and optimizer.iterations == 0  # a copy
    assert net.model_.optimizer.scheduled and net.model_.optimizer.iterations == 20
    assert len(snapshots.snapshots) == 5  # the start and every 5th of 20 epochs
    assert all(coef.dtype == np.float32 for coef in net.coefs_)


def test_validation_loss_per_epoch_with_early_stopping():
    net = MLPRegressor(early_stopping=True, max_iter=30, random_state=0).fit(X, y)
    assert len(net.validation_loss_curve_) == len(net.validation_scores_) == net.n_iter_
    assert np.isfinite(net.validation_loss_curve_).all()
    assert MLPRegressor(max_iter=5).fit(X, y).validation_loss_curve_ is None


def test_the_fitted_network_is_an_mlplab_model():
    net = MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0).fit(X, y)
    np.testing.assert_allclose(net.model_.predict(X), net.predict_proba(X))
    assert net.coefs_[0] is net.model_.layers[0].kernel  # the engine's arrays, not copies
    traced = mlplab.trace(net.model_, X[0], int(y[0]))
    assert {"W1", "W2"} <= set(traced.gradients) and np.isfinite(traced.loss)


def test_a_bad_argument_is_named_with_a_fix_and_caught_as_scikit_learns():
    """scikit-learn's InvalidParameterError is a ValueError and a TypeError: so is ours."""
    with pytest.raises(ParameterError, match=r"solver.*one of 'lbfgs', 'sgd', 'adam'"):
        MLPClassifier(solver="newton").fit(X, y)
    for bad in ({"n_iter_no_change": 0}, {"alpha": "0.1"}, {"max_iter": 2.5}):
        for kind in (ValueError, TypeError):
            with pytest.raises(kind, match=next(iter(bad))):
                MLPClassifier(**bad).fit(X, y)
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")


def test_pickled_after_early_stopping_and_warm_started_again():
    import pickle

    net = MLPClassifier(early_stopping=True, warm_start=True, max_iter=15, random_state=0)
    net.fit(X, y)
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))
    again.fit(X, y)
    net.fit(X, y)
    assert again.validation_scores_ == net.validation_scores_
    np.testing.assert_array_equal(again.coefs_[0], net.coefs_[0])


def test_an_interrupted_fit_keeps_its_epochs_and_warns():
    class Interrupt(mlplab.Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 3:
                raise KeyboardInterrupt

    net = MLPClassifier(callbacks=[Interrupt()], max_iter=50, random_state=0)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        net.fit(X, y)
    assert net.n_iter_ == 4 and len(net.loss_curve_) == 4


def test_a_warm_start_with_alpha_0_trains_without_the_earlier_penalty():
    settings = dict(solver="sgd", momentum=0.0, shuffle=False, max_iter=3, random_state=0,
                    hidden_layer_sizes=(4,))
    warm = MLPClassifier(warm_start=True, alpha=1.0, **settings).fit(X, y)
    start = [w.copy() for w in warm.model_.get_weights()]
    warm.set_params(alpha=0.0).fit(X, y)
    cold = MLPClassifier(alpha=0.0, **settings).fit(X, y)  # the same steps from start
    cold.model_.set_weights(start)
    cold.set_params(warm_start=True).fit(X, y)
    for ours, theirs in zip(warm.coefs_, cold.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_random_state_is_scikit_learns_kind():
    """An int or a RandomState (its stream continues, as in scikit-learn); a Generator,
    which scikit-learn's splitters cannot take, is refused by name."""
    state = np.random.RandomState(0)
    first = MLPClassifier(max_iter=2, random_state=state).fit(X, y).coefs_[0].copy()
    second = MLPClassifier(max_iter=2, random_state=state).fit(X, y).coefs_[0]
    assert not np.array_equal(first, second)  # the stream moved on
    with pytest.raises(ParameterError, match="random_state.*RandomState"):
        MLPClassifier(random_state=np.random.default_rng(0)).fit(X, y)
