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


@pytest.mark.parametrize("slope", [0.2, 0.3, 0.0, 1.5])
def test_leaky_relu_with_a_slope_of_its_own(slope, rng):
    act = activations.leaky_relu_with(slope)
    z = np.array([[-2.0, -0.5, 0.0, 3.0]])
    np.testing.assert_allclose(act.forward(z), [[-2 * slope, -0.5 * slope, 0, 3]])
    np.testing.assert_allclose(act.backward(z, act.forward(z), np.ones_like(z)),
                               [[slope, slope, slope, 1]])  # 0 at the kink, as relu
    assert activations.get(act.name) is act  # the name carries the slope back
    assert activations.leaky_relu_with(slope) is act
    zf = np.linspace(-3, 3, 8, dtype=np.float32).reshape(2, 4)
    assert act.forward(zf).dtype == np.float32
    assert act.backward(zf, act.forward(zf), np.ones_like(zf)).dtype == np.float32


def test_leaky_relu_with_the_default_slope_is_the_registry_s():
    assert activations.leaky_relu_with(activations.LEAKY_RELU_SLOPE) is \
        activations.ACTIVATIONS["leaky_relu"]
    assert activations.get("leaky_relu(0.01)") is activations.ACTIVATIONS["leaky_relu"]


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.2", None])
def test_leaky_relu_with_refuses_a_bad_slope(bad):
    with pytest.raises((InvalidTypeError, ValueError), match="negative_slope"):
        activations.leaky_relu_with(bad)


def test_a_bad_slope_in_a_name_is_refused():
    with pytest.raises(ValueError, match="must be a number"):
        activations.get("leaky_relu(steep)")
    with pytest.raises(ValueError, match="negative_slope"):
        activations.get("leaky_relu(-1)")
