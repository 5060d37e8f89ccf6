"""One step of each optimizer against arithmetic done by hand."""

import math

import numpy as np
import pytest

from mlplab.engine import optimizers
from mlplab.errors import InvalidInputError, MlplabError, UnknownNameError

W0 = [1.0, -2.0]
G = [0.5, 0.25]


def run(optimizer, steps=1, grads=None):
    w = np.array(W0)
    for _ in range(steps):
        optimizer.step([w], [np.array(grads or G)])
    return w


def test_sgd_step():
    np.testing.assert_allclose(run(optimizers.SGD(learning_rate=0.1)), [0.95, -2.025])


def test_momentum_two_steps():
    # v1 = -0.1 g = (-0.05, -0.025); w1 = (0.95, -2.025)
    # v2 = 0.9 v1 - 0.1 g = (-0.095, -0.0475); w2 = (0.855, -2.0725)
    w = run(optimizers.SGD(learning_rate=0.1, momentum=0.9), steps=2)
    np.testing.assert_allclose(w, [0.855, -2.0725])


def test_nesterov_two_steps():
    # step 1: v1 = (-0.05, -0.025); w += 0.9 v1 - 0.1 g = (-0.095, -0.0475) -> (0.905, -2.0475)
    # step 2: v2 = (-0.095, -0.0475); w += 0.9 v2 - 0.1 g = (-0.1355, -0.06775)
    w = run(optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), steps=2)
    np.testing.assert_allclose(w, [0.7695, -2.11525])


def test_adam_first_step_moves_each_weight_by_about_the_learning_rate():
    # m = 0.1 g, v = 0.001 g^2; bias correction gives m_hat = g, v_hat = g^2,
    # so the step is lr * g / (|g| + eps).
    w = run(optimizers.Adam(learning_rate=0.001, epsilon=1e-7))
    expected = [1.0 - 0.001 * 0.5 / (0.5 + 1e-7), -2.0 - 0.001 * 0.25 / (0.25 + 1e-7)]
    np.testing.assert_allclose(w, expected, rtol=1e-14)


def test_adam_second_step_with_a_new_gradient():
    w = np.array(W0)
    adam = optimizers.Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    adam.step([w], [np.array([0.5, 0.25])])
    adam.step([w], [np.array([-0.5, 1.0])])
    # weight 0 by hand: m = 0.9*0.05 + 0.1*(-0.5) = -0.005; v = 0.999*0.00025 + 0.001*0.25
    m, v = -0.005, 0.999 * 0.00025 + 0.00025
    m_hat, v_hat = m / (1 - 0.81), v / (1 - 0.999**2)
    w0_first = 1.0 - 0.01 * 0.5 / (0.5 + 1e-8)
    assert w[0] == pytest.approx(w0_first - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-12)


def test_rmsprop_step():
    # s = 0.1 g^2, step = lr g / sqrt(0.1 g^2) = lr / sqrt(0.1) * sign(g)
    w = run(optimizers.RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-12))
    np.testing.assert_allclose(w, [1 - 0.01 / math.sqrt(0.1), -2 - 0.01 / math.sqrt(0.1)])


def test_adagrad_step():
    # s = 0.1 + g^2 -> (0.35, 0.1625)
    w = run(optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.1,
                               epsilon=1e-12))
    np.testing.assert_allclose(w, [1 - 0.05 / math.sqrt(0.35), -2 - 0.025 / math.sqrt(0.1625)])


def test_float32_parameters_stay_float32():
    for name in optimizers.OPTIMIZERS:
        w = np.ones(3, dtype=np.float32)
        opt = optimizers.get(name)
        opt.step([w], [np.full(3, 0.1, dtype=np.float32)])
        assert w.dtype == np.float32 and np.all(w < 1)


def test_resolver():
    sgd = optimizers.get({"name": "sgd", "momentum": 0.9}, learning_rate=0.5)
    assert (sgd.learning_rate, sgd.momentum) == (0.5, 0.9)
    assert optimizers.get("adam").config()["name"] == "adam"
    with pytest.raises(UnknownNameError, match="Did you mean 'adam'"):
        optimizers.get("adma")
    with pytest.raises(InvalidInputError, match="it takes: learning_rate, momentum, nesterov"):
        optimizers.get("sgd", lr=0.1)
    with pytest.raises(InvalidInputError, match="learning_rate must be a positive, finite number"):
        optimizers.SGD(learning_rate=-1)
    with pytest.raises(InvalidInputError, match=r"momentum must be a number in \[0, 1\)"):
        optimizers.SGD(momentum=1.5)


