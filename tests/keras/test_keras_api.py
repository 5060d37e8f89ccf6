"""mlplab.keras against Keras 3's behaviour, read from its source (keras/src/trainers,
callbacks, losses, metrics, utils/summary_utils.py) and worked by hand here."""

import contextlib
import io
import os

import numpy as np
import pandas as pd
import pytest

import mlplab
import mlplab.keras as keras
from mlplab.errors import InvalidInputError, MlplabError
from mlplab.keras import (
    activations,
    backend,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(12)  # every test's weights the same on every run
    yield
    keras.backend.clear_session()


@pytest.fixture
def xor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def printed(function, *args, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = function(*args, **kwargs)
    return result, out.getvalue()


def net(units=(8,), activation="tanh", output="sigmoid", outputs=1, inputs=2, **compile_args):
    model = keras.Sequential([keras.Input(shape=(inputs,))]
                             + [layers.Dense(u, activation=activation) for u in units]
                             + [layers.Dense(outputs, activation=output)])
    if compile_args:
        model.compile(**compile_args)
    return model


# -- it is an mlplab model -------------------------------------------------------------
def test_a_keras_model_is_an_mlplab_model(xor, tmp_path):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=3, verbose=0)
    assert isinstance(model, mlplab.Sequential) and model.dtype == np.float32
    assert mlplab.gradcheck(model, X[:20], y[:20]).max_relative_error < 1e-6
    assert "backward" in str(mlplab.trace(model, X[0], y[0])).lower()
    model.save(tmp_path / "m.keras")
    again = mlplab.load(tmp_path / "m.keras")  # mlplab's own loader reads it
    np.testing.assert_array_equal(again.predict(X), model.predict(X, verbose=0))
    import matplotlib

    matplotlib.use("Agg")
    axes = mlplab.viz.plot_decision_boundary(model, X, y)
    assert axes.figure.axes and axes.collections  # a filled boundary and the points


# -- names the namespace has, and those it leaves out ------------------------------------
def test_every_namespace_imports_as_keras_code_does():
    assert keras.layers is layers and keras.models.Sequential is keras.Sequential
    for module in (activations, backend, callbacks, initializers, layers, losses, metrics,
                   models, optimizers, regularizers, utils, optimizers.schedules):
        assert module.__doc__


@pytest.mark.parametrize(("get", "instead"), [
    (lambda: keras.layers.Conv2D, "flatten images first"),
    (lambda: keras.layers.LSTM, "feed-forward nets only"),
    (lambda: keras.Model, "Sequential models only"),
    (lambda: keras.models.Model, "Sequential models only"),
    (lambda: keras.layers.BatchNormalization, "standardize"),
    (lambda: keras.optimizers.AdamW, "SGD, Adam, RMSprop and Adagrad"),
    (lambda: keras.losses.Huber, "binary_crossentropy"),
    (lambda: keras.metrics.F1Score, "AUC, Precision, Recall"),
    (lambda: keras.callbacks.TensorBoard, "plot_history"),
    (lambda: keras.utils.plot_model, "mlplab.viz"),
    (lambda: layers.Dense(4, activation="swish"), "its activations are linear, sigmoid"),
    (lambda: __import__("mlplab.keras.tf", fromlist=["tf"]).GradientTape, "model.fit"),
])
def test_what_mlplab_leaves_out_says_so_and_what_to_use(get, instead):
    with pytest.raises(keras.NotProvidedError, match="mlplab.keras does not provide it") as err:
        get()
    assert instead in str(err.value) and isinstance(err.value, MlplabError)


def test_importing_a_left_out_name_shows_the_reason_not_an_import_error():
    with pytest.raises(keras.NotProvidedError, match="Conv2D.*flatten"):
        from mlplab.keras.layers import Conv2D  # noqa: F401


def test_a_misspelt_name_suggests_the_right_one():
    with pytest.raises(keras.KerasNameError, match="Did you mean 'Dense'"):
        keras.layers.Dens  # noqa: B018
    assert not hasattr(keras.layers, "no_such_thing")  # still an AttributeError


@pytest.mark.parametrize("build", [
    lambda: layers.Dense(4, activation="swish"),
    lambda: layers.Dense(4, kernel_constraint="max_norm"),
    lambda: layers.Dense(4, trainable=False),
    lambda: layers.Dropout(0.5, seed=3),
    lambda: optimizers.Adam(weight_decay=1e-4),
    lambda: optimizers.SGD(weight_decay=1e-4),
    lambda: optimizers.RMSprop(use_ema=True),
    lambda: optimizers.Adam(amsgrad="yes"),
    lambda: losses.BinaryCrossentropy(label_smoothing=1.5),
    lambda: initializers.RandomNormal(seed=1),
    lambda: metrics.AUC(curve="PR"),
    lambda: callbacks.ModelCheckpoint("model.npz"),
    lambda: callbacks.ModelCheckpoint("w.keras", save_weights_only=True),
])
def test_keras_options_mlplab_lacks_are_refused_by_name(build):
    with pytest.raises(MlplabError):
        build()


# -- layers and models ---------------------------------------------------------------------
def test_layers_are_named_across_the_session_until_clear_session():
    first = keras.Sequential([layers.Dense(2), layers.Activation("relu"), layers.Dense(1)])
    second = keras.Sequential([layers.Dense(2)])
    assert [layer.name for layer in first.layers] == ["dense", "activation", "dense_1"]
    assert second.layers[0].name == "dense_2"
    assert (first.name, second.name) == ("sequential", "sequential_1")
    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense" and keras.Sequential().name == "sequential"


def test_input_forms_and_weights_before_any_data():
    by_input = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(1)])
    by_shape = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(1)])
    by_dim = keras.Sequential([layers.Dense(4, input_dim=3), layers.Dense(1)])
    by_layer = keras.Sequential([layers.InputLayer(shape=(3,)), layers.Dense(4),
                                 layers.Dense(1)])
    for model in (by_input, by_shape, by_dim, by_layer):
        assert model.count_params() == 3 * 4 + 4 + 4 + 1 and len(model.weights) == 4
        assert model.input_shape == (None, 3) and model.output_shape == (None, 1)
    unbuilt = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    assert unbuilt.weights == [] and unbuilt.layers[0].weights == []
    outputs = unbuilt(np.ones((5, 3)))  # calling it builds it, as Keras
    assert outputs.shape == (5, 1) and len(unbuilt.weights) == 4


