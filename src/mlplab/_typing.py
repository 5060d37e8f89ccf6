"""The types that the annotations of mlplab's public API share."""

import os
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

    from mlplab.engine.model import Sequential

FloatArray: TypeAlias = NDArray[np.floating[Any]]  # float32 or float64, as the model's dtype
RandomState: TypeAlias = int | np.integer[Any] | np.random.Generator | None  # see _rng
FactorArray: TypeAlias = FloatArray | None  # the samples' loss factors (n_samples, 1), or None
# What the data generators return: X (n_samples, n_features) with class labels
# (n_samples,), or with regression targets (n_samples,).
Labelled: TypeAlias = tuple[FloatArray, NDArray[np.int64]]
Targets: TypeAlias = tuple[FloatArray, FloatArray]
PathLike: TypeAlias = str | os.PathLike[str]
# What a picture draws: an mlplab Sequential, an mlplab estimator (NetClassifier, ...)
# or, where only predictions are needed, any fitted scikit-learn estimator. (A string:
# importing either at run time would cost every `import mlplab`.)
Model: TypeAlias = "Sequential | BaseEstimator"

__all__ = ["ArrayLike", "DTypeLike", "FactorArray", "FloatArray", "Labelled", "Model", "NDArray",
           "PathLike", "RandomState", "Targets"]
