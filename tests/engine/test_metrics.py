"""Training metrics against scikit-learn's on seeded random data. Every registered
metric must have a reference here: a new one fails until it is given one."""

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.metrics import (
    accuracy_score,
    hamming_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
)

import mlplab
from mlplab.engine import ACTIVATIONS, metrics
from mlplab.engine.layers import Dense
from mlplab.errors import InvalidTypeError, UnknownNameError

N_SAMPLES = 200


def classification_cases(rng):
    """(activation, outputs, targets as the loss prepares them, scikit-learn's value)."""
    y = rng.integers(0, 2, size=(N_SAMPLES, 1)).astype(float)
    p = rng.random((N_SAMPLES, 1))
    Y = rng.integers(0, 2, size=(N_SAMPLES, 3)).astype(float)
    P = rng.random((N_SAMPLES, 3))
    labels = rng.integers(0, 4, size=N_SAMPLES)
    probabilities = softmax(rng.normal(size=(N_SAMPLES, 4)) * 2, axis=1)
    scores = rng.normal(size=(N_SAMPLES, 4))
    one_hot = np.eye(4)[labels]
    return [
        # one sigmoid unit: class 1 where p > 0.5
        ("sigmoid", p, y, accuracy_score(y[:, 0], p[:, 0] > 0.5)),
        # several sigmoid units: each output is its own binary decision, and accuracy is
        # the fraction of correct decisions (Keras' binary_accuracy), not the fraction of
        # rows entirely right that accuracy_score gives for multilabel input
        ("sigmoid", P, Y, accuracy_score(Y.ravel(), (P > 0.5).ravel())),
        # softmax: the most probable class against the one-hot target
        ("softmax", probabilities, one_hot, accuracy_score(labels, probabilities.argmax(1))),
        # several outputs of any other activation: argmax as well
        ("linear", scores, one_hot, accuracy_score(labels, scores.argmax(1))),
        # a single linear output (mse on 0/1 labels): threshold 0.5
        ("linear", p, y, accuracy_score(y[:, 0], p[:, 0] > 0.5)),
    ]


def regression_cases(reference):
    def cases(rng):
        result = []
        for n_outputs in (1, 3):
            y = rng.normal(size=(N_SAMPLES, n_outputs)) * [3.0, 1.0, 0.2][:n_outputs]
            outputs = y + rng.normal(size=y.shape) * 0.5
            # r2_score averages over outputs (multioutput="uniform_average")
            result.append(("linear", outputs, y, reference(y, outputs)))
        return result
    return cases


def binary_cases(rng):
    """Keras' binary_accuracy: every output thresholded at 0.5 against its target."""
    y = rng.integers(0, 2, size=(N_SAMPLES, 1)).astype(float)
    p = rng.random((N_SAMPLES, 1))
    Y = rng.integers(0, 2, size=(N_SAMPLES, 3)).astype(float)
    P = rng.random((N_SAMPLES, 3))
    labels = rng.integers(0, 2, size=N_SAMPLES)
    probabilities = softmax(rng.normal(size=(N_SAMPLES, 2)), axis=1)
    return [("sigmoid", p, y, accuracy_score(y[:, 0], p[:, 0] > 0.5)),
            ("sigmoid", P, Y, 1 - hamming_loss(Y, P > 0.5)),
            # a softmax compiled with binary_accuracy: each of the two columns counts
            ("softmax", probabilities, np.eye(2)[labels],
             1 - hamming_loss(np.eye(2)[labels], probabilities > 0.5))]


def categorical_cases(rng):
    labels = rng.integers(0, 4, size=N_SAMPLES)
    probabilities = softmax(rng.normal(size=(N_SAMPLES, 4)) * 2, axis=1)
    return [("softmax", probabilities, np.eye(4)[labels],
             accuracy_score(labels, probabilities.argmax(1)))]


