"""Dense and Dropout against independent truths: central finite differences, a
hand-worked forward pass, PyTorch where installed, and the binomial statistics of
dropout masks. Every registered activation is checked, so a new one is too."""

import numpy as np
import pytest

import mlplab
from mlplab.engine import ACTIVATIONS, initializers
from mlplab.engine.layers import Dense, Dropout
from mlplab.engine.regularizers import L1, L1L2
from mlplab.errors import NotFittedError

from numeric import EPS, central_differences  # isort: skip

ACTIVATION_NAMES = sorted(ACTIVATIONS)
REGULARIZERS = {"none": None, "l1l2": L1L2(l1=0.03, l2=0.02)}


def built_dense(activation, rng, fan_in=3, units=4, kernel_regularizer=None):
    layer = Dense(units, activation=activation, kernel_regularizer=kernel_regularizer)
    layer.build(fan_in, rng, np.float64)
    layer.bias[...] = rng.normal(size=units)  # a zero bias would hide a missing "+ bias"
    return layer


def away_from_kinks(layer, x):
    """relu, leaky_relu and elu kink at z = 0, L1 at W = 0: stay an eps-step away."""
    z = x @ layer.kernel + layer.bias
    assert np.min(np.abs(z)) > 1e3 * EPS and np.min(np.abs(layer.kernel)) > 1e3 * EPS


# -- Dense forward -----------------------------------------------------------------------
def test_dense_forward_by_hand():
    # z = x @ W + b worked out on paper: row 1 is (1+1+0.1, 0+2-0.2, -1+4+0.3), row 2 is
    # (-1+0+0.1, 0+0-0.2, 1+0+0.3); relu keeps the positives.
    layer = Dense(3, activation="relu", input_dim=2)
    layer.build(2, np.random.default_rng(0), np.float64)
    layer.kernel[...] = [[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]]
    layer.bias[...] = [0.1, -0.2, 0.3]
    out = layer.forward(np.array([[1.0, 2.0], [-1.0, 0.0]]))
    np.testing.assert_allclose(layer.logits, [[2.1, 1.8, 3.3], [-0.9, -0.2, 1.3]], rtol=1e-15)
    np.testing.assert_allclose(out, [[2.1, 1.8, 3.3], [0.0, 0.0, 1.3]], rtol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_dense_forward_is_the_activation_of_x_kernel_plus_bias(name, rng):
    layer = built_dense(name, rng, fan_in=3, units=4)
    x = rng.normal(size=(6, 3))
    out = layer.forward(x)
    # The affine map written out as sums, not as the layer's matrix product.
    z = np.array([[sum(x[i, k] * layer.kernel[k, j] for k in range(3)) + layer.bias[j]
                   for j in range(4)] for i in range(6)])
    assert out.shape == layer.logits.shape == (6, 4)
    np.testing.assert_allclose(layer.logits, z, rtol=1e-13)
    np.testing.assert_allclose(out, ACTIVATIONS[name].forward(z), rtol=1e-13)
    if name == "softmax":  # row-wise: each sample's outputs are a distribution
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-14)


