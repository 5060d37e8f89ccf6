"""Colours shared by every picture, chosen to read well on a slide and in grey.

This module is the one palette of mlplab: the matplotlib figures, the playground's
GIF export and the playground page (which gets it from the server as
:func:`palette`, in ``GET /api/options``) all read it here. It also holds the one
rule that colours a network's output over the plane, :func:`output_colors`: the
colour of the class (or end of the scale) that wins at a pixel, mixed into white
by how sure the network is there. The page's ``app.js`` repeats that rule in a few
lines (``outputColors``), and ``tests/web/test_palette.py`` runs both on the same
outputs to show they agree.
"""

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap, to_rgb

from mlplab.errors import InvalidInputError

# The palettes to choose from (use_palette): class colours in order; the first two are
# also the two ends of every two-sided picture. "mlplab": orange and blue like TensorFlow
# Playground, then matplotlib's tab10. "okabe_ito": Okabe & Ito's (2008) eight colours,
# told apart with every common colour-vision deficiency.
PALETTES = {
    "mlplab": ("#e8710a", "#1a73e8", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2",
               "#17becf"),
    "okabe_ito": ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9",
                  "#f0e442", "#000000"),
}
NEUTRAL = "#ffffff"  # where the network is unsure: between two classes, mid-range
# How far towards its colour an output pixel goes where the network is sure
# (0: white, 1: the colour itself). Below 1, so that points, drawn in the full
# colour of their class, stand out from the region around them.
OUTPUT_STRENGTH = 0.7
OUTPUT_KINDS = ("probability", "classes", "value")
# The palette in use, set by use_palette (below): its name, class colours, the two ends
# of two-sided pictures and the map between them.
PALETTE_NAME: str
CLASS_COLORS: list[str]
LOW: str
HIGH: str
DIVERGING: LinearSegmentedColormap


def use_palette(name):
    """Draw every later picture (figures, GIFs, the playground) with palette ``name``, one
    of :data:`PALETTES`; return the name of the one it replaces. Boundaries stay solid
    dark lines in every palette, so colour is never the only cue.

    >>> previous = use_palette("okabe_ito")   # doctest: +SKIP
    >>> use_palette(previous)
    """
    global CLASS_COLORS, LOW, HIGH, DIVERGING, PALETTE_NAME
    if name not in PALETTES:
        raise InvalidInputError(f"use_palette({name!r}): choose one of "
                                f"{', '.join(map(repr, PALETTES))}.")
    previous = globals().get("PALETTE_NAME")
    PALETTE_NAME = name
    CLASS_COLORS = list(PALETTES[name])
    # The two ends of every two-sided picture: class 0 / class 1, low / high values,
    # negative / positive weights and activations.
    LOW, HIGH = CLASS_COLORS[0], CLASS_COLORS[1]
    # Two-sided map for probabilities and activations: LOW - white - HIGH.
    DIVERGING = LinearSegmentedColormap.from_list("mlplab", [LOW, NEUTRAL, HIGH])
    return previous


use_palette("mlplab")


def class_color(index):
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def class_cmap(index):
    """White to class ``index``'s colour: how probable that one class is."""
    return LinearSegmentedColormap.from_list(f"class{index}", [NEUTRAL, class_color(index)])


def region_cmap(n_classes, lightness=0.65):
    """Pale versions of the class colours, for filled decision regions."""
    pale = [tuple(c + (1 - c) * lightness for c in to_rgb(class_color(i)))
            for i in range(n_classes)]
    return ListedColormap(pale)


def rgb255(colors):
    """Colours (names or hex strings) as an array of RGB floats 0..255, shape (n, 3)."""
    return np.array([to_rgb(color) for color in colors], dtype=np.float64) * 255


def palette(name=None):
    """Palette ``name`` (of :data:`PALETTES`; default: the one in use) as plain JSON for
    the playground page (RGB 0..255 lists)."""
    if name is not None and name not in PALETTES:
        raise InvalidInputError(f"palette({name!r}): choose one of "
                                f"{', '.join(map(repr, PALETTES))}.")
    classes = list(PALETTES[name]) if name is not None else CLASS_COLORS
    return {"classes": rgb255(classes).round().astype(int).tolist(),
            "diverging": rgb255(classes[:2]).round().astype(int).tolist(),
            "neutral": rgb255([NEUTRAL])[0].round().astype(int).tolist(),
            "strength": OUTPUT_STRENGTH}


