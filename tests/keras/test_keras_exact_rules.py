"""Where mlplab.keras follows Keras 3's arithmetic exactly, each rule written here from
Keras' source and worked by hand: the truncated-normal initializers
(keras/src/initializers/random_initializers.py), the optimizers' update rules
(keras/src/optimizers/rmsprop.py, adagrad.py, adam.py), the reduction of sample and class
weights (keras/src/losses/loss.py, "sum_over_batch_size"; data_adapter_utils.py), and
mlplab.load reading the dialect's losses back."""

import numpy as np
import pytest

import mlplab
import mlplab.keras as keras
from mlplab.engine import initializers as engine_initializers
from mlplab.keras import initializers, layers

TRUNCATED = 0.87962566103423978  # Keras' divisor of a truncated normal's stddev


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(3)
    yield
    keras.backend.clear_session()


# -- 1. initializers -----------------------------------------------------------------------
@pytest.mark.parametrize("given,scale,mode", [
    (initializers.GlorotNormal, 1.0, "fan_avg"), (initializers.HeNormal, 2.0, "fan_in"),
    (initializers.LecunNormal, 1.0, "fan_in"), ("glorot_normal", 1.0, "fan_avg"),
    ("he_normal", 2.0, "fan_in"), ("lecun_normal", 1.0, "fan_in"),
    ("HeNormal", 2.0, "fan_in"),
])
def test_keras_normal_initializers_are_truncated_with_keras_variance(given, scale, mode):
    init = initializers.get(given)
    assert init == engine_initializers.VarianceScaling(scale, mode, "truncated_normal")
    fan_in, fan_out = 300, 500
    fan = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    w = init((fan_in, fan_out), np.random.default_rng(1), np.float32)
    assert np.abs(w).max() <= np.float32(2 * np.sqrt(scale / fan) / TRUNCATED)
    assert w.var(dtype=np.float64) == pytest.approx(scale / fan, rel=0.015)


def test_a_keras_dense_layer_draws_truncated_and_mlplab_s_stays_plain():
    keras_dense = layers.Dense(4, kernel_initializer="he_normal")
    assert keras_dense.kernel_initializer.distribution == "truncated_normal"
    assert mlplab.Dense(4, "relu", kernel_initializer="he_normal").kernel_initializer \
        .distribution == "normal"
    model = keras.Sequential([keras.Input(shape=(400,)),
                              layers.Dense(400, kernel_initializer="he_normal")])
    kernel = model.get_weights()[0]
    assert np.abs(kernel).max() <= np.float32(2 * np.sqrt(2 / 400) / TRUNCATED)
    keras.utils.set_random_seed(3)
    again = keras.Sequential([keras.Input(shape=(400,)),
                              layers.Dense(400, kernel_initializer="he_normal")])
    np.testing.assert_array_equal(again.get_weights()[0], kernel)  # the seed decides


def test_variance_scaling_distributions_and_truncated_normal_as_keras_names_them():
    assert initializers.VarianceScaling().distribution == "truncated_normal"  # Keras' default
    assert initializers.VarianceScaling(distribution="normal").distribution == \
        "truncated_normal"  # Keras reads "normal" as "truncated_normal"
    assert initializers.VarianceScaling(distribution="untruncated_normal").distribution == \
        "normal"
    truncated = initializers.TruncatedNormal()
    assert (truncated.mean, truncated.stddev) == (0.0, 0.05)  # Keras' defaults
    assert initializers.get("truncated_normal") == truncated
    assert initializers.get("TruncatedNormal") == truncated
    w = initializers.TruncatedNormal(mean=1.0, stddev=0.1)((200, 200),
                                                           np.random.default_rng(0),
                                                           np.float64)
    assert np.abs(w - 1.0).max() <= 0.2 and w.std() == pytest.approx(0.1 * TRUNCATED,
                                                                      rel=0.02)
    with pytest.raises(mlplab.errors.InvalidInputError, match="set_random_seed"):
        initializers.TruncatedNormal(seed=1)


def test_a_model_with_truncated_initializers_saves_and_loads(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)),
                              layers.Dense(5, kernel_initializer="glorot_normal"),
                              layers.Dense(1, kernel_initializer=initializers.TruncatedNormal(
                                  stddev=0.3))])
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert [layer.kernel_initializer for layer in again.layers] == \
        [layer.kernel_initializer for layer in model.layers]
    assert mlplab.load(tmp_path / "m.keras").layers[0].kernel_initializer.distribution == \
        "truncated_normal"
