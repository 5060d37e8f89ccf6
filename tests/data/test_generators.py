import numpy as np
import pytest
from sklearn import datasets as sk

from mlplab import data
from mlplab.errors import InvalidInputError, InvalidTypeError, UnknownNameError

# The experiments' own calls (E1-E4), each against scikit-learn with the same seed.
SKLEARN_CASES = [
    (data.moons, sk.make_moons, {"n_samples": 1000, "noise": 0.05}),
    (data.circles, sk.make_circles, {"n_samples": 200, "noise": 0.2, "factor": 0.5}),
    (data.blobs, sk.make_blobs, {"n_samples": 100, "centers": 2, "cluster_std": 3}),
    (data.classification, sk.make_classification, {
        "n_samples": 1000, "n_features": 2, "n_informative": 2, "n_redundant": 0,
        "n_clusters_per_class": 2, "class_sep": 1.3, "flip_y": 0}),
    (data.gaussian_quantiles, sk.make_gaussian_quantiles, {
        "n_samples": 2000, "n_features": 2, "n_classes": 2, "cov": 0.1}),
]


@pytest.mark.parametrize("make,sk_make,kwargs", SKLEARN_CASES)
def test_wrappers_equal_scikit_learn_for_the_same_int_seed(make, sk_make, kwargs):
    X, y = make(random_state=42, **kwargs)
    X_ref, y_ref = sk_make(random_state=42, **kwargs)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_moons_e1_call_is_sklearns():
    X, y = data.moons(n_samples=1000, noise=0.05, random_state=42)
    X_ref, y_ref = sk.make_moons(n_samples=1000, noise=0.05, random_state=42)
    assert X.shape == (1000, 2) and np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


def test_unseeded_calls_leave_numpys_global_state_alone():
    # The legacy global state is what an unseeded scikit-learn call would draw from.
    _, key, position, *_ = np.random.get_state()  # noqa: NPY002
    data.moons(n_samples=20)
    data.blobs(n_samples=20, random_state=np.random.default_rng(0))
    data.xor(n_samples=20)
    _, key_after, position_after, *_ = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(key_after, key) and position_after == position


def test_a_generator_seed_continues_its_stream():
    first = data.circles(n_samples=30, random_state=np.random.default_rng(5))
    again = data.circles(n_samples=30, random_state=np.random.default_rng(5))
    rng = np.random.default_rng(5)
    one, two = data.xor(n_samples=30, random_state=rng), data.xor(n_samples=30, random_state=rng)
    assert np.array_equal(first[0], again[0])
    assert not np.array_equal(one[0], two[0])


@pytest.mark.parametrize("name", data.dataset_names())
def test_every_generator_is_seeded(name):
    X1, y1 = data.make_dataset(name, n_samples=50, random_state=1)
    X2, y2 = data.make_dataset(name, n_samples=50, random_state=1)
    X3, _ = data.make_dataset(name, n_samples=50, random_state=2)
    curve = name in data.CURVE_DATASETS  # functions of one input
    assert X1.shape == (50, 1 if curve else 2) and y1.shape == (50,) and X1.dtype == np.float64
    assert y1.dtype == (np.float64 if name.startswith("regression") or curve else np.int64)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", data.dataset_names())
@pytest.mark.parametrize("bad,error", [(0, InvalidInputError), (-5, InvalidInputError),
                                       (2.5, InvalidTypeError), (True, InvalidTypeError)])
def test_n_samples_must_be_a_positive_int(name, bad, error):
    with pytest.raises(error, match=rf"n_samples={bad!r}: must be a positive int"):
        data.make_dataset(name, n_samples=bad)


def test_per_class_counts_pass_through_where_sklearn_takes_them():
    _, y = data.moons(n_samples=(3, 7), random_state=0)
    assert np.bincount(y).tolist() == [3, 7]
    with pytest.raises(InvalidInputError, match=r"n_samples=\(3, -1\): a count per class"):
        data.moons(n_samples=(3, -1))


def test_sklearn_argument_errors_become_mlplab_errors():
    with pytest.raises(InvalidInputError, match="make_moons: .*'noise' parameter"):
        data.moons(noise=-1.0, random_state=0)
    with pytest.raises(InvalidTypeError, match="random_state=-1: a seed must be"):
        data.circles(random_state=-1)


