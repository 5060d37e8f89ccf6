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


def _linear_stack(X, y):
    model = mlplab.Sequential.from_spec([2, 2, 1], activation="linear", random_state=0)
    model.compile().fit(X, y, epochs=2)
    return model


@pytest.mark.parametrize("kind", sorted(kinds.FIGURE_KINDS))
def test_every_kind_draws_or_says_why_for_every_kind_of_model(kind):
    """What a study asks of the registry: each (kind, model) draws, or cannot_draw says why."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    X, y = data.moons(n_samples=80, noise=0.2, random_state=0)
    x1, t = data.sine(n_samples=60, random_state=0)
    X2, t2 = data.regression_plane(n_samples=60, random_state=0)
    cases = [
        (mlplab.NetClassifier(hidden_layer_sizes=(3,), epochs=3, random_state=0).fit(X, y),
         kinds.FigureData(X[:60], y[:60], X[60:], y[60:])),
        (SVC().fit(X, y), kinds.FigureData(X, y)),
        (LogisticRegression().fit(X, y), kinds.FigureData(X, y)),
        (mlplab.NetRegressor(hidden_layer_sizes=(3,), epochs=3, random_state=0).fit(x1, t),
         kinds.FigureData(x1, t)),
        (mlplab.NetRegressor(hidden_layer_sizes=(3,), epochs=3, random_state=0).fit(X2, t2),
         kinds.FigureData(X2, t2)),
        (_linear_stack(X, y), kinds.FigureData(X, y)),
    ]
    drawn = 0
    for model, figure_data in cases:
        reason = kinds.cannot_draw(kind, model, figure_data)
        if reason is not None:
            assert isinstance(reason, str) and reason
            with pytest.raises(InvalidInputError):
                kinds.draw(kind, model, figure_data, preview=True)
            continue
        figure = kinds.draw(kind, model, figure_data, preview=True)
        assert figure.axes, (kind, type(model).__name__)
        plt.close(figure)
        drawn += 1
    assert drawn or kind == "health"  # health needs a recording none of these has
