import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from mlplab import data
from mlplab.errors import InvalidInputError, InvalidTypeError


@pytest.fixture(scope="module")
def e3():
    return data.gaussian_quantiles(n_samples=2000, n_features=2, n_classes=2, cov=0.1,
                                   random_state=3)


def test_e3_split_sizes(e3):
    parts = data.split(*e3, test=0.3, validation=0.2, random_state=0)
    assert (len(parts.X_train), len(parts.X_val), len(parts.X_test)) == (1120, 280, 600)
    assert (len(parts.y_train), len(parts.y_val), len(parts.y_test)) == (1120, 280, 600)
    assert repr(parts) == "Split(train=1120, val=280, test=600, n_features=2)"
    all_rows = np.vstack([parts.X_train, parts.X_val, parts.X_test])
    assert len(np.unique(all_rows, axis=0)) == 2000  # a partition: nothing lost or repeated


def test_stratification_keeps_class_ratios():
    X, y = data.blobs(n_samples=1000, centers=2, random_state=0)
    keep = np.concatenate([np.flatnonzero(y == 0)[:100], np.flatnonzero(y == 1)])  # 100 vs 500
    X, y = X[keep], y[keep]
    parts = data.split(X, y, test=0.3, validation=0.2, random_state=0)
    for labels, n in ((parts.y_train, 336), (parts.y_val, 84), (parts.y_test, 180)):
        assert len(labels) == n and np.sum(labels == 0) == pytest.approx(n / 6, abs=1)
    counts = [np.sum(data.split(X, y, test=0.3, random_state=s, stratify=False).y_test == 0)
              for s in range(20)]
    assert np.ptp(counts) > 2  # without stratification the test share of class 0 wanders


def test_one_hot_and_text_labels_are_stratified():
    X, Y = data.xor(n_samples=400, kind="normal", one_hot=True, random_state=0)
    parts = data.split(X, Y, test=0.25, random_state=0)
    assert parts.y_test.shape == (100, 2)
    assert parts.y_test[:, 0].sum() == pytest.approx(Y[:, 0].mean() * 100, abs=1)
    names = np.where(Y[:, 0] == 1, "same", "different")
    parts = data.split(X, names, test=0.25, random_state=0)
    assert np.sum(parts.y_test == "same") == pytest.approx(Y[:, 0].mean() * 100, abs=1)


def test_seeded_splits_repeat_and_differ(e3):
    parts = data.split(*e3, test=0.3, validation=0.2, random_state=0)
    again = data.split(*e3, test=0.3, validation=0.2, random_state=0)
    other = data.split(*e3, test=0.3, validation=0.2, random_state=1)
    assert np.array_equal(parts.X_test, again.X_test) and np.array_equal(parts.X_val, again.X_val)
    assert not np.array_equal(parts.X_test, other.X_test)
    from_rng = [data.split(*e3, random_state=np.random.default_rng(9)).X_test for _ in range(2)]
    assert np.array_equal(*from_rng)


def test_an_int_seed_splits_as_scikit_learn_does():
    X, y = data.moons(n_samples=200, noise=0.2, random_state=42)
    parts = data.split(X, y, test=0.2, random_state=42, stratify=False)
    X_train, X_test, _, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    assert np.array_equal(parts.X_train, X_train) and np.array_equal(parts.X_test, X_test)
    assert np.array_equal(parts.y_test, y_test)


def test_regression_targets_split_without_validation():
    X, y = data.regression_plane(n_samples=100, random_state=0)
    parts = data.split(X, y, test=0.25, random_state=0)  # stratify=True is ignored for floats
    assert parts.X_val is None and parts.y_val is None
    assert len(parts.X_test) == 25 and repr(parts).startswith("Split(train=75, val=0, test=25")


@pytest.mark.parametrize("args,kwargs,error,message", [
    ((), {"test": 1.5}, InvalidInputError, r"test=1.5: must satisfy 0 < test < 1"),
    ((), {"test": 0}, InvalidInputError, r"test=0: must satisfy 0 < test < 1"),
    ((), {"validation": -0.1}, InvalidInputError, r"validation=-0.1"),
    ((), {"random_state": -1}, InvalidTypeError, "random_state=-1"),
    ((np.zeros((3, 2)), [0, 1, 1]), {"test": 0.3}, InvalidInputError, "cannot split 3 samples"),
    ((np.zeros((0, 2)), []), {}, InvalidInputError, "X is empty"),
    ((np.zeros((10, 2)), np.zeros(9)), {}, InvalidInputError, "X has 10 samples but y has 9"),
])
def test_split_errors(args, kwargs, error, message):
    X, y = args or data.moons(n_samples=10, random_state=0)
    with pytest.raises(error, match=message):
        data.split(X, y, **kwargs)


def test_standardize_uses_training_statistics():
    X, _ = data.blobs(n_samples=200, centers=2, cluster_std=3, random_state=42)
    train, val, test = X[:120], X[120:150], X[150:]
    train_s, val_s, test_s = data.standardize(train, val, test)
    np.testing.assert_allclose(train_s.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_s.std(axis=0), 1)
    np.testing.assert_allclose(test_s, (test - train.mean(axis=0)) / train.std(axis=0))
    np.testing.assert_allclose(val_s, (val - train.mean(axis=0)) / train.std(axis=0))
    alone = data.standardize(train.tolist())
    assert isinstance(alone, np.ndarray) and np.array_equal(alone, train_s)


def test_standardize_errors():
    train = np.ones((4, 2))
    with pytest.raises(InvalidInputError, match=r"others\[1\] has 3 features but X_train has 2"):
        data.standardize(train, train, np.zeros((2, 3)))
    with pytest.raises(InvalidInputError, match="X_train must be 2-D"):
        data.standardize(np.arange(4.0))
