"""Loss landscapes (Li et al. 2018) and optimizers compared on one."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import mlplab
from mlplab import data, viz
from mlplab.engine.callbacks import WeightSnapshots
from mlplab.errors import InvalidInputError
from mlplab.viz import kinds
from mlplab.viz.landscape import filter_normalized_direction, flat_weights, set_flat_weights


@pytest.fixture(scope="module")
def converged():
    """A 2-3-1 tanh net trained by L-BFGS to convergence, with its recorded path."""
    X, y = data.moons(n_samples=100, noise=0.25, random_state=0)
    model = mlplab.Sequential.from_spec([2, 3, 1], activation="tanh", random_state=0)
    model.compile(optimizer="lbfgs")
    recorder = WeightSnapshots()
    history = model.fit(X, y, epochs=500, callbacks=[recorder])
    assert history.solver.converged
    return model, X, y, recorder.snapshots


def grid_minimum(landscape):
    """The coordinates of the smallest loss on the grid, and the grid's steps."""
    alphas, betas = landscape.coordinates
    row, column = np.unravel_index(np.argmin(landscape.loss), landscape.loss.shape)
    return np.array([alphas[column], betas[row]]), np.array([alphas[1] - alphas[0],
                                                             betas[1] - betas[0]])


def test_directions_are_filter_normalised(converged):
    model = converged[0]
    direction = filter_normalized_direction(model, np.random.default_rng(0))
    kernel1, bias1 = model.layers[0].kernel, model.layers[0].bias
    d_kernel1 = direction[:kernel1.size].reshape(kernel1.shape)
    assert np.allclose(np.linalg.norm(d_kernel1, axis=0), np.linalg.norm(kernel1, axis=0))
    assert not np.any(direction[kernel1.size:kernel1.size + bias1.size])  # biases stay


def test_the_minimum_is_at_the_trained_weights(converged):
    model, X, y, snapshots = converged
    before = model.get_weights()
    ax = viz.plot_loss_landscape(model, X, y, span=0.5, resolution=41)
    where, step = grid_minimum(ax.landscape)
    assert np.all(np.abs(where) <= step + 1e-12)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    # Each value is the model's own loss at those weights.
    landscape = ax.landscape
    alphas, betas = landscape.coordinates
    set_flat_weights(model, landscape.origin + alphas[3] * landscape.directions[0]
                     + betas[30] * landscape.directions[1])
    assert landscape.loss[30, 3] == pytest.approx(model.evaluate(X, y)["loss"], rel=1e-12)
    model.set_weights(before)
    # Labelled contours and a colour bar that says what the colours are.
    assert len(ax.texts) >= 3 and ax.figure.axes[1].get_ylabel() == "loss"
    plt.close(ax.figure)
    curve = viz.plot_loss_landscape(model, X, y, mode="1d", span=0.5, resolution=41)
    alphas = curve.landscape.coordinates[0]
    assert abs(alphas[np.argmin(curve.landscape.loss)]) <= alphas[1] - alphas[0]
    plt.close(curve.figure)


def test_the_trajectory_ends_at_the_minimum(converged):
    model, X, y, snapshots = converged
    ax = viz.plot_loss_landscape(model, X, y, snapshots=snapshots, resolution=41)
    landscape = ax.landscape
    assert landscape.mode == "trajectory"
    assert np.allclose(landscape.path[-1], 0.0)  # the path ends at the trained weights
    where, step = grid_minimum(landscape)
    assert np.all(np.abs(where - landscape.path[-1]) <= step + 1e-12)
    start = flat_weights(model) + landscape.path[0] @ np.array(landscape.directions)
    first = np.concatenate([w.ravel() for w in snapshots[0]["weights"]])
    # The first two principal directions hold nearly all of this path.
    assert np.linalg.norm(start - first) < 0.2 * np.linalg.norm(first - flat_weights(model))
    assert "of its variance" in ax.get_xlabel()
    plt.close(ax.figure)
    line = viz.plot_loss_landscape(model, X, y, mode="line", snapshots=snapshots)
    ts, losses = line.landscape.coordinates[0], line.landscape.loss
    assert losses[np.argmin(np.abs(ts - 1.0))] == pytest.approx(model.evaluate(X, y)["loss"])
    plt.close(line.figure)


