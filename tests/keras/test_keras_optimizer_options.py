"""Keras 3's ``RMSprop(momentum=, centered=True)`` and ``Adam(amsgrad=True)``: the update
rules written again here from keras/src/optimizers/rmsprop.py and adam.py, one step worked
by hand with numbers, PyTorch's rules of the same name (torch.optim.RMSprop,
torch.optim.Adam) with their documented difference in where epsilon goes, save and load,
and the NumPy runner training them with a reason."""

import math

import numpy as np
import pytest

import mlplab
import mlplab.keras as keras
from mlplab.engine import optimizers as engine
from mlplab.errors import MlplabError

W_START = np.array([1.0, -2.0, 0.5])
# The third step's gradients are small: AMSGrad's maximum of v then differs from v.
GRADIENTS = [np.array([0.5, 0.25, -1e-4]), np.array([-0.5, 1.0, 3e-4]),
             np.array([0.01, -0.02, 1e-5])]


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(5)
    yield
    keras.backend.clear_session()


def keras_rmsprop_steps(w, gradients, learning_rate, rho, momentum, epsilon, centered):
    """Keras' RMSprop.update_step, for one array."""
    velocity, average_grad, moment = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in gradients:
        velocity = rho * velocity + (1 - rho) * np.square(g)
        if centered:
            average_grad = rho * average_grad + (1 - rho) * g
            denominator = velocity - np.square(average_grad) + epsilon
        else:
            denominator = velocity + epsilon
        increment = (learning_rate * g) / np.sqrt(denominator)
        if momentum > 0:
            moment = momentum * moment + increment
            w = w - moment
        else:
            w = w - increment
    return w


def keras_adam_steps(w, gradients, learning_rate, beta_1, beta_2, epsilon, amsgrad):
    """Keras' Adam.update_step, for one array."""
    m, v, v_hat = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for iterations, g in enumerate(gradients):
        local_step = iterations + 1
        alpha = learning_rate * np.sqrt(1 - beta_2**local_step) / (1 - beta_1**local_step)
        m = m + (g - m) * (1 - beta_1)
        v = v + (np.square(g) - v) * (1 - beta_2)
        if amsgrad:
            v_hat = np.maximum(v_hat, v)
        w = w - (m * alpha) / (np.sqrt(v_hat if amsgrad else v) + epsilon)
    return w


def steps(optimizer, gradients=GRADIENTS, dtype=np.float64):
    w = W_START.astype(dtype)
    for g in gradients:
        optimizer.step([w], [g.astype(dtype)])
    return w


# -- the rules against Keras' update_step -----------------------------------------------------
@pytest.mark.parametrize("momentum, centered", [(0.9, False), (0.0, True), (0.5, True)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rmsprop_with_momentum_or_centered_takes_keras_steps(momentum, centered, dtype):
    settings = {"learning_rate": 0.01, "rho": 0.8, "momentum": momentum, "epsilon": 1e-3,
                "centered": centered}
    w = steps(keras.optimizers.RMSprop(**settings), dtype=dtype)
    assert w.dtype == dtype
    np.testing.assert_allclose(w, keras_rmsprop_steps(W_START, GRADIENTS, **settings),
                               rtol=1e-13 if dtype == np.float64 else 1e-6)
    plain = keras_rmsprop_steps(W_START, GRADIENTS, 0.01, 0.8, 0.0, 1e-3, False)
    assert not np.allclose(w, plain, rtol=1e-4)  # the options changed the steps


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_with_amsgrad_takes_keras_steps(dtype):
    settings = {"learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-6}
    w = steps(keras.optimizers.Adam(amsgrad=True, **settings), dtype=dtype)
    np.testing.assert_allclose(w, keras_adam_steps(W_START, GRADIENTS, amsgrad=True,
                                                   **settings),
                               rtol=1e-13 if dtype == np.float64 else 1e-6)
    plain = keras_adam_steps(W_START, GRADIENTS, amsgrad=False, **settings)
    assert not np.allclose(w, plain, rtol=1e-6)  # the maximum mattered


def test_one_centered_step_worked_by_hand():
    # g = 0.5, rho = 0.9: s = 0.1 * 0.25 = 0.025, a = 0.1 * 0.5 = 0.05,
    # s - a^2 = 0.0225; w -= 0.01 * 0.5 / sqrt(0.0225 + 0.01)
    w = np.array([1.0])
    keras.optimizers.RMSprop(learning_rate=0.01, epsilon=0.01, centered=True).step(
        [w], [np.array([0.5])])
    assert w[0] == pytest.approx(1.0 - 0.005 / math.sqrt(0.0325), rel=1e-15)


def test_one_amsgrad_step_after_a_large_gradient_worked_by_hand():
    # Step 1, g = 1: m = 0.1, v = 0.001 = v_max. Step 2, g = 0: m = 0.09,
    # v = 0.000999 < v_max, so v_max stays 0.001; alpha_2 = lr sqrt(1 - b2^2) / (1 - b1^2).
    lr, eps = 0.1, 1e-8
    w = np.array([0.0])
    optimizer = keras.optimizers.Adam(learning_rate=lr, epsilon=eps, amsgrad=True)
    optimizer.step([w], [np.array([1.0])])
    after_first = w[0]
    optimizer.step([w], [np.array([0.0])])
    alpha_2 = lr * math.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    assert w[0] - after_first == pytest.approx(-0.09 * alpha_2 / (math.sqrt(0.001) + eps),
                                               rel=1e-12)
    np.testing.assert_allclose(optimizer.state[(0, "v_max")], [0.001], rtol=1e-14)
    assert optimizer.state[(0, "v")][0] < optimizer.state[(0, "v_max")][0]


# -- against PyTorch ---------------------------------------------------------------------------
@pytest.fixture
def torch():
    return pytest.importorskip("torch")  # a reference where installed (the bench extra)


def torch_steps(torch, make, gradients=GRADIENTS):
    parameter = torch.tensor(W_START, dtype=torch.float64, requires_grad=True)
    optimizer = make([parameter])
    for g in gradients:
        parameter.grad = torch.tensor(g, dtype=torch.float64)
        optimizer.step()
    return parameter.detach().numpy()


@pytest.mark.parametrize("momentum", [0.0, 0.7])
def test_centered_rmsprop_is_torch_s_with_epsilon_inside_the_root(torch, momentum):
    """PyTorch: step = lr * g / (sqrt(s - a^2) + eps); Keras: lr * g / sqrt(s - a^2 + eps).
    With no epsilon (Keras' smallest, 1e-300, vanishes in s - a^2) they agree to rounding;
    with epsilon=1e-3 they differ, each as its own formula says."""
    ours = steps(keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=momentum,
                                          epsilon=1e-300, centered=True))
    theirs = torch_steps(torch, lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=0.0,
                                                       momentum=momentum, centered=True))
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)
    ours = steps(keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=momentum,
                                          epsilon=1e-3, centered=True))
    theirs = torch_steps(torch, lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=1e-3,
                                                       momentum=momentum, centered=True))
    assert not np.allclose(ours, theirs, rtol=1e-3)
    np.testing.assert_allclose(ours, keras_rmsprop_steps(W_START, GRADIENTS, 0.01, 0.8,
                                                         momentum, 1e-3, True), rtol=1e-13)


