"""A typical course notebook, end to end, against what Keras 3 documents: Sequential of
Dense, compile with "rmsprop"/"adam" and "binary_crossentropy"/
"sparse_categorical_crossentropy" and metrics=["accuracy"], fit with validation_split and
EarlyStopping, evaluate, predict, save and load."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_moons

import mlplab
import mlplab.keras as keras
from mlplab.keras import layers


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(42)
    yield
    keras.backend.clear_session()


def moons():
    return make_moons(300, noise=0.25, random_state=0)


def binary_model(optimizer):
    model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(2,)),
                              layers.Dense(8, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam", lambda: keras.optimizers.Adam(0.01)])
def test_binary_notebook(tmp_path, optimizer):
    X, y = moons()
    model = binary_model(optimizer() if callable(optimizer) else optimizer)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3,
                                         restore_best_weights=True)
    history = model.fit(X, y, epochs=200, batch_size=32, validation_split=0.2,
                        callbacks=[stop], verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.params == {"verbose": 0, "epochs": 200, "steps": 8}  # ceil(240 / 32)
    assert history.epoch == list(range(len(history.history["loss"])))
    # Keras: patience epochs without improvement stop training; stopped_epoch is 0
    # when it ran to the end.
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert stop.best_epoch == best
    assert stop.stopped_epoch == best + 3 == len(val_loss) - 1  # it stops (at 23 to 122)
    # validation_split validates on the last 20% of the rows, and restore_best_weights
    # leaves the best epoch's weights: evaluating them there gives that epoch's val_loss.
    X_val, y_val = X[240:], y[240:]
    loss, accuracy = model.evaluate(X_val, y_val, verbose=0)
    assert loss == pytest.approx(val_loss[best], rel=1e-6)
    # evaluate's numbers from predict, by hand: mean binary cross-entropy and accuracy
    p = model.predict(X_val, verbose=0)
    assert p.dtype == np.float32 and p.shape == (60, 1)
    by_hand = -np.mean(y_val * np.log(p[:, 0]) + (1 - y_val) * np.log(1 - p[:, 0]))
    assert loss == pytest.approx(by_hand, rel=1e-4)
    assert accuracy == pytest.approx(np.mean((p[:, 0] > 0.5) == y_val))
    # save and load: the same model, compiled the same, its history kept
    model.save(tmp_path / "model.keras")
    for again in (keras.models.load_model(tmp_path / "model.keras"),
                  mlplab.load(tmp_path / "model.keras")):
        np.testing.assert_array_equal(again.predict(X_val), p)
        assert again.optimizer.config() == model.optimizer.config()
        assert again.history.history == history.history
    again = keras.models.load_model(tmp_path / "model.keras")
    assert again.evaluate(X_val, y_val, verbose=0) == [loss, accuracy]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]


def test_multiclass_notebook(tmp_path):
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    order = np.random.default_rng(0).permutation(len(X))  # iris is sorted by class
    X, y = X[order], y[order]
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(8, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(X, y, epochs=60, validation_split=0.2, verbose=0, callbacks=[
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=10)])
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    p = model.predict(X, verbose=0)
    assert p.shape == (150, 3) and np.allclose(p.sum(axis=1), 1, atol=1e-6)
    loss, accuracy = model.evaluate(X, y, verbose=0)
    assert accuracy == pytest.approx(np.mean(p.argmax(axis=1) == y))
    by_hand = -np.mean(np.log(p[np.arange(150), y]))
    assert loss == pytest.approx(by_hand, rel=1e-4)
    assert accuracy > 0.8
    model.save(tmp_path / "iris.keras")
    again = keras.models.load_model(tmp_path / "iris.keras")
    assert again.evaluate(X, y, verbose=0) == [loss, accuracy]
    assert again.metrics_names == ["loss", "accuracy"]


def test_early_stopping_s_epochs_are_keras_when_it_never_stops():
    X, y = moons()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=100)
    binary_model("adam").fit(X, y, epochs=3, verbose=0, callbacks=[stop])
    assert stop.stopped_epoch == 0  # Keras' value when training ran to the end


def test_an_activation_layer_given_as_activation():
    """Keras takes any callable as activation=, so courses write
    Dense(64, activation=keras.layers.LeakyReLU(negative_slope=0.1))."""
    layer = layers.Dense(4, activation=layers.LeakyReLU(negative_slope=0.1))
    assert layer.activation.name == "leaky_relu(0.1)"


def test_a_loaded_model_s_layers_are_keras_layers(tmp_path):
    """As in Keras, the layers of a loaded model have Keras' methods: weights,
    count_params, get_weights, and calling one on an array."""
    X, _ = moons()
    model = binary_model("adam")
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    first = again.layers[0]
    assert isinstance(first, layers.Dense) and first.count_params() == 48
    assert [w.shape for w in first.weights] == [(2, 16), (16,)]
    np.testing.assert_array_equal(first(X[:5]), model.layers[0](X[:5]))
    np.testing.assert_array_equal(again(X[:5]), model(X[:5]))


@pytest.mark.parametrize("optimizer", [
    lambda: "adam", lambda: "rmsprop", lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    lambda: keras.optimizers.RMSprop(momentum=0.5, centered=True),
    lambda: keras.optimizers.Adam(amsgrad=True), lambda: "adagrad",
    lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.5)),
])
def test_training_resumed_after_load_continues_the_optimizer(tmp_path, optimizer):
    """Keras 3's .keras file holds the optimizer's state (its moments, its step count),
    so training resumed after load_model goes on as if it had never stopped."""
    X, y = moons()
    model = binary_model(optimizer())
    model.fit(X, y, epochs=2, verbose=0, shuffle=False)
    model.save(tmp_path / "m.keras")
    resumed = [keras.models.load_model(tmp_path / "m.keras"), mlplab.load(tmp_path / "m.keras")]
    model.fit(X, y, epochs=1, verbose=0, shuffle=False)
    for again in resumed:
        assert again.optimizer.iterations == 2 * 10
        if isinstance(again, keras.Sequential):
            again.fit(X, y, epochs=1, verbose=0, shuffle=False)
        else:
            again.fit(X, y, epochs=1, batch_size=32, shuffle=False)
        np.testing.assert_allclose(again.predict(X), model.predict(X, verbose=0), rtol=1e-5)
    fresh = binary_model(optimizer())  # without the state the steps differ
    fresh.set_weights(keras.models.load_model(tmp_path / "m.keras").get_weights())
    fresh.fit(X, y, epochs=1, verbose=0, shuffle=False)
    assert not np.allclose(fresh.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-5)


def test_an_edited_optimizer_state_is_refused(tmp_path):
    from mlplab.engine import io

    X, y = moons()
    model = binary_model("adam")
    model.fit(X, y, epochs=1, verbose=0)
    config = model._config_with_state()
    config["compile"]["optimizer"]["state"]["slots"]["m"].pop()
    io.save_archive(tmp_path / "edited.keras", config, model.parameters())
    with pytest.raises(mlplab.errors.ModelFileError, match="optimizer state does not fit"):
        keras.models.load_model(tmp_path / "edited.keras")


@pytest.mark.parametrize("method", ["train_on_batch", "test_on_batch", "predict_on_batch",
                                    "to_json", "fit_generator", "compute_loss"])
def test_keras_model_methods_left_out_say_what_to_use(method):
    model = binary_model("adam")
    with pytest.raises(keras.NotProvidedError, match="instead|call|pass|save|fit"):
        getattr(model, method)
    assert not hasattr(model, "no_such_method")  # others stay AttributeErrors


def test_keras_variable_lists():
    model = binary_model("adam")
    assert model.trainable_variables == model.weights == model.variables
    assert len(model.weights) == 6 and model.non_trainable_weights == []