def test_get_layer_weights_pop_and_no_bias():
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3, name="hidden"),
                              layers.Dense(1, use_bias=False, name="out")])
    assert model.count_params() == 2 * 3 + 3 + 3  # Keras counts no bias where there is none
    kernel, bias = model.get_layer("hidden").get_weights()
    model.get_layer("hidden").set_weights([np.ones_like(kernel), np.zeros_like(bias)])
    np.testing.assert_array_equal(model.get_weights()[0], np.ones((2, 3)))
    assert model.get_layer(index=1).count_params() == 3
    assert model.pop().name == "out" and len(model.layers) == 1


def test_a_layer_called_on_an_array_builds_and_applies_itself():
    layer = layers.Dense(3, activation="relu", kernel_initializer="ones")
    assert layer.weights == []
    with pytest.raises(AttributeError, match="not built yet"):  # as Keras, an AttributeError
        layer.kernel  # noqa: B018
    out = layer(np.array([[1.0, -2.0, 4.0, 0.5]]))
    assert [w.shape for w in layer.weights] == [(4, 3), (3,)]
    np.testing.assert_allclose(out, [[3.5, 3.5, 3.5]])
    with pytest.raises(keras.NotProvidedError, match="functional API"):
        layers.Dense(3)(keras.Input(shape=(2,)))


def test_initializers_regularizers_and_activations_by_keras_names():
    assert initializers.get("GlorotUniform") == initializers.get("glorot_uniform")
    assert layers.Dense(2, kernel_initializer=initializers.HeNormal).kernel_initializer == \
        initializers.HeNormal()
    assert initializers.RandomNormal(stddev=0.1) == mlplab.engine.initializers.Normal(0.1)
    assert regularizers.l1_l2() == regularizers.L1L2(0.01, 0.01)  # Keras: 0.01 each
    assert regularizers.L1L2() == regularizers.L1L2(0.0, 0.0)
    layer = layers.Dense(2, activation=activations.relu, kernel_regularizer=regularizers.L2(0.5))
    assert layer.activation.name == "relu" and layer.kernel_regularizer.l2 == 0.5
    np.testing.assert_allclose(activations.sigmoid(np.array([0.0])), [0.5])


# -- seeds --------------------------------------------------------------------------------
def fitted_numbers(xor, seed):
    keras.backend.clear_session()
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = net(units=(4,), optimizer="adam", loss="binary_crossentropy")
    history = model.fit(*xor, epochs=3, verbose=0)
    return model.get_weights()[0], history.history["loss"]


