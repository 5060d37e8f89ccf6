"""Parameters and optimizer state in flat arrays (engine/flat.py), made by the engine itself:
the layers' and the optimizer's arrays are views of them, whichever runner trains."""

import pickle

import numpy as np
import pytest

import mlplab
from mlplab.engine import flat

ENGINES = ["numpy", "auto"]


def model_and_data(optimizer="adam"):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="tanh", random_state=0)
    return model.compile(optimizer=optimizer), X, y


def test_views_and_flatten_round_trip():
    arrays = [np.arange(6.0).reshape(2, 3), np.array([7.0, 8.0]), np.ones((1, 1))]
    buffer, views = flat.flatten(arrays)
    assert buffer.shape == (9,) and flat.is_flat(buffer, views)
    for a, v in zip(arrays, views, strict=True):
        np.testing.assert_array_equal(a, v)
    views[1][0] = -1.0
    assert buffer[6] == -1.0
    assert not flat.is_flat(buffer, arrays)  # copies are not its views
    assert not flat.is_flat(buffer, views[::-1])
    assert not flat.is_flat(None, views)


def test_build_puts_every_parameter_in_one_buffer():
    model = mlplab.Sequential.from_spec([2, 4, 3, 1], random_state=0).build()
    assert model.parameter_buffer.size == model.count_params() == 2 * 4 + 4 + 4 * 3 + 3 + 3 + 1
    assert flat.is_flat(model.parameter_buffer, model.parameters())
    model.layers[1].bias[0] = 42.0
    assert 42.0 in model.parameter_buffer


@pytest.mark.parametrize("engine", ENGINES)
def test_fit_trains_the_model_s_own_arrays_on_every_runner(engine):
    # A student's reference to a kernel, a bias or a state array keeps showing the model's
    # current values after any fit: no runner swaps them for arrays of its own.
    model, X, y = model_and_data()
    kernel, bias = model.build(2).layers[0].kernel, model.layers[-1].bias
    before = kernel.copy()
    model.fit(X, y, epochs=3, batch_size=8, engine=engine)
    state = model.optimizer.state[(0, "m")]
    model.fit(X, y, epochs=2, batch_size=8, engine=engine)
    assert model.layers[0].kernel is kernel and model.layers[-1].bias is bias
    assert model.optimizer.state[(0, "m")] is state
    assert not np.array_equal(kernel, before)
    assert flat.is_flat(model.optimizer.buffers["m"],
                        [model.optimizer.state[(i, "m")] for i in range(6)])


@pytest.mark.parametrize("engine", ENGINES)
def test_replaced_or_unpickled_arrays_are_gathered_again(engine):
    model, X, y = model_and_data(mlplab.SGD(learning_rate=0.1, momentum=0.9))
    model.fit(X, y, epochs=2, engine=engine)
    copy = pickle.loads(pickle.dumps(model))
    copy.layers[0].kernel = copy.layers[0].kernel * 1.0  # a student's own array
    copy.layers[0].parameters[0] = copy.layers[0].kernel
    for trained in (model, copy):
        trained.fit(X, y, epochs=2, random_state=1, engine=engine)
        assert flat.is_flat(trained.parameter_buffer, trained.parameters())
    for a, b in zip(model.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(mlplab.engine.OPTIMIZERS))
def test_an_optimizer_s_declared_state_is_what_its_update_keeps(name):
    # Built state and the state a step creates by itself are the same names and values.
    model, X, y = model_and_data({"name": name, "learning_rate": 0.01})
    model.fit(X, y, epochs=2, engine="numpy")
    names = model.optimizer.state_names()
    assert {key[1] for key in model.optimizer.state} == set(names)
    lone = type(model.optimizer)(learning_rate=0.01)
    w, g = np.ones(3), np.full(3, 0.5)
    lone.iterations = 1
    lone.update(0, w, g)  # no build: slot() creates the state at its initial value
    assert {key[1] for key in lone.state} == set(names)
