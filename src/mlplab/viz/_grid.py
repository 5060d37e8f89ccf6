"""What every picture needs: a grid over the input plane and a model's view of it.

Works with an mlplab ``Sequential``, an mlplab estimator, or any fitted
scikit-learn classifier or regressor. The grid is evaluated in one vectorised
call (one forward pass), never point by point.
"""

import numpy as np

from mlplab._validation import check_X
from mlplab.engine.model import Sequential
from mlplab.errors import InvalidInputError, NotFittedError


def engine_model(model, purpose="this picture"):
    """The engine ``Sequential`` behind ``model`` (itself, or an estimator's ``model_``)."""
    if isinstance(model, Sequential):
        if not model.built:
            raise NotFittedError(f"{purpose}: the model has no weights yet; call fit(X, y) "
                                 "first.")
        return model
    inner = getattr(model, "model_", None)
    if isinstance(inner, Sequential):
        return inner
    if hasattr(model, "get_params") and not _is_fitted(model):
        raise NotFittedError(f"{purpose}: {type(model).__name__} is not fitted; call "
                             "fit(X, y) first.")
    raise InvalidInputError(f"{purpose} needs an mlplab network (Sequential or NetClassifier); "
                            f"got {type(model).__name__}.")


def _is_fitted(model):
    """scikit-learn's own rule (``check_is_fitted``), so that a fitted Pipeline, whose
    fitted attributes live on its steps, counts as fitted."""
    from sklearn.exceptions import NotFittedError as SklearnNotFitted
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except SklearnNotFitted:
        return False
    except TypeError:  # not an estimator at all: the caller's error says what is needed
        return True
    return True


def check_fitted(model, purpose):
    """Raise a clear error if ``model`` has not been trained."""
    if isinstance(model, Sequential) or isinstance(getattr(model, "model_", None), Sequential):
        engine_model(model, purpose)
    elif not _is_fitted(model):
        raise NotFittedError(f"{purpose}: {type(model).__name__} is not fitted; call "
                             "fit(X, y) first.")


def check_plane(X, features=None, name="X"):
    """Return ``X`` as (n_samples, 2): the plane the picture is drawn in.

    ``features`` picks two columns of a wider X, e.g. ``features=(0, 2)``.
    """
    X = check_X(X, name=name)
    if features is not None:
        features = tuple(features)
        if len(features) != 2 or not all(0 <= f < X.shape[1] for f in features):
            raise InvalidInputError(f"features={features}: give two column indices of X "
                                    f"(0..{X.shape[1] - 1}), e.g. features=(0, 1).")
        return X[:, features]
    if X.shape[1] != 2:
        raise InvalidInputError(
            f"{name} has {X.shape[1]} features; these pictures draw the input plane, so they "
            "need 2. Pick two with features=(i, j), or project first (e.g. sklearn's PCA("
            "n_components=2) in a Pipeline before the model).")
    return X


def plane_grid(X, resolution=200, margin=0.1):
    """A ``resolution`` x ``resolution`` grid covering X plus ``margin`` of its range.

    Returns
    -------
    xx, yy : ndarray, shape (resolution, resolution)
    points : ndarray, shape (resolution**2, 2)
    """
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise InvalidInputError(f"resolution={resolution!r}: give an int >= 2, e.g. 200.")
    low, high = X.min(axis=0), X.max(axis=0)
    pad = margin * np.where(high > low, high - low, 1.0)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def predict_classes(model, points):
    """Class index per point (0..k-1), and the class labels, for any supported model."""
    if isinstance(model, Sequential):
        classes = model.predict_classes(points)
        n_classes = max(2, model.output_units)
        return classes, np.arange(n_classes)
    labels = model.predict(points)
    known = getattr(model, "classes_", None)
    if known is None:
        known = np.unique(labels)
    return np.searchsorted(known, labels), np.asarray(known)


def positive_score(model, points):
    """P(y=1) where the model gives probabilities, else its decision function.

    Returns (values, is_probability).
    """
    if isinstance(model, Sequential):
        name = model.output_activation.name
        if name in ("sigmoid", "softmax"):
            return model.predict_proba(points)[:, -1], True
        return model.predict(points)[:, 0], False
    if hasattr(model, "predict_proba") and _has_working(model, "predict_proba", points[:1]):
        return model.predict_proba(points)[:, -1], True
    if hasattr(model, "decision_function"):
        values = model.decision_function(points)
        return (values if values.ndim == 1 else values[:, -1]), False
    return model.predict(points).astype(float), False


def _has_working(model, method, sample):
    try:
        getattr(model, method)(sample)
    except (AttributeError, NotImplementedError):
        return False
    return True


def is_regressor(model):
    if isinstance(model, Sequential):
        return model.output_activation.name not in ("sigmoid", "softmax")
    return getattr(model, "_estimator_type", None) == "regressor" or (
        hasattr(model, "__sklearn_tags__") and model.__sklearn_tags__().estimator_type ==
        "regressor")


def class_scores(model, points):
    """Scores per class, shape (n, n_classes): probabilities where the model has them,
    else its decision function (two classes: ``[-f, f]``); None for a model with
    neither (only ``predict``)."""
    if isinstance(model, Sequential):
        return model.predict_proba(points)
    if hasattr(model, "predict_proba") and _has_working(model, "predict_proba", points[:1]):
        return model.predict_proba(points)
    if hasattr(model, "decision_function"):
        scores = model.decision_function(points)
        return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores
    return None