def test_set_random_seed_makes_a_notebook_repeat_itself(xor):
    weights, loss = fitted_numbers(xor, 7)
    again_weights, again_loss = fitted_numbers(xor, 7)
    np.testing.assert_array_equal(weights, again_weights)
    assert loss == again_loss
    assert not np.array_equal(weights, fitted_numbers(xor, 8)[0])
    assert not np.array_equal(fitted_numbers(xor, None)[0], fitted_numbers(xor, None)[0])
    keras.utils.set_random_seed(3)
    assert np.random.rand() == np.random.RandomState(3).rand()  # noqa: NPY002 - global seed


def test_models_built_one_after_another_in_a_seeded_session_differ():
    keras.utils.set_random_seed(0)
    a, b = net(), net()
    assert not np.array_equal(a.get_weights()[0], b.get_weights()[0])


def test_the_tf_corner_seeds_and_is_keras():
    import mlplab.keras.tf as tf

    assert tf.keras is keras
    tf.set_random_seed(5)
    first = net().get_weights()[0]
    tf.keras.backend.clear_session()
    tf.random.set_seed(5)
    np.testing.assert_array_equal(first, net().get_weights()[0])


# -- compile: optimizers, losses, metrics ------------------------------------------------------
def test_optimizers_have_keras_defaults():
    assert optimizers.SGD().learning_rate == 0.01 and optimizers.SGD().momentum == 0.0
    assert optimizers.Adam().learning_rate == 0.001 and optimizers.Adam().epsilon == 1e-7
    assert optimizers.RMSprop().learning_rate == 0.001 and optimizers.RMSprop().rho == 0.9
    assert optimizers.Adagrad().learning_rate == 0.001  # mlplab's own default is 0.01
    assert optimizers.get("Adagrad").learning_rate == 0.001
    model = net(loss="mse")  # Keras' default optimizer is RMSprop
    assert isinstance(model.optimizer, mlplab.RMSprop)
    clipped = optimizers.SGD(clipnorm=1.0, learning_rate=optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=10, decay_rate=0.5))
    assert clipped.clipnorm == 1.0 and clipped.rate_at(10) == pytest.approx(0.05)
    assert optimizers.get({"class_name": "SGD", "config": {"momentum": 0.9}}).momentum == 0.9


@pytest.mark.parametrize(("name", "engine_name"), [
    ("binary_crossentropy", "binary_crossentropy"), ("bce", "binary_crossentropy"),
    ("BinaryCrossentropy", "binary_crossentropy"),
    ("categorical_crossentropy", "categorical_crossentropy"),
    ("sparse_categorical_crossentropy", "categorical_crossentropy"),
    ("mean_squared_error", "mse"), ("mse", "mse"), ("MSE", "mse"),
    ("mean_absolute_error", "mae"), ("mae", "mae"), ("MAE", "mae")])
def test_losses_by_every_keras_name(name, engine_name):
    assert losses.get(name).name == engine_name


