import numpy as np
import pytest

import mlplab
from mlplab.errors import (
    InvalidInputError,
    InvalidTypeError,
    MlplabError,
    TrainingDivergedError,
    TrainingDivergedWarning,
)


@pytest.fixture
def data(rng):
    X = rng.normal(size=(120, 2))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def model(seed=0, **compile_kwargs):
    net = mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=seed)
    return net.compile(metrics=["accuracy"], **{"learning_rate": 0.05, **compile_kwargs})


def test_early_stopping_stops_and_restores_the_best_weights(data):
    X, y = data
    X_val, y_val = X[:30], y[:30]
    stopper = mlplab.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    # A huge learning rate makes the validation loss bounce, so training stops early.
    net = model(optimizer="sgd", learning_rate=5.0)
    history = net.fit(X[30:], y[30:], epochs=200, validation_data=(X_val, y_val),
                      callbacks=[stopper])
    assert len(history.epoch) < 200
    assert stopper.wait == 2 and "early stopping" in history.stop_reason  # Keras: patience
    best = int(np.argmin(history.history["val_loss"]))
    assert best == stopper.best_epoch < history.epoch[-1]
    # The model ends with the best epoch's weights, not the last epoch's.
    assert net.evaluate(X_val, y_val)["loss"] == pytest.approx(history.history["val_loss"][best])


def test_early_stopping_without_validation_data_explains_the_fix(data):
    with pytest.raises(InvalidInputError, match="validation_split=0.2 .* or monitor='loss'"):
        model().fit(*data, epochs=3, callbacks=[mlplab.EarlyStopping()])


def test_nan_guard_stops_and_names_the_likely_causes(data):
    X, y = data
    net = mlplab.Sequential.from_spec([2, 8, 1], activation="relu", output_activation="linear",
                                      random_state=0)
    net.compile(loss="mse", optimizer="sgd", learning_rate=10.0)
    with pytest.warns(TrainingDivergedWarning, match="learning rate .*10.* too large") as record:
        history = net.fit(X * 1000, y, epochs=50, batch_size=None)
    assert "not scaled" in str(record[0].message)
    assert len(history.epoch) < 50
    assert "Training stopped" in history.stop_reason


def test_model_checkpoint_keeps_the_best_model(data, tmp_path):
    X, y = data
    checkpoint = mlplab.ModelCheckpoint(tmp_path / "best.npz", monitor="val_accuracy",
                                        save_best_only=True)
    net = model()
    history = net.fit(X, y, epochs=10, validation_split=0.3, callbacks=[checkpoint])
    assert checkpoint.saved and (tmp_path / "best.npz").exists()
    restored = mlplab.load(tmp_path / "best.npz")
    assert restored.evaluate(*data)["accuracy"] >= 0.5
    assert len(checkpoint.saved) <= len(history.epoch)
    every = mlplab.ModelCheckpoint(str(tmp_path / "ep{epoch:02d}.npz"), save_best_only=False)
    model().fit(X, y, epochs=3, callbacks=[every])
    # As in Keras, {epoch} counts from 1.
    assert sorted(p.name for p in tmp_path.glob("ep*.npz")) == ["ep01.npz", "ep02.npz",
                                                                 "ep03.npz"]


def test_weight_snapshots_every_k_epochs_and_steps(data):
    X, y = data
    by_epoch = mlplab.WeightSnapshots(every=5)
    net = model()
    net.fit(X, y, epochs=12, batch_size=None, callbacks=[by_epoch])
    assert [s["epoch"] for s in by_epoch.snapshots] == [0, 5, 10, 12]
    assert by_epoch.snapshots[0]["loss"] is None
    final = by_epoch.snapshots[-1]["weights"]
    assert all(np.array_equal(a, b) for a, b in zip(final, net.get_weights(), strict=True))
    assert not np.array_equal(by_epoch.snapshots[0]["weights"][0], final[0])
    by_step = mlplab.WeightSnapshots(every=3, unit="step")
    model().fit(X, y, epochs=2, batch_size=40, callbacks=[by_step])  # 6 steps
    assert [s["step"] for s in by_step.snapshots] == [0, 3, 6]
    with pytest.raises(InvalidInputError, match="unit must be one of 'epoch', 'step'"):
        mlplab.WeightSnapshots(unit="batch")


