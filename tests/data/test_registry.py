import numpy as np
import pytest

from mlplab import data
from mlplab.errors import InvalidInputError, InvalidTypeError, UnknownNameError


def test_names_cover_the_brief():
    assert data.dataset_names() == sorted([
        "moons", "circles", "blobs", "classification", "gaussian_quantiles", "xor", "spirals",
        "checkerboard", "regression_plane", "regression_gaussians", "sine", "step", "abs",
        "polynomial"])
    assert set(data.DATASETS) == set(data.dataset_names())


def test_names_are_case_insensitive():
    X, y = data.make_dataset(" Moons ", n_samples=30, noise=0.1, random_state=4)
    X_ref, y_ref = data.moons(n_samples=30, noise=0.1, random_state=4)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


def test_unknown_name_suggests_and_lists():
    with pytest.raises(UnknownNameError, match=r"'mons'. Did you mean 'moons'\?.*spirals"):
        data.make_dataset("mons")
    with pytest.raises(InvalidTypeError, match="must be given by name"):
        data.make_dataset(3)


def test_unknown_keyword_names_it_and_the_valid_ones():
    message = (r"dataset 'moons' does not take nosie\. Did you mean 'noise'\? It takes: "
               r"n_samples, shuffle, noise, random_state\.")
    with pytest.raises(InvalidInputError, match=message):
        data.make_dataset("moons", nosie=0.1)


def test_dataset_parameters_follow_the_signature():
    assert data.dataset_parameters("xor") == ["n_samples", "kind", "noise", "one_hot",
                                              "random_state"]
    assert "factor" in data.dataset_parameters("CIRCLES")
