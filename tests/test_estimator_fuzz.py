"""NetClassifier and NetRegressor on generated parameters and data: a sound fit or a clean error.

Parameters are drawn from valid values and from every other type (the constructor stores
them as given; fit checks them against the PARAMETERS table and the engine's resolvers).
Data vary in shape, dtype (text, complex, objects, pandas), values (NaN, inf, huge),
labels (one class, mixed types, continuous, wrong length) and sample weights.

Every fit ends in one of: a fitted estimator whose predictions are finite (probabilities
in [0, 1], rows summing to 1), or an MlplabError that is a ValueError or TypeError with a
clean message naming the estimator. A ConvergenceWarning is allowed; no other warning.
"""

import math
import warnings

import numpy as np
import pandas as pd
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from mlplab.errors import MlplabError
from mlplab.estimator import PARAMETERS, NetClassifier, NetRegressor

LEAKS = ("could not convert", "setting an array element", "inhomogeneous", "ufunc",
         "not iterable", "not supported between", "unhashable", "has no attribute",
         "Cannot interpret", "data type", "invalid literal", "unexpected keyword",
         "too large to convert", "truth value of an array", "NoneType", "index out of range",
         "overflow encountered", "invalid value encountered")
ESTIMATORS = {"classifier": NetClassifier, "regressor": NetRegressor}

anything = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.sampled_from([-(2**63), 10**40]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.sampled_from(["relu", "adam", "float32", "foo", "", "sgd", "tanh", "auto"]),
    st.lists(st.integers(-1, 4), max_size=3), st.dictionaries(st.text(max_size=3),
                                                              st.integers(), max_size=2),
    st.builds(np.float64, st.floats()), st.sampled_from([np.array([1, 2]), 1 + 1j, b"x"]))

VALID = {  # small values only: a valid huge epochs or width would train or allocate for long
    "hidden_layer_sizes": st.sampled_from([(), (3,), 4, [2, 2], np.array([3]), (10**11,)]),
    "learning_rate": st.sampled_from([0.001, 0.1, 1e3]), "momentum": st.floats(0, 0.99),
    "nesterov": st.booleans(), "beta_1": st.floats(0, 0.99), "beta_2": st.floats(0, 0.999),
    "epsilon": st.sampled_from([1e-8, 1e-3]), "batch_size": st.sampled_from([None, 1, 8, 2**63]),
    "epochs": st.integers(1, 2), "alpha": st.sampled_from([0.0, 1e-4, 10.0]),
    "l1": st.sampled_from([0.0, 1e-3]), "tol": st.sampled_from([0.0, 1e-4]),
    "n_iter_no_change": st.sampled_from([None, 1, 5]), "early_stopping": st.booleans(),
    "validation_fraction": st.sampled_from([0.1, 0.3]), "shuffle": st.booleans(),
    "warm_start": st.booleans(), "random_state": st.sampled_from([None, 0, 7]),
    "dtype": st.sampled_from(["float64", "float32", np.float32]), "verbose": st.just(0),
    "callbacks": st.sampled_from([None, [], "not a list"]),
    "activation": st.sampled_from(["relu", "tanh", "rleu", None]),
    "output_activation": st.sampled_from([None, "sigmoid", "softmax", "linear"]),
    "loss": st.sampled_from([None, "mse", "binary_crossentropy", "hinge"]),
    "optimizer": st.sampled_from(["adam", "sgd", "rmsprop", "adagrad", "adamw",
                                  {"name": "sgd", "learning_rate": 0.1}]),
    "kernel_initializer": st.sampled_from(["glorot_uniform", "he_normal", "zeros", "xavier"]),
    "layers": st.sampled_from([None, [2, 4, 1], [2, 4, 3], [{"input_dim": 2, "output_dim": 1}],
                               [{"input_dim": 2, "outptu_dim": 1}]]),
}
# Values of the wrong type or range for a parameter whose valid values are huge-unsafe.
NEVER_HUGE = {"epochs": st.sampled_from([0, -1, 2.5, "10", None, True, math.nan]),
              "verbose": st.sampled_from([3, -1, "loud", 1.5, None])}


def check_refusal(exc, estimator):
    message = str(exc)
    assert isinstance(exc, MlplabError) and isinstance(exc, ValueError | TypeError), repr(exc)
    assert 10 < len(message) < 1500, message
    assert not any(leak in message for leak in LEAKS), message
    assert type(estimator).__name__ in message, message  # says which estimator refused


