"""TensorFlow Playground's input features as a scikit-learn transformer."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from mlplab._validation import check_X, lookup
from mlplab.errors import InvalidInputError, InvalidTypeError

FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
ALIASES = {"x1**2": "x1^2", "x2**2": "x2^2", "x1x2": "x1*x2", "x1 * x2": "x1*x2",
           "sinx1": "sin(x1)", "sin x1": "sin(x1)", "sinx2": "sin(x2)", "sin x2": "sin(x2)"}


class PlaygroundFeatures(TransformerMixin, BaseEstimator):
    """Map 2-D points (x1, x2) to chosen Playground features.

    Parameters
    ----------
    features : sequence of str
        Any of ``x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)``, in the order
        wanted; all seven by default.

    Examples
    --------
    >>> PlaygroundFeatures(["x1", "x2", "x1*x2"]).fit_transform([[2.0, 3.0]])
    array([[2., 3., 6.]])
    """

    def __init__(self, features=tuple(FEATURES)):
        self.features = features

    def fit(self, X, y=None):
        _check_two_columns(check_X(X))
        if isinstance(self.features, str):
            raise InvalidTypeError(f"features={self.features!r}: give a list of names, e.g. "
                                   "['x1', 'x2', 'x1*x2'].")
        self.features_ = [_resolve(name) for name in self.features]
        self.n_features_in_ = 2
        return self

    def transform(self, X):
        check_is_fitted(self, "features_")
        X = _check_two_columns(check_X(X))
        return np.column_stack([FEATURES[name](X) for name in self.features_])

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "features_")
        return np.array(self.features_, dtype=object)


def _resolve(name):
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    lookup(FEATURES, key, "feature")  # raises with the valid names and a suggestion
    return key


def _check_two_columns(X):
    if X.shape[1] != 2:
        raise InvalidInputError(f"PlaygroundFeatures needs 2-D points (x1, x2); X has "
                                f"{X.shape[1]} columns. Select two columns first.")
    return X
