"""Data sets by name, for the CLI and study files: ``make_dataset("moons", noise=0.2)``."""

from __future__ import annotations

import inspect
from typing import Any

from numpy.typing import NDArray

from mlplab._typing import FloatArray
from mlplab._validation import did_you_mean, lookup
from mlplab.data import curves, generators
from mlplab.errors import InvalidInputError

DATASETS = {
    "moons": generators.moons,
    "circles": generators.circles,
    "blobs": generators.blobs,
    "classification": generators.classification,
    "gaussian_quantiles": generators.gaussian_quantiles,
    "xor": generators.xor,
    "spirals": generators.spirals,
    "checkerboard": generators.checkerboard,
    "regression_plane": generators.regression_plane,
    "regression_gaussians": generators.regression_gaussians,
    # Functions of one input (X has one column): regression targets for plot_fit_1d.
    "sine": curves.sine,
    "step": curves.step,
    "abs": curves.absolute,
    "polynomial": curves.polynomial,
}
CURVE_DATASETS = ("sine", "step", "abs", "polynomial")  # one feature, not the plane


def dataset_names() -> list[str]:
    """The registered data set names, sorted."""
    return sorted(DATASETS)


def dataset_parameters(name: str) -> list[str]:
    """The keyword arguments the data set ``name`` accepts, in signature order."""
    return list(inspect.signature(lookup(DATASETS, name, "dataset")).parameters)


def make_dataset(name: str, **kwargs: Any) -> tuple[FloatArray, NDArray[Any]]:
    """Generate the data set ``name`` (case-insensitive) with its generator's keywords.

    Parameters
    ----------
    name : str
        One of :func:`dataset_names`.
    **kwargs
        Keyword arguments of that generator, e.g. ``noise=0.2, random_state=0``.

    Returns
    -------
    X : ndarray, shape (n_samples, n_features), float64
    y : ndarray, shape (n_samples,) (or (n_samples, 2) for one-hot xor)

    Examples
    --------
    >>> X, y = make_dataset("Moons", n_samples=10, random_state=0)
    >>> X.shape, y.shape
    ((10, 2), (10,))
    """
    make = lookup(DATASETS, name, "dataset")
    valid = list(inspect.signature(make).parameters)
    unknown = [key for key in kwargs if key not in valid]
    if unknown:
        # Checked here so a typo reads as a typo, not as a TypeError from inside.
        raise InvalidInputError(
            f"make_dataset({name!r}, ...): dataset {name!r} does not take "
            f"{', '.join(unknown)}.{did_you_mean(unknown[0], valid)} It takes: "
            f"{', '.join(valid)}."
        )
    return make(**kwargs)
