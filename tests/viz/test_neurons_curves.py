import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_helpers import is_blue, is_orange, pixel_at, render

import mlplab
from mlplab import data, viz
from mlplab.errors import InvalidInputError


def test_one_panel_per_hidden_neuron_plus_output(xor_net):
    model, X, y = xor_net
    fig = viz.plot_neurons(model, X, y, resolution=40)
    assert [len(row) for row in fig.neuron_axes] == [4, 3, 1]
    assert fig.neuron_axes[0][0].get_title() == "layer 1 · n1"
    assert fig.neuron_axes[2][0].get_title() == "output · n1"
    hidden_only = viz.plot_neurons(model, X, include_output=False, resolution=30)
    assert [len(row) for row in hidden_only.neuron_axes] == [4, 3]
    render(fig)
    plt.close("all")


def test_first_layer_zero_lines_are_straight(xor_net):
    model, X, _ = xor_net
    fig = viz.plot_neurons(model, X, resolution=60)
    for ax in fig.neuron_axes[0]:
        for contour in ax.collections:
            for path in contour.get_paths():
                points = path.vertices
                if len(points) < 3:
                    continue
                # All vertices of a first-layer zero line lie on one straight line.
                centred = points - points.mean(axis=0)
                assert np.linalg.svd(centred, compute_uv=False)[1] < 1e-6 * len(points)
    plt.close(fig)


def test_network_diagram_draws_every_weight(xor_net):
    model, X, _ = xor_net
    ax = viz.plot_network(model)
    assert len(ax.lines) == 2 * 4 + 4 * 3 + 3 * 1
    widths = [line.get_linewidth() for line in ax.lines]
    assert max(widths) > 3 * min(widths)  # width follows |weight|
    plt.close(ax.figure)
    ax = viz.plot_network(model, X=X, thumbnails=True)
    assert len(ax.child_axes) == 4 + 3 + 1
    render(ax.figure)
    plt.close(ax.figure)


def test_history_plots_train_and_validation():
    X, y = data.moons(n_samples=200, noise=0.2, random_state=0)
    model = mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=0)
    model.compile(metrics=["accuracy"], learning_rate=0.05)
    history = model.fit(X, y, epochs=20, validation_split=0.25)
    fig = viz.plot_history(history)
    loss_ax, metric_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train loss", "validation loss"]
    assert loss_ax.lines[1].get_linestyle() == "--"
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), history.history["loss"])
    assert [line.get_label() for line in metric_ax.lines] == ["train accuracy",
                                                              "validation accuracy"]
    plt.close(fig)
    estimator = mlplab.NetClassifier((4,), epochs=5, n_iter_no_change=None,
                                     random_state=0).fit(X, y)
    assert len(viz.plot_history(estimator).axes[0].lines[0].get_ydata()) == 5
    with pytest.raises(InvalidInputError, match="takes a History"):
        viz.plot_history([0.5, 0.4])
    plt.close("all")


def test_linear_collapse_line_is_the_stacks_boundary():
    X, y = data.moons(n_samples=300, noise=0.05, random_state=42)
    model = mlplab.Sequential.from_spec([2, 2, 2, 2, 1], activation="linear", random_state=0)
    model.compile(learning_rate=0.01)
    model.fit(X, y, epochs=30)
    fig = viz.plot_linear_collapse(model, X, y, resolution=100)
    kernel, bias = fig.collapsed
    np.testing.assert_allclose(kernel, mlplab.collapse_linear(model)[0])
    left = fig.axes[0]
    dashed = [line for line in left.lines if line.get_linestyle() == "--"][0]
    xs, ys = dashed.get_data()
    normal = kernel[:, 0] / np.linalg.norm(kernel)
    for point in np.column_stack([xs, ys]):
        above = model.predict_classes((point + 1e-3 * normal)[None])[0]
        below = model.predict_classes((point - 1e-3 * normal)[None])[0]
        assert above != below  # the class flips across the drawn line
    text = " ".join(t.get_text() for t in fig.axes[1].texts)
    assert "21 parameters, 3 of them effective" in text
    image = render(fig)
    assert image.shape[0] > 200
    plt.close(fig)


def test_collapse_of_a_nonlinear_net_is_refused(xor_net):
    model, X, y = xor_net
    with pytest.raises(InvalidInputError, match="only a stack with linear hidden layers"):
        viz.plot_linear_collapse(model, X, y)


def test_neuron_colours_follow_activation(xor_net):
    model, X, _ = xor_net
    fig = viz.plot_neurons(model, X, resolution=40)
    image = render(fig)
    ax = fig.neuron_axes[2][0]  # the output neuron: P(class 1) blue where signs differ
    assert is_blue(pixel_at(ax, image, -0.8, 0.8)) and is_orange(pixel_at(ax, image, 0.8, 0.8))
    plt.close(fig)
