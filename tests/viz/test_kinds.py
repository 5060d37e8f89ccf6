"""The figure registry: every kind draws a model the way mlplab plot and studies ask."""

import matplotlib.pyplot as plt
import pytest

import mlplab
from mlplab import data
from mlplab.errors import InvalidInputError, UnknownNameError
from mlplab.viz import kinds


@pytest.fixture(scope="module")
def moons_net():
    X, y = data.moons(n_samples=120, noise=0.15, random_state=0)
    model = mlplab.Sequential.from_spec([2, 4, 1], activation="tanh", random_state=0)
    model.compile(optimizer="adam", learning_rate=0.05)
    model.fit(X[:90], y[:90], epochs=30)
    return model, kinds.FigureData(X[:90], y[:90], X[90:], y[90:])


def test_hidden_space_kind_draws_every_layer(moons_net):
    model, figure_data = moons_net
    figure = kinds.draw("hidden_space", model, figure_data)
    assert len(figure.hidden_axes) == 3  # input, the 4 tanh units, the output
    plt.close(figure)


def test_kinds_say_why_they_cannot_draw(moons_net):
    model, figure_data = moons_net
    wide = kinds.FigureData(figure_data.X[:, [0, 1, 0]], figure_data.y)
    assert kinds.cannot_draw("hidden_space", model, wide) == (
        "the hidden_space figure draws 2-D data; this data has 3 features")
    with pytest.raises(InvalidInputError, match="draws an mlplab network, not a"):
        from sklearn.svm import SVC

        kinds.draw("hidden_space", SVC().fit(figure_data.X, figure_data.y), figure_data)
    with pytest.raises(UnknownNameError, match="Did you mean 'hidden_space'"):
        kinds.get("hiden_space")
