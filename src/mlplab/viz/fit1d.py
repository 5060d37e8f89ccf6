"""Functions of one input: the fit as a sum of its hidden units' bumps and ramps.

A network with one input and one linear output computes
``f(x) = b + sum_j w_j a_j(x)``: each unit ``j`` of the last hidden layer adds its
activation ``a_j(x)`` weighted by its output weight ``w_j``. Drawing those terms shows
the universal approximation theorem at work: a ReLU net sums ramps, a tanh or sigmoid
net sums steps, into any curve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

from mlplab._typing import Model
from mlplab._validation import check_X
from mlplab.engine.spec import neuron_layers
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz._grid import engine_model
from mlplab.viz.neurons import layer_outputs

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DATA_COLOR = "#555555"
FIT_COLOR = "#111111"


@dataclass
class UnitContributions:
    """The output of a one-input network split by the units of its last hidden layer.

    Attributes
    ----------
    x : ndarray, shape (n,)
    terms : ndarray, shape (n, units)
        ``w_j * a_j(x)``: each unit's activation times its weight into the output.
    bias : float
        The output unit's bias.
    output : ndarray, shape (n,)
        The output unit's pre-activation: ``terms.sum(axis=1) + bias``. For a linear
        output (regression) it is the prediction; for a sigmoid, the logit.
    layer_name : str
        Which layer the units are ("layer 2"; "input" for a net without a hidden layer).
    """

    x: np.ndarray
    terms: np.ndarray
    bias: float
    output: np.ndarray
    layer_name: str


def one_column(x, name="x"):
    """``x`` as one checked column, shape (n, 1), or an error that says what it got."""
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    x = check_X(x, name=name)
    if x.shape[1] != 1:
        raise InvalidInputError(f"{name} has {x.shape[1]} features; plot_fit_1d draws a "
                                "function of one input. Pass one column, e.g. X[:, [0]].")
    return x


def unit_contributions(model: Model, x: ArrayLike) -> UnitContributions:
    """Split a one-input network's output at ``x`` into its last hidden units' terms.

    Parameters
    ----------
    model : fitted mlplab Sequential or estimator over one, with one input and one output
    x : array-like, shape (n,) or (n, 1)

    Returns
    -------
    UnitContributions
    """
    network = engine_model(model, "plot_fit_1d")
    x = one_column(x)
    if network.input_dim != 1 or network.output_units != 1:
        raise InvalidInputError(
            f"plot_fit_1d draws a network of one input and one output; this one has "
            f"{network.input_dim} input(s) and {network.output_units} output(s).")
    outputs = layer_outputs(network, x.astype(network.dtype))
    pairs = neuron_layers(network.layers)
    output_layer = pairs[-1][0]
    hidden = outputs[-2][1] if len(outputs) > 1 else x  # (n, units)
    weights = output_layer.kernel[:, 0].astype(np.float64)  # (units,)
    terms = hidden.astype(np.float64) * weights  # (n, units)
    name = f"layer {len(pairs) - 1}" if len(pairs) > 1 else "input"
    return UnitContributions(x[:, 0], terms, float(output_layer.bias[0]),
                             outputs[-1][0][:, 0].astype(np.float64), name)


def plot_fit_1d(model: Model, x: ArrayLike, y: ArrayLike, *, ax: Axes | None = None,
                resolution: int = 400, margin: float = 0.05, contributions: bool = True,
                title: str | None = None) -> Axes:
    """Data, the network's fit, and each hidden unit's contribution to it.

    Parameters
    ----------
    model : fitted mlplab Sequential, NetRegressor or NetClassifier of one input
    x : array-like, shape (n_samples,) or (n_samples, 1)
    y : array-like, shape (n_samples,)
        Targets (drawn as points).
    ax : matplotlib Axes, optional
    resolution : int
        Points along the curve.
    margin : float
        Fraction of the data's range drawn beyond it on each side.
    contributions : bool
        Draw every unit's term ``w_j a_j(x)`` (thin lines) and the output bias.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.contributions`` is the :class:`UnitContributions` drawn.
    """
    x = one_column(x)
    y = np.asarray(y, dtype=np.float64).ravel()
    low, high = float(x.min()), float(x.max())
    pad = margin * ((high - low) or 1.0)
    curve = np.linspace(low - pad, high + pad, resolution)
    parts = unit_contributions(model, curve)
    network = engine_model(model, "plot_fit_1d")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    ax.scatter(x[:, 0], y, s=12, color=DATA_COLOR, alpha=0.6, linewidths=0, label="data",
               zorder=2)
    if contributions:
        _draw_terms(ax, parts)
    prediction = network.predict(curve[:, None].astype(network.dtype))[:, 0]
    ax.plot(curve, prediction, color=FIT_COLOR, linewidth=2.4, label="network's fit", zorder=4)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.grid(alpha=0.25)
    ax.set_title(title or _default_title(network, parts), fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, borderaxespad=0)
    ax.contributions = parts
    return ax


def _draw_terms(ax, parts):
    """Each unit's term as a thin line and the output bias dotted. Up to 6 units have a
    colour and a legend entry each; more are blue where they add to the fit on average,
    orange where they subtract, with one legend entry per sign."""
    units = parts.terms.shape[1]
    alpha = 0.9 if units <= 10 else max(0.25, 10 / units)
    labelled = set()
    for unit in range(units):
        term = parts.terms[:, unit]
        adds = bool(term.mean() >= 0)
        if units <= 6:
            label = f"unit {unit + 1}: $w_{{{unit + 1}}}\\,a_{{{unit + 1}}}(x)$"
        else:
            label = None if adds in labelled else \
                f"a unit's $w_j\\,a_j(x)$ ({'adds' if adds else 'subtracts'})"
            labelled.add(adds)
        # Few units: a colour each, named in the legend; many: the sign's colour.
        color = style.class_color(unit) if units <= 6 else style.HIGH if adds else style.LOW
        ax.plot(parts.x, term, linewidth=1.2, alpha=alpha, zorder=3, color=color, label=label)
    ax.axhline(parts.bias, color="#777777", linestyle=":", linewidth=1.2,
               label=f"output bias b = {parts.bias:.2f}", zorder=3)


def _default_title(network, parts):
    activation = neuron_layers(network.layers)[-2][1].name if parts.layer_name != "input" \
        else "linear"
    return (f"fit = b + sum of {parts.terms.shape[1]} {activation} units' "
            f"$w_j a_j(x)$ ({parts.layer_name})")