def test_a_cross_entropy_on_logits_points_to_from_logits():
    with pytest.raises(InvalidInputError, match=r"BinaryCrossentropy\(from_logits=True\)"):
        net(output=None, optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(InvalidInputError, match=r"CategoricalCrossentropy\(from_logits"):
        net(output=None, outputs=3, optimizer="adam", loss="sparse_categorical_crossentropy")


def test_a_python_loss_function_is_refused_with_the_reason():
    with pytest.raises(keras.NotProvidedError, match="needs each loss's gradient"):
        net().compile(optimizer="adam", loss=lambda y_true, y_pred: 0.0)

    class CustomMSE(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return 0.0

    with pytest.raises(keras.NotProvidedError, match="Loss subclass"):
        net().compile(optimizer="adam", loss=CustomMSE())


def test_mean_absolute_error_by_hand_and_by_finite_differences():
    # Outputs 0.5 and 2.0 against 1 and 1: |0.5 - 1| and |2 - 1| average to 0.75.
    model = keras.Sequential([layers.Dense(1, input_dim=1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mae")
    X, y = np.array([[0.5], [2.0]]), np.array([1.0, 1.0])
    assert model.evaluate(X, y, verbose=0) == pytest.approx(0.75)
    rng = np.random.default_rng(1)
    deep = net(units=(3,), output=None, optimizer="sgd", loss=losses.MeanAbsoluteError())
    # An odd number of rows: the output bias's gradient, the mean of the residuals' signs,
    # is then never exactly 0 (where a relative error is meaningless).
    X = rng.normal(size=(31, 2))
    assert mlplab.gradcheck(deep, X, rng.normal(size=31)).max_relative_error < 1e-5


@pytest.mark.parametrize(("make", "outputs", "output", "labels"), [
    (losses.BinaryCrossentropy, 1, "sigmoid", lambda y: y),
    (losses.CategoricalCrossentropy, 3, "softmax", lambda y: np.eye(3)[y]),
    (losses.SparseCategoricalCrossentropy, 3, "softmax", lambda y: y)])
def test_from_logits_is_the_same_loss_on_a_linear_output(make, outputs, output, labels):
    # A linear last layer with from_logits=True is the activated layer with the plain loss:
    # the same loss, the same gradients, and predict gives the logits.
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, outputs if outputs > 1 else 2, size=40)
    on_logits = net(units=(4,), output=None, outputs=outputs, optimizer="sgd",
                    loss=make(from_logits=True))
    activated = net(units=(4,), output=output, outputs=outputs, optimizer="sgd", loss=make())
    activated.set_weights(on_logits.get_weights())
    assert on_logits.evaluate(X, labels(y), verbose=0) == pytest.approx(
        activated.evaluate(X, labels(y), verbose=0), rel=1e-6)
    np.testing.assert_allclose(on_logits.predict(X, verbose=0),
                               activated.predict_logits(X), rtol=1e-6)
    check = mlplab.gradcheck(on_logits, X, labels(y))
    assert check.max_relative_error < 1e-5
    with pytest.raises(InvalidInputError, match="must give the logits"):
        net(output=output, outputs=outputs, optimizer="sgd", loss=make(from_logits=True))


def test_metric_names_are_logged_as_given(xor):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy",
                metrics=["acc", "mse", metrics.MeanSquaredError(), metrics.AUC(),
                         metrics.BinaryAccuracy(name="hits", threshold=0.6),
                         metrics.Precision(), "recall"])
    history = model.fit(X, y, epochs=2, verbose=0, validation_split=0.2)
    names = ["acc", "mse", "mean_squared_error", "auc", "hits", "precision", "recall"]
    assert list(history.history) == sorted(names + ["loss"]
                                           + [f"val_{k}" for k in names + ["loss"]])
    assert model.metrics_names == ["loss", *names]


def test_accuracy_is_chosen_by_the_output_width_as_keras_does():
    # Two sigmoid outputs: Keras' "accuracy" is then categorical (argmax) accuracy, not the
    # element-wise binary accuracy. Row 1: argmax right, one element wrong (0.6 vs 0).
    outputs = np.array([[0.9, 0.6], [0.2, 0.7]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    name, accuracy = metrics.resolve("accuracy", 2)
    assert (name, accuracy(outputs, Y, None)) == ("accuracy", 1.0)
    assert metrics.resolve("binary_accuracy", 2)[1](outputs, Y, None) == 0.75
    assert metrics.resolve("acc", 1)[1] is mlplab.engine.metrics.binary_accuracy


def test_a_metric_function_and_the_standalone_metric_objects():
    def error_rate(y_true, y_pred):
        return np.abs(y_true - (y_pred > 0.5))

    assert metrics.resolve(error_rate, 1)[0] == "error_rate"
    accuracy = metrics.SparseCategoricalAccuracy()
    accuracy.update_state([0, 1], [[0.9, 0.1], [0.8, 0.2]])
    accuracy.update_state([1], [[0.3, 0.7]])
    assert accuracy.result() == pytest.approx(2 / 3)
    accuracy.reset_state()
    assert accuracy.result() == 0.0
    assert metrics.BinaryAccuracy()([1, 0, 1], [[0.7], [0.2], [0.4]]) == pytest.approx(2 / 3)


# -- fit, evaluate, predict --------------------------------------------------------------------
def test_evaluate_returns_what_keras_returns():
    # One sigmoid unit with w = 0, b = 0: p = 0.5 for every row, so the binary
    # cross-entropy is log 2 and accuracy (p > 0.5 is class 0) the share of label 0.
    model = keras.Sequential([layers.Dense(1, input_dim=2, activation="sigmoid",
                                           kernel_initializer="zeros")])
    X, y = np.ones((4, 2)), np.array([0, 0, 0, 1])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    assert model.evaluate(X, y, verbose=0) == pytest.approx(np.log(2))  # a scalar
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(X, y, verbose=0)
    assert (loss, accuracy) == (pytest.approx(np.log(2)), 0.75)
    scores = model.evaluate(X, y, verbose=0, return_dict=True)
    assert scores == {"loss": pytest.approx(np.log(2)), "accuracy": 0.75}
    line = printed(model.evaluate, X, y)[1]  # verbose="auto" prints Keras' line
    assert line.startswith("1/1 ") and line.strip().endswith("accuracy: 0.7500 - loss: 0.6931")


def test_predict_is_float32_and_prints_only_when_asked():
    model = net(outputs=3, output="softmax")
    outputs, line = printed(model.predict, np.zeros((70, 2)), verbose=1)
    assert outputs.shape == (70, 3) and outputs.dtype == np.float32
    assert line.startswith("3/3 ")  # ceil(70 / 32) steps
    # Keras prints by default; mlplab's pictures call predict, so "auto" is quiet here.
    assert printed(model.predict, np.zeros((70, 2)))[1] == ""
    np.testing.assert_allclose(outputs.sum(axis=1), 1.0, rtol=1e-6)


def test_fit_defaults_history_and_printing(xor):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history, out = printed(model.fit, X, y, epochs=3)
    assert history.params == {"verbose": 1, "epochs": 3, "steps": 7}  # batch 32: 7 steps
    assert history.epoch == [0, 1, 2] and model.history is history
    assert list(pd.DataFrame(history.history).columns) == ["accuracy", "loss"]
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/3" and lines[1].startswith("7/7 \u2501")
    assert " - accuracy: " in lines[1] and " - loss: " in lines[1]
    two = printed(model.fit, X, y, epochs=2, verbose=2)[1].splitlines()
    # Keras' ProgbarLogger prints the epoch's number for verbose=2 too, then a bare line
    assert two[0::2] == ["Epoch 1/2", "Epoch 2/2"] and two[1].startswith("7/7 - ")
    assert len(two) == 4
    assert printed(model.fit, X, y, epochs=2, verbose=0)[1] == ""


def test_validation_split_holds_out_the_last_rows_as_keras(xor):
    X, y = xor
    model = net(optimizer="sgd", loss="binary_crossentropy")
    history = model.fit(X, y, epochs=1, verbose=0, validation_split=0.25, shuffle=False)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(X[150:], y[150:], verbose=0), rel=1e-6)
    assert history.params["steps"] == 5  # 150 training rows, 32 per batch
    with pytest.raises(InvalidInputError, match="no training or no validation rows"):
        model.fit(X[:3], y[:3], validation_split=0.7, verbose=0)
    given = callbacks.History()
    assert model.fit(X, y, epochs=2, verbose=0, callbacks=[given]) is given
    assert given.epoch == [0, 1]


def test_initial_epoch_and_class_weight_and_sample_weight(xor):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(X, y, epochs=5, initial_epoch=3, verbose=0,
                        class_weight={0: 1.0, 1: 2.0})
    assert history.epoch == [3, 4]
    model.fit(X, y, epochs=1, verbose=0, sample_weight=np.ones(len(y)))
    with pytest.raises(InvalidInputError, match="as in Keras, give one of them"):
        model.fit(X, y, verbose=0, class_weight={0: 1.0, 1: 2.0}, sample_weight=np.ones(len(y)))
    weights = model.get_weights()
    nothing = model.fit(X, y, epochs=5, initial_epoch=5, verbose=0)  # Keras: no epoch runs
    assert nothing.epoch == [] and nothing.history == {} and nothing.params["epochs"] == 5
    np.testing.assert_array_equal(model.get_weights()[0], weights[0])


def test_fit_without_a_loss_asks_for_one(xor):
    model = net(optimizer="adam")
    with pytest.raises(InvalidInputError, match="compiled without a loss"):
        model.fit(*xor, verbose=0)


# -- summary ---------------------------------------------------------------------------------
SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 8)              │            24 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 1)              │             9 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 33 (132.00 B)
 Trainable params: 33 (132.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def test_summary_is_keras_table_before_any_fit(xor):
    model = net()
    text = []
    model.summary(line_length=76, print_fn=text.append)
    assert text == [SUMMARY]
    # After training Keras adds the optimizer's variables: Adam's iterations (int64, 8 B),
    # learning rate and two moments per weight (float32): 1 + 1 + 66 = 68, 8 + 67 * 4 B.
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(*xor, epochs=1, verbose=0)
    text = []
    model.summary(line_length=76, print_fn=text.append)
    assert " Total params: 101 (408.00 B)\n" in text[0]
    assert text[0].endswith(" Optimizer params: 68 (276.00 B)\n")


def test_summary_of_an_unbuilt_model_shows_what_keras_shows():
    model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    text = []
    model.summary(line_length=76, print_fn=text.append)
    assert "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │" in text[0]
    assert " Total params: 0 (0.00 B)" in text[0]


# -- callbacks ----------------------------------------------------------------------------------
def test_a_keras_style_callback_is_called_as_keras_calls_it(xor):
    X, y = xor

    class Recorder(callbacks.Callback):
        def on_train_begin(self, logs):  # logs required, as Keras passes them
            self.calls, self.batches = [("train_begin", logs)], []

        def on_epoch_begin(self, epoch, logs=None):
            self.calls.append(("epoch_begin", epoch))

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append(("epoch_end", epoch, sorted(logs)))

        def on_batch_end(self, batch, logs):
            self.batches.append((batch, logs["loss"]))

    recorder = Recorder()
    model = net(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=2, batch_size=120, verbose=0, callbacks=[recorder])
    assert recorder.calls == [("train_begin", {}), ("epoch_begin", 0),
                              ("epoch_end", 0, ["accuracy", "loss"]), ("epoch_begin", 1),
                              ("epoch_end", 1, ["accuracy", "loss"])]
    assert [batch for batch, _ in recorder.batches] == [0, 1, 0, 1]
    assert recorder.params == {"verbose": 0, "epochs": 2, "steps": 2}
    # the epoch's loss so far after each batch, batches weighed by their rows (120, 80), as
    # Keras' running mean: after the last batch it is the epoch's loss
    first, second = recorder.batches[0][1], recorder.batches[1][1]
    assert model.history.history["loss"][0] == pytest.approx(second, rel=1e-6)
    assert first != second


def test_early_stopping_stops_at_keras_epoch_in_fit(xor):
    X, y = xor
    # A loss that cannot improve by 1e9: Keras stops after patience epochs, at epoch 3.
    stopper = callbacks.EarlyStopping(monitor="loss", patience=3, min_delta=1e9, verbose=1)
    model = net(optimizer="sgd", loss="binary_crossentropy")
    history, out = printed(model.fit, X, y, epochs=20, verbose=0, callbacks=[stopper])
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3
    assert out == "Epoch 4: early stopping\n"


def test_model_checkpoint_fills_in_the_path_and_keeps_the_best(xor, tmp_path):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    every = callbacks.ModelCheckpoint(str(tmp_path / "ck" / "m-{epoch:02d}-{val_loss:.2f}.keras"))
    best = callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="val_accuracy",
                                     save_best_only=True)
    weights = callbacks.ModelCheckpoint(tmp_path / "w.weights.h5", save_weights_only=True)
    history = model.fit(X, y, epochs=3, verbose=0, validation_split=0.2,
                        callbacks=[every, best, weights])
    names = sorted(os.listdir(tmp_path / "ck"))  # the folder is made, as Keras does
    assert names == [f"m-{e + 1:02d}-{v:.2f}.keras"
                     for e, v in enumerate(history.history["val_loss"])]
    restored = keras.models.load_model(tmp_path / "best.keras")
    assert isinstance(restored, keras.Sequential) and restored.metrics_names == [
        "loss", "accuracy"]
    fresh = net()
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(fresh.predict(X, verbose=0), model.predict(X, verbose=0))


def test_csv_logger_writes_what_keras_writes(xor, tmp_path):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=2, verbose=0,
                        callbacks=[callbacks.CSVLogger(tmp_path / "log.csv")])
    table = pd.read_csv(tmp_path / "log.csv")
    # No validation: Keras adds val_ columns anyway, filled with NA.
    assert list(table.columns) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert table["epoch"].tolist() == [0, 1] and table["val_loss"].isna().all()
    np.testing.assert_allclose(table["loss"], history.history["loss"])


def test_rate_callbacks_log_learning_rate_as_keras_3(xor):
    X, y = xor
    model = net(optimizer=optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    history = model.fit(X, y, epochs=3, verbose=0, callbacks=[
        callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])
    assert "lr" not in history.history
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=1e9, factor=0.5)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[plateau])
    # Keras' rule: the first epoch always improves on the initial best (inf); the second
    # cannot improve by 1e9, and with patience 0 the rate is halved at its end.
    assert model.history.history["learning_rate"] == pytest.approx([0.0125, 0.00625])


