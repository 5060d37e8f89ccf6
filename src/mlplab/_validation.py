"""Checks at the public boundary: parameters, arrays, labels, memory, names.

Each check either returns a clean value or raises an :mod:`mlplab.errors`
exception whose message names the parameter, the value received, what is
allowed and the fix: ``Dense(units=-3): units must be a positive int. Try
Dense(16).`` A suggestion is a fixed, valid example, never the bad value.

Parameters are checked against small constraint objects (:class:`Integer`,
:class:`Real`, :class:`Boolean`, :class:`Options`, :class:`Optional`), the same
ones for engine constructors and for the scikit-learn estimators' table.
"""

import difflib
import math
import numbers
import os
import reprlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mlplab.errors import InvalidInputError, InvalidTypeError, SpecError, UnknownNameError

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlong = 30


def short_repr(value) -> str:
    """``repr(value)``, cut to about 60 characters (a huge list stays readable)."""
    return _SHORT.repr(value)


def did_you_mean(name, choices) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``."""
    by_lower = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1)
    return f" Did you mean {by_lower[close[0]]!r}?" if close else ""


def lookup(registry: dict, name, kind: str):
    """Return ``registry[name]`` (case-insensitive) or raise a helpful error."""
    if not isinstance(name, str):
        raise InvalidTypeError(f"{kind} must be given by name (a str); got {short_repr(name)}.")
    key = name.strip().lower()
    if key in registry:
        return registry[key]
    valid = ", ".join(sorted(registry))
    raise UnknownNameError(
        f"Unknown {kind} {short_repr(name)}.{did_you_mean(key, registry)} Valid names: {valid}."
    )


# -- parameters ----------------------------------------------------------------------------
class Constraint:
    """What a parameter accepts: ``type_ok`` and ``value_ok`` decide, ``description``
    says it in a message ("a positive int"), ``convert`` gives the clean value."""

    if TYPE_CHECKING:  # a str, or a property that says it from the constraint's fields
        @property
        def description(self) -> str: ...
    else:
        description = ""

    def type_ok(self, value) -> bool:
        raise NotImplementedError

    def value_ok(self, value) -> bool:
        return True

    def convert(self, value):
        return value


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


@dataclass(frozen=True)
class Integer(Constraint):
    """An int (not a bool) from ``low`` to ``high``, both included (None: no bound)."""

    low: int | None = 1
    high: int | None = None

    @property
    def description(self):
        if self.high is not None:
            return f"an int from {self.low} to {self.high}"
        return "a positive int" if self.low == 1 else f"an int >= {self.low}"

    def type_ok(self, value):
        return _is_int(value)

    def value_ok(self, value):
        return (self.low is None or value >= self.low) and (self.high is None
                                                            or value <= self.high)

    def convert(self, value):
        return int(value)


@dataclass(frozen=True)
class Real(Constraint):
    """A finite number (an int or a float, not a bool) between ``low`` and ``high``.

    ``closed`` says which ends belong: "both", "left", "right" or "neither".
    """

    low: float | None = None
    high: float | None = None
    closed: str = "both"

    @property
    def description(self):
        low_in, high_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            return (f"a number in {'[' if low_in else '('}{self.low:g}, "
                    f"{self.high:g}{']' if high_in else ')'}")
        if self.low == 0:
            return "a finite number >= 0" if low_in else "a positive, finite number"
        if self.low is not None:
            return f"a finite number {'>=' if low_in else '>'} {self.low:g}"
        return "a finite number"

    def type_ok(self, value):
        return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))

    def value_ok(self, value):
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            return False
        if not math.isfinite(number):
            return False
        low_in, high_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and not (number >= self.low if low_in else number > self.low):
            return False
        return self.high is None or (number <= self.high if high_in else number < self.high)

    def convert(self, value):
        return float(value) + 0.0  # -0.0 becomes 0.0: U(-0.0, 0.0) is an empty range


@dataclass(frozen=True)
class Boolean(Constraint):
    """True or False (NumPy's bool too)."""

    description = "True or False"

    def type_ok(self, value):
        return isinstance(value, (bool, np.bool_))

    def convert(self, value):
        return bool(value)


@dataclass(frozen=True)
class Options(Constraint):
    """One of ``choices``; names match without regard to case."""

    choices: tuple

    @property
    def description(self):
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def _names(self):
        return all(isinstance(c, str) for c in self.choices)

    def type_ok(self, value):
        return isinstance(value, str if self._names() else numbers.Integral)

    def value_ok(self, value):
        return self.convert(value) is not None

    def convert(self, value):
        for choice in self.choices:
            same = (value.strip().lower() == choice.lower() if isinstance(value, str)
                    else value == choice)
            if same:
                return choice
        return None


@dataclass(frozen=True)
class Optional(Constraint):
    """None, or what ``inner`` accepts."""

    inner: Constraint

    @property
    def description(self):
        return f"None or {self.inner.description}"

    def type_ok(self, value):
        return value is None or self.inner.type_ok(value)

    def value_ok(self, value):
        return value is None or self.inner.value_ok(value)

    def convert(self, value):
        return None if value is None else self.inner.convert(value)


@dataclass(frozen=True)
class FloatDType(Constraint):
    """A floating dtype the engine computes in: "float64" or "float32"."""

    description = "'float64' (default) or 'float32'"

    def type_ok(self, value):
        return isinstance(value, (str, type, np.dtype))

    def value_ok(self, value):
        try:
            return str(np.dtype(value)) in ("float64", "float32")
        except (TypeError, ValueError):
            return False

    def convert(self, value):
        return np.dtype(value)


@dataclass(frozen=True)
class Widths(Constraint):
    """Layer widths: one positive int, or a sequence of them (empty: no hidden layer)."""

    description = "a positive int or a tuple of positive ints (() for none)"

    def type_ok(self, value):
        if _is_int(value):
            return True
        if isinstance(value, np.ndarray):
            return value.ndim == 1 and value.dtype.kind in "iu"
        return isinstance(value, (list, tuple, range)) and all(_is_int(v) for v in value)

    def value_ok(self, value):
        return all(width >= 1 for width in self.convert(value))

    def convert(self, value):
        if _is_int(value):
            return [int(value)]
        return [int(width) for width in (value.tolist() if isinstance(value, np.ndarray)
                                         else value)]


@dataclass(frozen=True)
class Seed(Constraint):
    """A random_state: None (fresh entropy), an int >= 0, or a NumPy Generator or RandomState."""

    description = "None, an int >= 0 or a numpy.random.Generator"

    def type_ok(self, value):
        return value is None or _is_int(value) or isinstance(
            value, (np.random.Generator, np.random.RandomState))

    def value_ok(self, value):
        return not _is_int(value) or value >= 0


def _type_name(value) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


def check(value, name: str, constraint: Constraint, *, owner: str = "", example: str = ""):
    """Return ``value`` cleaned by ``constraint`` or raise the mlplab error that fits.

    ``owner`` names the callable (``"SGD"``) and ``example`` is a valid call to
    suggest (``"SGD(learning_rate=0.01)"``)::

        SGD(learning_rate=inf): learning_rate must be a positive, finite number.
        Try SGD(learning_rate=0.01).
    """
    call = f"{owner}({name}={short_repr(value)})" if owner else f"{name}={short_repr(value)}"
    subject = f"{call}: {name} must be" if owner else f"{call}: must be"
    fix = f" Try {example}." if example else ""
    if not constraint.type_ok(value):
        raise InvalidTypeError(f"{subject} {constraint.description}, not "
                               f"{_type_name(value)}.{fix}")
    if not constraint.value_ok(value):
        if isinstance(constraint, Options) and isinstance(value, str):
            raise UnknownNameError(f"{subject} {constraint.description}."
                                   f"{did_you_mean(value, constraint.choices)}{fix}")
        raise InvalidInputError(f"{subject} {constraint.description}.{fix}")
    return constraint.convert(value)


def check_positive_int(value, name: str, example: str = "") -> int:
    """Return ``value`` as an int if it is a positive integer, else raise."""
    return check(value, name, Integer(1), example=example)


def check_fraction(value: float, name: str, *, allow_zero: bool = True) -> float:
    """Return ``value`` as a float in [0, 1) (or (0, 1) without ``allow_zero``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidTypeError(f"{name}={short_repr(value)}: must be a number between 0 and 1.")
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):  # NaN fails both comparisons
        bound = "0 <=" if allow_zero else "0 <"
        raise InvalidInputError(f"{name}={value!r}: must satisfy {bound} {name} < 1, e.g. 0.2.")
    return float(value)


def check_dtype(value, owner: str) -> np.dtype:
    """Return ``value`` as the float64 or float32 dtype, or raise naming ``owner``."""
    return check(value, "dtype", FloatDType(), owner=owner, example=f"{owner}(dtype='float64')")


# -- arrays --------------------------------------------------------------------------------
def input_bound(dtype) -> float:
    """The largest magnitude the engine trains on: ``finfo(dtype).max ** (1/4)``.

    That is about 2**256 (1.2e77) in float64 and 2**32 (4.3e9) in float32. One
    training step raises the inputs to the fourth power at most: a squared error
    squares the outputs, its gradient multiplies them by the inputs again, and
    Adam or RMSprop square that gradient. Within the bound those stay finite;
    beyond it the weights overflow to inf and predictions become NaN.
    """
    return float(np.finfo(dtype).max) ** 0.25


def _is_sparse(values) -> bool:
    return hasattr(values, "toarray") and hasattr(values, "nnz")  # scipy.sparse, not imported


_ENCODE = "Encode text columns as numbers first (e.g. sklearn's OneHotEncoder)"


def as_numeric_array(values, name: str = "X", fix: str = _ENCODE) -> np.ndarray:
    """``values`` as a NumPy array of bools, ints or floats, or raise saying why not.

    Refused: sparse matrices, ragged nested lists, text, complex numbers, dates,
    and object arrays holding anything but real numbers (None, strings, dicts).
    ``fix`` ends the message for text and objects.
    """
    if _is_sparse(values):
        raise InvalidTypeError(f"{name} is a sparse matrix; mlplab trains on dense arrays. "
                               f"Convert it with {name}.toarray().")
    try:
        array = np.asarray(values)
    except Exception:  # ragged nested lists, objects that are not sequences
        raise InvalidInputError(
            f"{name} cannot be read as a table of numbers: its rows have different lengths "
            "or it holds nested objects. Give a 2-D NumPy array or a list of equal-length rows."
        ) from None
    kind = array.dtype.kind
    if kind in "biuf":
        return array
    if kind == "c":
        raise InvalidInputError(
            f"{name} holds complex numbers (dtype {array.dtype}); the engine trains on real "
            f"numbers. Pass {name}.real, or both parts as features: "
            f"np.hstack([{name}.real, {name}.imag]).")
    if kind in "US":
        raise InvalidInputError(
            f"{name} must hold numbers; got text (dtype {array.dtype}, e.g. "
            f"{short_repr(array.ravel()[0].item()) if array.size else ''}). {fix}.")
    if kind == "O":
        return _numbers_from_objects(array, name, fix)
    raise InvalidInputError(
        f"{name} must hold numbers; got dtype {array.dtype} (dates, durations or records). "
        "Convert them to numbers first, e.g. seconds since a start date.")


def _numbers_from_objects(array, name, fix):
    """An object array whose every entry is a real number, as float64; else raise."""
    flat = array.ravel()
    for index, item in enumerate(flat):
        if not isinstance(item, numbers.Real) or isinstance(item, str):
            where = np.unravel_index(index, array.shape) if array.ndim else ()
            position = f"{name}[{', '.join(map(str, where))}]" if where else name
            what = "None (a missing value)" if item is None else (
                f"{short_repr(item)}, {_type_name(item)}")
            if item is None:
                fix = "Impute missing values first (e.g. sklearn's SimpleImputer)"
            raise InvalidInputError(f"{name} must hold numbers; {position} is {what}. {fix}.")
    try:
        return array.astype(np.float64)
    except OverflowError:  # Python ints beyond the float range
        raise InvalidInputError(f"{name} holds an int too large for a float (beyond "
                                f"{np.finfo(np.float64).max:.3g}). Rescale it first.") from None


def _first_position(mask) -> str:
    where = np.argwhere(mask)[0]
    return f"row {where[0]}, column {where[1]}" if len(where) == 2 else f"position {where[0]}"


def check_finite(array, name: str = "X") -> None:
    """Raise if ``array`` (bools, ints or floats) holds NaN or inf, saying where."""
    if array.dtype.kind != "f" or array.size == 0:
        return
    if np.isfinite(array.max()) and np.isfinite(array.min()):  # NaN propagates to both
        return
    raise InvalidInputError(
        f"{name} contains NaN or inf (first at {_first_position(~np.isfinite(array))}). "
        "Drop or impute those values first (e.g. sklearn's SimpleImputer).")


def check_magnitude(array, name: str, dtype, bound: float | None = None) -> None:
    """Raise if a value of finite ``array`` exceeds ``bound`` (default: ``dtype``'s range).

    The engine passes :func:`input_bound`; the message gives the bound and its reason.
    """
    if array.dtype.kind == "b" or array.size == 0:
        return
    largest = max(abs(array.max().item()), abs(array.min().item()))
    dtype = np.dtype(dtype)
    limit = float(np.finfo(dtype).max) if bound is None else bound
    if largest <= limit:
        return
    position = _first_position(np.abs(array.astype(np.float64)) > limit)
    if bound is None:
        reason = f"beyond the range of {dtype} (largest {limit:.3g})"
    else:
        reason = (f"above the engine's bound of {limit:.3g} for {dtype} (finfo({dtype}).max "
                  "** (1/4): a training step computes up to the fourth power of its inputs, "
                  "which must stay finite)")
    raise InvalidInputError(
        f"{name} has a value of magnitude {largest:.3g} (first at {position}), {reason}. "
        f"Standardize {name} first (mlplab.data.standardize or sklearn's StandardScaler)"
        + (", or use dtype='float64'." if dtype == np.float32 else "."))


def check_X(X, *, dtype=np.float64, n_features: int | None = None, name: str = "X",
            max_abs: float | None = None, accept_sparse: bool = False):
    """Return ``X`` as a finite 2-D array of ``dtype``.

    Raises with a fix for: a 0-d, 1-D or 3-D array, an empty array, values that
    are not numbers (text, complex, None, ragged rows; bools count as 0 and 1),
    NaN or inf, a value above ``max_abs`` (default: the largest ``dtype`` holds,
    so the cast never overflows), or a feature count that differs from ``n_features``.
    With ``accept_sparse`` a scipy sparse matrix is checked the same way and returned as
    CSR (rows are what batches take).
    """
    if accept_sparse and _is_sparse(X):
        return _check_sparse(X, dtype, n_features, name, max_abs)
    array = as_numeric_array(X, name)
    if array.ndim == 0:
        raise InvalidInputError(f"{name} is a single number ({short_repr(X)}); it must be 2-D "
                                f"(n_samples, n_features), e.g. [[{short_repr(X)}]].")
    if array.size == 0:
        raise InvalidInputError(f"{name} is empty (shape {array.shape}): need at least 1 "
                                "sample and 1 feature.")
    if array.ndim == 1:
        raise InvalidInputError(
            f"{name} must be 2-D (n_samples, n_features); got a 1-D array of shape "
            f"{array.shape}. Use {name}.reshape(-1, 1) for one feature or "
            f"{name}.reshape(1, -1) for one sample.")
    if array.ndim != 2:
        raise InvalidInputError(
            f"{name} must be 2-D (n_samples, n_features); got shape {array.shape}. "
            f"Flatten each sample first: {name}.reshape(len({name}), -1).")
    check_finite(array, name)
    check_magnitude(array, name, dtype, max_abs)
    if n_features is not None and array.shape[1] != n_features:
        raise InvalidInputError(
            f"{name} has {array.shape[1]} features but the model expects {n_features}. "
            "Pass the same columns the model was built or trained on.")
    return np.asarray(array, dtype=dtype)


def _check_sparse(X, dtype, n_features, name, max_abs):
    X = X.tocsr()
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise InvalidInputError(f"{name} is empty (shape {X.shape}): need at least 1 sample "
                                "and 1 feature.")
    if X.dtype.kind not in "biuf":
        raise InvalidInputError(f"{name} is a sparse matrix of {X.dtype}; it must hold real "
                                "numbers.")
    check_finite(X.data, name)
    check_magnitude(X.data, name, dtype, max_abs)
    if n_features is not None and X.shape[1] != n_features:
        raise InvalidInputError(
            f"{name} has {X.shape[1]} features but the model expects {n_features}. "
            "Pass the same columns the model was built or trained on.")
    return X.astype(dtype)


def check_same_length(X, y, names=("X", "y")) -> None:
    """Raise if ``X`` and ``y`` do not have the same number of samples."""
    if X.shape[0] != len(y):
        raise InvalidInputError(
            f"{names[0]} has {X.shape[0]} samples but {names[1]} has {len(y)}. "
            "They must have one row per sample.")


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray:
    """Return ``sample_weight`` as float64 of shape (n_samples,), finite, >= 0, not all 0."""
    weights = as_numeric_array(sample_weight, "sample_weight",
                               "Give one number per sample, e.g. np.ones(n_samples)")
    if weights.shape != (n_samples,):
        raise InvalidInputError(f"sample_weight has shape {weights.shape}; it needs one "
                                f"weight per sample, shape ({n_samples},).")
    check_finite(weights, "sample_weight")
    weights = weights.astype(np.float64)
    if weights.min() < 0 or weights.max() <= 0:
        raise InvalidInputError("sample_weight must be finite, >= 0 and not all zero; e.g. "
                                "np.ones(n_samples) weighs every sample alike.")
    return weights


# -- memory --------------------------------------------------------------------------------
# Training keeps about four arrays per parameter: its value, its gradient and, with Adam,
# two moment estimates. Activations come on top, so this is the least a model needs.
COPIES_PER_PARAMETER = 4
FALLBACK_MEMORY = 16 * 2**30  # where the operating system does not say (16 GiB)


def memory_limit() -> int:
    """Bytes of physical memory on this machine (16 GiB where it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX, or the names are missing
        return FALLBACK_MEMORY


def _size(n_bytes) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1000:
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.3g} EB"


def check_parameter_memory(n_parameters: int, dtype, what: str, fix: str) -> None:
    """Raise :class:`SpecError` before allocating if ``n_parameters`` cannot be trained here.

    The estimate is ``COPIES_PER_PARAMETER`` arrays of ``dtype`` per parameter,
    against the machine's physical memory (:func:`memory_limit`).
    """
    needed = int(n_parameters) * COPIES_PER_PARAMETER * np.dtype(dtype).itemsize
    limit = memory_limit()
    if needed > limit:
        raise SpecError(
            f"{what} has {n_parameters:,} parameters: training it needs at least "
            f"{_size(needed)} in {np.dtype(dtype)} (weights, gradients and optimizer state), "
            f"more than this machine's {_size(limit)} of memory. {fix}")
