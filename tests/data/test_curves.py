"""1-D regression targets: sine, step, |x| and a noisy polynomial."""

import numpy as np
import pytest

from mlplab import data
from mlplab.errors import InvalidInputError, InvalidTypeError

CURVES = {"sine": lambda x: np.sin(np.pi * x), "step": lambda x: (x >= 0).astype(float),
          "abs": np.abs, "polynomial": lambda x: 1.5 * x**3 - x}


@pytest.mark.parametrize("name", sorted(CURVES))
def test_each_curve_is_its_formula_on_one_column(name):
    noise = {"noise": 0.0}
    x, y = data.make_dataset(name, n_samples=500, random_state=3, **noise)
    assert x.shape == (500, 1) and y.shape == (500,) and x.dtype == y.dtype == np.float64
    assert np.all(np.abs(x) <= 1.0) and x.min() < -0.9 and x.max() > 0.9
    assert np.allclose(y, CURVES[name](x[:, 0]), atol=1e-12)
    assert name in data.CURVE_DATASETS


def test_noise_seeds_and_shared_x():
    x1, y1 = data.sine(n_samples=300, noise=0.2, random_state=0)
    x2, y2 = data.absolute(n_samples=300, noise=0.2, random_state=0)
    assert np.array_equal(x1, x2)  # X is drawn first, from the same seed
    assert np.std(y1 - np.sin(np.pi * x1[:, 0])) == pytest.approx(0.2, rel=0.15)
    assert np.array_equal(y1, data.sine(n_samples=300, noise=0.2, random_state=0)[1])
    _, noisy = data.polynomial(n_samples=300, random_state=0)  # noisy by default
    assert 0.05 < np.std(noisy - (1.5 * x1[:, 0]**3 - x1[:, 0])) < 0.2


def test_parameters():
    x, y = data.sine(n_samples=50, periods=3, random_state=1)
    assert np.allclose(y, np.sin(3 * np.pi * x[:, 0]))
    x, y = data.step(n_samples=50, at=0.5, random_state=1)
    assert np.array_equal(y, (x[:, 0] >= 0.5).astype(float))
    x, y = data.polynomial(n_samples=50, coefficients=[1, 2], noise=0, random_state=1)
    assert np.allclose(y, 1 + 2 * x[:, 0])


def test_bad_arguments_name_the_fix():
    with pytest.raises(InvalidInputError, match=r"periods=0: must be a positive, finite number"):
        data.sine(periods=0)
    with pytest.raises(InvalidTypeError, match=r"at='left': must be a number, e.g. step"):
        data.step(at="left")
    with pytest.raises(InvalidInputError, match=r"coefficients=\[\]: give finite numbers"):
        data.polynomial(coefficients=[])
    with pytest.raises(InvalidInputError, match="must be >= 0"):
        data.absolute(noise=-1)
