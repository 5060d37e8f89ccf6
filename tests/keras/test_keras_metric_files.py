"""Every metric the dialect offers survives save and load, through
``keras.models.load_model`` and ``mlplab.load``: its logged name (Keras' History keys,
"bacc" and "val_bacc"), its arguments (a threshold), its values; a metric function of
one's own comes back through ``custom_objects``, as in Keras. And ``mode="auto"`` of the
monitoring callbacks follows the metric, not its name, as in Keras 3."""

import numpy as np
import pytest

import mlplab
import mlplab.keras as keras
from mlplab.engine import metrics as engine_metrics
from mlplab.errors import MlplabError, ModelFileError
from mlplab.keras import metrics


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(11)
    yield
    keras.backend.clear_session()


def binary_data():
    x = np.random.default_rng(3).normal(size=(80, 2))
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)


def binary_model(metric_list, units=1, activation="sigmoid", loss="binary_crossentropy"):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, metrics=metric_list)
    return model


# (what compile is given, the name Keras logs it under)
EVERY_METRIC = [
    ("accuracy", "accuracy"), ("acc", "acc"), ("binary_accuracy", "binary_accuracy"),
    ("auc", "auc"), ("precision", "precision"), ("recall", "recall"), ("mse", "mse"),
    ("mae", "mae"), ("mean_squared_error", "mean_squared_error"),
    ("mean_absolute_error", "mean_absolute_error"),
    ("root_mean_squared_error", "root_mean_squared_error"),
    (lambda: metrics.BinaryAccuracy(), "binary_accuracy"),
    (lambda: metrics.BinaryAccuracy(name="bacc"), "bacc"),
    (lambda: metrics.BinaryAccuracy(name="strict", threshold=0.8), "strict"),
    (lambda: metrics.AUC(name="roc"), "roc"), (lambda: metrics.AUC(), "auc"),
    (lambda: metrics.Precision(name="prec", thresholds=0.3), "prec"),
    (lambda: metrics.Recall(thresholds=0.7), "recall"),
    (lambda: metrics.RootMeanSquaredError(name="rmse"), "rmse"),
    (lambda: metrics.MeanSquaredError(), "mean_squared_error"),
    (lambda: metrics.MeanAbsoluteError(name="l1"), "l1"),
]


@pytest.mark.parametrize("given, name", EVERY_METRIC)
def test_every_binary_metric_round_trips_with_its_name_and_arguments(tmp_path, given, name):
    x, y = binary_data()
    model = binary_model([given() if callable(given) else given])
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert sorted(history.history) == sorted(["loss", "val_loss", name, f"val_{name}"])
    model.save(tmp_path / "m.keras")
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    for again in (keras.models.load_model(tmp_path / "m.keras"),
                  mlplab.load(tmp_path / "m.keras")):
        assert [logged for logged, _ in again.metrics] == [name]
        scores = (again.evaluate(x, y, verbose=0, return_dict=True)
                  if isinstance(again, keras.Sequential) else again.evaluate(x, y))
        assert scores == pytest.approx(expected, rel=1e-12)
        assert sorted(again.history.history) == sorted(history.history)


