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


# -- Keras' truncated normal (keras/src/initializers/random_initializers.py) -------------
KERAS_TRUNCATED = [  # Keras' GlorotNormal, HeNormal, LecunNormal: (scale, mode) and variance
    ((1.0, "fan_avg"), 2 / (FAN_IN + FAN_OUT)),
    ((2.0, "fan_in"), 2 / FAN_IN),
    ((1.0, "fan_in"), 1 / FAN_IN),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rule,variance", KERAS_TRUNCATED)
def test_truncated_variance_scaling_has_the_stated_variance_and_no_value_beyond_2_sd(
        rule, variance, dtype):
    scale, mode = rule
    init = initializers.VarianceScaling(scale, mode, "truncated_normal")
    w = init((FAN_IN, FAN_OUT), np.random.default_rng(0), dtype)
    assert w.dtype == dtype and w.shape == (FAN_IN, FAN_OUT)
    # Keras: stddev = sqrt(scale / fan) / 0.87962566103423978, drawn within 2 stddev.
    bound = 2 * np.sqrt(variance) / 0.87962566103423978
    assert np.abs(w).max() <= dtype(bound)  # rounding is monotone: the bound holds in dtype
    assert np.abs(w).max() > 0.995 * bound  # truncated at 2 sd, not narrower
    assert w.var(dtype=np.float64) == pytest.approx(variance, rel=0.01)  # 240 000 draws
    plain = initializers.VarianceScaling(scale, mode, "normal")(
        (FAN_IN, FAN_OUT), np.random.default_rng(0), dtype)
    assert np.abs(plain).max() > 1.3 * bound  # the plain normal has values far beyond


def test_truncated_normal_is_keras_rejection_of_the_generator_s_normals():
    """Keras' NumPy backend: draw a batch of the size wanted, keep |z| <= 2, repeat."""
    shape = (30, 40)
    drawn = initializers.TruncatedNormal(stddev=0.5, mean=1.0)(
        shape, np.random.default_rng(11), np.float64)
    rng = np.random.default_rng(11)
    kept = []
    while len(kept) < 1200:  # by hand, value by value
        kept += [z for z in rng.standard_normal(1200) if -2.0 <= z <= 2.0]
    np.testing.assert_array_equal(drawn, 1.0 + 0.5 * np.array(kept[:1200]).reshape(shape))
    assert np.abs(drawn - 1.0).max() <= 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_truncated_normal_spread_and_seeds(dtype):
    init = initializers.get({"name": "truncated_normal", "stddev": 0.1})
    w = init((500, 500), np.random.default_rng(3), dtype)
    assert w.dtype == dtype
    assert np.abs(w).max() <= dtype(0.2)
    assert abs(float(w.mean())) < 1e-3
    # The truncated draws' standard deviation is 0.8796... of the parent normal's.
    assert w.std(dtype=np.float64) == pytest.approx(0.1 * 0.87962566103423978, rel=0.01)
    again = init((500, 500), np.random.default_rng(3), dtype)
    other = init((500, 500), np.random.default_rng(4), dtype)
    assert np.array_equal(w, again) and not np.array_equal(w, other)


@pytest.mark.parametrize("init", [
    initializers.VarianceScaling(2.0, "fan_in", "truncated_normal"),
    initializers.TruncatedNormal(stddev=0.2, mean=0.1),
])
def test_truncated_initializers_round_trip_their_config(init):
    assert initializers.get(init.config()) == init


def test_mlplab_s_named_normals_stay_plain():
    for name in ("glorot_normal", "he_normal", "lecun_normal", "fan_out_normal"):
        assert initializers.get(name).distribution == "normal"