def test_progress_bar_and_line_output(data, capsys):
    model().fit(*data, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "epoch 2/2" in out and "accuracy=" in out
    model().fit(*data, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_a_custom_callback_can_stop_training(data):
    class StopAfterThree(mlplab.Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 2:
                self.model.stop_training = True

    history = model().fit(*data, epochs=10, callbacks=[StopAfterThree()])
    assert history.epoch == [0, 1, 2]
    with pytest.raises(InvalidTypeError, match="not an mlplab Callback"):
        model().fit(*data, callbacks=[print])


def test_checkpoint_paths_take_logged_names_as_keras_does(data, tmp_path):
    X, y = data
    pattern = str(tmp_path / "m-{epoch:02d}-{loss:.3f}-{val_accuracy:.2f}.npz")
    checkpoint = mlplab.ModelCheckpoint(pattern, save_best_only=False)
    history = model().fit(X, y, epochs=2, validation_split=0.25, callbacks=[checkpoint])
    logs = {k: v[1] for k, v in history.history.items()}
    # Keras fills the path with filepath.format(epoch=epoch + 1, **logs)
    assert checkpoint.saved[-1] == pattern.format(epoch=2, **logs)
    assert all(mlplab.load(path).count_params() == 33 for path in checkpoint.saved)


@pytest.mark.parametrize("path,message", [
    ("m_{los}.npz", r"names \{los\}, which fit does not log. Did you mean 'loss'\? It may "
                    r"name: accuracy, epoch, loss, lr\."),
    ("m_{loss:d}.npz", "cannot fill in the path"),
])
def test_checkpoint_paths_naming_what_is_not_logged_say_what_is(data, tmp_path, path, message):
    checkpoint = mlplab.ModelCheckpoint(str(tmp_path / path))
    with pytest.raises(InvalidInputError, match=message):
        model().fit(*data, epochs=1, callbacks=[checkpoint])


@pytest.mark.parametrize("make,message", [
    (lambda: mlplab.ModelCheckpoint("m_{loss.npz"), "unmatched"),
    (lambda: mlplab.ModelCheckpoint("m_{0}.npz"), "positional field"),
    (lambda: mlplab.ModelCheckpoint(5), "path must be a file path"),
    (lambda: mlplab.EarlyStopping(patience=-1),
     r"EarlyStopping\(patience=-1\): patience must be an int >= 0. Try .*\(patience=10\)"),
    (lambda: mlplab.EarlyStopping(min_delta=float("nan")), "min_delta must be a finite number"),
    (lambda: mlplab.EarlyStopping(mode="best"), "mode must be one of 'auto', 'min', 'max'"),
    (lambda: mlplab.EarlyStopping(monitor=3), "monitor must be the name"),
    (lambda: mlplab.TerminateOnNaN(raise_error="yes"), "raise_error must be True or False"),
])
def test_bad_callback_arguments_are_refused_at_once(make, message):
    with pytest.raises(MlplabError, match=message):
        make()


def test_divergence_raises_on_request_and_weights_that_blow_up_are_reported(data):
    X, y = data
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        model(optimizer="sgd", learning_rate=1e300).fit(
            X * 1000, y, epochs=3, callbacks=[mlplab.TerminateOnNaN(raise_error=True)])
    # One step of a huge rate leaves finite weights beyond the engine's bound: no NaN loss
    # was seen, yet the model cannot predict; the guard says so at the end of training.
    regression = mlplab.Sequential.from_spec([2, 3, 1], output_activation="linear",
                                             random_state=0).compile(optimizer="adagrad",
                                                                     learning_rate=1e300)
    with pytest.warns(TrainingDivergedWarning, match="larger than 1.16e"):
        history = regression.fit(X[:1], X[:1, 0], epochs=1)
    assert history.stop_reason.startswith("Training diverged")


# -- EarlyStopping: Keras' own test cases (keras/src/callbacks/early_stopping_test.py) ----
class Weights:
    """A stand-in model whose 'weights' are the number of the epoch that set them."""

    def __init__(self):
        self.stop_training, self.weights = False, -1
        self.history = mlplab.History()

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights


def drive(stopper, values, monitor="loss", stop_at=None):
    """Feed ``values`` to ``stopper`` epoch by epoch as fit would; the epochs trained."""
    stopper.set_model(Weights())
    stopper.on_train_begin()
    trained = 0
    for epoch, value in enumerate(values):
        trained += 1
        stopper.model.weights = epoch
        stopper.on_epoch_end(epoch, {monitor: value})
        if epoch == stop_at:
            stopper.model.stop_training = True
        if stopper.model.stop_training:
            break
    stopper.on_train_end()
    return trained


@pytest.mark.parametrize("patience", [0, 1, 2, 3])
def test_early_stopping_stops_at_keras_epoch(patience):
    # Keras: stopped_epoch == max(patience, 1) + 2 on these losses (best at epoch 2).
    stopper = mlplab.EarlyStopping(monitor="loss", patience=patience)
    drive(stopper, [10.0, 9.0, 8.0, 9.0, 8.9, 8.8, 8.7, 8.6, 8.5])
    assert stopper.stopped_epoch == max(patience, 1) + 2


def test_early_stopping_restores_the_best_epoch():
    stopper = mlplab.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    drive(stopper, [0.2, 0.15, 0.1, 0.11, 0.12], monitor="val_loss")
    assert stopper.model.weights == 2


def test_early_stopping_with_a_baseline_no_epoch_beats():
    # Keras: no epoch improves on the baseline, so training runs patience epochs and the
    # best of them (epoch 2) is restored; another callback's stop restores it too.
    stopper = mlplab.EarlyStopping(monitor="val_loss", patience=5, baseline=0.5,
                                   restore_best_weights=True)
    assert drive(stopper, [0.9, 0.8, 0.7, 0.71, 0.72, 0.73], monitor="val_loss") == 5
    assert stopper.model.weights == 2
    stopper = mlplab.EarlyStopping(monitor="val_loss", patience=5, baseline=0.5,
                                   restore_best_weights=True)
    assert drive(stopper, [0.9, 0.8, 0.7, 0.71, 0.72, 0.73], monitor="val_loss",
                 stop_at=3) == 4
    assert stopper.model.weights == 2


def test_early_stopping_waits_start_from_epoch_epochs(capsys):
    # Epochs 0-2 are not watched; from epoch 3 (loss 9.0, the first best) patience 1
    # stops at epoch 4; verbose=1 prints it counted from 1, as Keras does.
    stopper = mlplab.EarlyStopping(monitor="loss", patience=1, start_from_epoch=3, verbose=1)
    drive(stopper, [10.0, 11.0, 12.0, 9.0, 9.5, 8.0])
    assert stopper.stopped_epoch == 4 and stopper.best == 9.0
    assert capsys.readouterr().out == "Epoch 5: early stopping\n"


@pytest.mark.parametrize(("monitor", "mode"), [("val_auc", "max"), ("binary_accuracy", "max"),
                                               ("val_mse", "min"), ("loss", "min"),
                                               ("val_categorical_accuracy", "max")])
def test_auto_mode_follows_the_metrics_direction(monitor, mode):
    assert mlplab.EarlyStopping(monitor=monitor).mode == mode


def test_fit_records_into_a_history_it_is_given_and_passes_params(data):
    X, y = data
    history = mlplab.History()
    seen = []

    class Spy(mlplab.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.params)

    returned = model().fit(X, y, epochs=3, batch_size=50, callbacks=[Spy(), history])
    assert returned is history and len(history.epoch) == 3
    assert seen == [history.params] == [{"verbose": 0, "epochs": 3, "steps": 3}]