@pytest.mark.parametrize("given, name", [
    ("accuracy", "accuracy"), ("categorical_accuracy", "categorical_accuracy"),
    (lambda: metrics.CategoricalAccuracy(name="cacc"), "cacc"),
    ("sparse_categorical_accuracy", "sparse_categorical_accuracy"),
    (lambda: metrics.SparseCategoricalAccuracy(name="sacc"), "sacc"),
])
def test_every_categorical_metric_round_trips(tmp_path, given, name):
    x, y = binary_data()
    model = binary_model([given() if callable(given) else given], units=2,
                         activation="softmax", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    for again in (keras.models.load_model(tmp_path / "m.keras"),
                  mlplab.load(tmp_path / "m.keras")):
        assert [logged for logged, _ in again.metrics] == [name]
        scores = (again.evaluate(x, y, verbose=0, return_dict=True)
                  if isinstance(again, keras.Sequential) else again.evaluate(x, y))
        assert scores == pytest.approx(expected, rel=1e-12)


def test_the_threshold_is_kept_not_only_the_name(tmp_path):
    """Outputs between 0.5 and 0.8 count as 1 at Keras' default threshold and as 0 at
    0.8: the reloaded metric must give the 0.8 value (computed here by hand)."""
    x, y = binary_data()
    model = binary_model([metrics.BinaryAccuracy(name="strict", threshold=0.8)])
    model.fit(x, y, epochs=3, verbose=0)
    p = model.predict(x, verbose=0)[:, 0]
    by_hand = float(np.mean((p > 0.8).astype(int) == y))
    assert by_hand != float(np.mean((p > 0.5).astype(int) == y))  # the threshold matters
    model.save(tmp_path / "m.keras")
    again = mlplab.load(tmp_path / "m.keras")
    assert again.evaluate(x, y)["strict"] == pytest.approx(by_hand, abs=1e-12)


def test_accuracy_keeps_keras_choice_by_width_in_mlplab_load(tmp_path):
    """Keras' "accuracy" on two sigmoid outputs is categorical accuracy; mlplab's own
    "accuracy" would threshold each output. The file says which one was meant."""
    x, y = binary_data()
    targets = np.stack([y, 1 - y], axis=1)
    model = binary_model(["accuracy"], units=2, activation="sigmoid")
    model.fit(x, targets, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    name, function = mlplab.load(tmp_path / "m.keras").metrics[0]
    assert (name, function) == ("accuracy", engine_metrics.categorical_accuracy)


def my_metric(y_true, y_pred):
    return np.abs(y_true - y_pred)


def test_a_metric_function_comes_back_through_custom_objects(tmp_path):
    x, y = binary_data()
    model = binary_model(["accuracy", my_metric])
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    for load in (keras.models.load_model, mlplab.load):
        with pytest.raises(ModelFileError, match="custom_objects=.'my_metric'"):
            load(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras", custom_objects={"my_metric": my_metric})
    assert again.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    for load in (keras.models.load_model, mlplab.load):
        bare = load(tmp_path / "m.keras", compile=False)
        assert bare.optimizer is None and bare.metrics == []
        np.testing.assert_array_equal(bare.predict(x), model.predict(x, verbose=0))
    with pytest.raises(MlplabError, match="custom_objects"):
        keras.models.load_model(tmp_path / "m.keras", custom_objects={"my_metric": 3})


@pytest.mark.parametrize("entry", ["binary_accuracy(name='b', slope=2)",
                                   "binary_accuracy(name=3)", "auc(threshold=0.4)",
                                   "binary_accuracy(threshold=[1])", "nope(name='x')"])
def test_an_edited_metric_entry_is_refused_by_name(entry):
    with pytest.raises(MlplabError):
        engine_metrics.get(entry)


def test_the_saved_entries_read_as_calls():
    fn = engine_metrics.configured("binary_accuracy", threshold=0.8)
    assert engine_metrics.describe("strict", fn) == "binary_accuracy(name='strict', threshold=0.8)"
    assert engine_metrics.describe("mse", engine_metrics.mse) == "mse"
    assert engine_metrics.get("binary_accuracy(name='strict', threshold=0.8)")[0] == "strict"
    assert engine_metrics.configured("binary_accuracy", threshold=0.5) is \
        engine_metrics.binary_accuracy  # Keras' default is the plain metric


# -- mode="auto" follows the metric, as in Keras 3 ------------------------------------------
@pytest.mark.parametrize("make", [
    lambda monitor: keras.callbacks.EarlyStopping(monitor=monitor, patience=50),
    lambda monitor: keras.callbacks.ReduceLROnPlateau(monitor=monitor),
    lambda monitor: keras.callbacks.ModelCheckpoint("unused.keras", monitor=monitor),
])
@pytest.mark.parametrize("metric, monitor, mode", [
    (lambda: metrics.AUC(name="roc"), "val_roc", "max"),
    (lambda: metrics.Precision(name="prec"), "prec", "max"),
    (lambda: metrics.BinaryAccuracy(name="bacc"), "val_bacc", "max"),
    (lambda: metrics.RootMeanSquaredError(name="rmse_score"), "val_rmse_score", "min"),
    (lambda: "mse", "val_mse", "min"),
])
def test_auto_mode_is_the_metric_s_direction(make, metric, monitor, mode):
    x, y = binary_data()
    model = binary_model([metric()])
    callback = make(monitor)
    callback.set_model(model)
    callback.on_train_begin()
    assert callback.mode == mode


def test_auto_mode_on_a_function_of_one_s_own_is_refused_as_in_keras():
    x, y = binary_data()
    model = binary_model([my_metric])
    with pytest.raises(MlplabError, match="mode='max'"):
        model.fit(x, y, epochs=1, verbose=0, validation_split=0.2,
                  callbacks=[keras.callbacks.EarlyStopping(monitor="val_my_metric")])
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.2, callbacks=[
        keras.callbacks.EarlyStopping(monitor="val_my_metric", mode="min")])
    assert "val_my_metric" in history.history


def test_a_model_read_by_mlplab_load_saves_its_metrics_again(tmp_path):
    x, y = binary_data()
    model = binary_model([metrics.BinaryAccuracy(name="strict", threshold=0.8)])
    model.save(tmp_path / "m.keras")
    mlplab.load(tmp_path / "m.keras").save(tmp_path / "again.keras")
    name, function = mlplab.load(tmp_path / "again.keras").metrics[0]
    assert name == "strict" and engine_metrics.describe(name, function) == \
        "binary_accuracy(name='strict', threshold=0.8)"
