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


# -- E4: neural network vs SVMs ------------------------------------------------------------
E4_SPEC = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]
E4_DATA = {
    "circles": {"n_samples": 200, "noise": 0.2, "factor": 0.5},
    "moons": {"n_samples": 200, "noise": 0.2},
}
# Published test accuracies (poly, rbf, net).
E4_PUBLISHED = {"circles": (0.45, 0.88, 0.85), "moons": (0.80, 0.93, 0.93)}


def e4_split(name, **overrides):
    from sklearn.model_selection import train_test_split

    X, y = data.make_dataset(name, random_state=42, **{**E4_DATA[name], **overrides})
    return train_test_split(X, y, test_size=0.2, random_state=42)


@pytest.mark.parametrize("name", ["circles", "moons"])
def test_e4_net_and_svcs_match_the_published_table(name):
    from mlplab.baselines import make_model
    from mlplab.estimator import NetClassifier

    X_train, X_test, y_train, y_test = e4_split(name)
    poly, rbf, net_published = E4_PUBLISHED[name]
    assert make_model("svc_poly").fit(X_train, y_train).score(X_test, y_test) == \
        pytest.approx(poly, abs=0.05)
    assert make_model("svc_rbf").fit(X_train, y_train).score(X_test, y_test) == \
        pytest.approx(rbf, abs=0.05)
    # Weights ~ N(0, 0.1^2), full-batch gradient descent, lr 0.1, 10 000 epochs, seed 99.
    net = NetClassifier(layers=E4_SPEC, kernel_initializer={"name": "normal", "stddev": 0.1},
                        optimizer="sgd", momentum=0.0, learning_rate=0.1, batch_size=None,
                        epochs=10_000, alpha=0.0, n_iter_no_change=None, random_state=99)
    net.fit(X_train, y_train)
    assert net.n_iter_ == 10_000
    assert net.score(X_test, y_test) == pytest.approx(net_published, abs=0.05)


def test_e4_warm_up_table():
    from mlplab.baselines import make_model

    expected = {("circles", "svc_linear"): 0.30, ("moons", "svc_linear"): 1.00,
                ("circles", "svc_rbf"): 1.00, ("moons", "svc_rbf"): 1.00}
    for (name, model), published in expected.items():
        X_train, X_test, y_train, y_test = e4_split(name, n_samples=100, noise=0.1)
        score = make_model(model).fit(X_train, y_train).score(X_test, y_test)
        assert score == pytest.approx(published, abs=0.05), (name, model)
