"""Evaluation figures: confusion matrix, ROC, precision-recall, calibration, as scikit-learn
computes them."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn import metrics
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

import mlplab
from mlplab import data, viz
from mlplab.errors import InvalidInputError
from mlplab.viz import kinds


@pytest.fixture(scope="module")
def moons_net():
    X, y = data.moons(n_samples=300, noise=0.3, random_state=0)
    model = mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=0)
    model.compile(optimizer="adam", learning_rate=0.02).fit(X[:200], y[:200], epochs=60)
    return model, X[200:], y[200:]


def test_confusion_matrix_numbers_are_written_in(moons_net):
    model, X, y = moons_net
    ax = viz.plot_confusion_matrix(model, X, y)
    expected = metrics.confusion_matrix(y, model.predict_classes(X))
    assert np.array_equal(ax.matrix, expected)
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in expected.ravel())
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    plt.close(ax.figure)
    X3, y3 = data.blobs(n_samples=150, centers=3, cluster_std=3.0, random_state=0)
    classifier = LogisticRegression().fit(X3, y3 + 5)  # labels 5, 6, 7
    ax = viz.plot_confusion_matrix(classifier, X3, y3 + 5, normalize="true")
    assert np.allclose(ax.matrix.sum(axis=1), 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["5", "6", "7"]
    plt.close(ax.figure)


def test_roc_and_precision_recall_are_scikit_learns(moons_net):
    model, X, y = moons_net
    score = model.predict(X)[:, 0]
    ax = viz.plot_roc(model, X, y)
    fpr, tpr, area = ax.curves[1]
    reference = metrics.roc_curve(y, score)
    assert np.allclose(fpr, reference[0]) and np.allclose(tpr, reference[1])
    assert area == pytest.approx(metrics.roc_auc_score(y, score))
    assert ax.get_legend().get_texts()[0].get_text() == f"class 1: AUC {area:.3f}"
    plt.close(ax.figure)
    ax = viz.plot_precision_recall(model, X, y)
    assert ax.curves[1][2] == pytest.approx(metrics.average_precision_score(y, score))
    plt.close(ax.figure)
    X3, y3 = data.blobs(n_samples=150, centers=3, cluster_std=3.0, random_state=0)
    ax = viz.plot_roc(SVC().fit(X3, y3), X3, y3)  # decision scores, one curve per class
    assert sorted(ax.curves) == [0, 1, 2]
    plt.close(ax.figure)


def test_calibration_is_the_reliability_curve(moons_net):
    model, X, y = moons_net
    ax = viz.plot_calibration(model, X, y, n_bins=5)
    observed, predicted = calibration_curve(y, model.predict(X)[:, 0], n_bins=5)
    assert np.allclose(ax.calibration[0], predicted) and np.allclose(ax.calibration[1], observed)
    plt.close(ax.figure)
    with pytest.raises(InvalidInputError, match="needs probabilities"):
        X3, y3 = data.moons(n_samples=60, random_state=0)
        viz.plot_calibration(SVC().fit(X3, y3), X3, y3)


def test_kinds_score_the_test_points_and_refuse_regressors(moons_net):
    model, X, y = moons_net
    figure_data = kinds.FigureData(X, y, X[:50], y[:50])
    for name in ("confusion", "roc", "precision_recall", "calibration"):
        figure = kinds.draw(name, model, figure_data, preview=True)
        assert figure.axes[0].get_title().endswith("(test points)")
        plt.close(figure)
    x, t = data.sine(n_samples=40, random_state=0)
    regressor = mlplab.NetRegressor(hidden_layer_sizes=(3,), epochs=2).fit(x, t)
    assert "regressor" in kinds.cannot_draw("roc", regressor, kinds.FigureData(x, t))
    with pytest.raises(InvalidInputError, match="draws a classifier"):
        viz.plot_confusion_matrix(regressor, x, t)