def test_terminate_on_nan_and_lambda_callback(xor):
    X, y = xor
    seen = []
    model = net(optimizer="adam", loss="binary_crossentropy")
    model.fit(X, y, epochs=2, verbose=0, callbacks=[
        callbacks.TerminateOnNaN(),
        callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))])
    assert seen == [0, 1]


# -- files ------------------------------------------------------------------------------------
def test_save_and_load_model_with_the_keras_suffix(xor, tmp_path):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy", metrics=["auc"])
    model.fit(X, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").exists() and not (tmp_path / "m.keras.npz").exists()
    loaded = models.load_model(tmp_path / "m.keras")
    assert loaded.evaluate(X, y, verbose=0) == model.evaluate(X, y, verbose=0)
    loaded.fit(X, y, epochs=1, verbose=0)  # compiled as saved
    with pytest.raises(InvalidInputError, match="must end in .keras or .h5"):
        model.save(tmp_path / "m.npz")
    with pytest.raises(InvalidInputError, match="the file exists"):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_to_categorical():
    np.testing.assert_array_equal(utils.to_categorical([0, 2, 1]), np.eye(3)[[0, 2, 1]])
    assert utils.to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    with pytest.raises(InvalidInputError, match="class indices"):
        utils.to_categorical([0.5])


@pytest.mark.parametrize(("steps", "seconds", "logs", "bar", "line"), [
    (7, 0.021, {"accuracy": 0.5, "loss": 0.0005}, True,
     "7/7 \u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501"
     "\u2501\u2501\u2501\u2501\u2501\u2501 0s 3ms/step - accuracy: 0.5000 - loss: 5.0000e-04"),
    (7, 0.021, {"accuracy": 0.5, "loss": -0.5}, False,
     "7/7 - 0s - 3ms/step - accuracy: 0.5000 - loss: -5.0000e-01"),
    (7, 14.0, {}, False, "7/7 - 14s - 2s/step"),
    (100, 0.0012, {"loss": 0.25}, False, "100/100 - 0s - 12us/step - loss: 0.2500"),
])
def test_progress_lines_are_keras_progbar_lines(steps, seconds, logs, bar, line):
    # keras/src/utils/progbar.py: verbose=1 "n/n bar Ts time/step", verbose=2
    # "n/n - Ts - time/step"; 4 decimals above 1e-3 (verbose=2: the value, not its size).
    assert callbacks.progress_line(steps, seconds, logs, bar=bar) == line


def test_model_checkpoint_says_what_it_does_as_keras(xor, tmp_path):
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy")
    checkpoint = callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="loss",
                                           save_best_only=True, verbose=1)
    history, out = printed(model.fit, X, y, epochs=2, verbose=0, callbacks=[checkpoint])
    first = history.history["loss"][0]
    assert out.startswith(f"\nEpoch 1: loss improved from None to {first:.5f}, saving model "
                          f"to {tmp_path / 'best.keras'}\n")


