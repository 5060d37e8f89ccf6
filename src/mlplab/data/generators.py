"""Toy data sets in the plane: scikit-learn's generators and the seeds' own.

Every generator returns ``(X, y)``: ``X`` float64 of shape (n_samples, 2) (or
n_features) and ``y`` int64 class labels of shape (n_samples,), or float
targets for the regression sets. Every draw comes from ``random_state``.
"""

import numpy as np
from sklearn import datasets as sk_datasets

from mlplab._rng import as_generator, seed_from
from mlplab._validation import check_positive_int, lookup


def _sklearn_seed(random_state):
    # An int goes straight through, so moons(..., random_state=42) equals
    # sklearn's make_moons(..., random_state=42) exactly.
    if isinstance(random_state, (int, np.integer)) or random_state is None:
        return random_state
    return seed_from(as_generator(random_state))


def _wrap(make, n_samples, random_state, **kwargs):
    check_positive_int(n_samples, "n_samples", "n_samples=200")
    X, y = make(n_samples=n_samples, random_state=_sklearn_seed(random_state), **kwargs)
    return X.astype(np.float64), y


def moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles (``sklearn.datasets.make_moons``)."""
    return _wrap(sk_datasets.make_moons, n_samples, random_state, shuffle=shuffle, noise=noise)


def circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8):
    """A small circle inside a large one (``sklearn.datasets.make_circles``)."""
    return _wrap(sk_datasets.make_circles, n_samples, random_state, shuffle=shuffle,
                 noise=noise, factor=factor)


def blobs(n_samples=100, n_features=2, *, centers=None, cluster_std=1.0,
          center_box=(-10.0, 10.0), shuffle=True, random_state=None):
    """Isotropic Gaussian blobs (``sklearn.datasets.make_blobs``)."""
    return _wrap(sk_datasets.make_blobs, n_samples, random_state, n_features=n_features,
                 centers=centers, cluster_std=cluster_std, center_box=center_box,
                 shuffle=shuffle)


def classification(n_samples=100, n_features=2, *, n_informative=2, n_redundant=0,
                   n_repeated=0, n_classes=2, n_clusters_per_class=2, weights=None,
                   flip_y=0.01, class_sep=1.0, hypercube=True, shift=0.0, scale=1.0,
                   shuffle=True, random_state=None):
    """Gaussian clusters on hypercube vertices (``sklearn.datasets.make_classification``).

    Defaults differ from scikit-learn's in one respect: two features, both
    informative, so the data can be drawn in the plane (E2).
    """
    return _wrap(sk_datasets.make_classification, n_samples, random_state,
                 n_features=n_features, n_informative=n_informative, n_redundant=n_redundant,
                 n_repeated=n_repeated, n_classes=n_classes,
                 n_clusters_per_class=n_clusters_per_class, weights=weights, flip_y=flip_y,
                 class_sep=class_sep, hypercube=hypercube, shift=shift, scale=scale,
                 shuffle=shuffle)


def gaussian_quantiles(n_samples=100, n_features=2, *, mean=None, cov=1.0, n_classes=3,
                       shuffle=True, random_state=None):
    """Classes as nested shells of a Gaussian (``make_gaussian_quantiles``, E3)."""
    return _wrap(sk_datasets.make_gaussian_quantiles, n_samples, random_state, mean=mean,
                 cov=cov, n_features=n_features, n_classes=n_classes, shuffle=shuffle)


XOR_KINDS = ("uniform", "normal")


def xor(n_samples=400, *, kind="uniform", noise=0.0, one_hot=False, random_state=None):
    """Exclusive or: label 1 where the signs of x1 and x2 differ (x1 * x2 < 0).

    Parameters
    ----------
    kind : "uniform" or "normal"
        Points uniform in the square [-1, 1]^2, or a standard normal cloud (E5).
    noise : float
        Standard deviation of Gaussian jitter added to X after labelling.
    one_hot : bool
        Return ``y`` as float rows ``[x1 x2 > 0, x1 x2 <= 0]`` (E5's encoding),
        shape (n_samples, 2); its argmax is the int label.
    """
    check_positive_int(n_samples, "n_samples", "n_samples=400")
    kind = lookup({k: k for k in XOR_KINDS}, kind, "xor kind")
    rng = as_generator(random_state)
    if kind == "uniform":
        X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    else:
        X = rng.standard_normal(size=(n_samples, 2))
    labels = (X[:, 0] * X[:, 1] <= 0).astype(np.int64)
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    if one_hot:
        return X, np.eye(2)[labels]
    return X, labels


def spirals(n_samples=400, *, n_arms=2, noise=0.05, turns=1.5, random_state=None):
    """``n_arms`` interleaved spiral arms, one class each, inside the unit disc.

    Points are spread evenly along each arm (radius 0.05 to 1) and jittered by
    Gaussian ``noise``; classes are balanced to within one point.
    """
    check_positive_int(n_samples, "n_samples", "n_samples=400")
    n_arms = check_positive_int(n_arms, "n_arms", "n_arms=2")
    rng = as_generator(random_state)
    labels = np.arange(n_samples) % n_arms
    position = rng.uniform(0.0, 1.0, size=n_samples)  # how far along its arm
    radius = 0.05 + 0.95 * position
    angle = 2 * np.pi * (turns * position + labels / n_arms)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)
    return X[order], labels[order].astype(np.int64)


def checkerboard(n_samples=400, *, n_tiles=4, random_state=None):
    """Points uniform in [-1, 1]^2, labelled by the colour of their tile.

    The square is cut into ``n_tiles`` x ``n_tiles`` tiles; the label is the
    parity of the tile's row plus column.
    """
    check_positive_int(n_samples, "n_samples", "n_samples=400")
    n_tiles = check_positive_int(n_tiles, "n_tiles", "n_tiles=4")
    X = as_generator(random_state).uniform(-1.0, 1.0, size=(n_samples, 2))
    tile = np.minimum(((X + 1.0) / 2.0 * n_tiles).astype(np.int64), n_tiles - 1)
    return X, (tile.sum(axis=1) % 2).astype(np.int64)


def regression_plane(n_samples=400, *, noise=0.0, random_state=None):
    """TensorFlow Playground's "plane": ``y = (x1 + x2) / 2`` on [-1, 1]^2, plus noise."""
    check_positive_int(n_samples, "n_samples", "n_samples=400")
    rng = as_generator(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    return X, (X[:, 0] + X[:, 1]) / 2.0 + rng.normal(scale=noise, size=n_samples)


def regression_gaussians(n_samples=400, *, noise=0.0, random_state=None):
    """TensorFlow Playground's "multi gaussian": signed Gaussian bumps on [-1, 1]^2."""
    check_positive_int(n_samples, "n_samples", "n_samples=400")
    rng = as_generator(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    centres = np.array([[-0.6, 0.6], [0.6, 0.6], [-0.6, -0.6], [0.6, -0.6], [0.0, 0.0]])
    heights = np.array([1.0, -1.0, -1.0, 1.0, 0.5])
    distance2 = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    y = (heights * np.exp(-distance2 / (2 * 0.25**2))).sum(axis=1)
    return X, y + rng.normal(scale=noise, size=n_samples)
