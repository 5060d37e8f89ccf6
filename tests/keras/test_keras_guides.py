"""The Keras guides "The Sequential model" and "Training & evaluation with the built-in
methods" (keras-io/guides), their examples that fall inside mlplab.keras's subset run as
written, and those outside it raising NotProvidedError.

MNIST is not available offline: scikit-learn's 8x8 digits stand in for it (64 features
instead of 784, the same ten classes), so the guide's Input(shape=(784,)) is (64,) here.
The guide builds its digit classifier with the functional API and says "it could be a
Sequential model as well": that Sequential model is used.
"""

import os

import numpy as np
import pytest
from sklearn.datasets import load_digits

import mlplab.keras as keras
from mlplab.errors import InvalidInputError
from mlplab.keras import layers


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    yield
    keras.backend.clear_session()


# -- The Sequential model -----------------------------------------------------------------
def test_a_sequential_model_is_a_stack_of_layers_equal_to_calling_them_in_turn():
    model = keras.Sequential([
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ])
    x = np.ones((3, 3))
    y = model(x)
    layer1, layer2, layer3 = model.layers
    np.testing.assert_allclose(y, layer3(layer2(layer1(x))))
    assert y.shape == (3, 4)


def test_creating_adding_popping_and_naming():
    model = keras.Sequential([layers.Dense(2, activation="relu"),
                              layers.Dense(3, activation="relu"), layers.Dense(4)])
    assert len(model.layers) == 3
    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))
    model.pop()
    assert len(model.layers) == 2
    model = keras.Sequential(name="my_sequential")
    model.add(layers.Dense(2, activation="relu", name="layer1"))
    model.add(layers.Dense(3, activation="relu", name="layer2"))
    model.add(layers.Dense(4, name="layer3"))
    assert model.name == "my_sequential"
    assert [layer.name for layer in model.layers] == ["layer1", "layer2", "layer3"]


def test_weights_are_created_when_the_input_shape_is_known():
    layer = layers.Dense(3)
    assert layer.weights == []  # Empty
    layer(np.ones((1, 4)))
    assert [w.shape for w in layer.weights] == [(4, 3), (3,)]
    model = keras.Sequential([layers.Dense(2, activation="relu"),
                              layers.Dense(3, activation="relu"), layers.Dense(4)])
    model(np.ones((1, 4)))
    assert len(model.weights) == 6  # "Number of weights after calling the model: 6"
    lines = []
    model.summary(print_fn=lines.append)
    assert "(None, 4)" in lines[0] and "Total params: 35" in lines[0]


def test_input_first_or_input_shape_and_summary_as_layers_are_added():
    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    lines = []
    model.summary(print_fn=lines.append)
    assert "│ dense (Dense)" in lines[0] and "(None, 2)" in lines[0]
    assert " Total params: 10 (40.00 B)" in lines[0]
    assert len(model.layers) == 1  # the Input is not a layer
    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu", input_shape=(4,)))
    assert model.count_params() == 10


def test_convolutions_feature_extraction_and_freezing_are_left_out():
    with pytest.raises(InvalidInputError, match="flat vectors.*Flatten images first"):
        keras.Input(shape=(250, 250, 3))  # 250x250 RGB images
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2), layers.Dense(1)])
    with pytest.raises(keras.NotProvidedError, match="flatten images first"):
        model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    with pytest.raises(keras.NotProvidedError, match="Sequential models only"):
        keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    with pytest.raises(keras.NotProvidedError, match="Sequential models only"):
        keras.Model(inputs=None, outputs=None)
    with pytest.raises(keras.NotProvidedError, match="cannot freeze layers"):
        for layer in model.layers[:-1]:  # Freeze all layers except the last one.
            layer.trainable = False


# -- Training & evaluation with the built-in methods ----------------------------------------
@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    x = X.astype("float32") / 16
    y = y.astype("float32")
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    # Reserve 300 samples for validation
    x_val, y_val = x_train[-300:], y_train[-300:]
    return x_train[:-300], y_train[:-300], x_val, y_val, x_test, y_test


def get_uncompiled_model():
    return keras.Sequential([
        keras.Input(shape=(64,), name="digits"),
        layers.Dense(64, activation="relu", name="dense_1"),
        layers.Dense(64, activation="relu", name="dense_2"),
        layers.Dense(10, activation="softmax", name="predictions"),
    ])


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    return model


def quiet(function, *args, **kwargs):
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args, **kwargs)


def test_the_first_end_to_end_example(digits):
    x_train, y_train, x_val, y_val, x_test, y_test = digits
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(),  # Optimizer
        loss=keras.losses.SparseCategoricalCrossentropy(),  # Loss function to minimize
        metrics=[keras.metrics.SparseCategoricalAccuracy()],  # List of metrics to monitor
    )
    history = quiet(model.fit, x_train, y_train, batch_size=64, epochs=2,
                    validation_data=(x_val, y_val))
    assert list(history.history) == ["loss", "sparse_categorical_accuracy", "val_loss",
                                      "val_sparse_categorical_accuracy"]
    results = quiet(model.evaluate, x_test, y_test, batch_size=128)
    loss, accuracy = results  # "test loss, test acc:"
    assert accuracy > 0.5 and loss < history.history["loss"][0]  # chance: 0.1
    predictions = quiet(model.predict, x_test[:3])
    assert predictions.shape == (3, 10)