@pytest.mark.parametrize("make,message", [
    (lambda: optimizers.SGD(learning_rate=math.inf),
     r"SGD\(learning_rate=inf\): .* Try SGD\(learning_rate=0.01\)"),
    (lambda: optimizers.SGD(learning_rate=math.nan), "learning_rate must be a positive, finite"),
    (lambda: optimizers.SGD(learning_rate=-0.1), "learning_rate must be a positive, finite"),
    (lambda: optimizers.SGD(learning_rate="0.1"), "not a str"),
    (lambda: optimizers.SGD(momentum=1.0), r"momentum must be a number in \[0, 1\)"),
    (lambda: optimizers.SGD(nesterov="yes"), "nesterov must be True or False"),
    (lambda: optimizers.Adam(beta_1=-0.1), r"beta_1 must be a number in \[0, 1\)"),
    (lambda: optimizers.Adam(beta_2=1.0), r"beta_2 must be a number in \[0, 1\)"),
    (lambda: optimizers.Adam(epsilon=0), r"epsilon must be a positive, finite number"),
    (lambda: optimizers.RMSprop(rho=2), r"rho must be a number in \[0, 1\)"),
    (lambda: optimizers.Adagrad(initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda: optimizers.get("sgd", momentun=0.9), "Did you mean 'momentum'"),
])
def test_bad_hyperparameters_are_refused_with_a_valid_example(make, message):
    with pytest.raises(MlplabError, match=message) as info:
        make()
    assert isinstance(info.value, ValueError | TypeError)
    assert "Try SGD(learning_rate=inf)" not in str(info.value)


def test_scikit_learn_adam_takes_scikit_learns_steps(rng):
    """Ten steps equal to scikit-learn's own AdamOptimizer from the same start."""
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    from mlplab.engine.optimizers import ScikitLearnAdam

    ours = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    theirs = [p.copy() for p in ours]
    optimizer = ScikitLearnAdam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6)
    reference = AdamOptimizer(theirs, 0.01, 0.8, 0.99, 1e-6)
    for _ in range(10):
        gradients = [rng.normal(size=p.shape) * 1e-3 for p in ours]
        optimizer.step(ours, gradients)
        reference.update_params(theirs, gradients)
    for mine, expected in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, expected)
    # One step from zero state with g = epsilon = 1e-6, beta_2 = 0.99 (sqrt(1 - beta_2) =
    # 0.1): Adam moves lr * g / (g + eps) = lr / 2; scikit-learn's moves
    # lr * 0.1 g / (0.1 g + eps) = lr / 11.
    for kind, moved in ((optimizers.Adam, 0.01 / 2), (ScikitLearnAdam, 0.01 / 11)):
        w = np.zeros(1)
        kind(learning_rate=0.01, beta_2=0.99, epsilon=1e-6).step([w], [np.full(1, 1e-6)])
        assert -w[0] == pytest.approx(moved, rel=1e-9)


# -- Keras 3's rules, written from keras/src/optimizers/{rmsprop,adagrad,adam}.py --------
# Two steps from w = (1, -2) with g1 = (0.5, 0.25), g2 = (-0.5, 1); epsilon is large
# (1e-2, 1e-3) so that where it enters shows in the numbers.
G2 = [-0.5, 1.0]


def two_steps(optimizer):
    w = np.array(W0)
    optimizer.step([w], [np.array(G)])
    optimizer.step([w], [np.array(G2)])
    return w


def moved_alike(w, expected):
    """Whether ``w`` moved from W0 as ``expected`` did, to 0.1%."""
    return np.allclose(w - np.array(W0), np.array(expected) - np.array(W0), rtol=1e-3)


def test_keras_rmsprop_adds_epsilon_inside_the_square_root():
    # Keras: velocity = rho v + (1 - rho) g^2; w -= lr g / sqrt(velocity + epsilon)
    # s after step 1: 0.1 g^2 = (0.025, 0.00625); step 2: 0.9 s + 0.1 g2^2 = (0.0475, 0.105625)
    expected = [1 - 0.01 * 0.5 / math.sqrt(0.025 + 0.01) + 0.01 * 0.5 / math.sqrt(0.0475 + 0.01),
                -2 - 0.01 * 0.25 / math.sqrt(0.00625 + 0.01)
                - 0.01 * 1.0 / math.sqrt(0.105625 + 0.01)]
    keras_rule = optimizers.KerasRMSprop(learning_rate=0.01, rho=0.9, epsilon=0.01)
    np.testing.assert_allclose(two_steps(keras_rule), expected, rtol=1e-14)
    mlplab_rule = optimizers.RMSprop(learning_rate=0.01, rho=0.9, epsilon=0.01)
    assert not moved_alike(two_steps(mlplab_rule), expected)


