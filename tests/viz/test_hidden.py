"""plot_hidden_space: the data and the input grid in a layer's own coordinates."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

import mlplab
from mlplab import data, viz
from mlplab.errors import InvalidInputError, NotFittedError


def separability(points, y):
    """How well a straight line (plane) separates the classes: logistic regression's score."""
    return LogisticRegression(C=100.0, max_iter=2000).fit(points, y).score(points, y)


def test_xor_becomes_linearly_separable_in_the_last_hidden_layer(xor_net):
    model, X, y = xor_net  # 2-4-3-1 sigmoid
    ax = viz.plot_hidden_space(model, X, y, layer=2)
    space = ax.hidden_space
    assert ax.name == "3d" and space.points.shape == (len(X), 3)
    assert separability(space.points, y) >= 0.95
    assert separability(viz.hidden_space(model, X, 0).points, y) < 0.8  # XOR: no line in x
    # What is drawn is what was computed: the 3-D scatter's points are the mapped data.
    drawn = np.vstack([np.column_stack(c._offsets3d) for c in ax.collections
                       if hasattr(c, "_offsets3d") and len(c._offsets3d[0])])
    assert np.allclose(np.sort(drawn, axis=0), np.sort(space.points, axis=0))
    # The dashed plane is the output unit's boundary: its side is the predicted class.
    w, b = space.boundary
    assert np.array_equal(space.points @ w + b > 0, model.predict(X)[:, 0] > 0.5)
    plt.close(ax.figure)


def test_coordinates_are_the_layers_activations_by_hand():
    X, y = data.moons(n_samples=60, noise=0.1, random_state=0)
    model = mlplab.Sequential.from_spec([2, 5, 2, 1], activation="tanh", random_state=1)
    model.compile(optimizer="adam").fit(X, y, epochs=3)
    W1, b1, W2, b2, _, _ = model.get_weights()
    space = viz.hidden_space(model, X, 2)
    assert np.allclose(space.points, np.tanh(np.tanh(X @ W1 + b1) @ W2 + b2), atol=1e-12)
    lines = viz.hidden_space(model, X, 0).grid  # straight lines of the input plane
    assert np.allclose(space.grid, np.tanh(np.tanh(lines @ W1 + b1) @ W2 + b2), atol=1e-12)
    assert space.axis_labels == ["layer 2 · n1", "layer 2 · n2"]


def test_a_wide_layer_is_drawn_through_pca_and_says_so():
    X, y = data.moons(n_samples=80, noise=0.1, random_state=0)
    model = mlplab.Sequential.from_spec([2, 8, 1], activation="relu", random_state=0)
    model.compile(optimizer="adam").fit(X, y, epochs=5)
    ax = viz.plot_hidden_space(model, X, y, layer=1)
    space = ax.hidden_space
    hidden = np.maximum(X @ model.get_weights()[0] + model.get_weights()[1], 0)
    reference = PCA(n_components=2).fit(hidden)
    assert np.allclose(np.abs(space.points), np.abs(reference.transform(hidden)), atol=1e-9)
    share = reference.explained_variance_ratio_[0]
    assert ax.get_xlabel() == f"PC1 of layer 1 ({share:.0%} of its variance)"
    assert "(PCA)" in ax.get_title()
    plt.close(ax.figure)


def test_all_layers_side_by_side(xor_net):
    model, X, y = xor_net
    figure = viz.plot_hidden_space(model, X, y, layer="all")
    titles = [ax.get_title() for ax in figure.hidden_axes]
    assert titles == ["input plane", "layer 1: 4 sigmoid units (PCA)",
                      "layer 2: 3 sigmoid units", "output: 1 sigmoid unit"]
    assert [ax.name for ax in figure.hidden_axes] == ["rectilinear", "rectilinear", "3d",
                                                      "rectilinear"]
    assert figure.hidden_axes[-1].get_xlabel() == "output: P(y = 1)"
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert labels[:2] == ["0 (train)", "1 (train)"] and "threshold 0.5" in labels
    plt.close(figure)


def test_estimators_and_an_axes_of_ones_own():
    X, y = data.circles(n_samples=100, noise=0.05, factor=0.5, random_state=0)
    estimator = mlplab.NetClassifier(hidden_layer_sizes=(2,), activation="tanh", epochs=20,
                                     random_state=0).fit(X, y)
    figure, ax = plt.subplots()
    assert viz.plot_hidden_space(estimator, X, y, layer=1, ax=ax) is ax
    assert ax.hidden_space.boundary is not None  # 2 units, then the output: a line
    with pytest.raises(InvalidInputError, match=r"projection='3d'"):
        viz.plot_hidden_space(mlplab.NetClassifier(hidden_layer_sizes=(3,), epochs=2).fit(
            X, y), X, y, layer=1, ax=ax)
    plt.close(figure)


def test_bad_layers_and_unfitted_models_are_refused(xor_net):
    model, X, y = xor_net
    with pytest.raises(InvalidInputError, match=r"layer=4: give 0 \(the input plane\), 1..3"):
        viz.plot_hidden_space(model, X, y, layer=4)
    with pytest.raises(InvalidInputError, match="layer='last'"):
        viz.plot_hidden_space(model, X, y, layer="last")
    with pytest.raises(NotFittedError):
        viz.plot_hidden_space(mlplab.NetClassifier(), X, y)


def test_the_warp_animates_over_training(tmp_path):
    X, y = data.xor(n_samples=120, random_state=0)
    model = mlplab.Sequential.from_spec([2, 4, 2, 1], activation="tanh", random_state=0)
    model.compile(optimizer="adam", learning_rate=0.05)
    result = viz.animate_hidden_space(model, X, y, layer=2, epochs=40, every=4,
                                      out=tmp_path / "warp.gif")
    assert result.n_frames == 11
    image = Image.open(result.path)
    frames = []
    for index in (0, image.n_frames - 1):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGB"), dtype=int))
    assert np.abs(frames[0] - frames[1]).mean() > 2  # the points moved
    assert np.allclose(model.get_weights()[0], result.snapshots[-1]["weights"][0])
    plt.close(result.figure)


def test_a_regressor_is_coloured_by_its_target():
    X, t = data.regression_plane(n_samples=80, random_state=0)
    regressor = mlplab.NetRegressor(hidden_layer_sizes=(2,), activation="tanh", epochs=5,
                                    random_state=0).fit(X, t)
    figure = viz.plot_hidden_space(regressor, X, t, layer="all")
    output = figure.hidden_axes[-1]
    assert output.get_ylabel() == "target"
    assert np.allclose(output.collections[0].get_offsets()[:, 1], t)
    assert not figure.legends and figure.hidden_axes[1].hidden_space.boundary is None
    plt.close(figure)


def test_keras_dialect_models_are_drawn_and_recorded():
    from mlplab import keras
    from mlplab.engine.health import TrainingHealth
    from mlplab.keras import layers

    X, y = data.moons(n_samples=100, noise=0.1, random_state=0)
    model = keras.Sequential([layers.Dense(2, activation="tanh", input_shape=[2]),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    health = TrainingHealth(X, y)
    history = model.fit(X, y, epochs=3, verbose=0, callbacks=[health])
    figure = viz.plot_training_health(history)
    plt.close(figure)
    ax = viz.plot_hidden_space(model, X, y, layer=1)
    W, b = model.get_weights()[:2]
    assert np.allclose(ax.hidden_space.points, np.tanh(X @ W + b))
    plt.close(ax.figure)
