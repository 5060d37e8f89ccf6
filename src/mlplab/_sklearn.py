"""scikit-learn's errors in mlplab's words, for the estimators: what they raise is an
mlplab error that names the estimator and the fix, and still the kind scikit-learn's
checks expect (a ValueError, a TypeError, a NotFittedError)."""

from contextlib import contextmanager

import numpy as np
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.class_weight import compute_sample_weight

from mlplab._validation import as_numeric_array, short_repr
from mlplab.errors import InvalidInputError, InvalidTypeError, MlplabError, NotFittedError


def readable(values, name):
    """Raise mlplab's message for what scikit-learn would report in NumPy's words: ragged
    rows, text where numbers belong, dates. Object arrays, complex numbers, sparse
    matrices and None are left to scikit-learn, whose messages its checks expect."""
    if values is None or (hasattr(values, "toarray") and hasattr(values, "nnz")):
        return
    try:
        kind = np.asarray(values).dtype.kind
    except Exception:  # ragged rows
        kind = "ragged"
    if kind not in "Oc":
        as_numeric_array(values, name)


class UnfittedError(NotFittedError, SklearnNotFittedError):
    """An estimator used before ``fit``: mlplab's error and scikit-learn's at once."""


@contextmanager
def named_errors(owner, scikit_learn=True):
    """mlplab errors, and those of scikit-learn's checks (``scikit_learn``: their messages
    say what to do), raised again as mlplab errors that name ``owner``."""
    try:
        yield
    except MlplabError as exc:
        raise type(exc)(f"{owner}: {exc}") from None
    except (TypeError, ValueError) as exc:
        if not scikit_learn:
            raise
        kind = InvalidTypeError if isinstance(exc, TypeError) else InvalidInputError
        message = str(exc)
        if message.startswith("Complex data not supported"):  # it goes on to print X
            message = ("Complex data not supported: the engine trains on real numbers. Pass "
                       "X.real, or both parts as features: np.hstack([X.real, X.imag]).")
        raise kind(f"{owner}: {message}") from None


def class_sample_weight(estimator, y, sample_weight, class_weight):
    """A classifier's ``fit(class_weight=...)`` (a dict keyed by labels, or "balanced")
    as per-sample weights, times ``sample_weight``, by scikit-learn's rule."""
    owner = type(estimator).__name__
    if not estimator._is_classifier:
        raise InvalidInputError(f"{owner}.fit(class_weight=...): a regressor has no classes; "
                                "use sample_weight instead.")
    classes = np.unique(np.asarray(y))
    unknown = [k for k in class_weight if k not in classes] if isinstance(class_weight,
                                                                            dict) else []
    if unknown:
        raise InvalidInputError(
            f"{owner}.fit(class_weight=...): there is no class {short_repr(unknown[0])} in y; "
            f"its classes are {short_repr(classes.tolist())}. Key the dict by the labels of y.")
    with named_errors(f"{owner}.fit"):
        weights = compute_sample_weight(class_weight, np.asarray(y))
    return weights if sample_weight is None else weights * np.asarray(sample_weight)


class ParameterError(InvalidInputError, InvalidTypeError):
    """A bad constructor argument of scikit-learn's dialect: mlplab's message, and both a
    ValueError and a TypeError, as scikit-learn's ``InvalidParameterError`` is, so code
    written against scikit-learn catches it the same way."""


@contextmanager
def parameter_errors():
    """mlplab's argument errors raised again as :class:`ParameterError`."""
    try:
        yield
    except (InvalidInputError, InvalidTypeError) as exc:
        raise ParameterError(str(exc)) from None
