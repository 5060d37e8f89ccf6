"""Keras 3's leaky ReLU slopes: 0.2 for ``activations.leaky_relu`` and ``activation=
"leaky_relu"`` (keras/src/activations/activations.py), 0.3 for ``layers.LeakyReLU``
(keras/src/layers/activations/leaky_relu.py), while mlplab's own "leaky_relu" keeps 0.01;
the slope survives save and load, and a model with it trains on the NumPy runner."""

import numpy as np
import pytest

import mlplab
import mlplab.keras as keras
from mlplab.engine.layers import Dense as EngineDense
from mlplab.errors import MlplabError

X_DOC = np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]])  # the input of Keras' docstring examples


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(7)
    yield
    keras.backend.clear_session()


def slope_of(activation):
    """The slope an engine activation applies below 0, measured."""
    return float(activation.forward(np.array([[-1.0]]))[0, 0] / -1.0)


def test_keras_documented_values():
    np.testing.assert_allclose(keras.activations.leaky_relu(X_DOC), [[-2, -1, 0, 5, 10]])
    # keras.layers.LeakyReLU's docstring: negative_slope=0.5 gives [-5, -2.5, 0, 5, 10].
    np.testing.assert_allclose(keras.layers.LeakyReLU(negative_slope=0.5)(X_DOC),
                               [[-5, -2.5, 0, 5, 10]])
    np.testing.assert_allclose(keras.layers.LeakyReLU()(X_DOC), [[-3, -1.5, 0, 5, 10]])


def test_a_slope_of_our_own_is_torch_s():
    torch = pytest.importorskip("torch")  # a reference where installed (the bench extra)
    np.testing.assert_allclose(keras.activations.leaky_relu(X_DOC, negative_slope=0.1),
                               torch.nn.functional.leaky_relu(torch.tensor(X_DOC), 0.1))


@pytest.mark.parametrize("given, slope", [
    (lambda: keras.layers.Dense(2, activation="leaky_relu").activation, 0.2),
    (lambda: keras.layers.Dense(2, activation=keras.activations.leaky_relu).activation, 0.2),
    (lambda: keras.layers.Activation("leaky_relu").activation, 0.2),
    (lambda: keras.activations.get("leaky_relu"), 0.2),
    (lambda: keras.layers.LeakyReLU().activation, 0.3),
    (lambda: keras.layers.LeakyReLU(0.05).activation, 0.05),
    (lambda: keras.layers.ReLU(negative_slope=0.1).activation, 0.1),
    (lambda: keras.layers.ReLU().activation, 0.0),
    (lambda: EngineDense(2, activation="leaky_relu").activation, 0.01),  # mlplab's own
    (lambda: mlplab.Sequential.from_spec([2, 3, 1], activation="leaky_relu")
     .layers[0].activation, 0.01),
])
def test_each_way_of_asking_gets_its_slope(given, slope):
    assert slope_of(given()) == pytest.approx(slope, rel=1e-15)


def test_keras_2_alpha_is_taken_with_keras_warning():
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = keras.layers.LeakyReLU(alpha=0.1)
    assert slope_of(layer.activation) == pytest.approx(0.1)


@pytest.mark.parametrize("build", [lambda: keras.layers.LeakyReLU(negative_slope=-0.1),
                                   lambda: keras.layers.LeakyReLU(negative_slope=None),
                                   lambda: keras.layers.ReLU(max_value=6.0),
                                   lambda: keras.layers.ELU(alpha=0.5),
                                   lambda: keras.layers.Softmax(axis=0),
                                   lambda: keras.layers.LeakyReLU(units=3)])
def test_bad_arguments_are_refused_by_name(build):
    with pytest.raises(MlplabError):
        build()


def test_layer_names_and_summary_are_keras():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3),
                              keras.layers.LeakyReLU(), keras.layers.Dense(2),
                              keras.layers.ReLU(), keras.layers.Dense(2),
                              keras.layers.Softmax()])
    assert [layer.name for layer in model.layers] == ["dense", "leaky_re_lu", "dense_1",
                                                      "re_lu", "dense_2", "softmax"]
    lines = []
    model.summary(print_fn=lines.append)
    assert "leaky_re_lu (LeakyReLU)" in "".join(lines)


def keras_model():
    model = keras.Sequential([keras.Input(shape=(2,)),
                              keras.layers.Dense(4, activation="leaky_relu"),
                              keras.layers.Dense(3), keras.layers.LeakyReLU(negative_slope=0.1),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def data():
    x = np.random.default_rng(0).normal(size=(60, 2)) * 2
    return x, (x[:, 0] - x[:, 1] > 0).astype(int)


def test_save_and_load_keep_each_slope(tmp_path):
    x, y = data()
    model = keras_model()
    model.fit(x, y, epochs=3, verbose=0)
    model.save(tmp_path / "m.keras")
    for again in (keras.models.load_model(tmp_path / "m.keras"),
                  mlplab.load(tmp_path / "m.keras")):
        assert [layer.activation.name for layer in again.layers] == [
            "leaky_relu(0.2)", "linear", "leaky_relu(0.1)", "sigmoid"]
        assert slope_of(again.layers[2].activation) == pytest.approx(0.1, rel=1e-15)
        np.testing.assert_array_equal(again.predict(x), model.predict(x, verbose=0))


def test_the_slope_is_in_the_gradient():
    """The backward pass uses the layer's slope: backprop matches central differences
    (mlplab.gradcheck), which would not hold if backward took another slope."""
    x, y = data()
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3),
                              keras.layers.LeakyReLU(), keras.layers.Dense(1,
                                                                           activation="sigmoid")],
                             dtype="float64")
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    report = mlplab.gradcheck(model, x[:10], y[:10])
    assert report.max_relative_error < 1e-6


@pytest.mark.numba  # it reads the compiled runner's choice
def test_keras_slopes_train_on_the_numpy_runner_and_say_why():
    x, y = data()
    history = keras_model().fit(x, y, epochs=2, verbose=0)
    assert history.runner == "numpy"
    assert "'leaky_relu(0.2)' is not one of the engine's built-in" in history.runner_reason
    own = mlplab.Sequential.from_spec([2, 4, 1], activation="leaky_relu")
    own.compile(loss="binary_crossentropy", optimizer="adam")
    assert own.fit(x, y, epochs=2).runner == "compiled"  # mlplab's 0.01 stays compiled


def test_serialize_gives_keras_name_for_keras_slope():
    assert keras.activations.serialize("leaky_relu") == "leaky_relu"
    assert keras.activations.serialize(keras.activations.leaky_relu) == "leaky_relu"
    assert keras.activations.serialize(keras.layers.LeakyReLU(0.1)) == "leaky_relu(0.1)"
    assert keras.activations.get(keras.activations.serialize("leaky_relu")).name == \
        "leaky_relu(0.2)"  # and back
