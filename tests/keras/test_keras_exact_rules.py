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


def test_keras_rmsprop_docstring_example():
    """Keras' own example (rmsprop.py): RMSprop(learning_rate=0.1) minimising var1**2 / 2
    from var1 = 10 gives 9.683772 (float32)."""
    var1 = np.array([10.0], dtype=np.float32)
    keras.optimizers.RMSprop(learning_rate=0.1).step([var1], [var1.copy()])  # d/dv = var1
    assert f"{var1[0]:.6f}" == "9.683772"


def test_keras_optimizers_by_name_and_default_are_keras_rules():
    assert type(keras.optimizers.get("adam")) is mlplab.engine.optimizers.KerasAdam
    assert type(keras.optimizers.get("RMSprop")) is mlplab.engine.optimizers.KerasRMSprop
    assert type(keras.optimizers.get("adagrad")) is mlplab.engine.optimizers.KerasAdagrad
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")  # Keras' default optimizer: RMSprop
    assert type(model.optimizer) is mlplab.engine.optimizers.KerasRMSprop


@pytest.mark.numba  # it reads the compiled runner's choice
@pytest.mark.parametrize("optimizer,name,runner", [("adam", "keras_adam", "compiled"),
                                                   ("rmsprop", "keras_rmsprop", "numpy"),
                                                   ("adagrad", "keras_adagrad", "numpy")])
def test_keras_rules_train_on_their_runner_and_say_so(optimizer, name, runner, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    history = model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    assert history.runner == runner  # Keras' Adam has a kernel code of its own
    assert runner == "compiled" or name in history.runner_reason
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


# -- 3. sample and class weights: Keras' "sum_over_batch_size" ------------------------------
X4 = np.array([[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5], [2.0, 1.0]])
Y4 = np.array([0, 1, 1, 0])
KERNEL, BIAS = np.array([[0.5], [-0.3]]), np.array([0.1])


def logistic_net():
    """Dense(1, sigmoid) with known weights, float64 so that the hand sums compare tightly."""
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")],
                             dtype="float64")
    model.set_weights([KERNEL.copy(), BIAS.copy()])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    return model


def keras_sgd_step(kernel, bias, X, y, w):
    """Keras' step on one batch: loss = sum(w_i * bce_i) / batch_size (losses/loss.py,
    reduce_weighted_values then reduce_values), so dloss/dz_i = w_i (p_i - y_i) / n."""
    z = X @ kernel[:, 0] + bias[0]
    p = 1 / (1 + np.exp(-z))
    loss = np.sum(w * -(y * np.log(p) + (1 - y) * np.log(1 - p))) / len(y)
    dz = w * (p - y) / len(y)
    return kernel - 0.1 * (X.T @ dz)[:, None], bias - 0.1 * dz.sum(), loss


def test_one_sgd_step_with_class_weight_is_keras_step():
    model = logistic_net()
    history = model.fit(X4, Y4, batch_size=4, epochs=1, shuffle=False, verbose=0,
                        class_weight={0: 1.0, 1: 3.0})
    # Keras' class_weight_to_sample_weights: w_i = class_weight[y_i] (1 where absent).
    kernel, bias, loss = keras_sgd_step(KERNEL, BIAS, X4, Y4, np.array([1.0, 3.0, 3.0, 1.0]))
    np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], bias, rtol=1e-12)
    assert history.history["loss"] == [pytest.approx(loss, rel=1e-12)]
    # mlplab's own rule would scale the weights (mean 2) to (0.5, 1.5, 1.5, 0.5): half the step.
    own, _, own_loss = keras_sgd_step(KERNEL, BIAS, X4, Y4, np.array([0.5, 1.5, 1.5, 0.5]))
    assert not np.allclose(model.get_weights()[0], own, rtol=1e-3)
    assert own_loss == pytest.approx(loss / 2)


def test_sample_weights_divide_by_each_batch_s_size_not_by_their_sum():
    model = logistic_net()
    weights = np.array([2.0, 0.0, 4.0, 1.0])
    history = model.fit(X4, Y4, batch_size=2, epochs=1, shuffle=False, verbose=0,
                        sample_weight=weights)
    kernel, bias, loss_1 = keras_sgd_step(KERNEL, BIAS, X4[:2], Y4[:2], weights[:2])
    kernel, bias, loss_2 = keras_sgd_step(kernel, bias, X4[2:], Y4[2:], weights[2:])
    np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], bias, rtol=1e-12)
    # Keras' loss tracker: the batches' losses weighted by their sizes.
    assert history.history["loss"] == [pytest.approx((2 * loss_1 + 2 * loss_2) / 4, rel=1e-12)]


def test_evaluate_with_sample_weight_is_keras_weighted_sum_over_the_rows():
    model = logistic_net()
    weights = np.array([2.0, 0.0, 4.0, 1.0])
    _, _, expected = keras_sgd_step(KERNEL, BIAS, X4, Y4, weights)
    assert model.evaluate(X4, Y4, sample_weight=weights, verbose=0) == pytest.approx(
        expected, rel=1e-12)


