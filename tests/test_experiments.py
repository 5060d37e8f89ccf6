"""The reference experiments E1 and E5, trained end to end (see shared/reference).

Published figures are single runs; where seeds matter we report and test the
spread over seeds rather than pick the seed that matches.
"""

import numpy as np
import pytest

import mlplab
from mlplab import data

pytestmark = pytest.mark.slow


def e1_net(activation, seed):
    model = mlplab.Sequential.from_spec([2, 2, 2, 2, 1], activation=activation,
                                        random_state=seed)
    return model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])


@pytest.fixture(scope="module")
def e1_moons():
    return data.moons(n_samples=1000, noise=0.05, random_state=42)


def test_e1_linear_stack_is_one_linear_map(e1_moons):
    X, y = e1_moons
    model = e1_net("linear", seed=0)
    model.fit(X, y, epochs=500, batch_size=100)
    assert model.count_params() == 21
    # Published: training accuracy about 0.888.
    assert model.evaluate(X, y)["accuracy"] == pytest.approx(0.888, abs=0.03)
    kernel, bias = mlplab.collapse_linear(model)
    assert kernel.shape == (2, 1) and bias.shape == (1,)
    collapsed = 1 / (1 + np.exp(-(X @ kernel + bias)))
    np.testing.assert_allclose(collapsed, model.predict(X), rtol=1e-10)
    # A straight boundary: the predicted class flips exactly on the line x @ w + b = 0.
    assert np.array_equal(model.predict_classes(X), (X @ kernel + bias > 0).astype(int)[:, 0])


def test_e1_collapse_refuses_a_nonlinear_stack(e1_moons):
    model = e1_net("tanh", seed=0).build(2)
    with pytest.raises(mlplab.MlplabError, match="hidden Dense layer 1 has activation 'tanh'"):
        mlplab.collapse_linear(model)


def test_e1_tanh_stack_bends_the_boundary(e1_moons):
    # Published: 0.982 after 500 epochs (one run). Over seeds, this 2-unit-wide tanh
    # stack either finds the curved boundary (accuracy 1.0) or is still near the
    # linear solution (about 0.89) after 500 epochs: 7 of seeds 0-19 found it when
    # this test was written. We check that the curved solution is found repeatedly.
    X, y = e1_moons
    accuracies = []
    for seed in range(10):
        model = e1_net("tanh", seed)
        model.fit(X, y, epochs=500, batch_size=100)
        accuracies.append(model.evaluate(X, y)["accuracy"])
    assert sum(a > 0.97 for a in accuracies) >= 3, accuracies
    assert min(accuracies) > 0.85, accuracies


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_e5_keras_style_xor(seed):
    # 2-4-4-2, ReLU, softmax, SGD momentum 0.99 (Keras' default learning rate 0.01),
    # batch 100, 200 epochs, 10 000 training points; 5 000 fresh test points.
    X, Y = data.xor(n_samples=10_000, kind="normal", one_hot=True, random_state=seed)
    X_test, Y_test = data.xor(n_samples=5_000, kind="normal", one_hot=True,
                              random_state=seed + 1000)
    model = mlplab.Sequential.from_spec([2, 4, 4, 2], activation="relu", random_state=seed)
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"],
                  optimizer=mlplab.SGD(learning_rate=0.01, momentum=0.99))
    history = model.fit(X, Y, epochs=200, batch_size=100)
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert model.evaluate(X_test, Y_test)["accuracy"] > 0.95
