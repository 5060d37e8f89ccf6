import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from mlplab import data
from mlplab.errors import InvalidInputError, UnknownNameError


def test_e3_split_sizes_and_stratification():
    X, y = data.gaussian_quantiles(n_samples=2000, n_features=2, n_classes=2, cov=0.1,
                                   random_state=3)
    parts = data.split(X, y, test=0.3, validation=0.2, random_state=0)
    assert (len(parts.X_train), len(parts.X_val), len(parts.X_test)) == (1120, 280, 600)
    assert repr(parts) == "Split(train=1120, val=280, test=600, n_features=2)"
    for labels in (parts.y_train, parts.y_val, parts.y_test):
        assert labels.mean() == pytest.approx(y.mean(), abs=0.01)
    again = data.split(X, y, test=0.3, validation=0.2, random_state=0)
    assert np.array_equal(parts.X_test, again.X_test)
    other = data.split(X, y, test=0.3, validation=0.2, random_state=1)
    assert not np.array_equal(parts.X_test, other.X_test)
    all_rows = np.vstack([parts.X_train, parts.X_val, parts.X_test])
    assert len(np.unique(all_rows, axis=0)) == 2000  # a partition: nothing lost or repeated


def test_split_without_validation_and_with_targets():
    X, y = data.regression_plane(n_samples=100, random_state=0)
    parts = data.split(X, y, test=0.25, random_state=0)
    assert parts.X_val is None and len(parts.X_test) == 25


def test_split_errors():
    X, y = data.moons(n_samples=10, random_state=0)
    with pytest.raises(InvalidInputError, match="test=1.5"):
        data.split(X, y, test=1.5)
    with pytest.raises(InvalidInputError, match="X has 10 samples but y has 9"):
        data.split(X, y[:9])
    with pytest.raises(InvalidInputError, match="cannot split"):
        data.split(X[:3], np.array([0, 1, 1]), test=0.3)


def test_standardize_uses_training_statistics():
    X, _ = data.blobs(n_samples=200, centers=2, cluster_std=3, random_state=42)
    train, test = X[:150], X[150:]
    train_s, test_s = data.standardize(train, test)
    np.testing.assert_allclose(train_s.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_s.std(axis=0), 1)
    np.testing.assert_allclose(test_s, (test - train.mean(axis=0)) / train.std(axis=0))
    assert data.standardize(train).shape == train.shape
    with pytest.raises(InvalidInputError, match="has 3 features but the model expects 2"):
        data.standardize(train, np.zeros((2, 3)))


def test_playground_features_values_and_names():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]])
    features = data.PlaygroundFeatures()
    out = features.fit_transform(X)
    expected = np.column_stack([X[:, 0], X[:, 1], X[:, 0] ** 2, X[:, 1] ** 2, X[:, 0] * X[:, 1],
                                np.sin(X[:, 0]), np.sin(X[:, 1])])
    np.testing.assert_allclose(out, expected)
    assert list(features.get_feature_names_out()) == ["x1", "x2", "x1^2", "x2^2", "x1*x2",
                                                      "sin(x1)", "sin(x2)"]
    chosen = data.PlaygroundFeatures(["x1x2", "SIN X1"]).fit(X)
    assert list(chosen.get_feature_names_out()) == ["x1*x2", "sin(x1)"]


def test_playground_features_in_a_pipeline_solve_xor():
    X, y = data.xor(n_samples=400, random_state=0)
    linear = LogisticRegression().fit(X, y).score(X, y)
    with_product = make_pipeline(data.PlaygroundFeatures(["x1", "x2", "x1*x2"]),
                                 LogisticRegression(C=100)).fit(X, y).score(X, y)
    assert linear < 0.7 < 0.95 < with_product


def test_playground_feature_errors():
    with pytest.raises(UnknownNameError, match="Did you mean 'sin"):
        data.PlaygroundFeatures(["sin(x3)"]).fit(np.zeros((2, 2)))
    with pytest.raises(InvalidInputError, match="X has 3 columns"):
        data.PlaygroundFeatures().fit(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="give a list of names"):
        data.PlaygroundFeatures("x1").fit(np.zeros((2, 2)))


def test_an_int_seed_splits_as_scikit_learn_does():
    from sklearn.model_selection import train_test_split

    X, y = data.moons(n_samples=200, noise=0.2, random_state=42)
    parts = data.split(X, y, test=0.2, random_state=42, stratify=False)
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.2, random_state=42)
    assert np.array_equal(parts.X_train, X_train) and np.array_equal(parts.X_test, X_test)
