"""The types that the annotations of mlplab's public API share."""

import os
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

FloatArray: TypeAlias = NDArray[np.floating[Any]]  # float32 or float64, as the model's dtype
RandomState: TypeAlias = int | np.integer[Any] | np.random.Generator | None  # see _rng
FactorArray: TypeAlias = FloatArray | None  # the samples' loss factors (n_samples, 1), or None
# What the data generators return: X (n_samples, n_features) with class labels
# (n_samples,), or with regression targets (n_samples,).
Labelled: TypeAlias = tuple[FloatArray, NDArray[np.int64]]
Targets: TypeAlias = tuple[FloatArray, FloatArray]
PathLike: TypeAlias = str | os.PathLike[str]

__all__ = ["ArrayLike", "DTypeLike", "FactorArray", "FloatArray", "Labelled", "NDArray",
           "PathLike", "RandomState", "Targets"]
