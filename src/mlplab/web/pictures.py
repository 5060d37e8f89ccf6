"""What a frame draws over the plane: the network's output and its neurons' thumbnails.

The pictures are computed in float32 from float32 copies of the weights: a picture
has 256 levels per pixel, far coarser than float32's rounding, and float32's tanh and
products are ~4x faster here than float64's (a 10x64 net over a 100x100 grid: ~12 ms
instead of ~200 ms). Training and the scores stay in the network's own dtype.

Which thumbnails a frame carries is the page's choice (``visible``: one half-open range
of neurons per layer, or None for none of that layer); by default all of them for a net
of up to :data:`SMALL_NET_UNITS` hidden neurons, none for a larger one until the page
says which are on screen.
"""

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np

from mlplab._typing import ArrayLike, FloatArray, NDArray
from mlplab.engine.model import Sequential
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.web.build import dense_layers, to_bytes

THUMBNAIL = 24  # grid points per side of a neuron's thumbnail
SMALL_NET_UNITS = 64  # hidden neurons in all up to which every thumbnail is sent unasked
# Per layer, the half-open range [start, stop] of neurons whose thumbnails are sent, or None.
Visible: TypeAlias = list[list[int] | None]


def forward32(model: Sequential, points: ArrayLike) -> list[NDArray[np.float32]]:
    """Every Dense layer's activations over ``points`` (n, n_features), in float32.

    Dropout is off, as when predicting. Returns a list with one (n, units) array per
    Dense layer, the output layer last.
    """
    a = np.asarray(points, dtype=np.float32)
    outputs = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for layer in dense_layers(model):
            z = a @ layer.kernel.astype(np.float32) + layer.bias.astype(np.float32)
            a = layer.activation.forward(z).astype(np.float32, copy=False)
            outputs.append(a)
    return outputs


def picture_outputs(model: Sequential, points: ArrayLike,
                    problem: str) -> tuple[str, NDArray[np.float32]]:
    """(kind, outputs) of the network at ``points``, as
    :func:`mlplab.viz.style.output_colors` takes them."""
    outputs = forward32(model, points)[-1]
    if problem == "regression":
        return "value", outputs[:, 0]
    if outputs.shape[1] == 1:
        return "probability", outputs[:, 0]
    return "classes", outputs


def output_bytes(kind: str, outputs: ArrayLike,
                 value_range: Sequence[float] | None = None) -> dict[str, Any]:
    """The output image's pixels for the page, one byte each (see the page's
    ``outputColors``): for one probability or a value, where it lies between the two
    ends; for classes, the winner and the certainty of
    :func:`mlplab.viz.style.output_certainty`, so the page need not get every class's
    probability. Bytes are uint8 arrays (base64 in a JSON frame)."""
    if kind == "classes":
        winner, certainty = style.output_certainty(outputs, kind)
        return {"kind": kind, "classes": to_bytes(winner, 0, 255),
                "values": to_bytes(certainty, 0.0, 1.0)}
    if kind == "value":
        if value_range is None:
            raise InvalidInputError("output_bytes(kind='value'): give value_range=(low, high), "
                                    "the targets' range, to scale the values into bytes.")
        low, high = value_range
        return {"kind": kind, "range": [low, high], "values": to_bytes(outputs, low, high)}
    return {"kind": kind, "values": to_bytes(outputs, 0.0, 1.0)}


def layer_sizes(model: Sequential, n_features: int) -> list[int]:
    """Neurons per thumbnail layer: the inputs first, the outputs last."""
    return [n_features] + [layer.units for layer in dense_layers(model)]


def default_visible(sizes: Sequence[int]) -> Visible:
    """Every neuron of a small net, none of a large one (the page then says which)."""
    hidden = sum(sizes[1:-1])
    return [[0, size] if hidden <= SMALL_NET_UNITS else None for size in sizes]


def check_visible(units: object, sizes: Sequence[int]) -> Visible:
    """The ranges of a ``visible`` message, clamped to the net's ``sizes``.

    A layer the message does not mention shows none; one more than the net has is
    ignored (the page may speak of the net before a rebuild).
    """
    example = 'e.g. {"type": "visible", "units": [[0, 2], [0, 8], null, [0, 1]]}'
    if not isinstance(units, list):
        raise InvalidInputError(f"visible: units must be a list with one [start, stop] or "
                                f"null per layer; got {str(units)[:60]!r} ({example}).")
    ranges: Visible = []
    for size, entry in zip(sizes, units + [None] * len(sizes), strict=False):
        if entry is None:
            ranges.append(None)
            continue
        if not (isinstance(entry, list) and len(entry) == 2 and all(
                isinstance(v, int) and not isinstance(v, bool) for v in entry)):
            raise InvalidInputError(f"visible: each layer's entry is [start, stop] (integers) "
                                    f"or null; got {str(entry)[:60]!r} ({example}).")
        start, stop = max(0, min(entry[0], size)), max(0, min(entry[1], size))
        ranges.append([start, stop] if stop > start else None)
    return ranges


def thumbnails(model: Sequential, inputs: FloatArray | NDArray[np.float32],
               visible: Visible) -> dict[str, Any]:
    """Per layer (inputs first, outputs last): the thumbnails of the neurons in that
    layer's visible range (each its activation over the plane, a class's probability
    for an output neuron), or None; and the ranges. ``inputs``: the features of a
    THUMBNAIL x THUMBNAIL grid over the plane."""
    values = [inputs, *forward32(model, inputs)]
    layers = [None if span is None else encode_columns(layer[:, span[0]:span[1]])
              for layer, span in zip(values, visible, strict=True)]
    return {"size": THUMBNAIL, "layers": layers, "ranges": visible}


def encode_columns(values: NDArray[Any]) -> list[dict[str, Any]]:
    """Each column scaled by its largest |value| (0 maps to byte ~128), with that scale
    (None, and a flat picture, for a column that is not finite)."""
    with np.errstate(over="ignore", invalid="ignore"):
        scale = np.maximum(np.abs(values).max(axis=0), 1e-12)
        pictures = np.ascontiguousarray(to_bytes(values / scale, -1.0, 1.0).T)  # (k, n)
    return [{"scale": float(s) if np.isfinite(s) else None, "values": picture}
            for s, picture in zip(scale, pictures, strict=True)]