# -- Dense backward ----------------------------------------------------------------------
@pytest.mark.parametrize("regularizer", sorted(REGULARIZERS))
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_dense_backward_matches_finite_differences(name, regularizer, rng):
    # L = sum(upstream * a) + penalty(kernel): backward(upstream) must return dL/dx and
    # store dL/dkernel (the penalty's gradient included) and dL/dbias.
    layer = built_dense(name, rng, kernel_regularizer=REGULARIZERS[regularizer])
    x = rng.normal(size=(5, 3))
    upstream = rng.normal(size=(5, 4))
    away_from_kinks(layer, x)

    def objective():
        return np.sum(upstream * layer.forward(x)) + layer.penalty()

    layer.forward(x)
    grad_x = layer.backward(upstream)
    grad_kernel, grad_bias = layer.gradients
    assert grad_x.shape == x.shape and grad_kernel.shape == (3, 4) and grad_bias.shape == (4,)
    for analytic, array in [(grad_x, x), (grad_kernel, layer.kernel), (grad_bias, layer.bias)]:
        np.testing.assert_allclose(analytic, central_differences(objective, array),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("regularizer", sorted(REGULARIZERS))
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_dense_backward_from_logits_matches_finite_differences(name, regularizer, rng):
    # The output layer is fused with the loss: given dL/dz, the activation is skipped.
    # L = sum(grad_z * z) + penalty(kernel).
    layer = built_dense(name, rng, kernel_regularizer=REGULARIZERS[regularizer])
    x = rng.normal(size=(5, 3))
    grad_z = rng.normal(size=(5, 4))
    away_from_kinks(layer, x)

    def objective():
        layer.forward(x)
        return np.sum(grad_z * layer.logits) + layer.penalty()

    layer.forward(x)
    grad_x = layer.backward_from_logits(grad_z)
    grad_kernel, grad_bias = layer.gradients
    for analytic, array in [(grad_x, x), (grad_kernel, layer.kernel), (grad_bias, layer.bias)]:
        np.testing.assert_allclose(analytic, central_differences(objective, array),
                                   rtol=1e-6, atol=1e-9)


def torch_activation(torch, name):
    references = {
        "linear": lambda z: z,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": torch.nn.functional.leaky_relu,  # PyTorch's default slope, 0.01
        "elu": torch.nn.functional.elu,  # alpha = 1
        "softmax": lambda z: torch.softmax(z, dim=1),
    }
    if name not in references:
        pytest.fail(f"activation {name!r} has no PyTorch reference: add it to "
                    "torch_activation() in tests/engine/test_layers.py.")
    return references[name]


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_dense_matches_pytorch(name, rng):
    torch = pytest.importorskip("torch")
    layer = built_dense(name, rng, kernel_regularizer=L1L2(l1=0.03, l2=0.02))
    x = rng.normal(size=(5, 3))
    upstream = rng.normal(size=(5, 4))
    out = layer.forward(x)
    grad_x = layer.backward(upstream)

    x_t, kernel_t, bias_t = (torch.tensor(a, dtype=torch.float64, requires_grad=True)
                             for a in (x, layer.kernel, layer.bias))
    out_t = torch_activation(torch, name)(x_t @ kernel_t + bias_t)
    penalty_t = 0.03 * kernel_t.abs().sum() + 0.02 * (kernel_t**2).sum()
    ((torch.tensor(upstream) * out_t).sum() + penalty_t).backward()
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.gradients[0], kernel_t.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.gradients[1], bias_t.grad.numpy(), rtol=1e-12, atol=1e-15)


# -- Dropout -------------------------------------------------------------------------------
def built_dropout(rate, seed=0):
    layer = Dropout(rate)
    layer.build(50, np.random.default_rng(seed), np.float64)
    return layer


