"""Seeded, stratified train / validation / test splits, and standardisation."""

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from mlplab._rng import as_generator, seed_from
from mlplab._validation import check_fraction, check_same_length, check_X
from mlplab.errors import InvalidInputError


@dataclass(frozen=True, repr=False)
class Split:
    """Arrays of one split; the ``*_val`` arrays are None without a validation part."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self):
        n_val = 0 if self.X_val is None else len(self.X_val)
        return (f"Split(train={len(self.X_train)}, val={n_val}, test={len(self.X_test)}, "
                f"n_features={self.X_train.shape[1]})")


def _strata(y, stratify):
    if not stratify:
        return None
    y = np.asarray(y)
    if y.ndim == 2:
        return np.argmax(y, axis=1) if y.shape[1] > 1 else y[:, 0]
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        return None  # continuous targets: nothing to stratify on
    return y


def split(X, y, test=0.2, validation=0.0, random_state=None, stratify=True):
    """Split (X, y) into train, validation and test parts.

    Parameters
    ----------
    test : float
        Fraction of all samples held out for testing.
    validation : float
        Fraction of the *remaining* (non-test) samples held out for
        validation, as in E3: 2000 points, test=0.3, validation=0.2 give
        1120 / 280 / 600.
    random_state : None, int or Generator
    stratify : bool
        Keep class proportions in every part (classification labels only).

    Returns
    -------
    Split
    """
    X = check_X(X)
    y = np.asarray(y)
    check_same_length(X, y)
    test = check_fraction(test, "test", allow_zero=False)
    validation = check_fraction(validation, "validation")
    # An int goes straight to scikit-learn, so split(X, y, random_state=42) is the
    # train_test_split(X, y, random_state=42) of the notebooks; other seeds draw ints.
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        seeds = (int(random_state), int(random_state))
    else:
        rng = as_generator(random_state)
        seeds = (seed_from(rng), seed_from(rng))
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


def standardize(X_train, *others):
    """Scale features to mean 0 and standard deviation 1, using the training data's statistics.

    Returns the scaled ``X_train`` alone, or a tuple ``(X_train, *others)``
    when other arrays (validation, test) are given.
    """
    scaler = StandardScaler().fit(check_X(X_train, name="X_train"))
    scaled = [scaler.transform(X_train)]
    for index, X in enumerate(others, start=1):
        scaled.append(scaler.transform(check_X(X, n_features=scaler.n_features_in_,
                                               name=f"array {index}")))
    return scaled[0] if not others else tuple(scaled)
