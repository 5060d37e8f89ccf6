import numpy as np
import pytest

import mlplab
from mlplab.errors import InvalidInputError, InvalidTypeError, TrainingDivergedWarning


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
    assert stopper.wait == 3 and "early stopping" in history.stop_reason
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
