"""Early stopping's held-out part, for both estimator families.

scikit-learn's dialect splits as scikit-learn does (:func:`scikit_learn_hold_out`: the
same stream, its stratification rule and its error); mlplab's own estimators split
with their seed and explain a fraction too small or too large, suggesting one that
works (:func:`net_hold_out`). Both hand back a ``validation_score()`` of the current
weights for :class:`mlplab.engine.stopping.NoImprovement`.
"""

import math

import numpy as np
from sklearn.model_selection import train_test_split

from mlplab.errors import InvalidInputError


def scikit_learn_hold_out(est, X, Y, sample_weight, random_state):
    """``early_stopping``'s split (stratified for one output of a classifier), drawn from
    the same stream as scikit-learn's, with its error for a held-out part under 2."""
    stratify = Y if est._is_classifier and Y.shape[1] == 1 else None
    arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
    parts = train_test_split(*arrays, random_state=random_state,
                             test_size=est.validation_fraction, stratify=stratify)
    X_train, X_val, Y_train, Y_val = parts[:4]
    weights = (None, None) if sample_weight is None else (parts[4], parts[5])
    if X_val.shape[0] < 2:
        raise InvalidInputError("The validation set is too small. Increase "
                                "'validation_fraction' or the size of your dataset.")
    return (X_train, Y_train, weights[0]), (X_val, Y_val, weights[1])


def net_hold_out(est, X, targets, sample_weight):
    """NetClassifier/NetRegressor: split off ``validation_fraction`` (stratified for a
    classifier); return the training part and the held-out score (accuracy or R^2)."""
    stratify = targets if est._is_classifier else None
    check_fraction(est, len(X), len(est.classes_) if est._is_classifier else 1)
    seed = int(est._fit_rng.integers(2**31 - 1))
    try:
        parts = train_test_split(X, targets, np.arange(len(X)),
                                 test_size=est.validation_fraction, random_state=seed,
                                 stratify=stratify)
    except ValueError as exc:  # a class too rare to be split in two
        raise InvalidInputError(f"early_stopping=True holds out a stratified part: {exc} "
                                "Give every class at least 2 samples, or set "
                                "early_stopping=False.") from None
    X_train, X_val, y_train, y_val, train_index, _ = parts
    model, metric = est.model_, est._score_metric()
    Y_val = model.loss.prepare_targets(y_val, model.output_units, model.dtype)

    def validation_score():
        with np.errstate(all="ignore"):
            return metric(model.predict(X_val), Y_val, model.output_activation)

    if sample_weight is not None:
        sample_weight = sample_weight[train_index]
    return X_train, y_train, sample_weight, validation_score


def check_fraction(est, n_samples, need):
    """Raise unless ``validation_fraction`` leaves ``need`` samples (one per class) on
    both sides, suggesting a fraction that does when there is one."""
    n_val = math.ceil(est.validation_fraction * n_samples)  # as train_test_split counts
    if need <= n_val <= n_samples - need:
        return
    fraction = math.ceil(100 * need / n_samples) / 100
    fits = need <= math.ceil(fraction * n_samples) <= n_samples - need and fraction < 1
    fix = (f"Set validation_fraction={fraction:g}, use more samples, or set "
           "early_stopping=False." if fits else
           "Use more samples, or set early_stopping=False.")
    per = f"{need} (one per class)" if est._is_classifier else "1"
    raise InvalidInputError(
        f"early_stopping=True with validation_fraction={est.validation_fraction:g} holds "
        f"out {n_val} of {n_samples} samples, leaving {n_samples - n_val} to train on; each "
        f"part needs at least {per}. {fix}")