def auc_cases(rng):
    """Keras' AUC uses 200 thresholds (k/199 and just outside [0, 1]); scores strictly
    between two thresholds are cut there exactly as at their own values, so its
    trapezoids are scikit-learn's exact ROC area (ties too)."""
    cases = []
    for n_outputs in (1, 3):
        y = rng.integers(0, 2, size=(N_SAMPLES, n_outputs)).astype(float)
        noisy = np.clip(y * 0.3 + rng.random(y.shape) * 0.7, 0, 1)
        scores = (np.floor(noisy * 198) + 0.5) / 199  # between two thresholds
        # multi_label=False: every output pooled as one binary problem
        cases.append(("sigmoid", scores, y, roc_auc_score(y.ravel(), scores.ravel())))
    return cases


def pooled_cases(reference):
    """Keras' Precision and Recall: every output's decision (> 0.5) pooled, as one binary
    problem; no positives to count gives 0 (zero_division=0)."""
    def cases(rng):
        result = []
        for n_outputs in (1, 3):
            y = rng.integers(0, 2, size=(N_SAMPLES, n_outputs)).astype(float)
            p = rng.random(y.shape)
            result.append(("sigmoid", p, y, reference(y.ravel(), p.ravel() > 0.5,
                                                       zero_division=0)))
        result.append(("sigmoid", np.zeros((4, 1)), np.zeros((4, 1)), 0.0))
        return result
    return cases


def rmse(y, outputs):
    return np.sqrt(mean_squared_error(y, outputs))


REFERENCES = {
    "accuracy": classification_cases,
    "precision": pooled_cases(precision_score),
    "recall": pooled_cases(recall_score),
    "root_mean_squared_error": regression_cases(rmse),
    "binary_accuracy": binary_cases,
    "categorical_accuracy": categorical_cases,
    "sparse_categorical_accuracy": categorical_cases,
    "auc": auc_cases,
    "mse": regression_cases(mean_squared_error),
    "mae": regression_cases(mean_absolute_error),
    "r2": regression_cases(r2_score),
}


@pytest.mark.parametrize("name", sorted(metrics.METRICS))
def test_every_metric_matches_scikit_learn(name, rng):
    if name not in REFERENCES:
        pytest.fail(f"metric {name!r} has no scikit-learn reference: add one to REFERENCES "
                    "in tests/engine/test_metrics.py.")
    function = metrics.METRICS[name]
    for activation, outputs, y, expected in REFERENCES[name](rng):
        assert function(outputs, y, ACTIVATIONS[activation]) == pytest.approx(expected,
                                                                              rel=1e-12)


def test_several_sigmoid_outputs_score_each_decision():
    # Two rows of three decisions: row 1 all right, row 2 one wrong. 5 of 6 decisions are
    # right (1 - hamming_loss); only 1 of 2 rows is entirely right (accuracy_score).
    Y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    outputs = np.array([[0.9, 0.2, 0.7], [0.1, 0.8, 0.3]])
    value = metrics.accuracy(outputs, Y, ACTIVATIONS["sigmoid"])
    assert value == pytest.approx(5 / 6) == pytest.approx(1 - hamming_loss(Y, outputs > 0.5))
    assert accuracy_score(Y, outputs > 0.5) == 0.5


def test_an_output_of_exactly_one_half_is_class_0():
    # As in Keras' binary_accuracy and in predict_classes: class 1 needs p > 0.5.
    outputs, y = np.array([[0.5], [0.5000001]]), np.array([[0.0], [1.0]])
    assert metrics.accuracy(outputs, y, ACTIVATIONS["sigmoid"]) == 1.0


@pytest.mark.parametrize("prediction", ["perfect", "off"])
def test_r2_of_a_constant_target_is_as_in_scikit_learn(prediction, rng):
    # A constant column has no variance to explain: r2_score scores it 1 if predicted
    # exactly and 0 otherwise (force_finite=True) instead of dividing by zero.
    y = np.column_stack([rng.normal(size=50), np.full(50, 2.0)])
    outputs = y + rng.normal(size=y.shape) * 0.3
    if prediction == "perfect":
        outputs[:, 1] = 2.0
    assert metrics.r2(outputs, y, ACTIVATIONS["linear"]) == pytest.approx(r2_score(y, outputs),
                                                                          rel=1e-12)