@pytest.mark.parametrize("rate", [0.0, 0.3, 0.9])
def test_dropout_is_the_identity_at_inference(rate, rng):
    layer = built_dropout(rate)
    x = rng.normal(size=(20, 50))
    upstream = rng.normal(size=(20, 50))
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(upstream), upstream)
    if rate == 0.0:  # nothing to drop in training either
        np.testing.assert_array_equal(layer.forward(x, training=True), x)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_zeroes_about_rate_and_keeps_the_expectation(rate):
    # Each of N = 200,000 units is dropped independently with probability `rate`, so the
    # dropped fraction has standard error sqrt(rate (1 - rate) / N); an output is 0 or
    # 1 / (1 - rate), with mean 1 and standard error sqrt(rate / (1 - rate) / N). We allow
    # 5 standard errors (a false alarm once in ~2 million seeds; this seed is fixed).
    n = 200_000
    layer = built_dropout(rate, seed=2024)
    out = layer.forward(np.ones((n // 50, 50)), training=True)
    dropped = out == 0
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    np.testing.assert_allclose(out[~dropped], 1 / (1 - rate), rtol=1e-15)
    assert abs(out.mean() - 1.0) < 5 * np.sqrt(rate / (1 - rate) / n)


def test_dropout_backward_uses_the_forward_mask(rng):
    layer = built_dropout(0.4)
    x = rng.uniform(0.5, 1.5, size=(30, 50))  # no zeros: out / x recovers the mask
    upstream = rng.normal(size=x.shape)
    out = layer.forward(x, training=True)
    np.testing.assert_allclose(layer.backward(upstream), upstream * (out / x), rtol=1e-14)


def test_dropout_backward_matches_finite_differences(rng):
    # Reseeding before every forward pass draws the same mask each time, which makes
    # the layer a fixed function of x that finite differences can differentiate.
    layer = built_dropout(0.5)
    x = rng.normal(size=(4, 50))
    upstream = rng.normal(size=x.shape)

    def objective():
        layer.rng = np.random.default_rng(99)
        return np.sum(upstream * layer.forward(x, training=True))

    objective()
    analytic = layer.backward(upstream)
    assert 0 < np.count_nonzero(analytic == 0) < x.size
    np.testing.assert_allclose(analytic, central_differences(objective, x), rtol=1e-6,
                               atol=1e-9)


def test_dropout_keeps_float32(rng):
    layer = Dropout(0.25)
    layer.build(8, rng, np.float32)
    out = layer.forward(np.ones((10, 8), dtype=np.float32), training=True)
    assert out.dtype == np.float32
    assert set(np.unique(out)) <= {np.float32(0.0), np.float32(1 / 0.75)}


def test_dropout_in_training_needs_a_built_layer():
    with pytest.raises(NotFittedError, match="before its model was built"):
        Dropout(0.5).forward(np.ones((2, 3)), training=True)


# -- config, parameters --------------------------------------------------------------------
def described(layer):
    """What a layer is, by value: enough to tell two different layers apart."""
    if isinstance(layer, Dropout):
        return ("dropout", layer.rate)
    return ("dense", layer.units, layer.activation.name, layer.kernel_initializer,
            layer.bias_initializer, layer.kernel_regularizer)


def test_config_round_trips_through_from_spec():
    model = mlplab.Sequential([
        Dense(5, "tanh", input_dim=3, kernel_initializer={"name": "normal", "stddev": 0.3},
              bias_initializer="ones", kernel_regularizer={"l2": 1e-3}),
        Dropout(0.25),
        Dense(4, "elu", kernel_initializer="he_uniform", kernel_regularizer=L1(0.01),
              bias_initializer={"name": "uniform", "limit": 0.2}),
        Dense(2, "softmax", kernel_initializer=initializers.VarianceScaling(0.5, "fan_out")),
    ], random_state=3).build()
    rebuilt = mlplab.Sequential.from_spec(model.to_spec(), random_state=3).build()
    assert [described(layer) for layer in rebuilt.layers] == \
        [described(layer) for layer in model.layers]
    assert rebuilt.to_spec() == model.to_spec()
    # The same initializers drawing from the same seed: the very same weights.
    for rebuilt_array, array in zip(rebuilt.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(rebuilt_array, array)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_every_activation_round_trips(name):
    model = mlplab.Sequential([Dense(3, name, input_dim=2), Dense(2, name)])
    rebuilt = mlplab.Sequential.from_spec(model.to_spec())
    assert [described(layer) for layer in rebuilt.layers] == \
        [described(layer) for layer in model.layers]


@pytest.mark.parametrize("initializer", sorted(initializers.ALL_NAMES))
def test_every_initializer_round_trips(initializer):
    model = mlplab.Sequential([Dense(3, input_dim=2, kernel_initializer=initializer),
                               Dense(1, bias_initializer=initializer)])
    rebuilt = mlplab.Sequential.from_spec(model.to_spec())
    assert [described(layer) for layer in rebuilt.layers] == \
        [described(layer) for layer in model.layers]


def test_use_parameters_keeps_the_values(rng):
    layer = built_dense("tanh", rng, fan_in=2, units=3)
    kernel, bias = layer.kernel.copy(), layer.bias.copy()
    buffer = np.full(2 * 3 + 3, np.nan)
    kernel_view, bias_view = buffer[:6].reshape(2, 3), buffer[6:]
    layer.use_parameters([kernel_view, bias_view])
    assert layer.kernel is kernel_view and layer.bias is bias_view
    assert layer.parameters[0] is kernel_view and layer.parameters[1] is bias_view
    np.testing.assert_array_equal(kernel_view, kernel)
    np.testing.assert_array_equal(bias_view, bias)
    buffer[6:] = 0.0  # the layer now computes with the buffer's numbers
    x = rng.normal(size=(4, 2))
    np.testing.assert_allclose(layer.forward(x), np.tanh(x @ kernel), rtol=1e-14)


def test_a_model_holds_the_values_its_layers_drew():
    # Building a model gathers every parameter into one flat buffer; the values must be
    # those that the layers draw on their own from the same seed, kernel then bias.
    rng = np.random.default_rng(5)
    alone = [Dense(4, "relu", input_dim=2), Dropout(0.2), Dense(1, "sigmoid")]
    width = 2
    for layer in alone:
        width = layer.build(width, rng, np.float64)
    model = mlplab.Sequential([Dense(4, "relu", input_dim=2), Dropout(0.2),
                               Dense(1, "sigmoid")], random_state=5).build()
    for array, expected in zip(model.parameters(),
                               [p for layer in alone for p in layer.parameters], strict=True):
        assert array.base is model.parameter_buffer
        np.testing.assert_array_equal(array, expected)


@pytest.mark.parametrize("fan_in,units", [(1, 1), (2, 25), (25, 50), (50, 1), (7, 3)])
def test_parameter_counts(fan_in, units, rng):
    layer = Dense(units)
    layer.build(fan_in, rng, np.float64)
    assert [p.shape for p in layer.parameters] == [(fan_in, units), (units,)]
    assert layer.n_parameters() == fan_in * units + units
    dropout = Dropout(0.5)
    dropout.build(units, rng, np.float64)
    assert dropout.n_parameters() == 0 and dropout.parameters == []
    model = mlplab.Sequential([Dense(units, input_dim=fan_in), Dropout(0.5), Dense(2)]).build()
    assert model.count_params() == (fan_in * units + units) + (units * 2 + 2)
