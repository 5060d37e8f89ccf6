"""plot_training_health: what a TrainingHealth recording shows."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import mlplab
from mlplab import data, viz
from mlplab.engine.health import TrainingHealth
from mlplab.errors import InvalidInputError
from mlplab.viz import kinds


@pytest.fixture(scope="module")
def deep_sigmoid():
    X, y = data.moons(n_samples=200, noise=0.1, random_state=0)
    model = mlplab.Sequential.from_spec([2] + [12] * 9 + [1], activation="sigmoid",
                                        random_state=0)
    model.compile(optimizer="adam")
    health = TrainingHealth(X, y, every=2)
    history = model.fit(X, y, epochs=6, callbacks=[health])
    return model, history, health, X, y


def test_the_plot_shows_the_vanishing_gradient(deep_sigmoid):
    _, history, health, _, _ = deep_sigmoid
    figure = viz.plot_training_health(history)
    ax = figure.norm_axes
    assert ax.get_yscale() == "log"
    first_record = ax.get_lines()[0]  # epoch 0: one point per layer, input side first
    layers, norms = first_record.get_xdata(), first_record.get_ydata()
    assert list(layers) == list(range(1, 11))
    assert norms[0] < 1e-3 * norms[-1]  # layer 1's gradient orders of magnitude below 10's
    assert np.allclose(norms, health.arrays()["gradient_norm"][0])
    # Ten layers: six columns of bands, the first and last among them, said in the title.
    assert [ax.get_title() for ax in figure.band_axes[0]][::5] == [
        "layer 1: sigmoid, 12 units", "layer 10: sigmoid, 1 unit"]
    assert "(layers 1, 3, 5, 6, 8, 10 of 10)" in figure._suptitle.get_text()
    band = figure.band_axes[1][0].collections[0]  # the 5-95% band of layer 1's gradients
    top = band.get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(health.arrays()["gradients"][:, 0, -1].max())
    plt.close(figure)


def test_dead_units_are_plotted_and_every_source_works(deep_sigmoid):
    X, y = data.moons(n_samples=100, noise=0.1, random_state=0)
    model = mlplab.Sequential.from_spec([2, 8, 1], activation="relu", random_state=0)
    model.compile(optimizer="adam")
    model.build(2)
    model.layers[0].bias[:2] = -100.0
    health = TrainingHealth(X, y)
    model.fit(X, y, epochs=3, callbacks=[health])
    for source in (health, model.history, model):
        figure = viz.plot_training_health(source)
        lines = figure.fraction_axes.get_lines()
        assert [line.get_label() for line in lines] == ["layer 1 dead"]
        assert np.allclose(lines[0].get_ydata(), 2 / 8)
        plt.close(figure)
    figure = kinds.draw("health", model, kinds.FigureData(X, y))
    plt.close(figure)


def test_without_a_recording_it_says_how_to_make_one(deep_sigmoid):
    X, y = data.moons(n_samples=50, random_state=0)
    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).compile()
    model.fit(X, y, epochs=1)
    with pytest.raises(InvalidInputError, match=r"callbacks=\[health\]"):
        viz.plot_training_health(model)
    assert "TrainingHealth callback" in kinds.cannot_draw("health", model,
                                                          kinds.FigureData(X, y))
