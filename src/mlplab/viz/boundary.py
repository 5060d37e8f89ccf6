"""Decision regions, probability contours and side-by-side model comparisons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from mlplab._typing import Model, RandomState
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz._grid import (
    check_fitted,
    check_plane,
    class_scores,
    is_regressor,
    plane_grid,
    positive_score,
    predict_classes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _axes(ax, size=(5, 4.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def scatter_points(ax, X, y, classes=None, test=False, size=None):
    """Draw points coloured by class; test points hollow, so train and test tell apart."""
    if size is None:  # smaller markers for crowded plots, so the regions stay visible
        size = 22 if len(X) <= 300 else 10 if len(X) <= 1500 else 5
    y = np.asarray(y)
    if y.ndim == 2:  # one-hot rows (E5): their argmax is the class
        y = np.argmax(y, axis=1)
    classes = np.unique(y) if classes is None else classes
    for index, label in enumerate(classes):
        mask = y == label
        if not mask.any():
            continue
        color = style.class_color(index)
        kind = "test" if test else "train"
        # A dark rim keeps points visible on regions of their own colour.
        ax.scatter(X[mask, 0], X[mask, 1], s=size, linewidths=1.4 if test else 0.6,
                   facecolors="white" if test else color, edgecolors=color if test else "#222222",
                   marker="o", label=f"{label} ({kind})", zorder=3)


def plot_decision_boundary(model: Model, X: ArrayLike, y: ArrayLike, *,
                           X_test: ArrayLike | None = None, y_test: ArrayLike | None = None,
                           ax: Axes | None = None, resolution: int = 200, margin: float = 0.1,
                           features: tuple[int, int] | None = None, legend: bool = True,
                           title: str | None = None) -> Axes:
    """Class regions of a fitted classifier over the input plane, with the data on top.

    Parameters
    ----------
    model : fitted mlplab Sequential, mlplab estimator or scikit-learn classifier
    X, y : array-like, shape (n_samples, 2), (n_samples,)
        Training points (filled markers).
    X_test, y_test : array-like, optional
        Test points (hollow markers).
    ax : matplotlib Axes, optional
    resolution : int
        Grid points per side; the grid covers the data plus ``margin`` of its range.
    features : pair of int, optional
        Two columns to draw when X has more than two.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_fitted(model, "plot_decision_boundary")
    if is_regressor(model):
        raise InvalidInputError(
            f"plot_decision_boundary draws a classifier's class regions; "
            f"{type(model).__name__} is a regressor, which has none. Draw its predicted "
            "surface with plot_probability(model, X, y).")
    X = check_plane(X, features)
    everything = X if X_test is None else np.vstack([X, check_plane(X_test, features,
                                                                    "X_test")])
    xx, yy, points = plane_grid(everything, resolution, margin)
    regions, classes = predict_classes(model, points)
    ax = _axes(ax)
    n_classes = len(classes)
    ax.contourf(xx, yy, regions.reshape(xx.shape), levels=np.arange(n_classes + 1) - 0.5,
                cmap=style.region_cmap(n_classes))
    draw_boundary_lines(ax, model, xx, yy, points, regions, n_classes)
    scatter_points(ax, X, np.asarray(y), classes)
    if X_test is not None:
        scatter_points(ax, check_plane(X_test, features, "X_test"), np.asarray(y_test),
                       classes, test=True)
    _finish(ax, title, legend)
    return ax


def boundary_fields(model, points, n_classes):
    """Continuous functions over ``points`` whose zero lines are the class boundaries: for
    each class, its score minus the best other class's (one field for two classes). None
    when the model gives only labels."""
    scores = class_scores(model, points)
    if scores is None or scores.shape[1] != n_classes:
        return None
    wanted = [1] if n_classes == 2 else range(n_classes)
    return [scores[:, k] - np.delete(scores, k, axis=1).max(axis=1) for k in wanted]


