"""Backprop against central differences for every activation x loss x optimizer."""

import numpy as np
import pytest

import mlplab
from mlplab.engine import activations, layers, optimizers

# Each loss with an output layer it can be fused with: (loss, output activation, units).
LOSS_SETUPS = [
    ("binary_crossentropy", "sigmoid", 1),
    ("categorical_crossentropy", "softmax", 3),
    ("mse", "linear", 2),
    ("mse", "sigmoid", 1),  # the seeds' MSE-on-sigmoid classifier
]


def make_data(units, loss, rng):
    X = rng.normal(size=(12, 3))
    if loss == "categorical_crossentropy":
        return X, rng.integers(0, units, 12)
    if loss == "binary_crossentropy" or units == 1:
        return X, rng.integers(0, 2, 12)
    return X, rng.normal(size=(12, units))


@pytest.mark.parametrize("optimizer", sorted(optimizers.OPTIMIZERS))
@pytest.mark.parametrize("loss,output,units", LOSS_SETUPS)
@pytest.mark.parametrize("hidden", sorted(activations.ACTIVATIONS))
def test_backprop_matches_finite_differences(hidden, loss, output, units, optimizer):
    rng = np.random.default_rng(5)
    X, y = make_data(units, loss, rng)
    model = mlplab.Sequential([
        mlplab.Dense(4, activation=hidden, input_dim=3, kernel_regularizer={"l2": 1e-3}),
        mlplab.Dense(3, activation=hidden, kernel_initializer="he_normal"),
        mlplab.Dense(units, activation=output),
    ], random_state=3)
    model.compile(loss=loss, optimizer=optimizer, learning_rate=0.01)
    # A few steps of the optimizer move the check away from the initial point.
    model.fit(X, y, epochs=3, batch_size=4)
    result = mlplab.gradcheck(model, X, y)
    assert result.passed(1e-6), str(result)
    assert len(result.checks) == 6


def test_a_wrong_gradient_is_caught(monkeypatch, rng):
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 2, 10)
    model = mlplab.Sequential.from_spec([2, 3, 1], activation="tanh", random_state=0)
    model.build().compile()
    # Break tanh's derivative (drop the square): the check must notice.
    broken = activations.Activation("tanh", np.tanh, lambda z, a, g: g * (1 - a))
    monkeypatch.setattr(model.layers[0], "activation", broken)
    result = mlplab.gradcheck(model, X, y)
    assert not result.passed(1e-6)
    assert result.checks[0].relative_error > 1e-3


def test_sample_weights_and_dropout_models_check_too(rng):
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 2, 10)
    model = mlplab.Sequential([mlplab.Dense(5, "elu", input_dim=2), layers.Dropout(0.5),
                               mlplab.Dense(1, "sigmoid")], random_state=1)
    model.build().compile()
    assert mlplab.gradcheck(model, X, y, sample_weight=rng.random(10)).passed(1e-6)


def test_float32_models_are_checked_in_float64(rng):
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, 8)
    model = mlplab.Sequential.from_spec([2, 4, 1], activation="tanh", random_state=0,
                                        dtype="float32")
    model.build().compile()
    result = mlplab.gradcheck(model, X, y)
    assert result.passed(1e-6)
    assert model.dtype == np.float32  # the model itself is untouched
    assert "worst relative error" in str(result)
