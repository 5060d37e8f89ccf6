"""How good a classifier is: confusion matrix, ROC and precision-recall curves, calibration.

Each works on any fitted classifier (an mlplab Sequential or NetClassifier, or a
scikit-learn one) and any number of input features; the numbers are scikit-learn's
(:mod:`sklearn.metrics`, :func:`sklearn.calibration.calibration_curve`), so what the
picture shows is what scikit-learn computes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    auc,
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_curve,
)

from mlplab._typing import Model
from mlplab._validation import check_X
from mlplab.engine.model import Sequential
from mlplab.errors import InvalidInputError
from mlplab.viz import style
from mlplab.viz._grid import check_fitted, class_scores, is_regressor, predict_classes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _axes(ax, size=(5.2, 4.4)):
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _labels(y):
    y = np.asarray(y)
    return np.argmax(y, axis=1) if y.ndim == 2 else y


def _check_classifier(model, purpose):
    check_fitted(model, purpose)
    if is_regressor(model):
        raise InvalidInputError(f"{purpose} draws a classifier; {type(model).__name__} "
                                "predicts values (a regressor).")


def class_probabilities(model, X):
    """Scores per class, shape (n, n_classes), and the class labels (see
    :func:`mlplab.viz._grid.class_scores`)."""
    scores = class_scores(model, X)
    if scores is None:
        raise InvalidInputError(f"{type(model).__name__} gives no scores (no predict_proba "
                                "or decision_function) to draw curves from.")
    classes = np.arange(scores.shape[1]) if isinstance(model, Sequential) else np.asarray(
        model.classes_)
    return scores, classes


def plot_confusion_matrix(model: Model, X: ArrayLike, y: ArrayLike, *,
                          normalize: Literal["true", "pred", "all"] | None = None,
                          ax: Axes | None = None, title: str | None = None) -> Axes:
    """Counts of (true class, predicted class), with the numbers written in.

    Parameters
    ----------
    model : fitted classifier
    X, y : array-like
        The points to score (test data, usually) and their true classes.
    normalize : {None, "true", "pred", "all"}
        As :func:`sklearn.confusion_matrix`: fractions of each true class (row),
        predicted class (column) or of everything, instead of counts.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.matrix`` holds the numbers drawn, rows true classes.
    """
    _check_classifier(model, "plot_confusion_matrix")
    X, y = check_X(X), _labels(y)
    predicted, classes = predict_classes(model, X)
    truth = np.searchsorted(classes, y) if not isinstance(model, Sequential) else y
    matrix = confusion_matrix(truth, predicted, labels=np.arange(len(classes)),
                                      normalize=normalize)
    ax = _axes(ax, (4.6, 4.0))
    image = ax.imshow(matrix, cmap="Blues", vmin=0)
    for (row, column), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        dark = value > 0.6 * (matrix.max() or 1)
        ax.text(column, row, text, ha="center", va="center", fontsize=11,
                color="white" if dark else "#222222")
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, [str(c) for c in classes])
    ax.set_yticks(ticks, [str(c) for c in classes])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    what = {None: "count", "true": "fraction of the true class", "pred":
            "fraction of the predicted class", "all": "fraction of all points"}[normalize]
    ax.figure.colorbar(image, ax=ax, label=what)
    accuracy = np.trace(confusion_matrix(truth, predicted)) / len(truth)
    ax.set_title(title or f"confusion matrix (accuracy {accuracy:.3f})", fontsize=10)
    ax.matrix = matrix
    return ax


def _one_vs_rest(model, X, y):
    """(class label, 0/1 truth, score) for the positive class, or for each class."""
    scores, classes = class_probabilities(model, X)
    y = _labels(y)
    truth = y if isinstance(model, Sequential) else np.searchsorted(classes, y)
    if scores.shape[1] == 2:
        return [(classes[1], truth == 1, scores[:, 1])]
    return [(classes[k], truth == k, scores[:, k]) for k in range(scores.shape[1])]


def plot_roc(model: Model, X: ArrayLike, y: ArrayLike, *, ax: Axes | None = None,
             title: str | None = None) -> Axes:
    """ROC curves: true against false positive rate as the threshold moves, with the area
    under each (one curve for two classes, one per class against the rest for more).

    Parameters
    ----------
    model : fitted classifier
        An mlplab network or estimator, or a scikit-learn classifier.
    X, y : array-like
        The points to score (test data, usually) and their true classes.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.curves`` maps each class to (false positive rates, true positive rates, AUC).
    """
    _check_classifier(model, "plot_roc")
    ax = _axes(ax)
    ax.curves = {}
    curves = _one_vs_rest(model, check_X(X), y)
    for index, (label, truth, score) in enumerate(curves):
        fpr, tpr, _ = roc_curve(truth, score)
        area = auc(fpr, tpr)
        ax.plot(fpr, tpr, color=style.class_color(1 if len(curves) == 1 else index),
                linewidth=2, label=f"class {label}: AUC {area:.3f}")
        ax.curves[label] = (fpr, tpr, area)
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="chance")
    _finish(ax, "false positive rate", "true positive rate", title or "ROC curve")
    return ax


def plot_precision_recall(model: Model, X: ArrayLike, y: ArrayLike, *, ax: Axes | None = None,
                          title: str | None = None) -> Axes:
    """Precision against recall as the threshold moves, with the average precision (AP);
    the dotted line is a classifier that guesses (precision = the class's share).

    Parameters
    ----------
    model : fitted classifier
        An mlplab network or estimator, or a scikit-learn classifier.
    X, y : array-like
        The points to score (test data, usually) and their true classes.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.curves`` maps each class to (recall, precision, AP).
    """
    _check_classifier(model, "plot_precision_recall")
    ax = _axes(ax)
    ax.curves = {}
    curves = _one_vs_rest(model, check_X(X), y)
    for index, (label, truth, score) in enumerate(curves):
        precision, recall, _ = precision_recall_curve(truth, score)
        average = average_precision_score(truth, score)
        color = style.class_color(1 if len(curves) == 1 else index)
        ax.step(recall, precision, where="post", color=color, linewidth=2,
                label=f"class {label}: AP {average:.3f}")
        ax.axhline(truth.mean(), color=color, linestyle=":", linewidth=1)
        ax.curves[label] = (recall, precision, average)
    ax.plot([], [], color="#888888", linestyle=":", label="guessing (the class's share)")
    _finish(ax, "recall", "precision", title or "precision-recall curve")
    return ax


def plot_calibration(model: Model, X: ArrayLike, y: ArrayLike, *, n_bins: int = 10,
                     ax: Axes | None = None, title: str | None = None) -> Axes:
    """Reliability diagram: in each bin of predicted probability, the fraction of points
    that are positive (a calibrated model lies on the diagonal), with how many points
    each bin holds below. Two classes: P(class 1); more: the top class's probability
    against how often the top class is right.

    Parameters
    ----------
    model : fitted classifier
        An mlplab network or estimator, or a scikit-learn classifier.
    X, y : array-like
        The points to score (test data, usually) and their true classes.
    n_bins : int
        Bins of predicted probability, equally wide on [0, 1].
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.calibration`` is (mean predicted probability, observed fraction) per bin.
    """
    _check_classifier(model, "plot_calibration")
    scores, classes = class_probabilities(model, check_X(X))
    y = _labels(y)
    truth = y if isinstance(model, Sequential) else np.searchsorted(classes, y)
    if scores.min() < 0 or scores.max() > 1:
        raise InvalidInputError("plot_calibration needs probabilities; this model gives "
                                "decision scores (e.g. SVC: use SVC(probability=True)).")
    if scores.shape[1] == 2:
        probability, positive, what = scores[:, 1], truth == 1, "P(class 1)"
    else:
        probability, positive = scores.max(axis=1), scores.argmax(axis=1) == truth
        what = "probability of the predicted class"
    observed, predicted = calibration_curve(positive, probability, n_bins=n_bins)
    ax = _axes(ax, (5.6, 4.6))
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1,
            label="perfectly calibrated")
    ax.plot(predicted, observed, color=style.HIGH, marker="o", linewidth=2, label="the model")
    _finish(ax, f"predicted {what}", "observed fraction of positives" if scores.shape[1] == 2
            else "observed fraction right", title or "calibration (reliability diagram)",
            square=False)
    counts = ax.twinx()  # how many points each bin holds, as grey bars along the bottom
    heights, _, _ = counts.hist(probability, bins=np.linspace(0, 1, n_bins + 1),
                                color="#bbbbbb", alpha=0.6, zorder=0)
    counts.set_ylim(0, 4 * heights.max())  # the bars fill the lowest quarter
    counts.set_ylabel("points per bin (grey bars)", fontsize=8, color="#777777")
    counts.tick_params(labelsize=7, colors="#777777")
    ax.set_zorder(counts.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.calibration = (predicted, observed)
    return ax


def _finish(ax, xlabel, ylabel, title, square=True):
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.02)
    if square:  # not with a twin axis, whose limits a fixed aspect would fight
        ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
