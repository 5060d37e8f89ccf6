"""What the compiled runner takes (fast/tables.py), and what it leaves to the NumPy runner.

Every model trains with the default engine: a model the kernels cannot run falls back to
the NumPy runner and gets its numbers, never an error; the History says which ran.
"""

import numpy as np
import pytest

import mlplab
from mlplab.engine import activations, losses, optimizers
from mlplab.engine.activations import Activation
from mlplab.fast import lanes, tables
from mlplab.fast.epochs import numba

pytestmark = pytest.mark.skipif(numba is None, reason="numba is not installed")


def swish(z):
    return z * activations.sigmoid(z)


def swish_backward(z, a, grad_a):
    s = activations.sigmoid(z)
    return grad_a * (s + z * s * (1.0 - s))


SWISH = Activation("swish", swish, swish_backward)


def fit_both(hidden, output="sigmoid", loss="binary_crossentropy", optimizer="adam"):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    units = 2 if output == "softmax" else 1
    runs = []
    for engine in ("auto", "numpy"):
        model = mlplab.Sequential([mlplab.Dense(5, hidden, input_dim=2),
                                   mlplab.Dense(units, output)], random_state=0)
        model.compile(loss=loss, optimizer=optimizer)
        history = model.fit(X, y, epochs=4, batch_size=8, engine=engine)
        runs.append((model.get_weights(), history))
    return runs


def test_a_user_defined_activation_trains_with_the_default_engine_as_with_numpy():
    (auto_weights, auto), (numpy_weights, numpy) = fit_both(SWISH)
    assert auto.runner == "numpy" and "swish" in auto.runner_reason
    for a, b in zip(auto_weights, numpy_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert auto.history["loss"] == numpy.history["loss"]


def test_a_user_activation_named_like_a_built_in_one_is_not_compiled():
    impostor = Activation("relu", swish, swish_backward)
    (auto_weights, auto), (numpy_weights, _) = fit_both(impostor)
    assert auto.runner == "numpy"
    for a, b in zip(auto_weights, numpy_weights, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_every_registered_activation_trains_compiled_or_falls_back_with_numpy_s_numbers(name):
    activation = activations.ACTIVATIONS[name]
    if name == "softmax":  # only as an output, which the runner-equality tests cover
        (auto_weights, auto), (numpy_weights, _) = fit_both(
            "tanh", output="softmax", loss="categorical_crossentropy")
    else:
        (auto_weights, auto), (numpy_weights, _) = fit_both(activation)
    assert auto.runner == ("compiled" if activation in tables.ACTIVATION_CODES else "numpy")
    for a, b in zip(auto_weights, numpy_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_the_table_covers_the_registries_and_falls_back_for_the_rest():
    assert set(tables.ACTIVATION_CODES) == set(activations.ACTIVATIONS.values())
    assert set(tables.LOSS_CODES) == {type(loss) for loss in losses.LOSSES.values()}
    assert set(tables.OPTIMIZER_CODES) <= set(optimizers.OPTIMIZERS.values())
    assert sorted(tables.ACTIVATION_CODES.values()) == list(range(len(tables.ACTIVATION_CODES)))
    # numba freezes a global into its cache of that file: lanes.py keeps its own copy.
    assert lanes.SOFTMAX == tables.SOFTMAX


def test_an_optimizer_subclass_is_not_taken_for_its_parent():
    class Halved(optimizers.SGD):
        def update(self, index, w, g):
            w -= 0.5 * self.learning_rate * g

    (auto_weights, auto), (numpy_weights, _) = fit_both("tanh", optimizer=Halved(0.1))
    assert auto.runner == "numpy" and "Halved" in auto.runner_reason
    for a, b in zip(auto_weights, numpy_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_settings_reach_the_kernels_in_one_layout():
    adam = optimizers.Adam(learning_rate=0.003, beta_1=0.8, beta_2=0.99, epsilon=1e-6)
    sgd = optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    assert list(tables.settings(adam)) == [0.003, 0.0, 0.0, 0.8, 0.99, 1e-6]
    assert list(tables.settings(sgd)) == [0.1, 0.9, 1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("name, constant, value", [("leaky_relu", "LEAKY_RELU_SLOPE", 0.3),
                                                   ("elu", "ELU_ALPHA", 0.5)])
def test_the_kernels_take_the_engine_s_activation_constants(monkeypatch, name, constant,
                                                            value):
    default = fit_both(name)
    monkeypatch.setattr(activations, constant, value)
    (compiled_weights, compiled), (numpy_weights, _) = fit_both(name)
    assert compiled.runner == "compiled"
    for a, b in zip(compiled_weights, numpy_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert not np.allclose(compiled_weights[0], default[0][0][0])  # the constant mattered


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_every_registered_optimizer_trains_compiled_or_falls_back_with_numpy_s_numbers(name):
    config = {"name": name, "learning_rate": 0.01}
    (auto_weights, auto), (numpy_weights, _) = fit_both("tanh", optimizer=config)
    kind = optimizers.OPTIMIZERS[name]
    assert auto.runner == ("compiled" if kind in tables.OPTIMIZER_CODES else "numpy")
    for a, b in zip(auto_weights, numpy_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_keras_adam_is_not_taken_for_the_compiled_adam_it_subclasses():
    """KerasAdam is an Adam (and RMSprop's, Adagrad's Keras rules subclass theirs), but its
    epsilon enters elsewhere: the table, keyed by class, gives it a kernel code of its own,
    which trains to the NumPy runner's numbers and not to Adam's."""
    assert issubclass(optimizers.KerasAdam, optimizers.Adam)
    assert tables.OPTIMIZER_CODES[optimizers.KerasAdam] != tables.OPTIMIZER_CODES[
        optimizers.Adam]
    keras_adam = {"name": "keras_adam", "learning_rate": 0.01, "epsilon": 1e-3}
    (auto_weights, auto), (numpy_weights, _) = fit_both("tanh", optimizer=keras_adam)
    assert auto.runner == "compiled"
    for a, b in zip(auto_weights, numpy_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    (adam_weights, adam), _ = fit_both("tanh", optimizer={**keras_adam, "name": "adam"})
    assert adam.runner == "compiled"
    assert not np.allclose(adam_weights[0], auto_weights[0])  # a different rule ran