def check_fit(estimator, X, y, sample_weight=None, X_new=None):
    """Fit (then predict on ``X_new`` or ``X``); assert the outcome is one the module allows."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(X, y, sample_weight=sample_weight)
        except Exception as exc:  # noqa: BLE001 - the property is about which ones
            check_refusal(exc, estimator)
            return "refused"
        others = [w for w in caught if not issubclass(w.category, ConvergenceWarning)]
        assert not others, [str(w.message) for w in others]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # scikit-learn's own notice when a model fitted on a DataFrame is given an array:
        warnings.filterwarnings("ignore", "X does not have valid feature names")
        try:
            predictions = estimator.predict(X if X_new is None else X_new)
        except MlplabError as exc:
            check_refusal(exc, estimator)
            return "refused at predict"
        assert len(predictions) == len(X if X_new is None else X_new)
        if isinstance(estimator, NetClassifier):
            assert set(np.unique(predictions)) <= set(estimator.classes_)
            proba = estimator.predict_proba(X if X_new is None else X_new)
            assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        else:
            assert np.isfinite(predictions).all()
    return "trained"


def moons(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


@settings(max_examples=190)
@given(data=st.data(), kind=st.sampled_from(sorted(ESTIMATORS)))
def test_any_parameters_fit_soundly_or_are_refused_naming_the_estimator(data, kind):
    names = data.draw(st.lists(st.sampled_from(sorted(VALID)), min_size=1, max_size=3,
                               unique=True))
    params = {"epochs": 2, "hidden_layer_sizes": (3,)}
    for name in names:
        wrong = NEVER_HUGE.get(name, anything)
        params[name] = data.draw(st.one_of(VALID[name], VALID[name], VALID[name], wrong))
    estimator = ESTIMATORS[kind](**params)
    assert estimator.get_params()[names[0]] is params[names[0]]  # stored as given
    X, y = moons()
    event(check_fit(estimator, X, y if kind == "classifier" else X[:, 0] * 2))


def test_every_parameter_in_the_table_is_a_constructor_argument():
    for kind in ESTIMATORS.values():
        assert set(PARAMETERS) <= set(kind().get_params()) <= set(PARAMETERS) | set(VALID)


@st.composite
def data_sets(draw, classifier):
    """(X, y, sample_weight): mostly valid, else one part broken."""
    broken = draw(st.sampled_from(["nothing", "nothing", "X", "y", "weights"]))
    n = draw(st.integers(2, 12))
    X, labels = moons(n, draw(st.integers(0, 99)))
    target = X[:, 0] * 2
    if broken == "X":
        X = draw(st.sampled_from([
            X + 1j, X * 1e300, np.full_like(X, np.nan), X[:, :1].ravel(), X[None], X[:0],
            X.astype(str), [[1.0, 2.0], [3.0]] * (n // 2), X.astype(object)]))
        if isinstance(X, np.ndarray) and X.dtype == object and X.size:
            X[0, 0] = None
    elif draw(st.booleans()):
        X = draw(st.sampled_from([pd.DataFrame(X, columns=["a", "b"]), X.tolist(),
                                  X.astype(np.float32), X * 1e70]))
    if classifier:
        y = np.array(["no", "yes"])[labels] if draw(st.booleans()) else labels
        if broken == "y":
            y = draw(st.sampled_from([
                np.zeros(n), np.append(labels, 1), np.full(n, np.nan), labels + 0.5,
                np.array([1, "a"] * n, dtype=object)[:n], None, np.eye(2)[labels] * 1.5]))
    else:
        y = target
        if broken == "y":
            y = draw(st.sampled_from([target * 1e300, np.full(n, np.inf), target[:-1],
                                      np.array(["a"] * n), target + 1j]))
    weights = None
    if broken == "weights":
        weights = draw(st.sampled_from([np.zeros(n), -np.ones(n), np.ones(n + 1), ["w"] * n,
                                        np.full(n, np.nan), np.ones(n) + 1j]))
    elif draw(st.booleans()):
        weights = draw(st.sampled_from([np.ones(n), np.full(n, 1e308), 2.0]))
    return X, y, weights


@settings(max_examples=110)
@given(data=st.data(), kind=st.sampled_from(sorted(ESTIMATORS)),
       dtype=st.sampled_from(["float64", "float32"]))
def test_any_data_fits_soundly_or_is_refused_naming_the_estimator(data, kind, dtype):
    X, y, weights = data.draw(data_sets(kind == "classifier"))
    estimator = ESTIMATORS[kind](hidden_layer_sizes=(3,), epochs=2, random_state=0, dtype=dtype)
    X_new = data.draw(st.sampled_from([None, np.zeros((3, 2)), np.zeros((3, 5)),
                                       np.full((2, 2), 1e300), np.zeros((2, 2)) + 1j]))
    event(check_fit(estimator, X, y, weights, X_new))