NAMESPACES = ["mlplab.keras", "mlplab.keras.layers", "mlplab.keras.models",
              "mlplab.keras.optimizers", "mlplab.keras.optimizers.schedules",
              "mlplab.keras.losses", "mlplab.keras.metrics", "mlplab.keras.callbacks",
              "mlplab.keras.regularizers", "mlplab.keras.initializers",
              "mlplab.keras.activations", "mlplab.keras.utils", "mlplab.keras.backend",
              "mlplab.keras.tf"]


@pytest.mark.parametrize("module_name", NAMESPACES)
def test_every_public_callable_has_a_docstring(module_name):
    import importlib

    module = importlib.import_module(module_name)
    assert module.__doc__
    for name, value in vars(module).items():
        if (not name.startswith("_") and callable(value)
                and getattr(value, "__module__", "").startswith("mlplab.keras")):
            assert (value.__doc__ or "").strip(), f"{module_name}.{name} has no docstring"


def test_one_sgd_step_by_hand():
    # One sigmoid unit, kernel [1, 1], bias 0, one sample x = [1, 2], y = 0: z = 3,
    # p = sigmoid(3); binary cross-entropy's gradient is (p - y) x for the kernel and
    # p - y for the bias, and SGD(0.1) steps against it.
    model = keras.Sequential([layers.Dense(1, input_dim=2, activation="sigmoid",
                                           kernel_initializer="ones")])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    x, y = np.array([[1.0, 2.0]]), np.array([0])
    history = model.fit(x, y, epochs=1, verbose=0)
    p = 1 / (1 + np.exp(-3.0))
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [1 - 0.1 * p * 1, 1 - 0.1 * p * 2], rtol=1e-6)
    np.testing.assert_allclose(bias, [-0.1 * p], rtol=1e-6)
    assert history.history["loss"] == [pytest.approx(-np.log(1 - p), rel=1e-6)]
    import mlplab.keras.tf as tf

    assert "mlplab" in tf.__version__


