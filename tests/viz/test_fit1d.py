"""plot_fit_1d: a one-input fit as the sum of its hidden units' terms."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import mlplab
from mlplab import data, viz
from mlplab.errors import InvalidInputError
from mlplab.viz import kinds


@pytest.fixture(scope="module")
def sine_net():
    x, y = data.sine(n_samples=150, noise=0.05, random_state=0)
    model = mlplab.Sequential.from_spec([1, 5, 1], activation="tanh", output_activation="linear",
                                        random_state=0)
    model.compile(loss="mse", optimizer="adam", learning_rate=0.03)
    model.fit(x, y, epochs=300)
    return model, x, y


def test_contributions_sum_to_the_prediction(sine_net):
    model, x, y = sine_net
    ax = viz.plot_fit_1d(model, x, y)
    parts = ax.contributions
    prediction = model.predict(parts.x[:, None])[:, 0]
    assert np.max(np.abs(parts.terms.sum(axis=1) + parts.bias - prediction)) < 1e-10
    # Each term is the unit's activation times its output weight, by hand.
    W1, b1, W2, _ = model.get_weights()
    assert np.allclose(parts.terms, np.tanh(parts.x[:, None] @ W1 + b1) * W2[:, 0], atol=1e-12)
    # The lines drawn are those numbers: 5 terms, the bias, and the fit.
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert np.allclose(lines["unit 3: $w_{3}\\,a_{3}(x)$"].get_ydata(), parts.terms[:, 2])
    assert np.allclose(lines["network's fit"].get_ydata(), prediction)
    assert f"output bias b = {parts.bias:.2f}" in lines
    assert ax.get_title() == "fit = b + sum of 5 tanh units' $w_j a_j(x)$ (layer 1)"
    plt.close(ax.figure)


def test_estimators_deeper_nets_and_classifiers():
    x, y = data.absolute(n_samples=120, noise=0.02, random_state=1)
    estimator = mlplab.NetRegressor(hidden_layer_sizes=(8, 12), epochs=40,
                                    random_state=0).fit(x, y)
    parts = viz.unit_contributions(estimator, x[:, 0])  # a 1-D x works too
    assert parts.terms.shape == (120, 12) and parts.layer_name == "layer 2"
    assert np.allclose(parts.terms.sum(axis=1) + parts.bias, estimator.predict(x), atol=1e-10)
    ax = viz.plot_fit_1d(estimator, x, y)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[1:3] == ["a unit's $w_j\\,a_j(x)$ (adds)",
                           "a unit's $w_j\\,a_j(x)$ (subtracts)"] or labels[1:3] == [
        "a unit's $w_j\\,a_j(x)$ (subtracts)", "a unit's $w_j\\,a_j(x)$ (adds)"]
    plt.close(ax.figure)
    xs, labels01 = data.step(n_samples=80, random_state=0)
    classifier = mlplab.NetClassifier(hidden_layer_sizes=(3,), epochs=20, random_state=0)
    classifier.fit(xs, labels01.astype(int))
    parts = viz.unit_contributions(classifier, xs)  # a sigmoid output: terms sum to its logit
    assert np.allclose(parts.terms.sum(axis=1) + parts.bias,
                       classifier.model_.predict_logits(xs)[:, 0], atol=1e-10)


def test_two_inputs_are_refused(xor_net):
    model, X, _ = xor_net
    with pytest.raises(InvalidInputError, match="x has 2 features; plot_fit_1d draws a "
                                                "function of one input"):
        viz.plot_fit_1d(model, X, X[:, 0])
    with pytest.raises(InvalidInputError, match="one input and one output; this one has 2"):
        viz.unit_contributions(model, X[:, :1])


def test_kind_and_animation(sine_net, tmp_path):
    model, x, y = sine_net
    figure = kinds.draw("fit_1d", model, kinds.FigureData(x, y))
    assert figure.axes[0].contributions.terms.shape[1] == 5
    plt.close(figure)
    assert "draws 1-D data" in kinds.cannot_draw("fit_1d", model, kinds.FigureData(
        np.hstack([x, x]), y))
    fresh = mlplab.Sequential.from_spec([1, 4, 1], activation="relu", output_activation="linear",
                                        random_state=0).compile(loss="mse", optimizer="adam")
    result = viz.animate_fit_1d(fresh, x, y, epochs=20, every=5, out=tmp_path / "fit.gif")
    assert result.n_frames == 5 and result.path.exists()
    limits = {result.figure.axes[0].get_ylim()}
    result.animation._func(0)
    limits.add(result.figure.axes[0].get_ylim())
    assert len(limits) == 1  # the same y-range on every frame
    plt.close(result.figure)
