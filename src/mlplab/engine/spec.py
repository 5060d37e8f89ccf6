"""Network specifications: size lists and lists of layer dicts, checked and built.

Two forms describe the same network::

    [2, 4, 3, 1]                                  # widths, input first
    [{"input_dim": 2, "output_dim": 4, "activation": "tanh"},
     {"input_dim": 4, "output_dim": 3, "activation": "tanh"},
     {"input_dim": 3, "output_dim": 1, "activation": "sigmoid"}]

In a dict, ``units`` may stand for ``output_dim``; ``input_dim`` is optional
after the first layer but, when given, must equal the previous layer's
``output_dim``. ``{"type": "dropout", "rate": 0.2}`` adds a Dropout layer and
``{"type": "activation", "activation": "tanh"}`` an Activation layer; a Dense directly
followed by an Activation layer is linear unless it names its own activation. Any layer
may have a ``name``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from mlplab._validation import Integer, check, check_parameter_memory, did_you_mean, short_repr
from mlplab.engine import activations
from mlplab.engine.initializers import InitializerLike
from mlplab.engine.layers import Activation, Dense, Dropout, Layer
from mlplab.errors import InvalidInputError, SpecError

DENSE_KEYS = {
    "type", "input_dim", "output_dim", "units", "activation", "kernel_initializer",
    "bias_initializer", "kernel_regularizer", "bias_regularizer", "use_bias", "name",
}
KEYS = {"dense": DENSE_KEYS, "dropout": {"type", "rate", "name"},
        "activation": {"type", "activation", "name"}}

# What Sequential.from_spec builds from: widths [2, 8, 1], layer dicts, {"layers": [...]}.
ModelSpec: TypeAlias = Sequence[int] | Sequence[dict[str, Any]] | dict[str, Any] | NDArray[Any]


def default_output_activation(units: int) -> str:
    """Sigmoid for one output unit, softmax for several."""
    return "sigmoid" if units == 1 else "softmax"


def _is_width(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_memory(widths, dtype, what) -> None:
    """Raise before anything is allocated if Dense layers of ``widths`` (input first)
    cannot be trained in this machine's memory (see ``check_parameter_memory``)."""
    n_parameters = sum((fan_in + 1) * fan_out
                       for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True))
    check_parameter_memory(n_parameters, dtype, what, "Use narrower layers, e.g. [2, 64, 1].")


def layers_from_spec(spec: ModelSpec, activation: activations.ActivationLike,
                     output_activation: activations.ActivationLike,
                     kernel_initializer: InitializerLike, dtype: np.dtype) -> list[Layer]:
    """The layers of ``Sequential.from_spec(spec, ...)``: ``spec`` a size list, a list of
    layer dicts, or a dict with such a list under "layers"."""
    if isinstance(spec, dict) and "layers" in spec:
        spec = spec["layers"]
    if isinstance(spec, np.ndarray) and spec.ndim == 1:
        spec = spec.tolist()
    if not isinstance(spec, (list, tuple, range)):
        raise SpecError(f"spec={short_repr(spec)}: give a list of sizes such as [2, 8, 1] "
                        "or a list of layer dicts.")
    spec = list(spec)
    options = {"kernel_initializer": kernel_initializer, "dtype": dtype}
    if spec and all(isinstance(item, dict) for item in spec):
        return layers_from_dicts(spec, activation, output_activation, **options)
    return layers_from_sizes(spec, activation, output_activation, **options)


def layers_from_sizes(sizes, activation, output_activation, dtype="float64", **dense_options):
    """``[2, 4, 3, 1]`` -> Dense layers 2->4, 4->3 (``activation``), 3->1 (output)."""
    activations.get(activation)  # a bad name is refused even when no hidden layer uses it
    sizes = list(sizes)
    if len(sizes) < 2:
        raise SpecError(
            f"layer sizes {sizes}: need the input width and at least one layer, e.g. [2, 1] "
            "(no hidden layer) or [2, 8, 1]."
        )
    for position, size in enumerate(sizes):
        if not _is_width(size) or size <= 0:
            what = "input width" if position == 0 else f"layer {position} width"
            raise SpecError(f"layer sizes {short_repr(sizes)}: the {what} is "
                            f"{short_repr(size)}; every entry must be a positive int, "
                            "e.g. [2, 8, 1].")
    check_memory(sizes, dtype, f"layer sizes {short_repr(sizes)}")
    output_activation = output_activation or default_output_activation(sizes[-1])
    layers: list[Layer] = []
    for index, units in enumerate(sizes[1:], start=1):
        is_output = index == len(sizes) - 1
        layers.append(Dense(
            units, activation=output_activation if is_output else activation,
            input_dim=sizes[0] if index == 1 else None, **dense_options,
        ))
    return layers


