"""Data sets by name, for the CLI and study files: ``make_dataset("moons", noise=0.2)``."""

import inspect

from mlplab._validation import lookup
from mlplab.data import generators
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
}


def dataset_names() -> list:
    """The registered data set names, sorted."""
    return sorted(DATASETS)


def dataset_parameters(name) -> list:
    """The keyword arguments the data set ``name`` accepts."""
    return list(inspect.signature(lookup(DATASETS, name, "dataset")).parameters)


def make_dataset(name, **kwargs):
    """Generate the data set ``name`` with the generator's own keyword arguments.

    Returns
    -------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,) (or (n_samples, 2) for one-hot xor)
    """
    make = lookup(DATASETS, name, "dataset")
    signature = inspect.signature(make)
    unknown = sorted(set(kwargs) - set(signature.parameters))
    if unknown:
        valid = ", ".join(signature.parameters)
        raise InvalidInputError(
            f"dataset {name!r} does not take {', '.join(unknown)}; it takes: {valid}."
        )
    return make(**kwargs)