def test_amsgrad_is_torch_s_with_epsilon_before_the_bias_correction(torch):
    """Both keep the largest raw ``v``; PyTorch adds eps to sqrt(v_max) / sqrt(1 - b2^t),
    Keras to sqrt(v_max) ("epsilon hat"). With no epsilon they agree to rounding; with
    eps they agree once Keras' epsilon is PyTorch's times sqrt(1 - b2^t), step by step
    (checked here for one step, where t = 1)."""
    ours = steps(keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-300, amsgrad=True))
    theirs = torch_steps(torch, lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0, amsgrad=True))
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)
    one = GRADIENTS[:1]
    ours = steps(keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-4 * math.sqrt(0.001),
                                       amsgrad=True), one)
    theirs = torch_steps(torch, lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-4, amsgrad=True), one)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    same_eps = steps(keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-4, amsgrad=True), one)
    assert not np.allclose(same_eps, theirs, rtol=1e-4)


# -- names, configs, files, runners ----------------------------------------------------------
def test_the_options_are_keras_defaults_and_switches():
    assert type(keras.optimizers.Adam()) is engine.KerasAdam
    assert type(keras.optimizers.Adam(amsgrad=True)) is engine.KerasAMSGrad
    assert keras.optimizers.RMSprop().centered is False
    assert keras.optimizers.RMSprop(centered=np.True_).centered is True
    assert type(keras.optimizers.get({"class_name": "Adam", "config": {"amsgrad": True}})) \
        is engine.KerasAMSGrad
    for refused in (lambda: keras.optimizers.Adam(amsgrad="yes"),
                    lambda: keras.optimizers.RMSprop(centered=1.5)):
        with pytest.raises(MlplabError, match="amsgrad|centered"):
            refused()


@pytest.mark.parametrize("optimizer", [
    lambda: keras.optimizers.Adam(learning_rate=0.02, amsgrad=True),
    lambda: keras.optimizers.RMSprop(learning_rate=0.02, momentum=0.5, centered=True),
])
def test_save_and_load_keep_the_option(tmp_path, optimizer):
    x = np.random.default_rng(0).normal(size=(40, 2))
    y = (x[:, 0] > 0).astype(int)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer(), loss="binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    for again in (keras.models.load_model(tmp_path / "m.keras"),
                  mlplab.load(tmp_path / "m.keras")):
        assert type(again.optimizer) is type(model.optimizer)
        assert again.optimizer.config() == model.optimizer.config()
    assert engine.get(model.optimizer.config()).config() == model.optimizer.config()


@pytest.mark.numba  # it reads the compiled runner's choice
@pytest.mark.parametrize("optimizer, name", [
    (lambda: keras.optimizers.Adam(amsgrad=True), "keras_amsgrad"),
    (lambda: keras.optimizers.RMSprop(centered=True), "keras_rmsprop"),
])
def test_the_options_train_on_the_numpy_runner_and_say_why(optimizer, name):
    x = np.random.default_rng(1).normal(size=(64, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer(), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=2, verbose=0)
    assert history.runner == "numpy"
    assert f"the {name} optimizer is not compiled" in history.runner_reason
    plain = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    plain.compile(optimizer="adam", loss="mse")
    assert plain.fit(x, y, verbose=0).runner == "compiled"  # plain Adam stays compiled
