"""Data sets: scikit-learn's generators, XOR, spirals and more, 1-D curves, CSV files, splits.

>>> from mlplab import data
>>> X, y = data.moons(n_samples=200, noise=0.2, random_state=42)
>>> parts = data.split(X, y, test=0.2, random_state=42)
"""

from mlplab.data.curves import absolute, polynomial, sine, step
from mlplab.data.features import PlaygroundFeatures
from mlplab.data.files import load_csv
from mlplab.data.generators import (
    blobs,
    checkerboard,
    circles,
    classification,
    gaussian_quantiles,
    moons,
    regression_gaussians,
    regression_plane,
    spirals,
    xor,
)
from mlplab.data.registry import (
    CURVE_DATASETS,
    DATASETS,
    dataset_names,
    dataset_parameters,
    make_dataset,
)
from mlplab.data.split import Split, split, standardize

__all__ = [
    "moons", "circles", "blobs", "classification", "gaussian_quantiles", "xor", "spirals",
    "checkerboard", "regression_plane", "regression_gaussians", "load_csv", "split", "Split",
    "standardize", "PlaygroundFeatures", "DATASETS", "dataset_names", "dataset_parameters",
    "make_dataset", "sine", "step", "absolute", "polynomial", "CURVE_DATASETS",
]
