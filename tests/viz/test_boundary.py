import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from viz_helpers import is_blue, is_orange, pixel_at, render

import mlplab
from mlplab import data, viz
from mlplab.errors import InvalidInputError, NotFittedError


def test_xor_regions_have_the_right_colours_in_each_quadrant(xor_net):
    model, X, y = xor_net
    ax = viz.plot_decision_boundary(model, X, y, resolution=120)
    image = render(ax.figure)
    # Class 0 (orange) where the signs agree, class 1 (blue) where they differ.
    for (x1, x2), expect_blue in [((0.6, 0.6), False), ((-0.6, -0.6), False),
                                  ((-0.6, 0.6), True), ((0.6, -0.6), True)]:
        # Probe a spot between points: step off any marker by checking a small cross.
        rgb = pixel_at(ax, image, x1 + 0.07, x2 + 0.07)
        assert (is_blue if expect_blue else is_orange)(rgb), (x1, x2, rgb)
    plt.close(ax.figure)


def test_train_and_test_points_are_told_apart(xor_net):
    model, X, y = xor_net
    ax = viz.plot_decision_boundary(model, X[:150], y[:150], X_test=X[150:], y_test=y[150:])
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["0 (train)", "1 (train)", "0 (test)", "1 (test)"]
    test_points = ax.collections[-1]
    assert np.allclose(test_points.get_facecolors()[0][:3], 1.0)  # hollow
    plt.close(ax.figure)


def test_multiclass_and_scikit_learn_models():
    X, y = data.blobs(n_samples=150, centers=3, cluster_std=1.0, random_state=1)
    model = LogisticRegression().fit(X, y)
    ax = viz.plot_decision_boundary(model, X, y, resolution=80)
    image = render(ax.figure)
    colours = {tuple(pixel_at(ax, image, *X[y == k].mean(axis=0) + 0.3)) for k in range(3)}
    assert len(colours) == 3
    plt.close(ax.figure)


def test_probability_contour_has_a_colour_bar(xor_net):
    model, X, y = xor_net
    ax = viz.plot_probability(model, X, y, resolution=80)
    colorbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert len(colorbar_axes) == 1 and colorbar_axes[0].get_ylabel() == "P(y = 1)"
    image = render(ax.figure)
    assert is_blue(pixel_at(ax, image, -0.75, 0.85))
    assert is_orange(pixel_at(ax, image, 0.85, 0.85))
    plt.close(ax.figure)


def test_probability_for_svc_and_regression():
    X, y = data.moons(n_samples=100, noise=0.1, random_state=0)
    ax = viz.plot_probability(SVC().fit(X, y), X, y, resolution=50)
    assert ax.figure.axes[1].get_ylabel() == "decision function"
    plt.close(ax.figure)
    X, t = data.regression_plane(n_samples=100, random_state=0)
    reg = mlplab.NetRegressor((8,), learning_rate=0.05, epochs=100, random_state=0,
                              n_iter_no_change=None).fit(X, t)
    ax = viz.plot_probability(reg, X, t, resolution=50)
    assert ax.figure.axes[1].get_ylabel() == "prediction"
    image = render(ax.figure)
    # The plane rises along x1 + x2: blue (high) top right, orange (low) bottom left.
    assert is_blue(pixel_at(ax, image, 0.95, 0.95)) and is_orange(pixel_at(ax, image, -0.95,
                                                                            -0.95))
    plt.close(ax.figure)


def test_comparison_grid_titles_carry_test_accuracy():
    moons = data.moons(n_samples=120, noise=0.2, random_state=42)
    circles = data.circles(n_samples=120, noise=0.1, factor=0.5, random_state=42)
    models = {"linear SVC": SVC(kernel="linear"), "rbf SVC": SVC(gamma="auto")}
    fig = viz.plot_comparison(models, {"moons": moons, "circles": circles}, resolution=60)
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("linear SVC: test acc ")
    assert fig.scores["circles"]["rbf SVC"] > fig.scores["circles"]["linear SVC"]
    assert f"{fig.scores['circles']['rbf SVC']:.2f}" in titles[3]
    render(fig)
    plt.close(fig)


def test_errors_name_the_fix(xor_net, tmp_path):
    model, X, y = xor_net
    with pytest.raises(NotFittedError, match="call fit"):
        viz.plot_decision_boundary(mlplab.Sequential([mlplab.Dense(3), mlplab.Dense(1)]), X, y)
    with pytest.raises(NotFittedError, match="SVC is not fitted"):
        viz.plot_decision_boundary(SVC(), X, y)
    with pytest.raises(InvalidInputError, match="X has 3 features.*features=\\(i, j\\).*PCA"):
        viz.plot_decision_boundary(model, np.zeros((5, 3)), np.zeros(5))
    wide = np.column_stack([X, np.zeros(len(X))])
    ax = viz.plot_decision_boundary(LogisticRegression().fit(X, y), wide, y, features=(0, 1))
    plt.close(ax.figure)
    with pytest.raises(InvalidInputError, match="at least one model"):
        viz.plot_comparison({}, {"x": (X, y)})


def test_mlplab_estimator_with_string_labels():
    X, y = data.blobs(n_samples=120, centers=3, cluster_std=0.8, random_state=2)
    names = np.array(["ant", "bee", "cat"])[y]
    model = mlplab.NetClassifier((8,), learning_rate=0.05, epochs=50, n_iter_no_change=None,
                                 random_state=0).fit(X, names)
    ax = viz.plot_decision_boundary(model, X, names, resolution=60)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["ant (train)", "bee (train)", "cat (train)"]
    image = render(ax.figure)
    centre = X[names == "bee"].mean(axis=0)
    assert is_blue(pixel_at(ax, image, *(centre + 0.5)))  # the second class is blue
    plt.close(ax.figure)
