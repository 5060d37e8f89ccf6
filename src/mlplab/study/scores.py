"""The scores a study cell records, in one registry, in the order reports show them: the
study files' ``metrics = [...]``, the cells and the reports all read :data:`SCORES`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any


@dataclass
class Scoring:
    """A fitted estimator on a cell's split, with the predictions scores share."""

    estimator: Any  # any fitted scikit-learn estimator
    parts: Any  # X_train, y_train, X_test, y_test
    fit_time: float

    @property
    def classifier(self):
        return hasattr(self.estimator, "classes_")

    @cached_property
    def proba(self):
        """Test-set probabilities, or None (e.g. an SVC without probability=True)."""
        try:
            return self.estimator.predict_proba(self.parts.X_test)
        except AttributeError:
            return None


def _accuracy(s):
    return float(s.estimator.score(s.parts.X_test, s.parts.y_test)) if s.classifier else None


def _train_accuracy(s):
    if not s.classifier:
        return None
    return float(s.estimator.score(s.parts.X_train, s.parts.y_train))


def _log_loss(s):
    from sklearn.metrics import log_loss

    if s.proba is None:
        return None
    return float(log_loss(s.parts.y_test, s.proba, labels=s.estimator.classes_))


def _roc_auc(s):
    from sklearn.metrics import roc_auc_score

    if s.proba is None:
        return None
    if s.proba.shape[1] == 2:
        return float(roc_auc_score(s.parts.y_test, s.proba[:, 1]))
    return float(roc_auc_score(s.parts.y_test, s.proba, multi_class="ovr"))


def _regression(metric):
    def score(s):
        from sklearn import metrics

        if s.classifier:
            return None
        predicted = s.estimator.predict(s.parts.X_test)
        return float(getattr(metrics, metric)(s.parts.y_test, predicted))
    return score


SCORES = {  # name -> score(Scoring) -> float, or None where it does not apply
    "accuracy": _accuracy,
    "train_accuracy": _train_accuracy,
    "log_loss": _log_loss,
    "roc_auc": _roc_auc,
    "mse": _regression("mean_squared_error"),
    "r2": _regression("r2_score"),
    "fit_time": lambda s: s.fit_time,
}


def score(estimator, parts, names, fit_time) -> dict:
    """The scores ``names`` of a fitted ``estimator`` (those that apply to it)."""
    scoring = Scoring(estimator, parts, fit_time)
    values = {name: SCORES[name](scoring) for name in SCORES if name in names}
    return {name: value for name, value in values.items() if value is not None}