def test_the_compiled_runner_takes_keras_weights_as_the_numpy_one():
    pytest.importorskip("numba")
    runs = []
    for engine in ("compiled", "numpy"):
        model = logistic_net()
        history = mlplab.Sequential.fit(model, X4, Y4, batch_size=2, epochs=3, shuffle=False,
                                        class_weight={0: 1.0, 1: 3.0}, engine=engine)
        runs.append((model.get_weights(), history))
    (compiled, compiled_history), (numpy_weights, numpy_history) = runs
    assert compiled_history.runner == "compiled"
    for a, b in zip(compiled, numpy_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(compiled_history.history["loss"], numpy_history.history["loss"],
                               rtol=1e-12)


def test_mlplab_s_own_fit_still_scales_weights_to_average_1():
    model = mlplab.Sequential([mlplab.Dense(1, "sigmoid", input_dim=2)], dtype="float64")
    model.set_weights([KERNEL.copy(), BIAS.copy()])
    model.compile(loss="binary_crossentropy", optimizer=mlplab.SGD(learning_rate=0.1))
    model.fit(X4, Y4, batch_size=4, epochs=1, shuffle=False, class_weight={0: 1.0, 1: 3.0})
    kernel, _, _ = keras_sgd_step(KERNEL, BIAS, X4, Y4, np.array([0.5, 1.5, 1.5, 0.5]))
    np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-12)


# -- 4. mlplab.load reads the dialect's losses ---------------------------------------------
@pytest.mark.parametrize("output, loss, targets", [
    ("linear", lambda: "mae", "binary"),
    ("sigmoid", lambda: keras.losses.MeanAbsoluteError(), "binary"),
    ("linear", lambda: keras.losses.BinaryCrossentropy(from_logits=True), "binary"),
    ("sigmoid", lambda: keras.losses.BinaryCrossentropy(label_smoothing=0.1), "binary"),
    ("linear", lambda: keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
     "binary"),
    ("linear", lambda: keras.losses.CategoricalCrossentropy(from_logits=True,
                                                            label_smoothing=0.05), "one-hot"),
    ("softmax", lambda: keras.losses.CategoricalCrossentropy(label_smoothing=0.3), "one-hot"),
    ("linear", lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True), "labels"),
])
def test_mlplab_load_reads_models_with_the_dialect_s_losses(output, loss, targets, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    y = {"binary": (labels > 0).astype(float), "one-hot": np.eye(3)[labels],
         "labels": labels}[targets]
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1 if targets == "binary" else 3,
                                           activation=output)])
    model.compile(optimizer="sgd", loss=loss())
    model.fit(X, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    for loaded in (mlplab.load(tmp_path / "m.keras"),
                   keras.models.load_model(tmp_path / "m.keras")):
        assert loaded.loss.name == model.loss.name and repr(loaded.loss) == repr(model.loss)
        assert type(loaded.optimizer) is type(model.optimizer)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X, verbose=0))
        assert mlplab.Sequential.evaluate(loaded, X, y)["loss"] == \
            model.evaluate(X, y, verbose=0)


def keras_rmsprop_momentum_steps(w, gradients, learning_rate, rho, momentum, epsilon):
    """rmsprop.py with momentum > 0: momentum = momentum * momentum + increment;
    variable -= momentum."""
    velocity, moment = np.zeros_like(w), np.zeros_like(w)
    for g in gradients:
        velocity = rho * velocity + (1 - rho) * np.square(g)
        increment = (learning_rate * g) / np.sqrt(velocity + epsilon)
        moment = momentum * moment + increment
        w = w - moment
    return w


def test_keras_rmsprop_with_momentum_takes_keras_steps(tmp_path):
    optimizer = keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.9,
                                         epsilon=1e-3)
    w = W_START.copy()
    for g in GRADIENTS:
        optimizer.step([w], [g])
    np.testing.assert_allclose(w, keras_rmsprop_momentum_steps(
        W_START, GRADIENTS, 0.01, 0.8, 0.9, 1e-3), rtol=1e-13)
    assert not np.allclose(w, keras_rmsprop_steps(W_START, GRADIENTS, 0.01, 0.8, 1e-3),
                           rtol=1e-4)  # the momentum mattered
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    model.save(tmp_path / "m.keras")
    assert mlplab.load(tmp_path / "m.keras").optimizer.momentum == 0.9


def test_keras_initializer_config_dicts_resolve_as_keras_get_does():
    """keras.initializers.get takes {"class_name": ..., "config": ...}, get_config's form."""
    assert initializers.get({"class_name": "HeNormal", "config": {"seed": None}}) == \
        initializers.HeNormal()
    assert initializers.get({"class_name": "TruncatedNormal",
                             "config": {"mean": 0.0, "stddev": 0.2, "seed": None}}) == \
        initializers.TruncatedNormal(stddev=0.2)
    assert initializers.get({"class_name": "VarianceScaling", "config": {
        "scale": 2.0, "mode": "fan_out", "distribution": "untruncated_normal"}}) == \
        engine_initializers.VarianceScaling(2.0, "fan_out", "normal")
    with pytest.raises(mlplab.errors.MlplabError, match="Orthogonal"):
        initializers.get({"class_name": "Orthogonal", "config": {}})