def test_string_identifiers_and_the_built_in_names(digits):
    x_train, y_train, *_ = digits
    model = get_compiled_model()
    history = quiet(model.fit, x_train, y_train, batch_size=64, validation_split=0.2,
                    epochs=1)
    assert history.params["steps"] == -(-880 // 64)  # 80% of 1100 rows train
    assert set(history.history) == {"loss", "sparse_categorical_accuracy", "val_loss",
                                    "val_sparse_categorical_accuracy"}


def test_custom_losses_and_metrics_need_what_mlplab_cannot_take(digits):
    def custom_mean_squared_error(y_true, y_pred):
        return np.mean(np.square(y_true - y_pred))

    model = get_uncompiled_model()
    with pytest.raises(keras.NotProvidedError, match="gradient"):
        model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)

    class CategoricalTruePositives(keras.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_weight(name="ctp", initializer="zeros")

    with pytest.raises(keras.NotProvidedError, match="fn\\(y_true, y_pred\\)"):
        CategoricalTruePositives()
    # A metric function of NumPy arrays is what mlplab takes instead.
    x_train, y_train, *_ = digits

    def mean_confidence(y_true, y_pred):
        return y_pred.max(axis=1)

    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=[mean_confidence])
    history = model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)
    assert 0.1 <= history.history["mean_confidence"][0] <= 1.0
    with pytest.raises(keras.NotProvidedError, match="backward"):
        class ActivityRegularizationLayer(layers.Layer):
            pass


def test_class_weights_and_sample_weights(digits):
    x_train, y_train, *_ = digits
    class_weight = {c: 1.0 for c in range(10)}
    class_weight[5] = 2.0  # Set weight "2" for class "5", making this class 2x more important
    model = get_compiled_model()
    quiet(model.fit, x_train, y_train, class_weight=class_weight, batch_size=64, epochs=1)
    sample_weight = np.ones(shape=(len(y_train),))
    sample_weight[y_train == 5] = 2.0
    model = get_compiled_model()
    history = quiet(model.fit, x_train, y_train, sample_weight=sample_weight, batch_size=64,
                    epochs=1)
    assert np.isfinite(history.history["loss"][0])


def test_callbacks_early_stopping_and_a_loss_history(digits):
    x_train, y_train, *_ = digits

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

    losses = LossHistory()
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss",  # Stop training when `val_loss` is no longer improving
        min_delta=1e-2,  # "no longer improving" being defined as "no better than 1e-2 less"
        patience=2,  # "no longer improving" being further defined as "for at least 2 epochs"
        verbose=1,
    )
    model = get_compiled_model()
    history = quiet(model.fit, x_train, y_train, epochs=40, batch_size=64,
                    callbacks=[stopper, losses], validation_split=0.2)
    assert history.epoch[-1] == keras_stopping_epoch(history.history["val_loss"], 1e-2, 2) < 39
    assert len(losses.per_batch_losses) == len(history.epoch) * 14  # 880 rows, 64 a batch


def keras_stopping_epoch(values, min_delta, patience):
    """Keras' EarlyStopping rule (keras/src/callbacks/early_stopping.py), written out: the
    epoch training stops at, or the last one."""
    best, wait = None, 0
    for epoch, value in enumerate(values):
        wait += 1
        if best is None or value < best - min_delta:
            best, wait = value, 0
        elif wait >= patience and epoch > 0:
            return epoch
    return len(values) - 1


def test_checkpointing_and_restoring_the_latest_model(digits, tmp_path):
    x_train, y_train, *_ = digits
    model = get_compiled_model()
    callbacks = [keras.callbacks.ModelCheckpoint(
        filepath=str(tmp_path / "mymodel_{epoch}.keras"),  # Keras 3 wants the .keras suffix
        save_best_only=True,  # Only save a model if `val_loss` has improved.
        monitor="val_loss",
        verbose=1,
    )]
    quiet(model.fit, x_train, y_train, epochs=2, batch_size=64, callbacks=callbacks,
          validation_split=0.2)
    checkpoint_dir = str(tmp_path)

    def make_or_restore_model():
        checkpoints = [checkpoint_dir + "/" + name for name in os.listdir(checkpoint_dir)]
        if checkpoints:
            latest_checkpoint = max(checkpoints, key=os.path.getctime)
            return keras.models.load_model(latest_checkpoint)
        return get_compiled_model()

    restored = make_or_restore_model()
    assert restored.metrics_names == ["loss", "sparse_categorical_accuracy"]
    quiet(restored.fit, x_train, y_train, epochs=1)
    with pytest.raises(InvalidInputError, match="once per epoch"):
        keras.callbacks.ModelCheckpoint(filepath=checkpoint_dir + "/ckpt-loss={loss:.2f}.keras",
                                        save_freq=100)


def test_learning_rate_schedules_and_plateaus(digits):
    x_train, y_train, *_ = digits
    initial_learning_rate = 0.1
    lr_schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True)
    optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
    assert optimizer.rate_at(100000) == pytest.approx(0.096)
    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss="sparse_categorical_crossentropy")
    history = quiet(model.fit, x_train, y_train, epochs=2, validation_split=0.2, callbacks=[
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=0, min_delta=1.0)])
    assert history.history["learning_rate"] == pytest.approx([1e-3, 1e-4])
    with pytest.raises(keras.NotProvidedError, match="plot_history"):
        keras.callbacks.TensorBoard(log_dir="/full_path_to_your_logs")
    import mlplab.keras.tf as tf

    with pytest.raises(keras.NotProvidedError, match="NumPy arrays"):
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
