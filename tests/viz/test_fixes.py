"""Issue 21's fixes to the pictures that were there: each as a new user found it."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from viz_helpers import pixel_at, render

import mlplab
from mlplab import data, viz
from mlplab.errors import InvalidInputError, NotFittedError
from mlplab.viz import kinds, style


def test_fitted_pipelines_are_drawn_and_unfitted_ones_refused():
    X, y = data.moons(n_samples=80, noise=0.1, random_state=0)
    pipeline = make_pipeline(StandardScaler(), SVC()).fit(X, y)
    ax = viz.plot_decision_boundary(pipeline, X, y, resolution=40)
    plt.close(ax.figure)
    with pytest.raises(NotFittedError, match="Pipeline is not fitted"):
        viz.plot_decision_boundary(make_pipeline(StandardScaler(), SVC()), X, y)


def test_a_regressor_has_no_regions_and_says_what_to_draw():
    X, t = data.regression_plane(n_samples=60, random_state=0)
    regressor = mlplab.NetRegressor((4,), epochs=3, random_state=0).fit(X, t)
    with pytest.raises(InvalidInputError, match="is a regressor.*plot_probability"):
        viz.plot_decision_boundary(regressor, X, t)
    figure = kinds.draw("boundary", regressor, kinds.FigureData(X, t))  # its surface
    assert figure.axes[1].get_ylabel() == "prediction"
    plt.close(figure)


@pytest.fixture(scope="module")
def three_classes():
    X, y = data.blobs(n_samples=150, centers=3, cluster_std=1.0, random_state=1)
    model = mlplab.Sequential.from_spec([2, 8, 3], activation="tanh", random_state=0)
    model.compile(optimizer="adam", learning_rate=0.05).fit(X, y, epochs=60)
    return model, X, y


def test_probability_of_three_classes_says_what_it_draws(three_classes):
    model, X, y = three_classes
    ax = viz.plot_probability(model, X, y, resolution=80)
    assert ax.shown == "most probable class" and "most probable" in ax.get_title()
    image = render(ax.figure)
    for k in range(3):  # each class's centre is drawn in that class's colour
        centre = X[y == k].mean(axis=0) + 0.35
        rgb = pixel_at(ax, image, *centre)
        colours = style.rgb255(style.CLASS_COLORS[:3])
        assert np.argmin(np.abs(colours - rgb).sum(axis=1)) == k
    plt.close(ax.figure)
    ax = viz.plot_probability(model, X, y, target=2, resolution=40)
    assert ax.shown == "P(y = 2)" and ax.figure.axes[1].get_ylabel() == "P(y = 2)"
    plt.close(ax.figure)
    with pytest.raises(InvalidInputError, match="target=7.*classes are 0, 1, 2"):
        viz.plot_probability(model, X, y, target=7)


def boundary_vertices(ax):
    lines = [c for c in ax.collections if type(c).__name__ == "QuadContourSet" and not c.filled]
    return np.vstack([path.vertices for c in lines for path in c.get_paths()])


def test_the_boundary_is_the_continuous_outputs_contour():
    X, y = data.moons(n_samples=100, noise=0.3, random_state=0)
    model = LogisticRegression().fit(X, y)  # its boundary is exactly the line w.x + b = 0
    ax = viz.plot_decision_boundary(model, X, y, resolution=20)
    vertices = boundary_vertices(ax)
    distance = np.abs(vertices @ model.coef_[0] + model.intercept_[0]) / np.linalg.norm(
        model.coef_[0])
    step = np.diff(ax.get_xlim())[0] / 20
    assert distance.max() < 0.01 * step  # on the line, not on the grid's steps
    plt.close(ax.figure)
    X3, y3 = data.blobs(n_samples=90, centers=3, random_state=2)
    three = LogisticRegression().fit(X3, y3)
    ax = viz.plot_decision_boundary(three, X3, y3, resolution=20)
    probabilities = np.sort(three.predict_proba(boundary_vertices(ax)), axis=1)
    assert np.max(probabilities[:, -1] - probabilities[:, -2]) < 0.1  # two classes tie
    plt.close(ax.figure)


def test_wide_layers_wrap_onto_rows():
    X, y = data.moons(n_samples=60, random_state=0)
    model = mlplab.Sequential.from_spec([2, 32, 1], activation="tanh", random_state=0)
    model.compile().fit(X, y, epochs=1)
    figure = viz.plot_neurons(model, X, y, resolution=12)
    assert figure.get_size_inches()[0] == pytest.approx(8 * 1.6)  # 8 columns, not 32
    rows = {round(ax.get_position().y0, 3) for ax in figure.neuron_axes[0]}
    assert len(rows) == 4 and len(figure.neuron_axes[0]) == 32
    assert figure.neuron_axes[0][9].get_title() == "layer 1 · n10"
    plt.close(figure)


def test_the_network_diagram_explains_colour_and_width(xor_net):
    model, X, _ = xor_net
    ax = viz.plot_network(model, X=X, thumbnails=True, resolution=10)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    biggest = max(float(np.abs(layer.kernel).max()) for layer in model.layers)
    assert labels[:2] == ["positive weight", "negative weight"]
    assert labels[3] == f"|w| = {biggest:.2g} (largest)"
    plt.close(ax.figure)


def test_linear_collapse_shows_the_matrices_it_multiplies():
    X, y = data.moons(n_samples=100, noise=0.05, random_state=42)
    model = mlplab.Sequential.from_spec([2, 2, 2, 1], activation="linear", random_state=0)
    model.compile().fit(X, y, epochs=3)
    figure = viz.plot_linear_collapse(model, X, y, resolution=40)
    shown = [inset.images[0].get_array() for inset in figure.axes[1].child_axes]
    expected = [layer.kernel for layer in model.layers] + [figure.collapsed[0]]
    assert all(np.allclose(a, b) for a, b in zip(shown, expected, strict=True))
    assert [inset.get_title() for inset in figure.axes[1].child_axes] == [
        "$W_{1}$", "$W_{2}$", "$W_{3}$", "$w$"]
    plt.close(figure)


def test_a_colour_blind_safe_palette_can_be_chosen(xor_net):
    model, X, y = xor_net
    previous = style.use_palette("okabe_ito")
    try:
        assert style.class_color(1) == "#0072b2" and style.palette()["classes"][0] == [
            230, 159, 0]
        ax = viz.plot_decision_boundary(model, X, y, resolution=30)
        assert any(type(c).__name__ == "QuadContourSet" and not c.filled
                   for c in ax.collections)  # the boundary stays a solid line
        scatter = [c for c in ax.collections if c.get_label() == "1 (train)"][0]
        assert np.allclose(scatter.get_facecolors()[0][:3], np.array([0, 114, 178]) / 255)
        plt.close(ax.figure)
    finally:
        style.use_palette(previous)
    assert style.class_color(1) == "#1a73e8"
    with pytest.raises(InvalidInputError, match="choose one of 'mlplab', 'okabe_ito'"):
        style.use_palette("viridis")
