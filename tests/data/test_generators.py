import numpy as np
import pytest
from sklearn import datasets as sk

from mlplab import data
from mlplab.errors import InvalidInputError, UnknownNameError


@pytest.mark.parametrize("name,sk_make,kwargs", [
    ("moons", sk.make_moons, {"n_samples": 1000, "noise": 0.05}),
    ("circles", sk.make_circles, {"n_samples": 200, "noise": 0.2, "factor": 0.5}),
    ("blobs", sk.make_blobs, {"n_samples": 100, "centers": 2, "cluster_std": 3}),
    ("classification", sk.make_classification, {
        "n_samples": 1000, "n_features": 2, "n_informative": 2, "n_redundant": 0,
        "n_clusters_per_class": 2, "class_sep": 1.3, "flip_y": 0}),
    ("gaussian_quantiles", sk.make_gaussian_quantiles, {
        "n_samples": 2000, "n_features": 2, "n_classes": 2, "cov": 0.1}),
])
def test_wrappers_equal_scikit_learn_for_the_same_seed(name, sk_make, kwargs):
    X, y = data.make_dataset(name, random_state=42, **kwargs)
    X_ref, y_ref = sk_make(random_state=42, **kwargs)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


@pytest.mark.parametrize("name", data.dataset_names())
def test_every_generator_is_seeded(name):
    X1, y1 = data.make_dataset(name, n_samples=50, random_state=1)
    X2, y2 = data.make_dataset(name, n_samples=50, random_state=1)
    X3, _ = data.make_dataset(name, n_samples=50, random_state=2)
    assert X1.shape == (50, 2) and len(y1) == 50
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_xor_labels_follow_the_sign_rule():
    X, y = data.xor(n_samples=500, random_state=0)
    assert np.abs(X).max() <= 1
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    X, Y = data.xor(n_samples=20_000, kind="normal", one_hot=True, random_state=0)
    assert Y.shape == (20_000, 2)
    assert np.array_equal(Y[:, 0], (X[:, 0] * X[:, 1] > 0).astype(float))  # E5's encoding
    assert np.abs(X.mean(axis=0)).max() < 0.03 and np.abs(X.std(axis=0) - 1).max() < 0.03
    with pytest.raises(UnknownNameError, match="Did you mean 'normal'"):
        data.xor(kind="norml")


def test_xor_noise_moves_points_but_not_labels():
    X0, y0 = data.xor(n_samples=100, random_state=3)
    X1, y1 = data.xor(n_samples=100, noise=0.1, random_state=3)
    assert np.array_equal(y0, y1) and not np.array_equal(X0, X1)
    assert np.abs(X1 - X0).max() < 0.6


@pytest.mark.parametrize("n_arms", [2, 3, 5])
def test_spirals_are_balanced_arms(n_arms):
    X, y = data.spirals(n_samples=301, n_arms=n_arms, noise=0.0, random_state=0)
    counts = np.bincount(y)
    assert len(counts) == n_arms and counts.max() - counts.min() <= 1
    assert np.linalg.norm(X, axis=1).max() <= 1.0 + 1e-12
    # Without noise, each arm is a curve: its points' angle grows with the radius.
    arm = X[y == 0]
    radius = np.linalg.norm(arm, axis=1)
    angle = np.unwrap(np.arctan2(arm[np.argsort(radius), 1], arm[np.argsort(radius), 0]))
    assert np.all(np.diff(angle) > -1e-9)


def test_checkerboard_parity():
    X, y = data.checkerboard(n_samples=1000, n_tiles=2, random_state=0)
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int))
    assert 0.4 < y.mean() < 0.6


def test_regression_sets():
    X, y = data.regression_plane(n_samples=100, random_state=0)
    np.testing.assert_allclose(y, X.sum(axis=1) / 2)
    X, y = data.regression_gaussians(n_samples=2000, random_state=0)
    assert y.dtype == np.float64 and y.max() > 0.5 and y.min() < -0.5


def test_registry_errors_name_the_fix():
    with pytest.raises(UnknownNameError, match="Did you mean 'moons'"):
        data.make_dataset("mons")
    with pytest.raises(InvalidInputError, match="does not take nosie; it takes: n_samples"):
        data.make_dataset("moons", nosie=0.1)
    with pytest.raises(InvalidInputError, match="n_samples=0"):
        data.moons(n_samples=0)
    assert "noise" in data.dataset_parameters("circles")
