"""The comparison models of the seed experiments, by name.

``make_model("svc_rbf", C=1)`` returns a fresh, unfitted scikit-learn
estimator; study files name models this way. Each entry is a factory and the
defaults the seeds used (e.g. ``gamma="auto"`` for the SVCs of E4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from mlplab._validation import did_you_mean, lookup
from mlplab.errors import InvalidInputError, MlplabError
from mlplab.estimator import NetClassifier, NetRegressor
from mlplab.neural_network import MLPClassifier as MlplabMLPClassifier
from mlplab.neural_network import MLPRegressor as MlplabMLPRegressor

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator


@dataclass(frozen=True)
class Baseline:
    """A named model: the class to build and the defaults the seeds used."""

    factory: Callable
    defaults: dict = field(default_factory=dict)
    description: str = ""


BASELINES = {
    "logistic_regression": Baseline(LogisticRegression, {}, "scikit-learn LogisticRegression"),
    "linear_net": Baseline(
        NetClassifier, {"hidden_layer_sizes": ()},
        "Keras-style linear model: a Sequential with no hidden layer, sigmoid/softmax output"),
    "svc_linear": Baseline(SVC, {"kernel": "linear"}, "SVC, linear kernel (E4 warm-up)"),
    "svc_poly": Baseline(SVC, {"kernel": "poly", "degree": 3, "gamma": "auto"},
                         "SVC, cubic polynomial kernel, gamma='auto' (E4)"),
    "svc_rbf": Baseline(SVC, {"kernel": "rbf", "gamma": "auto"},
                        "SVC, RBF kernel, gamma='auto' (E4)"),
    "knn": Baseline(KNeighborsClassifier, {}, "k-nearest neighbours (k=5)"),
    "decision_tree": Baseline(DecisionTreeClassifier, {}, "a decision tree"),
    "sklearn_mlp": Baseline(MLPClassifier, {}, "scikit-learn's own MLPClassifier"),
    "net": Baseline(NetClassifier, {}, "mlplab's NetClassifier"),
    "net_regressor": Baseline(NetRegressor, {}, "mlplab's NetRegressor"),
    "mlp": Baseline(MlplabMLPClassifier, {},
                    "mlplab's MLPClassifier (scikit-learn's arguments and defaults)"),
    "mlp_regressor": Baseline(MlplabMLPRegressor, {},
                              "mlplab's MLPRegressor (scikit-learn's arguments and defaults)"),
}


def model_names() -> list:
    """The registered model names, sorted."""
    return sorted(BASELINES)


def make_model(name: str, **params: Any) -> BaseEstimator:
    """A fresh estimator for ``name`` with its defaults, overridden by ``params``.

    Raises
    ------
    UnknownNameError
        For a name not in the registry (with a suggestion).
    InvalidInputError
        For a parameter the model does not take (with the valid ones), or a value it
        does not accept: checked here, not first in ``fit`` as scikit-learn would.
    """
    baseline = lookup(BASELINES, name, "model")
    estimator = baseline.factory()
    valid = estimator.get_params(deep=False)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        suggestion = did_you_mean(unknown[0], valid)
        raise InvalidInputError(
            f"model {name!r} ({type(estimator).__name__}) has no parameter "
            f"{', '.join(unknown)}.{suggestion} Valid: {', '.join(sorted(valid))}.")
    estimator.set_params(**{**baseline.defaults, **params})
    _check_values(estimator)
    return estimator


def _check_values(estimator):
    """The estimator's own parameter check (mlplab's table, or scikit-learn's
    constraints), run now so that a study or the playground fails before training."""
    check = getattr(estimator, "_check_parameters", None) or getattr(
        estimator, "_validate_params", None)  # scikit-learn >= 1.2
    if check is None:
        return
    try:
        check()  # mlplab's errors name the estimator and the fix already
    except MlplabError:
        raise
    except (TypeError, ValueError) as exc:  # scikit-learn's InvalidParameterError is both
        raise InvalidInputError(str(exc)) from None
