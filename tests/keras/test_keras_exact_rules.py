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


# -- 2. optimizers -------------------------------------------------------------------------
# Keras 3's update_step of each, written again here from its source, for one array.
def keras_adam_steps(w, gradients, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for iterations, g in enumerate(gradients):
        local_step = iterations + 1
        alpha = learning_rate * np.sqrt(1 - beta_2**local_step) / (1 - beta_1**local_step)
        m = m + (g - m) * (1 - beta_1)
        v = v + (np.square(g) - v) * (1 - beta_2)
        w = w - (m * alpha) / (np.sqrt(v) + epsilon)
    return w


def keras_rmsprop_steps(w, gradients, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    velocity = np.zeros_like(w)
    for g in gradients:
        velocity = rho * velocity + (1 - rho) * np.square(g)
        w = w - (learning_rate * g) / np.sqrt(velocity + epsilon)
    return w


def keras_adagrad_steps(w, gradients, learning_rate=0.001, initial_accumulator_value=0.1,
                        epsilon=1e-7):
    accumulator = np.full_like(w, initial_accumulator_value)
    for g in gradients:
        accumulator = accumulator + np.square(g)
        w = w - (learning_rate * g) / np.sqrt(accumulator + epsilon)
    return w


W_START = np.array([1.0, -2.0, 0.5])
GRADIENTS = [np.array([0.5, 0.25, -1e-4]), np.array([-0.5, 1.0, 3e-4])]  # one tiny entry


# (optimizer, its steps by hand, settings, whether epsilon's place shows at the tiny entry:
# not with Adagrad's accumulator starting at 0.1, which dwarfs epsilon).
@pytest.mark.parametrize("make,reference,settings,shows", [
    (keras.optimizers.Adam, keras_adam_steps, {}, True),
    (keras.optimizers.Adam, keras_adam_steps, {"learning_rate": 0.1, "epsilon": 1e-3}, True),
    (keras.optimizers.RMSprop, keras_rmsprop_steps, {}, True),
    (keras.optimizers.RMSprop, keras_rmsprop_steps, {"learning_rate": 0.1, "epsilon": 1e-3},
     True),
    (keras.optimizers.Adagrad, keras_adagrad_steps, {}, False),
    (keras.optimizers.Adagrad, keras_adagrad_steps, {"learning_rate": 0.1, "epsilon": 1e-3,
                                                    "initial_accumulator_value": 0.0}, True),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_keras_optimizers_take_keras_first_two_steps(make, reference, settings, shows, dtype):
    w = W_START.astype(dtype)
    optimizer = make(**settings)
    for g in GRADIENTS:
        optimizer.step([w], [g.astype(dtype)])
    expected = reference(W_START, GRADIENTS, **settings)
    assert w.dtype == dtype
    np.testing.assert_allclose(w, expected, rtol=1e-13 if dtype == np.float64 else 1e-6)
    if not shows:
        return
    # The tiny gradient's entry is where epsilon's place shows: mlplab's own rule moves it
    # differently (by more than 1%).
    mlplab_rule = {keras.optimizers.Adam: mlplab.Adam, keras.optimizers.RMSprop: mlplab.RMSprop,
                   keras.optimizers.Adagrad: mlplab.Adagrad}[make](
        **{"learning_rate": 0.001, "epsilon": 1e-7, **settings})
    own = W_START.copy()
    for g in GRADIENTS:
        mlplab_rule.step([own], [g])
    keras_move, own_move = expected[2] - W_START[2], own[2] - W_START[2]
    assert abs(own_move - keras_move) > 0.01 * abs(keras_move)


def test_keras_optimizers_by_name_and_default_are_keras_rules():
    assert type(keras.optimizers.get("adam")) is mlplab.engine.optimizers.KerasAdam
    assert type(keras.optimizers.get("RMSprop")) is mlplab.engine.optimizers.KerasRMSprop
    assert type(keras.optimizers.get("adagrad")) is mlplab.engine.optimizers.KerasAdagrad
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")  # Keras' default optimizer: RMSprop
    assert type(model.optimizer) is mlplab.engine.optimizers.KerasRMSprop


@pytest.mark.parametrize("optimizer,name", [("adam", "keras_adam"), ("rmsprop", "keras_rmsprop"),
                                            ("adagrad", "keras_adagrad")])
def test_keras_rules_train_on_the_numpy_runner_and_say_so(optimizer, name, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    history = model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    assert history.runner == "numpy" and name in history.runner_reason
    model.save(tmp_path / "m.keras")  # the rule survives a file, read by both loaders
    for loaded in (keras.models.load_model(tmp_path / "m.keras"),
                   mlplab.load(tmp_path / "m.keras")):
        assert loaded.optimizer.name == name


def test_keras_sgd_stays_compiled():
    pytest.importorskip("numba")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="binary_crossentropy")
    assert model.fit(X, (X[:, 0] > 0).astype(int), verbose=0).runner == "compiled"
