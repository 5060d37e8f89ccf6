"""Toy data sets in the plane: scikit-learn's generators and mlplab's own.

Every generator returns ``(X, y)``: ``X`` float64 of shape (n_samples, 2) (or
(n_samples, n_features) where the generator takes ``n_features``) and ``y``
int64 class labels of shape (n_samples,), or float64 targets for the
regression sets. Every draw comes from ``random_state`` (None, an int or a
``numpy.random.Generator``); numpy's global random state is never touched.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlplab._rng import as_generator, seed_from
from mlplab._typing import FloatArray, Labelled, RandomState, Targets
from mlplab._validation import check_positive_int, did_you_mean
from mlplab.errors import InvalidInputError, InvalidTypeError, UnknownNameError
from sklearn import datasets as sk_datasets


def _sklearn_seed(random_state: RandomState) -> int:
    # An int goes straight through, so moons(..., random_state=42) equals
    # sklearn's make_moons(..., random_state=42) exactly. None and Generators
    # become an int drawn from a Generator: passing None on would make
    # scikit-learn draw from numpy's global random state.
    rng = as_generator(random_state)  # rejects negative ints, bools, floats
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return seed_from(rng)


def _check_n_samples(n_samples: int | Sequence[int], per_class_allowed: bool = False) -> Any:
    """A positive int, or (where scikit-learn allows it) a count per class."""
    if per_class_allowed and isinstance(n_samples, (tuple, list, np.ndarray)):
        counts = list(n_samples)
        valid = all(isinstance(c, numbers.Integral) and not isinstance(c, bool)
                    and c >= 0 for c in counts)  # type: ignore[operator]  # (numbers' stubs)
        if counts and valid and sum(counts) > 0:
            return n_samples
        raise InvalidInputError(
            f"n_samples={n_samples!r}: a count per class must be non-negative ints with a "
            "positive sum, e.g. n_samples=(100, 100).")
    return check_positive_int(n_samples, "n_samples", "n_samples=200")


def _check_noise(noise: float, name: str = "noise") -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise InvalidTypeError(f"{name}={noise!r}: must be a number >= 0, e.g. {name}=0.1.")
    if not noise >= 0:  # also catches NaN
        raise InvalidInputError(f"{name}={noise!r}: must be >= 0 (a standard deviation). "
                                f"Try {name}=0.1, or {name}=0 for none.")
    return float(noise)


def _check_turns(turns: float) -> float:
    if isinstance(turns, bool) or not isinstance(turns, numbers.Real) or not turns > 0:
        raise InvalidInputError(f"turns={turns!r}: must be a number > 0 (windings per arm), "
                                "e.g. turns=1.5.")
    return float(turns)


def _wrap(make: Callable[..., tuple[Any, Any]], n_samples: int | Sequence[int],
          random_state: RandomState, per_class_allowed: bool = False, **kwargs: Any) -> Labelled:
    n_samples = _check_n_samples(n_samples, per_class_allowed)
    try:
        X, y = make(n_samples=n_samples, random_state=_sklearn_seed(random_state), **kwargs)
    # scikit-learn's own checks name the parameter and the allowed values well;
    # they become mlplab errors so callers can catch one family. Its
    # InvalidParameterError is both a ValueError and a TypeError: ValueError first.
    except ValueError as exc:
        raise InvalidInputError(f"{make.__name__}: {exc}") from None
    except TypeError as exc:
        raise InvalidTypeError(f"{make.__name__}: {exc}") from None
    return X.astype(np.float64, copy=False), y.astype(np.int64, copy=False)


def moons(n_samples: int | Sequence[int] = 100, *, shuffle: bool = True, noise: float | None = None,
          random_state: RandomState = None) -> Labelled:
    """Two interleaving half circles (``sklearn.datasets.make_moons``).

    Parameters
    ----------
    n_samples : int or tuple of int
        Number of points, or (where scikit-learn allows) a count per class.
    shuffle : bool
        Shuffle the points (otherwise class 0 comes first).
    noise : float or None
        Standard deviation of Gaussian noise added to the points.
    random_state : None, int or numpy.random.Generator
        Seed of the draw; None draws fresh entropy (not the global NumPy state).

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64 in {0, 1}
    """
    return _wrap(sk_datasets.make_moons, n_samples, random_state, True, shuffle=shuffle,
                 noise=noise)


def circles(n_samples: int | Sequence[int] = 100, *, shuffle: bool = True,
            noise: float | None = None, random_state: RandomState = None,
            factor: float = 0.8) -> Labelled:
    """A small circle inside a large one (``sklearn.datasets.make_circles``, E4).

    Parameters
    ----------
    n_samples : int or tuple of int
        Number of points, or (where scikit-learn allows) a count per class.
    shuffle : bool
        Shuffle the points (otherwise the outer circle comes first).
    noise : float or None
        Standard deviation of Gaussian noise added to the points.
    random_state : None, int or numpy.random.Generator
        Seed of the draw; None draws fresh entropy (not the global NumPy state).
    factor : float
        Radius of the inner circle relative to the outer one, in (0, 1).

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64; 1 for the inner circle
    """
    return _wrap(sk_datasets.make_circles, n_samples, random_state, True, shuffle=shuffle,
                 noise=noise, factor=factor)


def blobs(n_samples: int | Sequence[int] = 100, n_features: int = 2, *,
          centers: int | ArrayLike | None = None, cluster_std: float | Sequence[float] = 1.0,
          center_box: tuple[float, float] = (-10.0, 10.0), shuffle: bool = True,
          random_state: RandomState = None) -> Labelled:
    """Isotropic Gaussian blobs (``sklearn.datasets.make_blobs``).

    ``return_centers`` is not offered: every generator returns ``(X, y)``.

    Parameters
    ----------
    n_samples : int or tuple of int
        Number of points, or (where scikit-learn allows) a count per class.
    n_features : int
        Number of columns of ``X``.
    centers : int, array-like of shape (n_centers, n_features) or None
        Number of blobs or their centres; None gives 3 blobs (2 when n_samples is a tuple).
    cluster_std : float or sequence of float
        Standard deviation of each blob.
    center_box : tuple of float
        Bounds of the random centres.
    shuffle : bool
        Shuffle the points.
    random_state : None, int or numpy.random.Generator
        Seed of the draw; None draws fresh entropy (not the global NumPy state).

    Returns
    -------
    X : ndarray, shape (n_samples, n_features), float64
    y : ndarray, shape (n_samples,), int64 blob index
    """
    return _wrap(sk_datasets.make_blobs, n_samples, random_state, True, n_features=n_features,
                 centers=centers, cluster_std=cluster_std, center_box=center_box,
                 shuffle=shuffle)


def classification(n_samples: int = 100, n_features: int = 2, *, n_informative: int = 2,
                   n_redundant: int = 0, n_repeated: int = 0, n_classes: int = 2,
                   n_clusters_per_class: int = 2, weights: Sequence[float] | None = None,
                   flip_y: float = 0.01, class_sep: float = 1.0, hypercube: bool = True,
                   shift: float | ArrayLike | None = 0.0, scale: float | ArrayLike | None = 1.0,
                   shuffle: bool = True, random_state: RandomState = None) -> Labelled:
    """Gaussian clusters on hypercube vertices (``sklearn.datasets.make_classification``).

    Two defaults differ from scikit-learn's (``n_features=20, n_redundant=2``):
    two features, both informative, so the data lies in the plane (E2).

    Parameters
    ----------
    n_samples : int
        Number of points.
    n_features : int
        Number of columns: informative, redundant, repeated and the rest noise.
    n_informative : int
        Columns that carry the classes.
    n_redundant : int
        Random linear combinations of the informative columns.
    n_repeated : int
        Copies of informative and redundant columns.
    n_classes : int
        Number of classes.
    n_clusters_per_class : int
        Number of Gaussian clusters per class.
    weights : sequence of float or None
        Class proportions; None balances the classes.
    flip_y : float
        Fraction of labels flipped at random (label noise).
    class_sep : float
        Distance factor between the hypercube's vertices; larger is easier.
    hypercube : bool
        As in ``sklearn.datasets.make_classification``.
    shift : float, array or None
        As in ``sklearn.datasets.make_classification``.
    scale : float, array or None
        As in ``sklearn.datasets.make_classification``.
    shuffle : bool
        As in ``sklearn.datasets.make_classification``.
    random_state : None, int or numpy.random.Generator
        Seed of the draw; None draws fresh entropy (not the global NumPy state).

    Returns
    -------
    X : ndarray, shape (n_samples, n_features), float64
    y : ndarray, shape (n_samples,), int64 in 0..n_classes-1
    """
    return _wrap(sk_datasets.make_classification, n_samples, random_state,
                 n_features=n_features, n_informative=n_informative, n_redundant=n_redundant,
                 n_repeated=n_repeated, n_classes=n_classes,
                 n_clusters_per_class=n_clusters_per_class, weights=weights, flip_y=flip_y,
                 class_sep=class_sep, hypercube=hypercube, shift=shift, scale=scale,
                 shuffle=shuffle)


def gaussian_quantiles(n_samples: int = 100, n_features: int = 2, *, mean: ArrayLike | None = None,
                       cov: float = 1.0, n_classes: int = 3, shuffle: bool = True,
                       random_state: RandomState = None) -> Labelled:
    """Classes as nested shells of a Gaussian (``make_gaussian_quantiles``, E3).

    Parameters
    ----------
    n_samples, n_features, shuffle, random_state
        As in :func:`blobs`.
    mean : array-like of shape (n_features,) or None
        Centre of the Gaussian; None is the origin.
    cov : float
        Variance of the (isotropic) Gaussian.
    n_classes : int
        Number of shells, each holding the same number of points.

    Returns
    -------
    X : ndarray, shape (n_samples, n_features), float64
    y : ndarray, shape (n_samples,), int64; 0 for the innermost shell
    """
    return _wrap(sk_datasets.make_gaussian_quantiles, n_samples, random_state, mean=mean,
                 cov=cov, n_features=n_features, n_classes=n_classes, shuffle=shuffle)


XOR_KINDS = ("uniform", "normal")


def _check_kind(kind: str) -> str:
    if not isinstance(kind, str):
        raise InvalidTypeError(f"xor(kind={kind!r}): kind must be 'uniform' or 'normal'.")
    key = kind.strip().lower()
    if key not in XOR_KINDS:
        raise UnknownNameError(f"xor(kind={kind!r}): unknown kind.{did_you_mean(key, XOR_KINDS)}"
                               " Valid kinds: uniform, normal.")
    return key


def xor(n_samples: int = 400, *, kind: Literal["uniform", "normal"] = "uniform",
        noise: float = 0.0, one_hot: bool = False, random_state: RandomState = None
        ) -> tuple[FloatArray, NDArray[np.int64] | FloatArray]:
    """Exclusive or: label 1 where the signs of x1 and x2 differ.

    Parameters
    ----------
    n_samples : int
    kind : "uniform" or "normal"
        Points uniform in the square [-1, 1]^2, or a standard normal cloud (E5).
    noise : float
        Standard deviation of Gaussian jitter added to X *after* labelling, so
        the labels keep the clean geometry and some points cross the axes.
    one_hot : bool
        Return ``y`` as float rows ``[x1*x2 > 0, x1*x2 <= 0]`` (E5's encoding)
        instead of int labels.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64: 1 where x1*x2 <= 0, else 0.
        With ``one_hot``: shape (n_samples, 2), float64, whose argmax is the
        int label. (x1*x2 == 0 has probability 0; it is labelled 1 to agree
        with E5's one-hot rows.)
    """
    n_samples = check_positive_int(n_samples, "n_samples", "n_samples=400")
    kind = _check_kind(kind)
    noise = _check_noise(noise)
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


def spirals(n_samples: int = 400, *, n_arms: int = 2, noise: float = 0.05, turns: float = 1.5,
            random_state: RandomState = None) -> Labelled:
    """``n_arms`` interleaved spiral arms, one class each, inside the unit disc.

    Parameters
    ----------
    n_samples : int
    n_arms : int
        Number of arms, which is the number of classes.
    noise : float
        Standard deviation of Gaussian jitter added to every point.
    turns : float
        How many times each arm winds around the centre.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64; within the unit disc before noise
    y : ndarray, shape (n_samples,), int64 in 0..n_arms-1; class sizes differ by
        at most one
    """
    n_samples = check_positive_int(n_samples, "n_samples", "n_samples=400")
    n_arms = check_positive_int(n_arms, "n_arms", "n_arms=2")
    noise = _check_noise(noise)
    turns = _check_turns(turns)
    rng = as_generator(random_state)
    labels = np.arange(n_samples) % n_arms  # round robin: balanced to within one point
    position = rng.uniform(0.0, 1.0, size=n_samples)  # how far along its arm
    radius = 0.05 + 0.95 * position  # keep the arms apart at the centre
    angle = 2 * np.pi * (turns * position + labels / n_arms)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)  # so a plain head/tail split sees every class
    return X[order], labels[order].astype(np.int64)


def checkerboard(n_samples: int = 400, *, n_tiles: int = 4,
                 random_state: RandomState = None) -> Labelled:
    """Points uniform in [-1, 1]^2, labelled by the colour of their tile.

    Parameters
    ----------
    n_samples : int
    n_tiles : int
        Tiles per side: the square is cut into ``n_tiles`` x ``n_tiles`` tiles.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64
    y : ndarray, shape (n_samples,), int64: parity of tile row + tile column
    """
    n_samples = check_positive_int(n_samples, "n_samples", "n_samples=400")
    n_tiles = check_positive_int(n_tiles, "n_tiles", "n_tiles=4")
    X = as_generator(random_state).uniform(-1.0, 1.0, size=(n_samples, 2))
    # x = 1.0 exactly would fall in tile n_tiles; it belongs to the last tile.
    tile = np.minimum(((X + 1.0) / 2.0 * n_tiles).astype(np.int64), n_tiles - 1)
    return X, (tile.sum(axis=1) % 2).astype(np.int64)


def regression_plane(n_samples: int = 400, *, noise: float = 0.0,
                     random_state: RandomState = None) -> Targets:
    """TensorFlow Playground's "plane": ``y = (x1 + x2) / 2`` on [-1, 1]^2, plus noise.

    Parameters
    ----------
    n_samples : int
        Number of points.
    noise : float
        Standard deviation of Gaussian noise added to ``y``.
    random_state : None, int or numpy.random.Generator
        Seed of the draw; None draws fresh entropy (not the global NumPy state).

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64, uniform in [-1, 1]^2
    y : ndarray, shape (n_samples,), float64 in [-1, 1] before noise
    """
    return _surface_samples(_plane, n_samples, noise, random_state)


def _plane(X: FloatArray) -> FloatArray:
    return (X[:, 0] + X[:, 1]) / 2.0


# Four bumps of alternating sign in the corners and a smaller one in the
# middle, so no plane and no single bump fits the surface.
_BUMP_CENTRES = np.array([[-0.6, 0.6], [0.6, 0.6], [-0.6, -0.6], [0.6, -0.6], [0.0, 0.0]])
_BUMP_HEIGHTS = np.array([1.0, -1.0, -1.0, 1.0, 0.5])
_BUMP_WIDTH = 0.25


def regression_gaussians(n_samples: int = 400, *, noise: float = 0.0,
                         random_state: RandomState = None) -> Targets:
    """TensorFlow Playground's "multi gaussian": signed Gaussian bumps on [-1, 1]^2.

    Parameters
    ----------
    n_samples, noise, random_state
        As in :func:`regression_plane`.

    Returns
    -------
    X : ndarray, shape (n_samples, 2), float64, uniform in [-1, 1]^2
    y : ndarray, shape (n_samples,), float64: sum of the bumps, plus noise
    """
    return _surface_samples(_bumps, n_samples, noise, random_state)


def _bumps(X: FloatArray) -> FloatArray:
    distance2 = ((X[:, None, :] - _BUMP_CENTRES[None, :, :]) ** 2).sum(axis=2)  # (n, 5)
    return (_BUMP_HEIGHTS * np.exp(-distance2 / (2 * _BUMP_WIDTH**2))).sum(axis=1)


def _surface_samples(surface: Callable[[FloatArray], FloatArray], n_samples: int,
                     noise: float, random_state: RandomState) -> Targets:
    """``X`` uniform in [-1, 1]^2 and ``y = surface(X)`` plus Gaussian noise, in that order
    of draws from ``random_state``."""
    n_samples = check_positive_int(n_samples, "n_samples", "n_samples=400")
    noise = _check_noise(noise)
    rng = as_generator(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    return X, surface(X) + rng.normal(scale=noise, size=n_samples)