def test_importing_the_dialect_loads_no_plotting_or_scikit_learn():
    import subprocess
    import sys

    code = ("import sys, mlplab.keras, mlplab.keras.tf; print(sorted(m for m in ('matplotlib', "
            "'sklearn', 'rich', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_keras_adam_rule_is_available_by_hand():
    # Keras 3's Adam (keras/src/optimizers/adam.py) at its first step: m = 0.1 g,
    # v = 0.001 g**2, alpha = lr sqrt(1 - 0.999) / (1 - 0.9), w -= alpha m / (sqrt(v) + eps).
    from mlplab.engine.optimizers import ScikitLearnAdam

    model = keras.Sequential([layers.Dense(1, input_dim=2, activation="sigmoid",
                                           kernel_initializer="ones")])
    model.compile(optimizer=ScikitLearnAdam(learning_rate=0.1, epsilon=1e-7),
                  loss="binary_crossentropy")
    model.fit(np.array([[1.0, 2.0]]), np.array([0]), epochs=1, verbose=0)
    p = 1 / (1 + np.exp(-3.0))
    g = np.array([p * 1.0, p * 2.0, p])  # kernel, then bias
    m, v = 0.1 * g, 0.001 * g**2
    alpha = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = np.array([1.0, 1.0, 0.0]) - alpha * m / (np.sqrt(v) + 1e-7)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose([*kernel[:, 0], *bias], expected, rtol=1e-6)


def test_validation_freq_validates_on_keras_epochs(xor):
    # Keras' _should_eval: an int n validates after epochs n, 2n, ... (counted from 1); a
    # list names those epochs. History then has val_ entries for those epochs only.
    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy")
    seen = []
    watch = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
        "val_loss" in logs))
    model.fit(X, y, epochs=6, verbose=0, validation_split=0.2, validation_freq=3,
              validation_batch_size=64, callbacks=[watch])
    assert seen == [False, False, True, False, False, True]
    assert len(model.history.history["val_loss"]) == 2
    seen.clear()
    model.fit(X, y, epochs=4, verbose=0, validation_data=(X, y), validation_freq=[1, 4],
              callbacks=[watch])
    assert seen == [True, False, False, True]


