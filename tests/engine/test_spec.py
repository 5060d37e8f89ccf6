"""Network specifications: a size list and the equivalent layer dicts build the same
network, widths that do not chain are refused naming both layers, and E4's net has the
parameter count that its widths imply (counted here, not read from the engine)."""

import numpy as np
import pytest

import mlplab
from mlplab.engine import ACTIVATIONS
from mlplab.engine.initializers import Normal
from mlplab.engine.layers import Dense, Dropout
from mlplab.errors import SpecError

E4_WIDTHS = [2, 25, 50, 50, 25, 1]
E4_SPEC = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]


def architecture(model):
    """Each layer by value: type, widths, activation, initializers, regularizer."""
    return [(type(layer).__name__, layer.units, layer.declared_input_dim,
             layer.activation.name, layer.kernel_initializer, layer.bias_initializer,
             layer.kernel_regularizer) if isinstance(layer, Dense)
            else (type(layer).__name__, layer.rate) for layer in model.layers]


def as_dicts(sizes, **per_layer):
    """The layer dicts a reader would write for ``sizes``: input_dim on the first only."""
    specs = [{"output_dim": width, **per_layer} for width in sizes[1:]]
    specs[0]["input_dim"] = sizes[0]
    return specs


# -- the two forms agree -----------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[2, 1], [2, 4, 1], [3, 8, 5, 3], [4, 6, 6, 6, 2]])
@pytest.mark.parametrize("initializer", ["glorot_uniform", "he_normal",
                                         {"name": "normal", "stddev": 0.1}])
