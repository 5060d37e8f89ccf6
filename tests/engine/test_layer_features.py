"""Activation layers, Input declarations, input_shape and layer names."""

import numpy as np
import pytest

import mlplab
from mlplab import Dense, Dropout
from mlplab.engine.layers import Activation, Input
from mlplab.errors import InvalidInputError, NotFittedError, SpecError


def xor_data(rng, n=64):
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def e3_pair(seed=0):
    """The reference workshop's E3 net written both ways."""
    layered = mlplab.Sequential([Dense(3, input_shape=[2]), Activation("tanh"), Dense(1),
                                 Activation("sigmoid")], random_state=seed)
    fused = mlplab.Sequential([Dense(3, activation="tanh", input_dim=2),
                               Dense(1, activation="sigmoid")], random_state=seed)
    return layered, fused


@pytest.mark.parametrize("engine", ["numpy", pytest.param("auto", marks=pytest.mark.numba)])
@pytest.mark.parametrize("batch_size", [1, 8, None])
def test_e3_written_with_activation_layers_trains_to_the_same_weights(rng, engine, batch_size):
    X, y = xor_data(rng)
    layered, fused = e3_pair()
    for model in (layered, fused):
        model.compile(loss="binary_crossentropy", optimizer={"name": "sgd", "learning_rate": 0.1})
    h1 = layered.fit(X, y, epochs=15, batch_size=batch_size, engine=engine)
    h2 = fused.fit(X, y, epochs=15, batch_size=batch_size, engine="numpy")
    for a, b in zip(layered.get_weights(), fused.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-12)
    if engine == "auto":  # the pair is compiled as one Dense layer
        assert h1.runner == "compiled", h1.runner_reason


def test_activation_layer_gradient_matches_finite_differences(rng):
    from numeric import central_differences  # isort: skip

    X, y = xor_data(rng, 16)
    model = mlplab.Sequential([Dense(4, input_dim=2), Activation("elu"), Dense(1),
                               Activation("sigmoid")], random_state=1)
    model.compile(loss="binary_crossentropy")
    X, Y, _ = model._prepare(X, y, None)
    model.loss_and_gradients(X, Y)
    analytic = np.concatenate([g.ravel() for g in model.gradients()])

    numeric = central_differences(lambda: model.loss_and_gradients(X, Y)[0],
                                  model.parameter_buffer)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_a_softmax_activation_layer_is_the_output_activation(rng):
    X = rng.normal(size=(30, 2))
    y = rng.integers(0, 3, 30)
    model = mlplab.Sequential([Input(shape=(2,)), Dense(5, activation="relu"), Dense(3),
                               Activation("softmax")], random_state=0)
    model.compile(loss="categorical_crossentropy")
    model.fit(X, y, epochs=3)
    assert model.output_activation.name == "softmax" and model.output_units == 3
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)