def test_clone_model_has_the_architecture_and_fresh_weights():
    model = net(units=(5,))
    clone = models.clone_model(model)
    assert isinstance(clone, keras.Sequential) and clone.count_params() == model.count_params()
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])


def test_label_smoothing_as_keras_with_the_metrics_on_the_labels(xor, tmp_path):
    # Keras: binary targets y (1 - s) + s / 2. One sigmoid unit with w = 0, b = 0 gives
    # p = 0.5 and a loss of log 2 whatever the targets; with z = 2 (b = 2) and y = 1,
    # smoothed 0.9: log(1 + e^2) - 0.9 * 2.
    model = keras.Sequential([layers.Dense(1, input_dim=1, activation="sigmoid",
                                           kernel_initializer="zeros",
                                           bias_initializer=initializers.Constant(2.0))])
    model.compile(optimizer="sgd", loss=losses.BinaryCrossentropy(label_smoothing=0.2),
                  metrics=["accuracy"])
    loss, accuracy = model.evaluate(np.zeros((1, 1)), np.array([1]), verbose=0)
    assert loss == pytest.approx(np.log1p(np.exp(2.0)) - 0.9 * 2.0, rel=1e-6)
    assert accuracy == 1.0  # against the label 1, not 0.9
    X, y = xor
    smoothed = net(outputs=2, output=None, optimizer="adam", metrics=["accuracy"],
                   loss=losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1))
    smoothed.fit(X, utils.to_categorical(y), epochs=2, verbose=0)
    smoothed.save(tmp_path / "smooth.keras")
    again = models.load_model(tmp_path / "smooth.keras")
    assert again.loss.name == smoothed.loss.name and again.evaluate(
        X, utils.to_categorical(y), verbose=0) == smoothed.evaluate(X, utils.to_categorical(y),
                                                                     verbose=0)


def test_a_fitted_keras_model_pickles(xor):
    import pickle

    X, y = xor
    model = net(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=2, verbose=0, validation_split=0.2, validation_freq=2)
    again = pickle.loads(pickle.dumps(model))
    assert again.evaluate(X, y, verbose=0) == model.evaluate(X, y, verbose=0)
    again.fit(X, y, epochs=1, verbose=0)


def test_its_layer_dicts_are_what_studies_and_estimators_take(xor):
    import warnings

    X, y = xor
    model = net(units=(4,))
    classifier = mlplab.NetClassifier(layers=model.to_spec(), epochs=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # three epochs do not converge
        classifier.fit(X, y)
    # the same layers (the estimator adds its own alpha penalty to each kernel)
    trained = [{k: v for k, v in spec.items() if k != "kernel_regularizer"}
               for spec in classifier.model_.to_spec()]
    assert trained == model.to_spec()


def test_build_takes_keras_input_shape():
    model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    model.build(input_shape=(None, 3))
    assert model.count_params() == 3 * 4 + 4 + 5
    model = keras.Sequential([layers.Dense(2)])
    model.build((None, 5))
    assert model.input_shape == (None, 5)
    with pytest.raises(InvalidInputError, match="flat rows"):
        keras.Sequential([layers.Dense(2)]).build((None, 28, 28))
