import numpy as np
import pytest

from mlplab.engine import initializers
from mlplab.errors import InvalidInputError, UnknownNameError

FAN_IN, FAN_OUT = 400, 600


@pytest.mark.parametrize("name,expected_variance", [
    ("glorot_uniform", 2 / (FAN_IN + FAN_OUT)),
    ("glorot_normal", 2 / (FAN_IN + FAN_OUT)),
    ("he_uniform", 2 / FAN_IN),
    ("he_normal", 2 / FAN_IN),
    ("lecun_normal", 1 / FAN_IN),
    ("lecun_uniform", 1 / FAN_IN),
    ("fan_out_normal", 1 / FAN_OUT),  # the blog's "randn * sqrt(1/fan_out)"
    ({"name": "normal", "stddev": 0.1}, 0.01),
    ({"name": "uniform", "limit": 0.3}, 0.09 / 3),
])
def test_variance_of_each_rule(name, expected_variance):
    w = initializers.get(name)((FAN_IN, FAN_OUT), np.random.default_rng(0), np.float64)
    assert w.shape == (FAN_IN, FAN_OUT)
    assert abs(w.mean()) < 0.01 * np.sqrt(expected_variance) * 10
    assert w.var() == pytest.approx(expected_variance, rel=0.02)


def test_uniform_rules_respect_their_limit():
    w = initializers.get("glorot_uniform")((FAN_IN, FAN_OUT), np.random.default_rng(0), "float32")
    assert w.dtype == np.float32
    assert np.abs(w).max() <= np.sqrt(6 / (FAN_IN + FAN_OUT))


def test_constants_and_seeds():
    rng = np.random.default_rng
    assert np.all(initializers.get("zeros")((3,), rng(0), np.float64) == 0)
    assert np.all(initializers.get("ones")((2, 2), rng(0), np.float64) == 1)
    assert np.all(initializers.get({"name": "constant", "value": 0.5})((2,), rng(0), float) == 0.5)
    a = initializers.get("he_normal")((3, 4), rng(7), np.float64)
    b = initializers.get("he_normal")((3, 4), rng(7), np.float64)
    c = initializers.get("he_normal")((3, 4), rng(8), np.float64)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("name", ["glorot_uniform", "he_normal", "fan_out_normal", "zeros",
                                  {"name": "normal", "stddev": 0.1}])
def test_config_round_trips(name):
    init = initializers.get(name)
    assert initializers.get(init.config()) == init


def test_errors_name_the_fix():
    with pytest.raises(UnknownNameError, match="Did you mean 'he_normal'"):
        initializers.get("he_normla")
    with pytest.raises(InvalidInputError, match="it takes: stddev, mean"):
        initializers.get({"name": "normal", "sigma": 0.1})
    with pytest.raises(InvalidInputError, match="takes no parameters"):
        initializers.get({"name": "zeros", "value": 1})


def test_scikit_learn_uniform_draws_scikit_learns_weights():
    """The draws of scikit-learn's MLP ``_init_coef`` (kernel, then bias, per layer, from
    U(-l, l), l = sqrt(factor / (fan_in + fan_out))) from the same RandomState."""
    from sklearn.neural_network import MLPClassifier

    from mlplab.engine.initializers import scikit_learn_uniform

    widths = [4, 6, 3]
    for activation, factor in (("relu", 6.0), ("logistic", 2.0)):
        reference = MLPClassifier(activation=activation)
        reference._random_state = np.random.RandomState(5)
        expected = [array for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True)
                    for array in reference._init_coef(fan_in, fan_out, np.float64)]
        drawn = scikit_learn_uniform(widths, [factor, factor], np.random.RandomState(5),
                                     np.float32)
        for mine, theirs in zip(drawn, expected, strict=True):
            assert mine.dtype == np.float32
            np.testing.assert_array_equal(mine, theirs.astype(np.float32))