def shade(colors, amount):
    """``colors`` (n, 3) mixed into NEUTRAL: ``amount`` (n,) 0 gives NEUTRAL, 1 the colour."""
    neutral = rgb255([NEUTRAL])[0]
    return neutral + (colors - neutral) * np.asarray(amount, dtype=np.float64)[:, None]


def output_certainty(outputs, kind, value_range=None):
    """Which colour wins at each pixel, and how sure the network is there.

    Parameters
    ----------
    outputs : array
        ``kind`` "probability": P(class 1) per pixel, shape (n,). "classes": class
        probabilities, shape (n, n_classes). "value": a regression's output, (n,).
    kind : {"probability", "classes", "value"}
    value_range : (low, high), optional
        For "value": the values drawn at the two ends (the targets' range).

    Returns
    -------
    winner : int array, shape (n,)
        The class that wins ("classes"), or the end of the scale, 0 (low) or 1 (high).
    certainty : float array in [0, 1], shape (n,)
        The winner's probability minus the runner-up's: 0 on a boundary (and where
        the output is not a number: NaN counts as the middle, class 0's, and the
        page's bytes say the same), 1 where the network is sure. For one
        probability p that is ``|2p - 1|``, so a 2-class softmax and a sigmoid give
        the same picture; a value is placed on [low, high] and treated as p.
    """
    if kind not in OUTPUT_KINDS:
        raise InvalidInputError(f"output_certainty(kind={kind!r}): kind must be one of "
                                f"{', '.join(OUTPUT_KINDS)}.")
    outputs = np.asarray(outputs, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        if kind == "classes":
            top_two = np.sort(outputs, axis=1)[:, -2:]  # NaN sorts last
            winner = np.argmax(np.where(np.isnan(outputs), -np.inf, outputs), axis=1)
            certainty = top_two[:, 1] - top_two[:, 0]
        else:
            if kind == "value":
                low, high = value_range
                outputs = (outputs - low) / ((high - low) or 1.0)
            p = np.clip(np.where(np.isnan(outputs), 0.5, outputs), 0.0, 1.0)
            winner = (p >= 0.5).astype(np.int64)
            certainty = np.abs(2 * p - 1)
    return winner, np.clip(np.nan_to_num(certainty, nan=0.0), 0.0, 1.0)


def output_colors(outputs, kind, value_range=None, discretize=False):
    """The colour of the network's output at each pixel.

    The winner's colour (a class colour, or LOW / HIGH for a value) mixed into
    NEUTRAL by ``OUTPUT_STRENGTH * certainty``: white on a decision boundary (or
    mid-range), the winner's colour made a little paler where the network is sure.

    Parameters
    ----------
    outputs, kind, value_range
        As for :func:`output_certainty`.
    discretize : bool
        Draw every pixel as if the network were sure (regions, no shading).

    Returns
    -------
    colors : float array, shape (n, 3)
        RGB, 0..255.
    """
    winner, certainty = output_certainty(outputs, kind, value_range)
    colors = rgb255([LOW, HIGH] if kind == "value" else CLASS_COLORS)
    amount = np.ones_like(certainty) if discretize else certainty
    return shade(colors[winner % len(colors)], OUTPUT_STRENGTH * amount)


def label_colors(labels, kind, value_range=None):
    """The colours of data points, RGB floats 0..255, shape (n, 3): a class's colour,
    or for ``kind`` "value" the target's place between LOW, NEUTRAL and HIGH."""
    labels = np.asarray(labels, dtype=np.float64)
    if kind != "value":
        return rgb255(CLASS_COLORS)[labels.astype(np.int64) % len(CLASS_COLORS)]
    winner, certainty = output_certainty(labels, "value", value_range)
    return shade(rgb255([LOW, HIGH])[winner], certainty)
