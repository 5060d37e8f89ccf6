"""The one palette and the one rule that colours a network's output (mlplab.viz.style).

The playground page's JS form of the rule is held equal to it in tests/web/test_palette.py.
"""

import numpy as np
import pytest

from mlplab.errors import InvalidInputError
from mlplab.viz import style


def test_a_sigmoid_and_a_two_class_softmax_give_the_same_picture():
    p = np.concatenate([np.random.default_rng(0).uniform(0, 1, 200), [0.0, 0.5, 1.0]])
    np.testing.assert_allclose(style.output_colors(p, "probability"),
                               style.output_colors(np.column_stack([1 - p, p]), "classes"),
                               atol=1e-9)


def test_a_probability_is_matplotlibs_diverging_map_made_paler():
    # An independent form of the rule: the figures' colormap, mixed with white.
    p = np.linspace(0, 1, 101)
    colormap = style.DIVERGING.resampled(4097)  # its 256 entries are too coarse for 0.5 units
    expected = 255 - (255 - colormap(p)[:, :3] * 255) * style.OUTPUT_STRENGTH
    np.testing.assert_allclose(style.output_colors(p, "probability"), expected, atol=0.5)


def test_unsure_is_white_and_sure_is_the_class_colour_made_paler():
    P = np.array([[0.45, 0.45, 0.10], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [0.1, 0.2, 0.7]])
    colors = style.output_colors(P, "classes")
    third = style.rgb255([style.CLASS_COLORS[2]])[0]
    np.testing.assert_allclose(colors[0], 255)
    np.testing.assert_allclose(colors[2], 255)
    np.testing.assert_allclose(colors[1], 255 - (255 - third) * style.OUTPUT_STRENGTH)
    np.testing.assert_allclose(colors[3], 255 - (255 - third) * style.OUTPUT_STRENGTH * 0.5)
    np.testing.assert_allclose(style.output_colors(P, "classes", discretize=True)[3], colors[1])


def test_a_value_is_placed_between_the_ends_of_its_range():
    colors = style.output_colors(np.array([-1.0, 1.0, 3.0, -9.0, 9.0, np.inf]), "value",
                                 (-1.0, 3.0))
    low, high = style.rgb255([style.LOW, style.HIGH])
    deep = lambda color: 255 - (255 - color) * style.OUTPUT_STRENGTH  # noqa: E731
    np.testing.assert_allclose(colors, [deep(low), [255] * 3, deep(high), deep(low),
                                        deep(high), deep(high)])


def test_outputs_that_are_not_numbers_are_drawn_unsure():
    assert np.allclose(style.output_colors(np.array([np.nan]), "probability"), 255)
    assert np.allclose(style.output_colors(np.full((1, 3), np.nan), "classes"), 255)


def test_the_class_colours_differ_and_the_diverging_ends_are_classes_0_and_1():
    assert len(set(style.CLASS_COLORS)) == len(style.CLASS_COLORS) == 8
    assert (style.LOW, style.HIGH) == tuple(style.CLASS_COLORS[:2])
    np.testing.assert_allclose(style.DIVERGING([0.0, 1.0])[:, :3] * 255,
                               style.rgb255(style.CLASS_COLORS[:2]))


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(InvalidInputError, match="kind='proba'.*probability, classes, value"):
        style.output_colors(np.zeros(3), "proba")
