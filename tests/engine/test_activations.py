import numpy as np
import pytest
from scipy.special import expit
from scipy.special import softmax as scipy_softmax

from mlplab.engine import activations
from mlplab.errors import InvalidTypeError, UnknownNameError

NAMES = sorted(activations.ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_forward_is_finite_for_huge_inputs_without_warnings(name):
    # pyproject turns RuntimeWarning (overflow) into an error, so this also
    # checks that no warning is emitted.
    z = np.array([[-1e4, -710.0, -1.0, 0.0, 1.0, 710.0, 1e4]])
    a = activations.get(name).forward(z)
    assert np.all(np.isfinite(a))


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_finite_differences(name, rng):
    act = activations.get(name)
    z = rng.normal(size=(5, 4)) * 2
    z[np.abs(z) < 1e-3] = 0.5  # stay away from the ReLU kink
    upstream = rng.normal(size=z.shape)
    a = act.forward(z)
    analytic = act.backward(z, a, upstream)
    eps = 1e-6
    numeric = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        plus, minus = z.copy(), z.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric[index] = np.sum(upstream * (act.forward(plus) - act.forward(minus))) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_sigmoid_and_softmax_match_scipy(rng):
    z = rng.normal(size=(6, 3)) * 30
    np.testing.assert_allclose(activations.sigmoid(z), expit(z), rtol=1e-12)
    np.testing.assert_allclose(activations.softmax(z), scipy_softmax(z, axis=1), rtol=1e-12)


def test_softmax_rows_sum_to_one_at_extreme_logits():
    p = activations.softmax(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name):
    z = np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 4)
    act = activations.get(name)
    a = act.forward(z)
    assert a.dtype == np.float32
    assert act.backward(z, a, np.ones_like(z)).dtype == np.float32


def test_known_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(activations.relu(z), [[0, 0, 3]])
    np.testing.assert_allclose(activations.leaky_relu(z), [[-0.02, 0, 3]])
    np.testing.assert_allclose(activations.elu(z), [[np.exp(-2) - 1, 0, 3]])
    np.testing.assert_allclose(activations.tanh(z), np.tanh(z))


def test_resolver_aliases_and_errors():
    assert activations.get(None).name == "linear"
    assert activations.get("ReLU").name == "relu"
    assert activations.get("logistic").name == "sigmoid"
    with pytest.raises(UnknownNameError, match="Did you mean 'relu'"):
        activations.get("rleu")
    with pytest.raises(InvalidTypeError, match="give a name"):
        activations.get(3)
