"""TrainingHealth: per-layer weights, gradients, activations, dead and saturated units."""

import numpy as np
import pytest

import mlplab
from mlplab import data
from mlplab.engine.health import TrainingHealth, dead_fraction
from mlplab.errors import InvalidInputError


def stack(widths, activation, seed=0, optimizer="adam"):
    model = mlplab.Sequential.from_spec(widths, activation=activation, random_state=seed)
    return model.compile(optimizer=optimizer)


@pytest.fixture(scope="module")
def moons():
    return data.moons(n_samples=300, noise=0.1, random_state=0)


def test_a_deep_sigmoid_stack_shows_vanishing_gradients(moons):
    X, y = moons
    health = TrainingHealth(X, y, every=5)
    history = stack([2] + [16] * 9 + [1], "sigmoid").fit(X, y, epochs=10, callbacks=[health])
    assert history.health is health and health.epochs == [0, 5, 10]
    norms = health.arrays()["gradient_norm"]  # (records, 10 layers)
    assert norms.shape == (3, 10)
    assert norms[0, 0] < 1e-3 * norms[0, -1]  # orders of magnitude, before training
    assert np.all(np.diff(np.log(norms[0, :])) > 0)  # smaller and smaller towards the input


def numerical_gradient_norms(model, X, y, step=1e-6):
    """Central differences of the batch loss, per Dense layer: an independent truth."""
    norms = []
    for layer in [layer for layer in model.layers if hasattr(layer, "kernel")]:
        squares = 0.0
        for array in (layer.kernel, layer.bias):
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + step
                up = model.evaluate(X, y)["loss"]
                array[index] = saved - step
                down = model.evaluate(X, y)["loss"]
                array[index] = saved
                squares += ((up - down) / (2 * step)) ** 2
        norms.append(np.sqrt(squares))
    return np.array(norms)


def test_recorded_gradient_norms_match_finite_differences(moons):
    X, y = moons
    model = stack([2, 3, 2, 1], "tanh")
    health = TrainingHealth(X, y, every=2, batch_size=40)
    model.fit(X, y, epochs=2, callbacks=[health])
    rows = np.unique(np.linspace(0, len(X) - 1, 40).astype(int))
    expected = numerical_gradient_norms(model, X[rows], y[rows])
    assert np.allclose(health.arrays()["gradient_norm"][-1], expected, rtol=1e-6)
    quantiles = health.arrays()["weights"][-1]  # (layers, 5)
    assert np.allclose(quantiles[0], np.quantile(model.layers[0].kernel, health.quantiles))


@pytest.mark.parametrize("engine", ["numpy", pytest.param("compiled", marks=pytest.mark.numba)])
def test_training_is_unchanged_and_both_runners_record_the_same(moons, engine):
    X, y = moons
    plain = stack([2, 6, 6, 1], "relu", optimizer="sgd")
    plain.fit(X, y, epochs=4, batch_size=16, engine=engine, random_state=1)
    watched = stack([2, 6, 6, 1], "relu", optimizer="sgd")
    health = TrainingHealth(X, y)
    history = watched.fit(X, y, epochs=4, batch_size=16, engine=engine, random_state=1,
                          callbacks=[health])
    assert history.runner == engine
    assert all(np.array_equal(a, b) for a, b in zip(plain.get_weights(),
                                                    watched.get_weights(), strict=True))
    reference = stack([2, 6, 6, 1], "relu", optimizer="sgd")
    other = TrainingHealth(X, y)
    reference.fit(X, y, epochs=4, batch_size=16, engine="numpy", random_state=1,
                  callbacks=[other])
    for key, values in health.arrays().items():
        assert np.allclose(values, other.arrays()[key], equal_nan=True, atol=1e-12), key


def test_dead_relus_and_saturated_sigmoids_are_counted(moons):
    X, y = moons
    model = stack([2, 8, 1], "relu")
    model.build(2)
    model.layers[0].bias[:3] = -100.0  # three units that output 0 everywhere
    health = TrainingHealth(X, y)
    model.fit(X, y, epochs=1, callbacks=[health])
    dead = health.arrays()["dead_fraction"]
    assert dead[0, 0] == 3 / 8 and np.isnan(dead[0, 1])  # the output layer is not counted
    assert dead_fraction("tanh", np.zeros((4, 2))) != dead_fraction("tanh", np.zeros((4, 2)))
    saturated = stack([2, 5, 1], "sigmoid")
    saturated.build(2)
    saturated.layers[0].kernel[...] = 50.0
    bias = saturated.layers[0].bias.copy()
    health = TrainingHealth(X, y, batch_size=100)
    saturated.fit(X, y, epochs=1, callbacks=[health])
    rows = np.unique(np.linspace(0, len(X) - 1, 100).astype(int))
    a = 1 / (1 + np.exp(-(X[rows] @ np.full((2, 5), 50.0) + bias)))
    assert health.arrays()["saturated_fraction"][0, 0] == pytest.approx(
        np.mean(a * (1 - a) < 0.0025))


def test_bad_arguments_and_nothing_recorded(moons):
    X, y = moons
    with pytest.raises(InvalidInputError, match=r"TrainingHealth\(every=0\): every must be"):
        TrainingHealth(X, y, every=0)
    with pytest.raises(InvalidInputError, match=r"quantiles=\(0.9, 0.1\)\): give ascending"):
        TrainingHealth(X, y, quantiles=(0.9, 0.1))
    with pytest.raises(InvalidInputError, match="recorded nothing yet"):
        TrainingHealth(X, y).arrays()


@pytest.mark.parametrize("make", ["lbfgs", "dropout"])
def test_lbfgs_and_dropout_train_as_without_it(moons, make):
    X, y = moons

    def model():
        if make == "lbfgs":
            return stack([2, 5, 1], "tanh", optimizer="lbfgs")
        layers = [mlplab.Dense(8, activation="relu", input_dim=2),
                  mlplab.engine.Dropout(0.3), mlplab.Dense(1, activation="sigmoid")]
        return mlplab.Sequential(layers, random_state=0).compile(optimizer="adam")

    plain, watched = model(), model()
    plain.fit(X, y, epochs=12)
    health = TrainingHealth(X, y, every=3)
    watched.fit(X, y, epochs=12, callbacks=[health])
    assert all(np.array_equal(a, b) for a, b in zip(plain.get_weights(),
                                                    watched.get_weights(), strict=True))
    assert len(health.layer_names) == 2 and health.epochs[0] == 0


def test_quantiles_are_numpys():
    from mlplab.engine.health import quantiles

    values = np.random.default_rng(0).normal(size=(37, 5))
    levels = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)
    assert np.allclose(quantiles(values, levels), np.quantile(values, levels), rtol=0,
                       atol=1e-15)
    assert np.allclose(quantiles(np.array([3.0]), (0.1, 0.9)), [3.0, 3.0])