def test_input_declares_the_width_and_the_model_answers_before_fit():
    model = mlplab.Sequential([Input(shape=(2,)), Dense(8, activation="relu"), Dense(1)],
                              random_state=3)
    assert model.count_params() == 2 * 8 + 8 + 8 + 1
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(2, 8), (8,), (8, 1), (1,)]
    assert "33" in model.summary(print_fn=None)
    assert len(model.layers) == 2  # the Input is not a layer, as in Keras
    same = mlplab.Sequential([Dense(8, activation="relu", input_dim=2), Dense(1)],
                             random_state=3)
    for a, b in zip(weights, same.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_input_shape_on_the_first_layer_builds_on_demand():
    model = mlplab.Sequential(random_state=0)
    model.add(Dense(3, input_shape=(2,)))
    model.add(Activation("tanh"))
    model.add(Dense(1))
    assert model.count_params() == 13
    assert model.built


@pytest.mark.parametrize("shape", [(2, 3), (), 0, "2", (2.5,)])
def test_bad_input_shapes_say_the_shape_is_one_width(shape):
    with pytest.raises(InvalidInputError, match="one positive width"):
        Dense(3, input_shape=shape)
    with pytest.raises(InvalidInputError, match="one positive width"):
        Input(shape=shape)


def test_input_only_first():
    with pytest.raises(SpecError, match="an Input may only come first"):
        mlplab.Sequential([Dense(2, input_dim=2), Input(shape=(2,)), Dense(1)])


def test_count_params_of_a_model_without_a_declared_width_is_zero_until_built():
    model = mlplab.Sequential([Dense(3), Dense(1)])
    assert model.count_params() == 0 and not model.built


def test_layers_are_named_as_keras_names_them_and_found_by_name(rng):
    model = mlplab.Sequential([Dense(3, input_dim=2), Activation("tanh"), Dropout(0.1),
                               Dense(2, name="hidden"), Dense(1), Activation("sigmoid")])
    assert [layer.name for layer in model.layers] == [
        "dense", "activation", "dropout", "hidden", "dense_1", "activation_1"]
    hidden = model.get_layer("hidden")
    assert hidden is model.layers[3] and model.get_layer(index=-1).name == "activation_1"
    kernel, bias = hidden.get_weights()
    assert kernel.shape == (3, 2)
    hidden.set_weights([np.ones((3, 2)), np.zeros(2)])
    np.testing.assert_array_equal(model.get_weights()[2], np.ones((3, 2)))
    with pytest.raises(InvalidInputError, match="the kernel has shape"):
        hidden.set_weights([np.ones((2, 2)), np.zeros(2)])
    with pytest.raises(InvalidInputError, match=r"no such layer.*Did you mean 'hidden'"):
        model.get_layer("hiden")


def test_two_layers_of_one_name_are_refused():
    with pytest.raises(SpecError, match="two layers are named 'a'"):
        mlplab.Sequential([Dense(3, input_dim=2, name="a"), Dense(1, name="a")])


def test_names_and_activation_layers_survive_save_and_load(tmp_path, rng):
    X, y = xor_data(rng)
    model = mlplab.Sequential([Dense(3, input_dim=2, name="first"), Activation("tanh"),
                               Dense(1), Activation("sigmoid", name="out")], random_state=0)
    model.compile(loss="binary_crossentropy").fit(X, y, epochs=2)
    model.save(tmp_path / "m.npz")
    loaded = mlplab.load(tmp_path / "m.npz")
    assert [layer.name for layer in loaded.layers] == ["first", "activation", "dense", "out"]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_layer_dicts_take_activation_layers_and_names():
    model = mlplab.Sequential.from_spec([
        {"input_dim": 2, "output_dim": 3, "name": "h"}, {"type": "activation",
                                                          "activation": "tanh"},
        {"output_dim": 1}, {"type": "activation", "activation": "sigmoid"}])
    # A Dense right before an Activation layer is linear, whatever the default activation.
    assert [layer.activation.name for layer in model.layers] == [
        "linear", "tanh", "linear", "sigmoid"]
    assert model.layers[0].name == "h"


def test_set_weights_before_build_says_to_build():
    layer = Dense(3)
    with pytest.raises(NotFittedError, match="build the model first"):
        layer.set_weights([np.ones((2, 3)), np.zeros(3)])


def test_traces_and_pictures_see_the_activation_layer_as_the_dense_layers_activation(rng):
    X, y = xor_data(rng)
    layered, fused = e3_pair()
    for model in (layered, fused):
        model.compile(loss="binary_crossentropy").fit(X, y, epochs=3)
    fused.set_weights(layered.get_weights())
    t1, t2 = mlplab.trace(layered, X[0], y[0]), mlplab.trace(fused, X[0], y[0])
    assert [s.formula for s in t1.steps] == [s.formula for s in t2.steps]
    for name in t1.gradients:
        np.testing.assert_allclose(t1.gradients[name], t2.gradients[name], atol=1e-14)
