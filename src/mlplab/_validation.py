"""Checks at the public boundary: arrays, labels, parameters, names.

Each check either returns a clean value or raises an :mod:`mlplab.errors`
exception whose message names the problem, the value received and the fix.
"""

import difflib
import numbers

import numpy as np

from mlplab.errors import InvalidInputError, InvalidTypeError, UnknownNameError


def did_you_mean(name, choices) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``."""
    by_lower = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1)
    return f" Did you mean {by_lower[close[0]]!r}?" if close else ""


def lookup(registry: dict, name, kind: str):
    """Return ``registry[name]`` (case-insensitive) or raise a helpful error."""
    if not isinstance(name, str):
        raise InvalidTypeError(f"{kind} must be given by name (a str); got {name!r}.")
    key = name.strip().lower()
    if key in registry:
        return registry[key]
    valid = ", ".join(sorted(registry))
    raise UnknownNameError(
        f"Unknown {kind} {name!r}.{did_you_mean(key, registry)} Valid names: {valid}."
    )


def check_positive_int(value, name: str, example: str = "") -> int:
    """Return ``value`` as an int if it is a positive integer, else raise."""
    message = f"{name}={value!r}: must be a positive int." + (f" Try {example}." if example else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidTypeError(message)
    if value <= 0:
        raise InvalidInputError(message)
    return int(value)


def check_fraction(value, name: str, *, allow_zero: bool = True) -> float:
    """Return ``value`` as a float in [0, 1) (or (0, 1) without ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidTypeError(f"{name}={value!r}: must be a number between 0 and 1.")
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):
        bound = "0 <=" if allow_zero else "0 <"
        raise InvalidInputError(f"{name}={value!r}: must satisfy {bound} {name} < 1, e.g. 0.2.")
    return float(value)


def check_X(X, *, dtype=np.float64, n_features: int | None = None, name: str = "X"):
    """Return ``X`` as a finite 2-D array of ``dtype``.

    Raises with a fix for: a 1-D or 3-D array, an empty array, non-numeric
    values, NaN or inf, or a feature count that differs from ``n_features``.
    """
    try:
        array = np.asarray(X)
    except Exception as exc:  # ragged nested lists and the like
        raise InvalidInputError(f"{name} cannot be read as an array: {exc}") from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise InvalidInputError(
            f"{name} must hold numbers; got dtype {array.dtype}. "
            "Encode text columns as numbers first (e.g. sklearn's OneHotEncoder)."
        )
    if array.ndim == 1:
        raise InvalidInputError(
            f"{name} must be 2-D (n_samples, n_features); got a 1-D array of shape "
            f"{array.shape}. Use {name}.reshape(-1, 1) for one feature or "
            f"{name}.reshape(1, -1) for one sample."
        )
    if array.ndim != 2:
        raise InvalidInputError(
            f"{name} must be 2-D (n_samples, n_features); got shape {array.shape}. "
            f"Flatten each sample first: {name}.reshape(len({name}), -1)."
        )
    if array.shape[0] == 0:
        raise InvalidInputError(f"{name} is empty (shape {array.shape}): need at least 1 sample.")
    if array.shape[1] == 0:
        raise InvalidInputError(f"{name} has no features (shape {array.shape}).")
    array = np.asarray(array, dtype=dtype)
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise InvalidInputError(
            f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]}). "
            "Drop or impute those values first (e.g. sklearn's SimpleImputer)."
        )
    if n_features is not None and array.shape[1] != n_features:
        raise InvalidInputError(
            f"{name} has {array.shape[1]} features but the model expects {n_features}. "
            "Pass the same columns the model was built or trained on."
        )
    return array


def check_same_length(X, y, names=("X", "y")) -> None:
    """Raise if ``X`` and ``y`` do not have the same number of samples."""
    if len(X) != len(y):
        raise InvalidInputError(
            f"{names[0]} has {len(X)} samples but {names[1]} has {len(y)}. "
            "They must have one row per sample."
        )
