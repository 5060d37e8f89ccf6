"""The playground's "hidden space" view: the data and a grid of the plane in one layer.

What :func:`mlplab.viz.hidden_space` computes for the figures, for the page: the
training points and the lines of a regular grid of the input plane, mapped through the
page's features and the network's layers 1..k into layer k's coordinates (its own for
1 or 2 units, the first two principal components of its activations for more; the axis
labels say which). The page asks for a layer with ``{"type": "hidden", "layer": k}``
(``null`` turns the view off); every frame then carries ``hidden``.
"""

from typing import Any

import numpy as np

from mlplab._typing import ArrayLike, FloatArray
from mlplab.data.features import PlaygroundFeatures
from mlplab.engine.model import Sequential
from mlplab.errors import InvalidInputError
from mlplab.viz.hidden import hidden_space

GRID_LINES_SAMPLES = 40  # points along each grid line: smooth enough on a 320-pixel canvas
DECIMALS = 4


def check_layer(layer: object, n_layers: int) -> int | None:
    """``layer`` of a hidden-view message: None (off) or 1..n_layers (the last: output)."""
    if layer is None:
        return None
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= n_layers:
        raise InvalidInputError(f"hidden view: layer={layer!r}; give 1..{n_layers} (layer "
                                f"{n_layers} is the output), or null to turn it off.")
    return layer


def hidden_view(model: Sequential, X: FloatArray, features: PlaygroundFeatures,
                layer: int) -> dict[str, Any]:
    """The JSON the page draws: points (n, d), grid lines (lines, samples, d), d 1 or 2,
    the axis labels, the title, and the output's boundary line ``[w1, w2, b]`` (or null)."""
    space = hidden_space(model, X, layer, inputs=features.transform,
                         samples=GRID_LINES_SAMPLES, max_dims=2)
    return {
        "layer": layer, "title": space.title, "axis_labels": space.axis_labels,
        "points": _rounded(space.points), "grid": _rounded(space.grid),
        "boundary": None if space.boundary is None else _rounded(
            np.append(space.boundary[0], space.boundary[1])),
    }


def _rounded(array: ArrayLike) -> Any:
    """A finite array as nested lists of rounded floats (NaN or inf as null)."""
    array = np.round(np.asarray(array, dtype=np.float64), DECIMALS)
    # None makes an object array (null in JSON); numpy's stubs take no None there.
    return np.where(np.isfinite(array), array, None).tolist()  # type: ignore[call-overload]