def test_xor_labels_follow_the_sign_rule():
    X, y = data.xor(n_samples=500, random_state=0)
    assert X.shape == (500, 2) and np.abs(X).max() <= 1 and X.min() < -0.9 < 0.9 < X.max()
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64))
    assert 0.4 < y.mean() < 0.6


def test_xor_e5_normal_cloud_one_hot():
    X, Y = data.xor(n_samples=20_000, kind="normal", one_hot=True, random_state=0)
    assert Y.shape == (20_000, 2) and Y.dtype == np.float64
    assert np.array_equal(Y[:, 0], (X[:, 0] * X[:, 1] > 0).astype(float))  # E5's encoding
    assert np.array_equal(Y.sum(axis=1), np.ones(20_000))
    assert np.abs(X.mean(axis=0)).max() < 0.03 and np.abs(X.std(axis=0) - 1).max() < 0.03
    _, y = data.xor(n_samples=20_000, kind="normal", random_state=0)
    assert np.array_equal(Y.argmax(axis=1), y)


def test_xor_noise_moves_points_but_not_labels():
    X0, y0 = data.xor(n_samples=2000, random_state=3)
    X1, y1 = data.xor(n_samples=2000, noise=0.1, random_state=3)
    assert np.array_equal(y0, y1)
    assert np.std(X1 - X0) == pytest.approx(0.1, rel=0.05)


def test_xor_argument_errors():
    with pytest.raises(UnknownNameError, match=r"kind='norml'.*Did you mean 'normal'"):
        data.xor(kind="norml")
    with pytest.raises(InvalidInputError, match=r"noise=-0.1: must be >= 0"):
        data.xor(noise=-0.1)


@pytest.mark.parametrize("n_arms", [2, 3, 5])
def test_spirals_are_balanced_arms(n_arms):
    X, y = data.spirals(n_samples=301, n_arms=n_arms, noise=0.0, random_state=0)
    counts = np.bincount(y)
    assert len(counts) == n_arms and counts.max() - counts.min() <= 1
    assert np.linalg.norm(X, axis=1).max() <= 1.0 + 1e-12
    # Without noise, each arm is a curve: its points' angle grows with the radius.
    arm = X[y == 0]
    by_radius = arm[np.argsort(np.linalg.norm(arm, axis=1))]
    angle = np.unwrap(np.arctan2(by_radius[:, 1], by_radius[:, 0]))
    assert np.all(np.diff(angle) > -1e-9)


def test_spirals_arms_are_rotated_copies():
    # Arm k is arm 0 turned by 2*pi*k/n_arms: at equal radius, the angles differ by that.
    X, y = data.spirals(n_samples=4000, n_arms=4, noise=0.0, turns=1.0, random_state=1)
    radius, angle = np.linalg.norm(X, axis=1), np.arctan2(X[:, 1], X[:, 0])
    phase = np.mod(angle - 2 * np.pi * (radius - 0.05) / 0.95, 2 * np.pi)
    np.testing.assert_allclose(np.exp(1j * phase), np.exp(1j * 2 * np.pi * y / 4), atol=1e-9)
    with pytest.raises(InvalidInputError, match="turns=0"):
        data.spirals(turns=0)


def test_checkerboard_parity():
    X, y = data.checkerboard(n_samples=1000, n_tiles=2, random_state=0)
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64))
    X, y = data.checkerboard(n_samples=2000, n_tiles=4, random_state=0)
    column, row = np.floor((X + 1) / 0.5).T  # tiles of side 0.5
    assert np.array_equal(y, ((column + row) % 2).astype(np.int64))
    assert 0.45 < y.mean() < 0.55


def test_regression_plane_is_the_plane_plus_noise():
    X, y = data.regression_plane(n_samples=100, random_state=0)
    np.testing.assert_allclose(y, X.sum(axis=1) / 2)
    X, y = data.regression_plane(n_samples=5000, noise=0.2, random_state=0)
    assert np.std(y - X.sum(axis=1) / 2) == pytest.approx(0.2, rel=0.05)


def test_regression_gaussians_have_signed_bumps():
    X, y = data.regression_gaussians(n_samples=4000, random_state=0)
    near = lambda x1, x2: np.linalg.norm(X - [x1, x2], axis=1) < 0.1  # noqa: E731
    assert y[near(-0.6, 0.6)].min() > 0.8 and y[near(0.6, 0.6)].max() < -0.8
    assert y[near(0.0, 0.0)].mean() == pytest.approx(0.5, abs=0.1)
