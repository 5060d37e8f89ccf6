import numpy as np
import pytest

from mlplab.engine import activations, losses
from mlplab.errors import InvalidInputError, UnknownNameError

SIGMOID = activations.get("sigmoid")
SOFTMAX = activations.get("softmax")
LINEAR = activations.get("linear")


def test_bce_from_logits_matches_the_naive_formula_where_that_is_safe(rng):
    z = rng.normal(size=(20, 1)) * 3
    y = (rng.random((20, 1)) > 0.5).astype(float)
    p = 1 / (1 + np.exp(-z))
    naive = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert losses.get("binary_crossentropy").value(z, y, SIGMOID) == pytest.approx(naive)


def test_cce_matches_the_naive_formula(rng):
    z = rng.normal(size=(10, 3))
    labels = rng.integers(0, 3, size=10)
    loss = losses.get("categorical_crossentropy")
    y = loss.prepare_targets(labels, 3, np.float64)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    naive = -np.mean(np.log(p[np.arange(10), labels]))
    assert loss.value(z, y, SOFTMAX) == pytest.approx(naive)


@pytest.mark.parametrize("logit", [1e4, -1e4])
def test_losses_stay_finite_at_extreme_logits(logit):
    # The seeds' log(sigmoid(z)) gives -inf here; the logits form gives |z|.
    z = np.array([[logit]])
    bce = losses.get("bce")
    for y in (0.0, 1.0):
        value = bce.value(z, np.array([[y]]), SIGMOID)
        grad = bce.gradient(z, np.array([[y]]), SIGMOID)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
    wrong = 0.0 if logit > 0 else 1.0
    assert bce.value(z, np.array([[wrong]]), SIGMOID) == pytest.approx(abs(logit))
    z3 = np.array([[logit, -logit, 0.0]])
    cce = losses.get("cce")
    assert cce.value(z3, np.array([[0.0, 1.0, 0.0]]), SOFTMAX) == pytest.approx(2 * abs(logit) if
                                                                               logit > 0 else 0.0,
                                                                               abs=1e-9)
    assert np.all(np.isfinite(cce.gradient(z3, np.array([[0.0, 1.0, 0.0]]), SOFTMAX)))


@pytest.mark.parametrize("name,activation,n_out", [
    ("binary_crossentropy", SIGMOID, 1), ("binary_crossentropy", SIGMOID, 3),
    ("categorical_crossentropy", SOFTMAX, 3), ("mse", LINEAR, 2), ("mse", SIGMOID, 1),
    ("mse", SOFTMAX, 3),
])
def test_gradient_matches_finite_differences(name, activation, n_out, rng):
    loss = losses.get(name)
    z = rng.normal(size=(7, n_out))
    if name == "categorical_crossentropy":
        y = loss.prepare_targets(rng.integers(0, n_out, 7), n_out, np.float64)
    else:
        y = rng.random((7, n_out)).round() if name != "mse" else rng.normal(size=(7, n_out))
    weights = rng.random((7, 1)) * 2
    for factor in (None, weights):
        analytic = loss.gradient(z, y, activation, factor)
        numeric = np.zeros_like(z)
        for index in np.ndindex(z.shape):
            plus, minus = z.copy(), z.copy()
            plus[index] += 1e-6
            minus[index] -= 1e-6
            numeric[index] = (loss.value(plus, y, activation, factor)
                              - loss.value(minus, y, activation, factor)) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-10)


def test_target_checks_name_the_problem():
    bce = losses.get("binary_crossentropy")
    with pytest.raises(InvalidInputError, match="needs labels 0 or 1"):
        bce.prepare_targets(np.array([-1, 1, 1]), 1, np.float64)
    with pytest.raises(InvalidInputError, match="LabelEncoder"):
        bce.prepare_targets(np.array(["cat", "dog"]), 1, np.float64)
    cce = losses.get("categorical_crossentropy")
    with pytest.raises(InvalidInputError, match="contains class 3 but the output layer has 3"):
        cce.prepare_targets(np.array([0, 1, 3]), 3, np.float64)
    with pytest.raises(InvalidInputError, match="integer class labels"):
        cce.prepare_targets(np.array([0.5, 1.0]), 3, np.float64)
    with pytest.raises(InvalidInputError, match=r"shape \(n_samples, 2\)"):
        losses.get("mse").prepare_targets(np.zeros((4, 3)), 2, np.float64)
    with pytest.raises(InvalidInputError, match="NaN"):
        losses.get("mse").prepare_targets(np.array([0.0, np.nan]), 1, np.float64)