def test_bad_modes_are_refused(converged):
    model, X, y, _ = converged
    with pytest.raises(InvalidInputError, match="mode='3d'.*'2d', '1d', 'line', 'trajectory'"):
        viz.plot_loss_landscape(model, X, y, mode="3d")
    with pytest.raises(InvalidInputError, match="pass snapshots="):
        viz.plot_loss_landscape(model, X, y, mode="trajectory")
    figure = kinds.draw("landscape", model, kinds.FigureData(X, y), preview=True)
    assert figure.axes[0].landscape.loss.shape == (15, 15)
    plt.close(figure)


def test_optimizers_are_told_apart():
    X, y = data.moons(n_samples=120, noise=0.2, random_state=0)
    def factory():
        return mlplab.Sequential.from_spec([2, 5, 1], activation="tanh", random_state=0)

    figure = viz.compare_optimizers(
        factory, X, y, ["sgd", {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}, "adam"],
        epochs=15, every=3)
    curves = figure.axes[0].get_lines()
    assert [line.get_label() for line in curves] == [
        "sgd (lr 0.01): train loss", "sgd (lr 0.1, momentum 0.9): train loss",
        "adam (lr 0.001): train loss"]
    assert len({line.get_color() for line in curves}) == 3
    for line, (_, _, history, _) in zip(curves, figure.runs, strict=True):
        assert np.allclose(line.get_ydata(), history.history["loss"])
    paths = [line for line in figure.axes[1].get_lines() if line.get_label().startswith(
        ("sgd", "adam"))]
    assert [p.get_color() for p in paths] == [c.get_color() for c in curves]
    assert all(np.allclose(p.get_xydata()[0], 0.0) for p in paths)  # one common start
    plt.close(figure)


def test_plot_history_overlays_runs_in_their_own_colours():
    X, y = data.moons(n_samples=60, random_state=0)
    histories = []
    for rate in (0.01, 0.1):
        model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).compile(
            optimizer="sgd", learning_rate=rate)
        histories.append(model.fit(X, y, epochs=3))
    figure = viz.plot_history(histories[0], label="lr 0.01")
    viz.plot_history(histories[1], ax=figure.axes[0], label="lr 0.1")
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["lr 0.01: train loss", "lr 0.1: train loss"]
    assert lines[0].get_color() != lines[1].get_color()
    plt.close(figure)


def test_the_path_animates_on_one_landscape(tmp_path):
    X, y = data.moons(n_samples=100, noise=0.2, random_state=0)
    model = mlplab.Sequential.from_spec([2, 4, 1], activation="tanh", random_state=0)
    model.compile(optimizer="adam", learning_rate=0.05)
    result = viz.animate_loss_landscape(model, X, y, epochs=30, every=3, resolution=15,
                                        out=tmp_path / "path.gif")
    assert result.n_frames == 11 and result.path.exists()
    ax = result.figure.axes[0]
    line = [c for c in ax.get_lines() if c.get_label() == "training path"][0]
    result.animation._func(4)
    assert len(line.get_xdata()) == 5  # the path so far
    result.animation._func(10)
    assert np.allclose(line.get_xydata()[-1], 0.0)  # it ends at the final weights
    plt.close(result.figure)


def test_compare_optimizers_takes_keras_dialect_models():
    from mlplab import keras
    from mlplab.keras import layers

    X, y = data.moons(n_samples=80, noise=0.2, random_state=0)

    def factory():
        model = keras.Sequential([layers.Dense(3, activation="tanh", input_shape=[2]),
                                  layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    figure = viz.compare_optimizers(factory, X, y, ["sgd", "rmsprop"], epochs=4)
    assert [line.get_label() for line in figure.axes[0].get_lines()] == [
        "sgd (lr 0.01): train loss", "rmsprop (lr 0.001): train loss"]
    plt.close(figure)