def draw_boundary_lines(ax, model, xx, yy, points, regions, n_classes):
    """The boundary as a solid dark line: the zero contour of the model's continuous
    scores (smooth, not the grid's steps), or of the class labels if it has no scores."""
    fields = boundary_fields(model, points, n_classes) if n_classes <= 10 else None
    if fields is None:
        fields = [regions - k - 0.5 for k in range(n_classes - 1)] if n_classes <= 10 else []
    for field in fields:
        if np.nanmin(field) < 0 < np.nanmax(field):
            ax.contour(xx, yy, field.reshape(xx.shape), levels=[0.0], colors="#333333",
                       linewidths=1.2)


def plot_probability(model: Model, X: ArrayLike, y: ArrayLike | None = None, *,
                     ax: Axes | None = None, resolution: int = 200, margin: float = 0.1,
                     features: tuple[int, int] | None = None, levels: int = 21,
                     colorbar: bool = True, title: str | None = None, target: Any = None) -> Axes:
    """Filled contours of P(y=1) (a regressor: its predicted surface) with a colour bar.

    For a classifier without probabilities (e.g. an SVC), its decision function is drawn
    instead, centred on 0. With three or more classes it draws the most probable class at
    each point, paler where the model is less sure (the top probability minus the
    runner-up's, as the playground colours it), or with ``target=k`` the contours of
    P(y = k); the title says which.

    Parameters
    ----------
    model : fitted mlplab model or scikit-learn estimator
        Anything with ``predict_proba``, ``decision_function`` or (regressors) ``predict``.
    X : array-like, shape (n_samples, 2)
        Sets the plotted region (plus ``margin``); with ``y``, drawn as points.
    y : array-like, shape (n_samples,), optional
        Class labels (or targets) of the points to draw.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    resolution : int
        Grid points per side.
    margin : float
        Fraction of the data's range added around it.
    features : pair of int, optional
        The two columns of a wider ``X`` to plot, e.g. ``(0, 2)``.
    levels : int
        Number of contour levels.
    colorbar : bool
        Draw a colour bar labelled with what the colours mean.
    title : str, optional
        Axes title.
    target : class label, optional
        Draw P(y = target) (default: class 1 of two; the most probable of more).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.shown`` says what is drawn: "P(y = 1)", "most probable class", ...
    """
    check_fitted(model, "plot_probability")
    X = check_plane(X, features)
    xx, yy, points = plane_grid(X, resolution, margin)
    ax = _axes(ax)
    probabilities, classes = _probabilities(model, points)
    if probabilities is not None and (probabilities.shape[1] > 2 or target is not None):
        if target is None:
            _most_probable(ax, xx, yy, probabilities, classes, title)
        else:
            column = _class_column(classes, target)
            _surface(ax, xx, yy, probabilities[:, column], True, f"P(y = {target})", levels,
                     colorbar, cmap=style.class_cmap(column))
    else:
        values, is_probability = positive_score(model, points)
        label = "P(y = 1)" if is_probability else "prediction" if is_regressor(model) else \
            "decision function"
        _surface(ax, xx, yy, values, is_probability, label, levels, colorbar,
                 centred=not is_probability and not is_regressor(model))
    if y is not None:
        if is_regressor(model):
            ax.scatter(X[:, 0], X[:, 1], c=np.asarray(y), cmap=style.DIVERGING, s=18,
                       edgecolors="#333333", linewidths=0.4, zorder=3)
        else:
            scatter_points(ax, X, np.asarray(y), classes if probabilities is not None else None)
    _finish(ax, title, legend=False)
    return ax


def _probabilities(model, points):
    """Class probabilities (n, k) and the class labels, or (None, None) for a model that
    has no probabilities (a regressor, an SVC)."""
    if is_regressor(model):
        return None, None
    _, is_probability = positive_score(model, points[:1])
    if not is_probability:
        return None, None
    probabilities = class_scores(model, points)
    classes = getattr(model, "classes_", None)
    return probabilities, np.arange(probabilities.shape[1]) if classes is None else classes


def _class_column(classes, target):
    matches = np.flatnonzero(np.asarray(classes) == target)
    if not len(matches):
        raise InvalidInputError(f"plot_probability(target={target!r}): the model's classes "
                                f"are {', '.join(map(str, classes))}.")
    return int(matches[0])