def layers_from_dicts(specs, activation, output_activation, dtype="float64", **dense_options):
    """Build layers from a list of layer dicts, checking that widths chain up."""
    activations.get(activation)  # the default of hidden layers: refused even if unused
    kinds = [_kind(spec, position) for position, spec in enumerate(specs)]
    dense_positions = [i for i, kind in enumerate(kinds) if kind == "dense"]
    if not dense_positions:
        raise SpecError("the layer list has no dense layer; add at least "
                        "{'input_dim': 2, 'output_dim': 1}.")
    for position, (spec, kind) in enumerate(zip(specs, kinds, strict=True)):
        _check_keys(spec, KEYS[kind], position + 1)
    first = specs[dense_positions[0]].get("input_dim")
    widths = [first if _is_width(first) and first > 0 else 1]  # unknown yet: build checks again
    widths += [_units(specs[position], position + 1) for position in dense_positions]
    check_memory(widths, dtype, "the layer list")
    check_order(kinds)
    layers: list[Layer] = []
    previous = None  # (number, width) of the last Dense so far
    for position, (spec, kind) in enumerate(zip(specs, kinds, strict=True)):
        number, name = position + 1, spec.get("name")
        if kind == "dropout":
            layers.append(Dropout(spec.get("rate", 0.5), name=name))
            continue
        if kind == "activation":
            if "activation" not in spec:
                raise SpecError(f"layer {number} is an Activation layer without 'activation'; "
                                "add e.g. 'activation': 'tanh'.")
            layers.append(Activation(spec["activation"], name=name))
            continue
        units = _units(spec, number)
        input_dim = spec.get("input_dim")
        if input_dim is not None and previous is not None and input_dim != previous[1]:
            raise SpecError(
                f"layer {number} has input_dim={input_dim} but layer {previous[0]} has "
                f"output_dim={previous[1]}. Set input_dim={previous[1]} on layer {number} "
                f"or output_dim={input_dim} on layer {previous[0]}."
            )
        if position + 1 < len(kinds) and kinds[position + 1] == "activation":
            default = "linear"  # the Activation layer after it is its activation
        elif position == dense_positions[-1]:
            default = output_activation or default_output_activation(units)
        else:
            default = activation
        options = {**dense_options, **{k: spec[k] for k in (
            "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
            "use_bias") if k in spec}}
        layers.append(Dense(units, activation=spec.get("activation", default), name=name,
                            input_dim=input_dim if previous is None else None, **options))
        previous = (number, units)
    return layers


def check_order(kinds) -> None:
    """Raise unless the layers end with the output Dense, or with Activation layers
    after it: a Dropout after the output layer would drop outputs at random."""
    last_dense = max(i for i, kind in enumerate(kinds) if kind == "dense")
    for position in range(last_dense + 1, len(kinds)):
        kind = kinds[position]
        if kind != "activation":
            what = "Dropout" if kind == "dropout" else f"a {kind} layer"
            raise SpecError(f"layer {position + 1} is {what} after the output layer; only "
                            "Activation layers may follow it (put Dropout between hidden "
                            "layers).")


def _kind(spec, position):
    if not isinstance(spec, dict):
        raise SpecError(f"layer {position + 1} is {short_repr(spec)}; each layer spec must be "
                        "a dict such as {'input_dim': 2, 'output_dim': 8, 'activation': 'relu'}.")
    kind = str(spec.get("type", "dense")).lower()
    if kind not in KEYS:
        raise SpecError(f"layer {position + 1} has type={short_repr(kind)}; use 'dense', "
                        "'dropout' or 'activation'." + did_you_mean(kind, KEYS))
    return kind


def _check_keys(spec, allowed, number):
    for key in spec:
        if key not in allowed:
            raise SpecError(f"layer {number} has an unknown key {short_repr(key)}."
                            f"{did_you_mean(key, allowed)} Allowed: {', '.join(sorted(allowed))}.")


