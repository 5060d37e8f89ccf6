"""Class and sample weights, and what fit does with a loss that diverges."""

import warnings

import numpy as np
import pytest

import mlplab
from mlplab import Dense
from mlplab.errors import InvalidInputError, TrainingDivergedError, TrainingDivergedWarning


def net(seed=0, units=1, l2=0.0):
    regularizer = {"l2": l2} if l2 else None
    activation = "sigmoid" if units == 1 else "softmax"
    model = mlplab.Sequential([Dense(4, activation="tanh", input_dim=2,
                                     kernel_regularizer=regularizer),
                               Dense(units, activation=activation)], random_state=seed)
    return model.compile(optimizer={"name": "sgd", "learning_rate": 0.2})


def data(rng, n=40, classes=2):
    X = rng.normal(size=(n, 2))
    y = np.minimum((X[:, 0] > 0.4).astype(int) + (X[:, 1] > 1.0), classes - 1)
    return X, y


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("batch_size", [None, 7])
def test_balanced_class_weight_is_the_equivalent_sample_weight(rng, classes, batch_size):
    X, y = data(rng, classes=classes)
    counts = np.bincount(y)
    expected = (len(y) / (len(counts) * counts))[y]  # scikit-learn's "balanced" rule
    units = 1 if classes == 2 else classes
    a, b = net(units=units), net(units=units)
    a.fit(X, y, epochs=20, batch_size=batch_size, class_weight="balanced")
    b.fit(X, y, epochs=20, batch_size=batch_size, sample_weight=expected)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=1e-12)


def test_a_class_weight_dict_multiplies_the_sample_weight(rng):
    X, y = data(rng)
    sample_weight = rng.uniform(0.5, 2.0, len(y))
    a, b = net(), net()
    a.fit(X, y, epochs=10, batch_size=None, sample_weight=sample_weight,
          class_weight={1: 5.0})
    b.fit(X, y, epochs=10, batch_size=None, sample_weight=sample_weight * np.where(y, 5.0, 1.0))
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=1e-12)


def test_a_weight_of_two_trains_as_the_row_repeated_in_full_batch(rng):
    X, y = data(rng, n=20)
    weights = np.ones(len(y))
    weights[3] = 2.0
    a, b = net(l2=1e-3), net(l2=1e-3)
    a.fit(X, y, epochs=25, batch_size=None, sample_weight=weights)
    b.fit(np.vstack([X, X[3:4]]), np.append(y, y[3]), epochs=25, batch_size=None)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=1e-12)


@pytest.mark.parametrize("class_weight, message", [
    ({2: 1.0}, "there is no class 2"),
    ({"a": 1.0}, "there is no class 'a'"),
    ({1: -1.0}, r"class_weight\[1\]"),
    ({0: 0.0, 1: 0.0}, "every sample's weight is 0"),
    ("balance", "give a dict"),
])
def test_bad_class_weights_name_the_fix(rng, class_weight, message):
    X, y = data(rng)
    with pytest.raises(mlplab.MlplabError, match=message):
        net().fit(X, y, class_weight=class_weight)


def test_class_weight_needs_classes(rng):
    X = rng.normal(size=(10, 2))
    model = mlplab.Sequential([Dense(1, input_dim=2)]).compile(loss="mse")
    with pytest.raises(InvalidInputError, match="use sample_weight instead"):
        model.fit(X, X[:, 0], class_weight="balanced")


def test_the_estimator_takes_class_weights_by_label(rng):
    X, y = data(rng)
    labels = np.array(["no", "yes"])[y]
    a = mlplab.NetClassifier(hidden_layer_sizes=(4,), batch_size=None, epochs=15,
                             n_iter_no_change=None, random_state=0)
    b = mlplab.NetClassifier(hidden_layer_sizes=(4,), batch_size=None, epochs=15,
                             n_iter_no_change=None, random_state=0)
    a.fit(X, labels, class_weight={"yes": 3.0})
    b.fit(X, labels, sample_weight=np.where(y, 3.0, 1.0))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=0, atol=1e-12)
    with pytest.raises(mlplab.MlplabError, match="there is no class 'maybe' in y"):
        a.fit(X, labels, class_weight={"maybe": 3.0})


# -- divergence ----------------------------------------------------------------------------
def diverging(rng):
    X = rng.normal(size=(60, 2)) * 50
    y = X @ np.array([3.0, -2.0]) * 100
    model = mlplab.Sequential([Dense(8, activation="relu", input_dim=2), Dense(1)],
                              random_state=0)
    return model.compile(loss="mse", optimizer={"name": "sgd", "learning_rate": 1.0}), X, y


def test_a_diverging_fit_with_early_stopping_ends_with_the_divergence_message(rng):
    model, X, y = diverging(rng)
    stopper = mlplab.EarlyStopping(monitor="val_loss", patience=3)
    with pytest.warns(TrainingDivergedWarning, match="learning rate"):
        history = model.fit(X, y, epochs=50, validation_split=0.2, callbacks=[stopper])
    assert "Likely causes" in history.stop_reason
    assert len(history.epoch) < 50


def test_a_diverging_estimator_with_early_stopping_raises_the_divergence_message(rng):
    X = rng.normal(size=(80, 2)) * 100
    y = (X[:, 0] > 0).astype(int)
    clf = mlplab.NetClassifier(hidden_layer_sizes=(8,), optimizer="sgd", learning_rate=1e6,
                               momentum=0.0, early_stopping=True, epochs=50, batch_size=8)
    with pytest.raises(TrainingDivergedError, match="Likely causes"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, y)


def test_inputs_that_overflow_the_first_forward_pass_are_refused_before_training(rng):
    # Within the input bound (2**32 in float32), but weights of 1e6 square past float32's max.
    X = rng.normal(size=(20, 2)).astype(np.float32)
    X[5] = [4e9, 4e9]
    big = {"name": "constant", "value": 1e6}
    model = mlplab.Sequential([Dense(3, input_dim=2, kernel_initializer=big),
                               Dense(1, kernel_initializer=big)], random_state=0,
                              dtype="float32")
    model.compile(loss="mse")
    before = model.get_weights()
    with pytest.raises(InvalidInputError, match="first forward pass overflows.*Standardize"):
        model.fit(X, X[:, 0])
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