def test_a_size_list_and_its_layer_dicts_build_the_same_network(sizes, initializer):
    options = {"activation": "tanh", "kernel_initializer": initializer, "random_state": 7}
    from_sizes = mlplab.Sequential.from_spec(sizes, **options)
    from_dicts = mlplab.Sequential.from_spec(as_dicts(sizes), **options)
    assert architecture(from_sizes) == architecture(from_dicts)
    assert [layer.units for layer in from_sizes.layers] == sizes[1:]
    assert from_sizes.input_dim == sizes[0]
    for a, b in zip(from_sizes.build().get_weights(), from_dicts.build().get_weights(),
                    strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_hidden_activations_agree_in_both_forms(name):
    from_sizes = mlplab.Sequential.from_spec([2, 5, 4, 1], activation=name)
    named_in_dicts = mlplab.Sequential.from_spec(
        [{"input_dim": 2, "output_dim": 5, "activation": name},
         {"output_dim": 4, "activation": name}, {"output_dim": 1}])
    by_argument = mlplab.Sequential.from_spec(as_dicts([2, 5, 4, 1]), activation=name)
    expected = [name, name, "sigmoid"]
    for model in (from_sizes, named_in_dicts, by_argument):
        assert [layer.activation.name for layer in model.layers] == expected


@pytest.mark.parametrize("n_outputs,expected", [(1, "sigmoid"), (2, "softmax"),
                                                (5, "softmax")])
def test_the_output_activation_defaults_to_sigmoid_for_one_unit_softmax_for_several(
        n_outputs, expected):
    for spec in ([3, 4, n_outputs], as_dicts([3, 4, n_outputs])):
        model = mlplab.Sequential.from_spec(spec)
        assert [layer.activation.name for layer in model.layers] == ["relu", expected]


def test_output_activation_overrides_the_default_and_a_dict_overrides_both():
    for spec in ([3, 4, 2], as_dicts([3, 4, 2])):
        model = mlplab.Sequential.from_spec(spec, output_activation="linear")
        assert model.output_layer.activation.name == "linear"
    spec = as_dicts([3, 4, 2])
    spec[-1]["activation"] = "sigmoid"
    model = mlplab.Sequential.from_spec(spec, output_activation="linear")
    assert model.output_layer.activation.name == "sigmoid"


def test_units_is_another_name_for_output_dim():
    with_units = mlplab.Sequential.from_spec([{"input_dim": 2, "units": 3}, {"units": 1}])
    both = mlplab.Sequential.from_spec([{"input_dim": 2, "units": 3, "output_dim": 3},
                                        {"output_dim": 1}])
    assert architecture(with_units) == architecture(both) == \
        architecture(mlplab.Sequential.from_spec([2, 3, 1]))
    with pytest.raises(SpecError, match="layer 1 gives output_dim=4 and units=3"):
        mlplab.Sequential.from_spec([{"input_dim": 2, "units": 3, "output_dim": 4}])


def test_dropout_sits_between_layers_and_widths_chain_across_it(rng):
    model = mlplab.Sequential.from_spec([
        {"input_dim": 2, "output_dim": 8}, {"type": "dropout", "rate": 0.3},
        {"input_dim": 8, "output_dim": 1}]).build()
    assert architecture(model)[1] == ("Dropout", 0.3)
    assert [layer.kernel.shape for layer in model.layers if isinstance(layer, Dense)] == \
        [(2, 8), (8, 1)]
    assert model.forward(rng.normal(size=(3, 2)), training=True).shape == (3, 1)
    with pytest.raises(SpecError, match="layer 3 is Dropout after the output layer"):
        mlplab.Sequential.from_spec([{"input_dim": 2, "output_dim": 8}, {"output_dim": 1},
                                     {"type": "dropout", "rate": 0.3}])


def test_any_number_of_dropouts_after_the_output_layer_is_refused():
    with pytest.raises(SpecError, match="Dropout after the output layer"):
        mlplab.Sequential.from_spec([{"input_dim": 2, "output_dim": 8}, {"output_dim": 1},
                                     {"type": "dropout"}, {"type": "dropout"}])


# -- widths that do not chain ----------------------------------------------------------------
@pytest.mark.parametrize("position", range(1, len(E4_SPEC)))
def test_widths_that_do_not_chain_are_refused_naming_both_layers(position):
    spec = [dict(layer) for layer in E4_SPEC]
    wrong = E4_WIDTHS[position] + 3
    spec[position]["input_dim"] = wrong
    number, previous = position + 1, position  # layers are numbered from 1
    message = (f"layer {number} has input_dim={wrong} but layer {previous} has "
               f"output_dim={E4_WIDTHS[position]}. Set input_dim={E4_WIDTHS[position]} on "
               f"layer {number} or output_dim={wrong} on layer {previous}.")
    with pytest.raises(SpecError) as info:
        mlplab.Sequential.from_spec(spec)
    assert str(info.value) == message


def test_a_mismatch_across_dropout_names_the_dense_layer_before_it():
    spec = [{"input_dim": 2, "output_dim": 4}, {"type": "dropout", "rate": 0.2},
            {"input_dim": 5, "output_dim": 1}]
    with pytest.raises(SpecError, match="layer 3 has input_dim=5 but layer 1 has output_dim=4"):
        mlplab.Sequential.from_spec(spec)


def test_layer_objects_that_do_not_chain_are_refused_at_once():
    with pytest.raises(SpecError, match=r"layer 3 \(Dense\(1.*\) declares input_dim=5 but "
                                        "layer 2 outputs 4"):
        mlplab.Sequential([Dense(4, input_dim=2), Dropout(0.1), Dense(1, input_dim=5)])


# -- E4 --------------------------------------------------------------------------------------
def test_e4_builds_2_25_50_50_25_1_with_its_parameter_count(rng):
    model = mlplab.Sequential.from_spec(E4_SPEC, kernel_initializer={"name": "normal",
                                                                     "stddev": 0.1}).build()
    fans = list(zip(E4_WIDTHS[:-1], E4_WIDTHS[1:], strict=True))
    n_parameters = sum(fan_in * fan_out + fan_out for fan_in, fan_out in fans)
    assert n_parameters == 5226
    assert [(layer.kernel.shape, layer.bias.shape) for layer in model.layers] == \
        [((fan_in, fan_out), (fan_out,)) for fan_in, fan_out in fans]
    assert model.count_params() == model.parameter_buffer.size == n_parameters
    assert [layer.activation.name for layer in model.layers] == ["relu"] * 4 + ["sigmoid"]
    assert all(layer.kernel_initializer == Normal(stddev=0.1) for layer in model.layers)
    outputs = model.forward(rng.normal(size=(7, 2)))
    assert outputs.shape == (7, 1) and np.all((outputs > 0) & (outputs < 1))


@pytest.mark.parametrize("spec", [[2, 1], [{"input_dim": 2, "output_dim": 1}]])
def test_an_unknown_default_activation_is_refused_even_without_hidden_layers(spec):
    with pytest.raises(mlplab.MlplabError, match="rleu.*Did you mean 'relu'"):
        mlplab.Sequential.from_spec(spec, activation="rleu")