def _units(spec, number):
    for key in ("output_dim", "units", "input_dim"):
        value = spec.get(key)
        if value is not None and (not _is_width(value) or value <= 0):
            raise SpecError(f"layer {number} has {key}={short_repr(value)}; it must be a "
                            f"positive int, e.g. '{key}': 8.")
    if "output_dim" in spec and "units" in spec and spec["output_dim"] != spec["units"]:
        raise SpecError(f"layer {number} gives output_dim={spec['output_dim']} and "
                        f"units={spec['units']}; give one of them.")
    units = spec.get("output_dim", spec.get("units"))
    if units is None:
        raise SpecError(f"layer {number} has no output_dim; add e.g. 'output_dim': 8.")
    return int(units)


def check_chain(layers, complete=True) -> None:
    """Raise if a Dense layer's declared input_dim differs from the width before it, or,
    for a ``complete`` model (not one still growing by ``add``), if it has no Dense layer
    or its layers are out of order (see :func:`check_order`)."""
    if complete and not any(isinstance(layer, Dense) for layer in layers):
        raise SpecError("the model needs at least one Dense layer (the output layer).")
    if complete:
        check_order(["dense" if isinstance(layer, Dense) else getattr(layer, "kind", "layer")
                     for layer in layers])
    previous_dim = None
    for number, layer in enumerate(layers, start=1):
        declared = getattr(layer, "declared_input_dim", None)
        if declared is not None and previous_dim is not None and declared != previous_dim:
            raise SpecError(
                f"layer {number} ({layer!r}) declares input_dim={declared} but layer "
                f"{number - 1} outputs {previous_dim}. Make them equal."
            )
        if isinstance(layer, Dense):
            previous_dim = layer.units


def name_layer(layer, others) -> None:
    """Give ``layer`` a name unique among ``others`` ("dense", "dense_1", ... as Keras
    does, counted within the model), or raise if its own name is taken."""
    names = {other.name for other in others}
    if layer.name is not None:
        if layer.name in names:
            raise SpecError(f"two layers are named {layer.name!r}; every layer of a model "
                            "needs its own name.")
        return
    count = sum(other.kind == layer.kind and not other.given_name for other in others)
    layer.name = layer.kind if count == 0 else f"{layer.kind}_{count}"
    while layer.name in names:
        count += 1
        layer.name = f"{layer.kind}_{count}"


def dense_stack(layers):
    """The layers as ``(dense, activation)`` pairs when they are Dense layers, each
    optionally followed by one Activation layer that is its activation (the Dense
    itself linear): ``Dense(3), Activation("tanh")`` is ``Dense(3, activation="tanh")``.
    None for any other layout (a Dropout, an activation after a non-linear Dense, a Dense
    without a bias or with a bias penalty: the kernels' layout has a plain bias per layer)."""
    pairs = []
    for layer in layers:
        if isinstance(layer, Dense) and (not layer.use_bias or layer.bias_regularizer):
            return None
        if isinstance(layer, Dense):
            pairs.append((layer, layer.activation))
        elif (isinstance(layer, Activation) and pairs and pairs[-1][0].activation.name == "linear"
              and pairs[-1][1] is pairs[-1][0].activation):
            pairs[-1] = (pairs[-1][0], layer.activation)
        else:
            return None
    return pairs


def neuron_layers(layers) -> list:
    """Each Dense layer with the activation its neurons show at prediction time: its own,
    or that of the Activation layer after it when it is linear (Dropout passes its input
    through then). What pictures and traces label a layer's neurons with."""
    pairs = []
    for layer in layers:
        if isinstance(layer, Dense):
            pairs.append((layer, layer.activation))
        elif isinstance(layer, Activation) and pairs and pairs[-1][1].name == "linear":
            pairs[-1] = (pairs[-1][0], layer.activation)
    return pairs


def find_layer(layers, name=None, index=None):
    """``Sequential.get_layer``: the layer called ``name``, or the one at ``index``."""
    if (name is None) == (index is None):
        raise InvalidInputError("get_layer(): give a name or an index, e.g. "
                                "get_layer('dense') or get_layer(index=0).")
    if index is not None:
        index = check(index, "index", Integer(None), owner="get_layer",
                      example="get_layer(index=0)")
        if not -len(layers) <= index < len(layers):
            raise InvalidInputError(f"get_layer(index={index}): the model has {len(layers)} "
                                    "layers.")
        return layers[index]
    for layer in layers:
        if layer.name == name:
            return layer
    names = [layer.name for layer in layers]
    raise InvalidInputError(f"get_layer({short_repr(name)}): no such layer; the layers are "
                            f"{', '.join(names)}.{did_you_mean(str(name), names)}")