def test_loss_needs_its_output_activation():
    with pytest.raises(InvalidInputError, match="needs an output layer with activation 'softmax'"):
        losses.get("categorical_crossentropy").check_activation(SIGMOID)
    losses.get("mse").check_activation(SOFTMAX)  # mse accepts any output


def test_names_and_defaults():
    assert losses.get("sparse_categorical_crossentropy").name == "categorical_crossentropy"
    assert losses.default_for(SIGMOID).name == "binary_crossentropy"
    assert losses.default_for(LINEAR).name == "mse"
    with pytest.raises(UnknownNameError, match="Did you mean 'mse'"):
        losses.get("mes")


@pytest.mark.parametrize("name,activation,n_out", [
    ("half_squared_error", LINEAR, 1), ("half_squared_error", LINEAR, 3),
    ("poisson", LINEAR, 2), ("multilabel_crossentropy", SIGMOID, 4),
])
def test_scikit_learn_losses_gradient_matches_finite_differences(name, activation, n_out,
                                                                 rng):
    loss = losses.get(name)
    assert name in losses.SCIKIT_LEARN_LOSSES and name not in losses.LOSSES
    z = rng.normal(size=(6, n_out))
    y = {"poisson": rng.poisson(2.0, size=(6, n_out)).astype(float),
         "multilabel_crossentropy": rng.random((6, n_out)).round()}.get(
        name, rng.normal(size=(6, n_out)))
    for factor in (None, rng.random((6, 1)) * 2):
        analytic = loss.gradient(z, y, activation, factor)
        numeric = np.zeros_like(z)
        for index in np.ndindex(z.shape):
            plus, minus = z.copy(), z.copy()
            plus[index] += 1e-6
            minus[index] -= 1e-6
            numeric[index] = (loss.value(plus, y, activation, factor)
                              - loss.value(minus, y, activation, factor)) / 2e-6
        # half_squared_error pairs its value (a mean over outputs) with the gradient of
        # the sum, as scikit-learn's MLP does: n_out times the value's gradient
        scale = n_out if name == "half_squared_error" else 1
        np.testing.assert_allclose(analytic, scale * numeric, rtol=1e-6, atol=1e-10)


def test_scikit_learn_losses_equal_its_loss_functions(rng):
    """The values of scikit-learn's own squared, Poisson and binary log losses."""
    from sklearn.neural_network._base import binary_log_loss, poisson_loss, squared_loss

    for n_outputs in (1, 3):
        z, y = rng.normal(size=(9, n_outputs)), rng.normal(size=(9, n_outputs))
        assert losses.get("half_squared_error").value(z, y, LINEAR) == pytest.approx(
            squared_loss(y, z), rel=1e-12)
    counts = rng.poisson(1.5, size=(9, 2)).astype(float)
    z2 = rng.normal(size=(9, 2))
    assert losses.get("poisson").value(z2, counts, LINEAR) == pytest.approx(
        poisson_loss(counts, np.exp(z2)), rel=1e-12)
    labels = rng.random((9, 3)).round()
    z3 = rng.normal(size=(9, 3))
    assert losses.get("multilabel_crossentropy").value(z3, labels, SIGMOID) == pytest.approx(
        binary_log_loss(labels, activations.sigmoid(z3)), rel=1e-12)


def test_poisson_refuses_negative_targets():
    with pytest.raises(InvalidInputError, match="targets >= 0"):
        losses.get("poisson").prepare_targets(np.array([1.0, -2.0]), 1, np.float64)


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_a_sample_factor_weighs_each_row_s_loss_and_gradient_over_the_batch(name, rng):
    """``value(..., factor) = sum(factor_i * l_i) / n`` (Keras' "sum_over_batch_size" when
    the factors are the weights as given) and the gradient is each row's, times its
    factor, in the batch of n."""
    loss = losses.LOSSES[name]
    activation = activations.ACTIVATIONS["softmax" if "categorical" in name else "sigmoid"]
    z = rng.normal(size=(4, 3))
    y = np.eye(3)[[0, 2, 1, 2]]
    factor = np.array([[2.0], [0.0], [0.5], [3.0]])
    rows = [loss.value(z[i:i + 1], y[i:i + 1], activation) for i in range(4)]
    assert loss.value(z, y, activation, factor) == pytest.approx(
        sum(f * row for f, row in zip(factor[:, 0], rows, strict=True)) / 4, rel=1e-12)
    row_gradients = np.vstack([loss.gradient(z[i:i + 1], y[i:i + 1], activation)
                               for i in range(4)])  # each of a batch of 1
    np.testing.assert_allclose(loss.gradient(z, y, activation, factor),
                               factor * row_gradients / 4, rtol=1e-12)