def test_keras_adagrad_starts_at_0_1_and_adds_epsilon_inside_the_square_root():
    # Keras: accumulator starts at 0.1; += g^2; w -= lr g / sqrt(accumulator + epsilon)
    # accumulator after step 1: (0.35, 0.1625); after step 2: (0.6, 1.1625)
    expected = [1 - 0.1 * 0.5 / math.sqrt(0.35 + 0.01) + 0.1 * 0.5 / math.sqrt(0.6 + 0.01),
                -2 - 0.1 * 0.25 / math.sqrt(0.1625 + 0.01) - 0.1 * 1.0 / math.sqrt(1.1725)]
    keras_rule = optimizers.KerasAdagrad(learning_rate=0.1, epsilon=0.01)
    assert keras_rule.initial_accumulator_value == 0.1
    np.testing.assert_allclose(two_steps(keras_rule), expected, rtol=1e-14)
    assert not moved_alike(two_steps(optimizers.Adagrad(learning_rate=0.1, epsilon=0.01)),
                           expected)
    defaults = optimizers.KerasAdagrad()
    assert (defaults.learning_rate, defaults.epsilon) == (0.001, 1e-7)  # Keras' defaults


def test_keras_adam_folds_the_bias_corrections_into_the_step_size():
    # Keras: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1);
    # v += (g^2 - v)(1 - b2); w -= m alpha / (sqrt(v) + epsilon)
    lr, eps = 0.01, 1e-3
    alpha_1 = lr * math.sqrt(1 - 0.999) / (1 - 0.9)
    alpha_2 = lr * math.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    m1, v1 = [0.05, 0.025], [0.00025, 0.0000625]  # 0.1 g1, 0.001 g1^2
    m2 = [0.05 + (-0.5 - 0.05) * 0.1, 0.025 + (1.0 - 0.025) * 0.1]  # (-0.005, 0.1225)
    v2 = [0.00025 + (0.25 - 0.00025) * 0.001, 0.0000625 + (1.0 - 0.0000625) * 0.001]
    expected = [w - a * alpha_1 / (math.sqrt(b) + eps) - c * alpha_2 / (math.sqrt(d) + eps)
                for w, a, b, c, d in zip(W0, m1, v1, m2, v2, strict=True)]
    keras_rule = optimizers.KerasAdam(learning_rate=lr, epsilon=eps)
    np.testing.assert_allclose(two_steps(keras_rule), expected, rtol=1e-14)
    assert optimizers.KerasAdam().epsilon == 1e-7
    same_rule = optimizers.ScikitLearnAdam(learning_rate=lr, epsilon=eps)  # same maths
    np.testing.assert_allclose(two_steps(same_rule), expected, rtol=1e-14)
    assert not moved_alike(two_steps(optimizers.Adam(learning_rate=lr, epsilon=eps)),
                           expected)


@pytest.mark.parametrize("name", ["keras_adam", "keras_rmsprop", "keras_adagrad"])
def test_keras_rules_round_trip_their_config(name):
    optimizer = optimizers.get({"name": name, "learning_rate": 0.02, "epsilon": 1e-5})
    again = optimizers.get(optimizer.config())
    assert type(again) is type(optimizer) and again.config() == optimizer.config()


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_the_state_taken_back_continues_the_steps(name):
    """state_config / restore_state (what the Keras dialect's files keep): an optimizer
    given another's state takes the same next step, through JSON."""
    import json

    def fresh():
        momentum = {"momentum": 0.9} if name == "sgd" else {}  # a state to keep
        return optimizers.get({"name": name, "learning_rate": 0.05, **momentum})

    weights = [np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([0.3, -0.1])]
    gradient = [np.array([[0.5, 0.25], [-1.0, 0.1]]), np.array([0.2, -0.4])]
    first = fresh()
    for _ in range(3):
        first.step(weights, gradient)
    copy = [w.copy() for w in weights]
    second = fresh()
    second.restore_state(json.loads(json.dumps(first.state_config())), copy)
    assert second.iterations == 3
    first.step(weights, gradient)
    second.step(copy, gradient)
    for a, b in zip(weights, copy, strict=True):
        np.testing.assert_array_equal(a, b)
    other = [-0.3 * g + 0.05 for g in gradient]  # (Adam's step is lr for any constant g)
    restarted = [w.copy() for w in copy]
    fresh().step(restarted, other)  # without the state: another step
    second.step(copy, other)
    assert not np.allclose(restarted[0], copy[0], rtol=1e-9)
    with pytest.raises(InvalidInputError, match="does not fit"):
        fresh().restore_state(first.state_config(), weights[:1])
