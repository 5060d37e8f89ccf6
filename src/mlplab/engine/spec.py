"""Network specifications: size lists and lists of layer dicts, checked and built.

Two forms describe the same network::

    [2, 4, 3, 1]                                  # widths, input first
    [{"input_dim": 2, "output_dim": 4, "activation": "tanh"},
     {"input_dim": 4, "output_dim": 3, "activation": "tanh"},
     {"input_dim": 3, "output_dim": 1, "activation": "sigmoid"}]

In a dict, ``units`` may stand for ``output_dim``; ``input_dim`` is optional
after the first layer but, when given, must equal the previous layer's
``output_dim``. ``{"type": "dropout", "rate": 0.2}`` adds a Dropout layer.
"""

import numbers

from mlplab._validation import check_parameter_memory, did_you_mean, short_repr
from mlplab.engine.layers import Dense, Dropout
from mlplab.errors import SpecError

DENSE_KEYS = {
    "type", "input_dim", "output_dim", "units", "activation", "kernel_initializer",
    "bias_initializer", "kernel_regularizer",
}
DROPOUT_KEYS = {"type", "rate"}


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


def layers_from_sizes(sizes, activation, output_activation, dtype="float64", **dense_options):
    """``[2, 4, 3, 1]`` -> Dense layers 2->4, 4->3 (``activation``), 3->1 (output)."""
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
    layers = []
    for index, units in enumerate(sizes[1:], start=1):
        is_output = index == len(sizes) - 1
        layers.append(Dense(
            units, activation=output_activation if is_output else activation,
            input_dim=sizes[0] if index == 1 else None, **dense_options,
        ))
    return layers


def layers_from_dicts(specs, activation, output_activation, dtype="float64", **dense_options):
    """Build layers from a list of layer dicts, checking that widths chain up."""
    dense_positions = [i for i, s in enumerate(specs) if _kind(s, i) == "dense"]
    if not dense_positions:
        raise SpecError("the layer list has no dense layer; add at least "
                        "{'input_dim': 2, 'output_dim': 1}.")
    first = specs[dense_positions[0]].get("input_dim")
    widths = [first if _is_width(first) and first > 0 else 1]  # unknown yet: build checks again
    for position in dense_positions:
        _check_keys(specs[position], DENSE_KEYS, position + 1)
        widths.append(_units(specs[position], position + 1))
    check_memory(widths, dtype, "the layer list")
    layers, previous_dim = [], None
    for position, spec in enumerate(specs):
        number = position + 1
        if _kind(spec, position) == "dropout":
            _check_keys(spec, DROPOUT_KEYS, number)
            if position == dense_positions[-1] + 1 and position == len(specs) - 1:
                raise SpecError(f"layer {number} is Dropout after the output layer; "
                                "put Dropout between hidden layers.")
            layers.append(Dropout(spec.get("rate", 0.5)))
            continue
        _check_keys(spec, DENSE_KEYS, number)
        units = _units(spec, number)
        input_dim = spec.get("input_dim")
        if input_dim is not None and previous_dim is not None and input_dim != previous_dim:
            raise SpecError(
                f"layer {number} has input_dim={input_dim} but layer {number - 1} has "
                f"output_dim={previous_dim}. Set input_dim={previous_dim} on layer {number} "
                f"or output_dim={input_dim} on layer {number - 1}."
            )
        is_output = position == dense_positions[-1]
        default = (output_activation or default_output_activation(units)) if is_output \
            else activation
        options = {**dense_options, **{k: spec[k] for k in (
            "kernel_initializer", "bias_initializer", "kernel_regularizer") if k in spec}}
        layers.append(Dense(units, activation=spec.get("activation", default),
                            input_dim=input_dim if previous_dim is None else None, **options))
        previous_dim = units
    return layers


def _kind(spec, position):
    if not isinstance(spec, dict):
        raise SpecError(f"layer {position + 1} is {short_repr(spec)}; each layer spec must be "
                        "a dict such as {'input_dim': 2, 'output_dim': 8, 'activation': 'relu'}.")
    kind = str(spec.get("type", "dense")).lower()
    if kind not in ("dense", "dropout"):
        raise SpecError(f"layer {position + 1} has type={short_repr(kind)}; use 'dense' or "
                        "'dropout'."
                        + did_you_mean(kind, ["dense", "dropout"]))
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


def check_chain(layers) -> None:
    """Raise if a Dense layer's declared input_dim differs from the width before it."""
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
