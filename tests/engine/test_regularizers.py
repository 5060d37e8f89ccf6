"""Weight penalties: values worked out by hand, gradients against central finite
differences, a model's loss as the data loss (computed here from its predictions) plus
the penalty on its kernels, and configs that resolve back to the same regularizer."""

import json

import numpy as np
import pytest

import mlplab
from mlplab.engine import regularizers
from mlplab.engine.layers import Dense
from mlplab.engine.regularizers import L1, L1L2, L2
from mlplab.errors import InvalidInputError, InvalidTypeError

from numeric import EPS, central_differences  # isort: skip

# sum |W| = 1 + 2 + 0.5 + 0 = 3.5 and sum W^2 = 1 + 4 + 0.25 + 0 = 5.25
WEIGHTS = np.array([[1.0, -2.0], [0.5, 0.0]])
KINDS = {"l1": L1(0.03), "l2": L2(0.05), "l1l2": L1L2(l1=0.03, l2=0.05)}


# -- values and gradients --------------------------------------------------------------------
@pytest.mark.parametrize("regularizer,penalty,gradient", [
    (L1(0.1), 0.1 * 3.5, [[0.1, -0.1], [0.1, 0.0]]),  # l1 * sign(W); sign(0) = 0
    (L2(0.1), 0.1 * 5.25, [[0.2, -0.4], [0.1, 0.0]]),  # 2 * l2 * W
    (L1L2(l1=0.1, l2=0.2), 0.35 + 1.05, [[0.5, -0.9], [0.3, 0.0]]),
    (L1(), 0.01 * 3.5, [[0.01, -0.01], [0.01, 0.0]]),  # Keras' default strength, 0.01
    (L2(), 0.01 * 5.25, [[0.02, -0.04], [0.01, 0.0]]),
    (L1L2(), 0.0, [[0.0, 0.0], [0.0, 0.0]]),
], ids=["L1", "L2", "L1L2", "L1-default", "L2-default", "none"])
def test_penalty_and_gradient_by_hand(regularizer, penalty, gradient):
    assert regularizer.penalty(WEIGHTS) == pytest.approx(penalty, rel=1e-15)
    np.testing.assert_allclose(regularizer.gradient(WEIGHTS), gradient, rtol=1e-15)


def test_l1_and_l2_are_the_two_halves_of_l1l2():
    assert L1(0.3) == L1L2(l1=0.3, l2=0.0)
    assert L2(0.3) == L1L2(l1=0.0, l2=0.3)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_gradient_matches_finite_differences(kind, rng):
    regularizer = KINDS[kind]
    weights = rng.normal(size=(4, 3))
    assert np.min(np.abs(weights)) > 1e3 * EPS  # away from |W|'s kink at 0
    numeric = central_differences(lambda: regularizer.penalty(weights), weights)
    np.testing.assert_allclose(regularizer.gradient(weights), numeric, rtol=1e-7, atol=1e-10)


# -- in a model --------------------------------------------------------------------------------
def softmax_net(regularizer, random_state=0):
    return mlplab.Sequential([Dense(4, "tanh", input_dim=3, kernel_regularizer=regularizer),
                              Dense(3, "softmax", kernel_regularizer=regularizer)],
                             random_state=random_state).build().compile()


@pytest.fixture
def three_classes(rng):
    return rng.normal(size=(40, 3)), rng.integers(0, 3, size=40)


@pytest.mark.parametrize("config", [{"l1": 0.02}, {"l2": 0.05}, {"l1": 0.02, "l2": 0.05}])
def test_the_loss_is_the_data_loss_plus_the_penalty_on_every_kernel(config, three_classes):
    X, labels = three_classes
    penalised, plain = softmax_net(config), softmax_net(None)
    plain.set_weights(penalised.get_weights())
    probabilities = plain.predict(X)
    data_loss = -np.mean(np.log(probabilities[np.arange(len(X)), labels]))
    # Kernels only: biases are not penalised (Keras' kernel_regularizer), and the penalty
    # is added as it is, not divided by the number of samples.
    kernels = [layer.kernel for layer in penalised.layers]
    penalty = sum(config.get("l1", 0.0) * np.sum(np.abs(k)) + config.get("l2", 0.0)
                  * np.sum(k**2) for k in kernels)
    assert plain.evaluate(X, labels)["loss"] == pytest.approx(data_loss, rel=1e-12)
    assert penalised.evaluate(X, labels)["loss"] == pytest.approx(data_loss + penalty, rel=1e-12)
    assert penalised.penalty() == pytest.approx(penalty, rel=1e-12)


def test_a_models_gradients_include_the_penalty(three_classes):
    # The gradient backprop gives must be that of the loss evaluate() reports, penalty and
    # all, for every kernel and bias entry.
    X, labels = three_classes
    model = softmax_net({"l1": 0.02, "l2": 0.05})
    Y = np.eye(3)[labels]
    model.loss_and_gradients(X, Y)
    analytic = [g.copy() for g in model.gradients()]
    for gradient, parameter in zip(analytic, model.parameters(), strict=True):
        numeric = central_differences(lambda: model.evaluate(X, labels)["loss"], parameter)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-9)


# -- config and the resolver -----------------------------------------------------------------
@pytest.mark.parametrize("regularizer", [L1(0.02), L2(0.03), L1L2(l1=1e-4, l2=2e-4), L1L2()],
                         ids=repr)
def test_config_round_trips_through_the_resolver(regularizer):
    config = regularizer.config()
    assert config == {"l1": regularizer.l1, "l2": regularizer.l2}
    assert regularizers.get(config) == regularizer
    assert regularizers.get(json.loads(json.dumps(config))) == regularizer


def test_the_resolver_passes_none_and_regularizers_through():
    regularizer = L2(0.1)
    assert regularizers.get(None) is None
    assert regularizers.get(regularizer) is regularizer
    assert regularizers.get({"l2": 0.1}) == regularizer
    assert regularizers.get({}) == L1L2()


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf")])
@pytest.mark.parametrize("make", [lambda v: L1L2(l1=v), lambda v: L1L2(l2=v), L1, L2,
                                  lambda v: regularizers.get({"l2": v})],
                         ids=["L1L2-l1", "L1L2-l2", "L1", "L2", "get"])
def test_strengths_must_be_finite_and_non_negative(make, value):
    with pytest.raises(InvalidInputError, match="must be a finite number >= 0"):
        make(value)


def test_the_resolver_refuses_what_it_cannot_read():
    with pytest.raises(InvalidInputError, match="regularizer key 'l3' is unknown"):
        regularizers.get({"l3": 0.1})
    with pytest.raises(InvalidTypeError, match="give None, mlplab.engine.L2"):
        regularizers.get("l2")
    with pytest.raises(InvalidTypeError, match="not a str"):
        regularizers.get({"l2": "0.1"})
