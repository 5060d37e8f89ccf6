"""TensorFlow Playground's input features as a scikit-learn transformer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from mlplab._typing import FloatArray
from mlplab._validation import check_X, did_you_mean
from mlplab.errors import InvalidInputError, InvalidTypeError, UnknownNameError

# Each feature maps X of shape (n, 2) to one column of shape (n,).
FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
# Other spellings people type; keys are lower case with spaces removed.
ALIASES = {"x1**2": "x1^2", "x2**2": "x2^2", "x1x2": "x1*x2", "x2*x1": "x1*x2",
           "sinx1": "sin(x1)", "sinx2": "sin(x2)"}


class PlaygroundFeatures(TransformerMixin, BaseEstimator):
    """Map 2-D points (x1, x2) to chosen TensorFlow Playground features.

    Parameters
    ----------
    features : sequence of str
        Any of ``x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)``, in the output
        order wanted; all seven by default. Case and spaces do not matter, and
        ``x1**2``, ``x1x2`` and ``sinx1`` are accepted too.

    Attributes
    ----------
    features_ : list of str
        The canonical feature names, in output order.
    n_features_in_ : int
        Always 2.

    Examples
    --------
    >>> PlaygroundFeatures(["x1", "x2", "x1*x2"]).fit_transform([[2.0, 3.0]])
    array([[2., 3., 6.]])
    """

    def __init__(self, features: Sequence[str] = tuple(FEATURES)):
        self.features = features

    def fit(self, X: ArrayLike, y: object = None) -> Self:
        """Check ``X`` of shape (n_samples, 2) and the feature names; return self."""
        _check_two_columns(check_X(X))
        self.features_ = _resolve_all(self.features)
        self.n_features_in_ = 2
        return self

    def transform(self, X: ArrayLike) -> FloatArray:
        """Return the chosen features of ``X``.

        Parameters
        ----------
        X : array-like, shape (n_samples, 2)

        Returns
        -------
        ndarray, shape (n_samples, len(features)), float64
        """
        check_is_fitted(self, "features_")
        X = _check_two_columns(check_X(X))
        return np.column_stack([FEATURES[name](X) for name in self.features_])

    def get_feature_names_out(self, input_features: object = None) -> NDArray[np.object_]:
        """The output column names, e.g. ``['x1', 'x2', 'x1*x2']``, as an object array."""
        check_is_fitted(self, "features_")
        return np.array(self.features_, dtype=object)


def _resolve_all(features: Sequence[str]) -> list[str]:
    if isinstance(features, str) or not hasattr(features, "__iter__"):
        raise InvalidTypeError(f"features={features!r}: give a list of names, e.g. "
                               "['x1', 'x2', 'x1*x2'].")
    names = [_resolve(name) for name in features]
    if not names:
        raise InvalidInputError("features=[]: choose at least one, e.g. ['x1', 'x2'].")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        # Two columns with one name would break get_feature_names_out (and pandas output).
        raise InvalidInputError(f"features={list(features)!r}: {', '.join(repeated)} "
                                "appears more than once. List each feature once.")
    return names


def _resolve(name: str) -> str:
    if not isinstance(name, str):
        raise InvalidTypeError(f"feature {name!r}: feature names are str, e.g. 'x1*x2'.")
    key = name.lower().replace(" ", "")
    key = ALIASES.get(key, key)
    if key not in FEATURES:
        raise UnknownNameError(f"Unknown feature {name!r}.{did_you_mean(key, FEATURES)} "
                               f"Valid names: {', '.join(FEATURES)}.")
    return key


def _check_two_columns(X: FloatArray) -> FloatArray:
    if X.shape[1] != 2:
        raise InvalidInputError(f"PlaygroundFeatures needs 2-D points (x1, x2); X has "
                                f"{X.shape[1]} columns. Select two columns first, e.g. "
                                "X[:, :2].")
    return X
