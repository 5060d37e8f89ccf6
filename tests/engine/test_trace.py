import numpy as np
import pytest

import mlplab


@pytest.mark.parametrize("sizes,activation,loss", [
    ([2, 3, 1], "sigmoid", "binary_crossentropy"),
    ([2, 4, 3, 1], "sigmoid", "mse"),
    ([3, 5, 4], "relu", "categorical_crossentropy"),
])
def test_trace_gradients_equal_the_engine_gradients(sizes, activation, loss, rng):
    model = mlplab.Sequential.from_spec(sizes, activation=activation, random_state=2).build()
    model.compile(loss=loss)
    x = rng.normal(size=sizes[0])
    y = 2 if sizes[-1] > 1 else 1
    walk = mlplab.trace(model, x, y)
    targets = model.loss.prepare_targets(np.array([y]), sizes[-1], np.float64)
    loss_value, _ = model.loss_and_gradients(x.reshape(1, -1), targets, training=False)
    assert walk.loss == pytest.approx(loss_value)
    engine = model.gradients()
    for number in range(1, len(sizes)):
        np.testing.assert_allclose(walk.gradients[f"W{number}"], engine[2 * number - 2],
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(walk.gradients[f"b{number}"], engine[2 * number - 1],
                                   rtol=1e-12, atol=1e-15)


def test_trace_prints_every_step_with_its_shape():
    model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid", random_state=0)
    model.build().compile()
    text = str(mlplab.trace(model, [0.5, -1.0], 1))
    for symbol in ("a0", "z1", "a1", "z2", "a2", "z3", "a3", "L", "dL/dz3", "dL/dW3",
                   "dL/db3", "dL/da2", "dL/dz2", "dL/dW1", "dL/db1"):
        assert f"  {symbol} " in text
    assert "shape (2, 4)" in text  # W1's gradient
    assert "Forward pass" in text and "Backward pass" in text
    assert "sigmoid'(z1)" in text


def test_trace_rejects_a_sample_of_the_wrong_width():
    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).build().compile()
    with pytest.raises(mlplab.MlplabError, match="x has 3 values but the model takes 2"):
        mlplab.trace(model, [1, 2, 3], 1)