# -- through a model -------------------------------------------------------------------------
def test_softmax_accuracy_is_the_same_from_integer_labels_and_one_hot_rows(rng):
    X = rng.normal(size=(N_SAMPLES, 3))
    labels = rng.integers(0, 4, size=N_SAMPLES)
    model = mlplab.Sequential.from_spec([3, 8, 4], random_state=1).build()
    model.compile(metrics=["accuracy"])
    expected = accuracy_score(labels, model.predict(X).argmax(axis=1))
    assert model.evaluate(X, labels)["accuracy"] == pytest.approx(expected, rel=1e-12)
    assert model.evaluate(X, np.eye(4)[labels])["accuracy"] == pytest.approx(expected,
                                                                             rel=1e-12)


def test_sigmoid_accuracy_agrees_with_predict_classes(rng):
    X = rng.normal(size=(N_SAMPLES, 2))
    y = rng.integers(0, 2, size=N_SAMPLES)
    model = mlplab.Sequential.from_spec([2, 6, 1], random_state=2).build()
    model.compile(metrics=["accuracy"])
    expected = accuracy_score(y, model.predict_classes(X))
    assert model.evaluate(X, y)["accuracy"] == pytest.approx(expected, rel=1e-12)


def test_regression_metrics_of_a_model_match_scikit_learn(rng):
    X = rng.normal(size=(N_SAMPLES, 3))
    y = X @ rng.normal(size=(3, 2)) + rng.normal(size=(N_SAMPLES, 2)) * 0.1
    model = mlplab.Sequential([Dense(5, "tanh", input_dim=3), Dense(2)], random_state=3)
    model.build().compile(loss="mse", metrics=["mse", "mae", "r2"])
    outputs = model.predict(X)
    logs = model.evaluate(X, y)
    assert logs["mse"] == pytest.approx(mean_squared_error(y, outputs), rel=1e-12)
    assert logs["mae"] == pytest.approx(mean_absolute_error(y, outputs), rel=1e-12)
    assert logs["r2"] == pytest.approx(r2_score(y, outputs), rel=1e-12)
    assert logs["loss"] == pytest.approx(mean_squared_error(y, outputs), rel=1e-12)


# -- names ---------------------------------------------------------------------------------
@pytest.mark.parametrize("alias,name", [("acc", "accuracy"), ("ACCURACY", "accuracy"),
                                        ("mean_squared_error", "mse"),
                                        ("mean_absolute_error", "mae"), (" R2 ", "r2")])
def test_names_and_aliases_resolve_to_the_registered_metric(alias, name):
    assert metrics.get(alias) == (name, metrics.METRICS[name])


def test_unknown_metrics_are_refused_with_a_suggestion():
    with pytest.raises(UnknownNameError, match="Did you mean 'accuracy'"):
        metrics.get("acuracy")
    with pytest.raises(InvalidTypeError, match="not a metric name"):
        metrics.get(metrics.accuracy)


@pytest.mark.parametrize("kind, reference", [
    ("binary_accuracy", accuracy_score), ("precision", precision_score),
    ("recall", recall_score)])
@pytest.mark.parametrize("threshold", [0.3, 0.7])
def test_a_metric_s_threshold_against_scikit_learn(kind, reference, threshold):
    rng = np.random.default_rng(4)
    outputs, y = rng.uniform(size=(N_SAMPLES, 1)), rng.integers(0, 2, size=(N_SAMPLES, 1))
    function = metrics.configured(kind, threshold=threshold)
    expected = reference(y.ravel(), (outputs.ravel() > threshold).astype(int))
    assert function(outputs, y.astype(float), ACTIVATIONS["sigmoid"]) == pytest.approx(expected)
    entry = metrics.describe("mine", function)
    assert entry == f"{kind}(name='mine', threshold={threshold!r})"
    name, again = metrics.get(entry)
    assert name == "mine"
    assert again(outputs, y.astype(float), ACTIVATIONS["sigmoid"]) == pytest.approx(expected)