def _surface(ax, xx, yy, values, is_probability, label, levels, colorbar, centred=False,
             cmap=None):
    """Filled contours of one value per point (on the diverging map unless ``cmap``), with
    its colour bar."""
    surface = values.reshape(xx.shape)
    if is_probability:
        bounds = np.linspace(0, 1, levels)
    elif centred:
        extent = np.abs(values).max() or 1.0
        bounds = np.linspace(-extent, extent, levels)
    else:
        bounds = levels
    filled = ax.contourf(xx, yy, surface, levels=bounds, cmap=cmap or style.DIVERGING,
                         alpha=0.85)
    if is_probability and surface.min() < 0.5 < surface.max():
        ax.contour(xx, yy, surface, levels=[0.5], colors="#333333", linewidths=1.2)
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label=label)
    ax.shown = label


def _most_probable(ax, xx, yy, probabilities, classes, title):
    """Each point in its most probable class's colour, paler where the model is less sure,
    with the boundaries between classes and a legend of the colours."""
    colors = style.output_colors(probabilities, "classes") / 255.0  # (n, 3)
    ax.imshow(colors.reshape(*xx.shape, 3), origin="lower", aspect="auto",
              extent=(xx.min(), xx.max(), yy.min(), yy.max()), interpolation="bilinear")
    regions = probabilities.argmax(axis=1)
    for k in range(probabilities.shape[1]):
        margin = probabilities[:, k] - np.delete(probabilities, k, axis=1).max(axis=1)
        if margin.min() < 0 < margin.max():
            ax.contour(xx, yy, margin.reshape(xx.shape), levels=[0.0], colors="#333333",
                       linewidths=1.2)
    handles = [Patch(color=style.class_color(k), label=f"class {c}")
               for k, c in enumerate(classes) if (regions == k).any()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
              title="most probable", title_fontsize=8, borderaxespad=0)
    if title is None:
        ax.set_title("most probable class (paler: less sure)", fontsize=10)
    ax.shown = "most probable class"


def plot_comparison(models: Mapping[str, Any], datasets: Mapping[str, tuple[ArrayLike, ...]], *,
                    test_size: float = 0.2, random_state: RandomState = 42, stratify: bool = True,
                    resolution: int = 150, panel_size: float = 3.4) -> Figure:
    """A grid of decision boundaries: one row per data set, one panel per model.

    Parameters
    ----------
    models : dict of str -> estimator
        Unfitted scikit-learn-style estimators (each is cloned and fitted per data set).
    datasets : dict of str -> (X, y) or (X_train, X_test, y_train, y_test)
        A pair is split with ``test_size`` and ``random_state`` (stratified unless
        ``stratify=False``); give the four arrays to control the split yourself.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel is titled with the model and its test accuracy; the scores
        are also in ``figure.scores[dataset][model]``.
    """
    if not models or not datasets:
        raise InvalidInputError("plot_comparison needs at least one model and one data set, "
                                "e.g. models={'svc': SVC()}, datasets={'moons': (X, y)}.")
    fig, axes = plt.subplots(len(datasets), len(models), squeeze=False, layout="constrained",
                             figsize=(panel_size * len(models), panel_size * len(datasets)))
    fig.scores = {}
    for row, (data_name, parts) in enumerate(datasets.items()):
        X_train, X_test, y_train, y_test = _split(parts, test_size, random_state, stratify)
        fig.scores[data_name] = {}
        for column, (model_name, model) in enumerate(models.items()):
            fitted = clone(model).fit(X_train, y_train)
            score = fitted.score(X_test, y_test)
            fig.scores[data_name][model_name] = score
            plot_decision_boundary(fitted, X_train, y_train, X_test=X_test, y_test=y_test,
                                   ax=axes[row, column], resolution=resolution, legend=False,
                                   title=f"{model_name}: test acc {score:.2f}")
            axes[row, column].title.set_fontsize(10)
        axes[row, 0].set_ylabel(data_name, fontsize=12, fontweight="bold")
    return fig


def _split(parts, test_size, random_state, stratify):
    if len(parts) == 4:
        return parts
    X, y = parts
    return train_test_split(X, y, test_size=test_size, random_state=random_state,
                            stratify=y if stratify else None)


def _finish(ax, title, legend):
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("auto")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="best", fontsize=8, framealpha=0.85)
