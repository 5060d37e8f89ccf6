"""Seeded, stratified train / validation / test splits, and standardisation."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from mlplab._rng import as_generator, seed_from
from mlplab._typing import FloatArray, RandomState
from mlplab._validation import check_fraction, check_same_length, check_X
from mlplab.errors import InvalidInputError


@dataclass(frozen=True, repr=False, eq=False)  # eq on arrays would be ambiguous
class Split:
    """The parts of one train / validation / test split.

    Attributes
    ----------
    X_train : ndarray, shape (n_train, n_features)
    y_train : ndarray, shape (n_train,) or (n_train, n_outputs)
    X_val, y_val : ndarray or None
        The validation part, shaped like the training part; None when the
        split was made with ``validation=0``.
    X_test : ndarray, shape (n_test, n_features)
    y_test : ndarray, shape (n_test,) or (n_test, n_outputs)
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self) -> str:
        n_val = 0 if self.X_val is None else len(self.X_val)
        return (f"Split(train={len(self.X_train)}, val={n_val}, test={len(self.X_test)}, "
                f"n_features={self.X_train.shape[1]})")


def _strata(y: ArrayLike, stratify: bool) -> NDArray[Any] | None:
    """The class of each sample to stratify on, or None (no classes to keep)."""
    if not stratify:
        return None
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] > 1:
            return np.argmax(y, axis=1)  # one-hot rows: the class is the hot column
        y = y[:, 0]
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        return None  # continuous targets: nothing to stratify on
    return y


def _seeds(random_state: RandomState) -> tuple[int, int]:
    """Two seeds for scikit-learn, one per call of train_test_split."""
    rng = as_generator(random_state)  # rejects negative ints, bools, floats at once
    # An int goes straight to scikit-learn, so split(X, y, random_state=42) is the
    # train_test_split(X, y, random_state=42) of the notebooks; other seeds draw ints.
    if isinstance(random_state, numbers.Integral):
        return int(random_state), int(random_state)
    return seed_from(rng), seed_from(rng)


def split(X: ArrayLike, y: ArrayLike, test: float = 0.2, validation: float = 0.0,
          random_state: RandomState = None, stratify: bool = True) -> Split:
    """Split (X, y) into train, validation and test parts.

    Parameters
    ----------
    X : array-like, shape (n_samples, n_features)
    y : array-like, shape (n_samples,) or (n_samples, n_outputs)
        Class labels (int or str), one-hot rows, or float targets.
    test : float
        Fraction of all samples held out for testing, 0 < test < 1.
    validation : float
        Fraction of the *remaining* (non-test) samples held out for
        validation, 0 <= validation < 1. E3: 2000 points, test=0.3,
        validation=0.2 give train 1120, validation 280, test 600.
    random_state : None, int or numpy.random.Generator
        The same int gives the same split; an int is passed to scikit-learn's
        ``train_test_split`` as it is.
    stratify : bool
        Keep the class proportions of ``y`` in every part. Ignored for
        continuous (non-whole float) targets.

    Returns
    -------
    Split
        ``X_train, y_train, X_val, y_val, X_test, y_test``.
    """
    X = check_X(X)
    y = _check_y(y)
    check_same_length(X, y)
    test = check_fraction(test, "test", allow_zero=False)
    validation = check_fraction(validation, "validation")
    seeds = _seeds(random_state)
    try:
        X_rest, X_test, y_rest, y_test = train_test_split(
            X, y, test_size=test, random_state=seeds[0], stratify=_strata(y, stratify))
        X_val = y_val = None
        if validation:
            X_rest, X_val, y_rest, y_val = train_test_split(
                X_rest, y_rest, test_size=validation, random_state=seeds[1],
                stratify=_strata(y_rest, stratify))
    except ValueError as exc:  # too few samples of a class, or too few samples at all
        raise InvalidInputError(f"cannot split {len(X)} samples with test={test}, "
                                f"validation={validation}: {exc} Use more data, smaller "
                                "fractions, or stratify=False.") from None
    return Split(X_rest, y_rest, X_val, y_val, X_test, y_test)


def _check_y(y):
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise InvalidInputError(f"y must have shape (n_samples,) or (n_samples, n_outputs); "
                                f"got shape {y.shape}. Pass one label per sample.")
    return y


@overload
def standardize(X_train: ArrayLike) -> FloatArray: ...
@overload
def standardize(X_train: ArrayLike, other: ArrayLike, /, *others: ArrayLike
                ) -> tuple[FloatArray, ...]: ...
def standardize(X_train: ArrayLike, *others: ArrayLike) -> FloatArray | tuple[FloatArray, ...]:
    """Scale features to mean 0 and standard deviation 1 with the training data's statistics.

    Fitting on the training part alone keeps the test part unseen: its
    samples do not move the mean and scale.

    Parameters
    ----------
    X_train : array-like, shape (n_train, n_features)
    *others : array-like, shape (n_i, n_features)
        Validation or test parts, scaled with ``X_train``'s mean and scale.

    Returns
    -------
    ndarray, shape (n_train, n_features), or a tuple of arrays
        ``X_train`` scaled alone when no others are given, else the tuple
        ``(X_train_scaled, *others_scaled)`` in the order given.
    """
    X_train = check_X(X_train, name="X_train")
    scaler = StandardScaler().fit(X_train)
    scaled = [scaler.transform(X_train)]
    for index, X in enumerate(others):
        X = check_X(X, name=f"others[{index}]")
        if X.shape[1] != X_train.shape[1]:
            raise InvalidInputError(
                f"standardize: others[{index}] has {X.shape[1]} features but X_train has "
                f"{X_train.shape[1]}. Pass the parts of one data set, with the same columns.")
        scaled.append(scaler.transform(X))
    return scaled[0] if not others else tuple(scaled)
