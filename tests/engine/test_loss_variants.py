"""mlplab.engine.loss_variants: mean absolute error and losses on a linear output's logits,
by hand and against central differences."""

import numpy as np
import pytest
from numeric import central_differences

from mlplab.engine import activations, losses
from mlplab.engine.loss_variants import MeanAbsoluteError, OnLogits, SmoothedLabels
from mlplab.errors import InvalidInputError, UnknownNameError

LINEAR, SIGMOID, SOFTMAX = (activations.ACTIVATIONS[name]
                            for name in ("linear", "sigmoid", "softmax"))


def test_mean_absolute_error_by_hand():
    # |0.5 - 1| and |2 - 0| over two samples of one output: (0.5 + 2) / 2.
    z, y = np.array([[0.5], [2.0]]), np.array([[1.0], [0.0]])
    assert MeanAbsoluteError().value(z, y, LINEAR) == 1.25
    # dL/dz = sign(z - y) / n: -1/2 and +1/2
    np.testing.assert_array_equal(MeanAbsoluteError().gradient(z, y, LINEAR), [[-0.5], [0.5]])


@pytest.mark.parametrize("activation", [LINEAR, SIGMOID])
def test_mean_absolute_error_gradient_against_central_differences(activation, rng):
    z, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    loss = MeanAbsoluteError()
    np.testing.assert_allclose(loss.gradient(z, y, activation),
                               central_differences(lambda: loss.value(z, y, activation), z),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("base", "applied"), [(losses.LOSSES["binary_crossentropy"], SIGMOID),
                                               (losses.LOSSES["categorical_crossentropy"],
                                                SOFTMAX)])
def test_on_logits_is_the_base_loss_fused_with_the_activation(base, applied, rng):
    z = rng.normal(size=(8, 3)) * 3
    y = np.eye(3)[rng.integers(0, 3, size=8)]
    on_logits = OnLogits(base, applied.name)
    assert on_logits.value(z, y, LINEAR) == base.value(z, y, applied)
    np.testing.assert_array_equal(on_logits.gradient(z, y, LINEAR),
                                  base.gradient(z, y, applied))
    np.testing.assert_allclose(on_logits.gradient(z, y, LINEAR),
                               central_differences(lambda: on_logits.value(z, y, LINEAR), z),
                               rtol=1e-6, atol=1e-9)
    assert on_logits.name == f"{base.name}_from_logits"
    with pytest.raises(InvalidInputError, match="last layer must give the logits"):
        on_logits.check_activation(applied)


@pytest.mark.parametrize(("base", "activation", "smoothed"), [
    # binary: y (1 - s) + s / 2 for every output; rows of 3 classes: y (1 - s) + s / 3
    (losses.LOSSES["binary_crossentropy"], SIGMOID, [[0.9, 0.1, 0.9]]),
    (losses.LOSSES["categorical_crossentropy"], SOFTMAX, [[0.8 + 0.2 / 3, 0.2 / 3, 0.2 / 3]])])
def test_smoothed_labels_by_hand_and_by_central_differences(base, activation, smoothed, rng):
    s = 0.2
    y = np.array([[1.0, 0.0, 1.0]]) if activation is SIGMOID else np.array([[1.0, 0.0, 0.0]])
    loss = SmoothedLabels(base, s)
    np.testing.assert_allclose(loss.smoothed(y), smoothed)
    z = rng.normal(size=(1, 3))
    assert loss.value(z, y, activation) == pytest.approx(base.value(z, np.array(smoothed),
                                                                    activation))
    np.testing.assert_allclose(loss.gradient(z, y, activation),
                               central_differences(lambda: loss.value(z, y, activation), z),
                               rtol=1e-6, atol=1e-9)
    assert loss.prepare_targets(y, 3, np.float64).tolist() == y.tolist()  # labels kept


# -- names: what a saved model's config holds, read back by losses.get ----------------------
BCE, CCE = losses.LOSSES["binary_crossentropy"], losses.LOSSES["categorical_crossentropy"]


@pytest.mark.parametrize("loss, activation", [
    (MeanAbsoluteError(), SIGMOID),
    (OnLogits(BCE, "sigmoid"), LINEAR),
    (OnLogits(CCE, "softmax"), LINEAR),
    (SmoothedLabels(BCE, 0.1), SIGMOID),
    (SmoothedLabels(CCE, 1e-05), SOFTMAX),
    (OnLogits(SmoothedLabels(BCE, 0.25), "sigmoid"), LINEAR),
    (OnLogits(SmoothedLabels(CCE, 0.2), "softmax"), LINEAR),
])
def test_every_variant_s_name_resolves_to_the_same_loss(loss, activation, rng):
    again = losses.get(loss.name)
    assert repr(again) == repr(loss) and again.name == loss.name
    z = rng.normal(size=(5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    assert again.value(z, y, activation) == loss.value(z, y, activation)
    np.testing.assert_array_equal(again.gradient(z, y, activation),
                                  loss.gradient(z, y, activation))


def test_variant_names_that_do_not_make_a_loss_are_refused():
    assert losses.get("mean_absolute_error").name == "mae"
    with pytest.raises(InvalidInputError, match="label_smoothing"):
        losses.get("binary_crossentropy_label_smoothing_5")
    for name in ("mse_from_logits", "binary_crossentropy_label_smoothing_0.1.2", "maee"):
        with pytest.raises(UnknownNameError):
            losses.get(name)
