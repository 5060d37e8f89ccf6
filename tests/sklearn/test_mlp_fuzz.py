"""Generated settings and data: mlplab's sgd and lbfgs fits take scikit-learn's steps.

For every drawn problem (classification with 2-4 classes, multi-label, or regression
with 1-3 outputs), network (widths, activation), and sgd setting (batch size, momentum,
Nesterov, penalty, schedule, shuffling, early stopping, tol and patience), both
libraries fit with the same ``random_state``: the epochs run, the loss curve and the
weights agree to rounding. L-BFGS takes the same iterations, and over its first five
its loss agrees to 1e-6 (further on its line searches amplify the rounding differences
of the sums, ~1e-14 at the third iteration, until the paths may part). A batch size
that does not divide the training rows comes without penalty: scikit-learn divides a
smaller last batch's penalty by its own size, mlplab by the batch size
(docs/guide/estimators.md).
"""

import warnings

import numpy as np
import pytest
import sklearn.neural_network as reference
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from mlplab.neural_network import MLPClassifier, MLPRegressor


@st.composite
def problems(draw):
    kind = draw(st.sampled_from(["binary", "multiclass", "multilabel", "regression"]))
    n_samples = draw(st.integers(20, 80))
    n_features = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.normal(size=(n_samples, n_features))
    if kind == "regression":
        y = rng.normal(size=(n_samples, draw(st.integers(1, 3)))).squeeze()
    elif kind == "multilabel":
        y = (rng.random((n_samples, 3)) > 0.5).astype(int)
    else:
        n_classes = 2 if kind == "binary" else draw(st.integers(3, 4))
        y = np.arange(n_samples) % n_classes  # every class present, enough to stratify
    return kind, X, y


@st.composite
def sgd_settings(draw, n_samples):
    batch_size = draw(st.sampled_from(["auto", n_samples, 10, 7]))
    divides = batch_size == "auto" or n_samples % batch_size == 0
    early = draw(st.booleans())
    return dict(
        solver="sgd", batch_size=batch_size,
        hidden_layer_sizes=draw(st.sampled_from([(3,), (5, 4), ()])),
        activation=draw(st.sampled_from(["identity", "logistic", "tanh", "relu"])),
        momentum=draw(st.sampled_from([0.0, 0.5, 0.9])),
        nesterovs_momentum=draw(st.booleans()),
        alpha=draw(st.sampled_from([0.0, 1e-3, 0.1])) if divides and not early else 0.0,
        learning_rate=draw(st.sampled_from(["constant", "invscaling", "adaptive"])),
        learning_rate_init=draw(st.sampled_from([0.01, 0.1])),
        shuffle=draw(st.booleans()), early_stopping=early, validation_fraction=0.25,
        tol=draw(st.sampled_from([1e-4, 1e-2])), n_iter_no_change=draw(st.integers(1, 4)),
        max_iter=draw(st.integers(1, 12)), random_state=draw(st.integers(0, 1000)))


def fit_both(kind, X, y, params):
    ours = (MLPRegressor if kind == "regression" else MLPClassifier)(**params)
    theirs = getattr(reference, type(ours).__name__)(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ours.fit(X, y), theirs.fit(X, y)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_sgd_takes_scikit_learns_steps(data):
    kind, X, y = data.draw(problems())
    params = data.draw(sgd_settings(len(X)))
    ours, theirs = fit_both(kind, X, y, params)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8, atol=1e-12)
    for mine, expected in zip(ours.coefs_ + ours.intercepts_,
                              theirs.coefs_ + theirs.intercepts_, strict=True):
        assert_allclose(mine, expected, rtol=1e-7, atol=1e-10)


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_lbfgs_takes_scikit_learns_iterations(data):
    kind, X, y = data.draw(problems())
    params = dict(solver="lbfgs", hidden_layer_sizes=data.draw(st.sampled_from([(3,), (4, 3)])),
                  activation=data.draw(st.sampled_from(["logistic", "tanh", "relu"])),
                  alpha=data.draw(st.sampled_from([0.0, 1e-2])),
                  max_iter=data.draw(st.integers(1, 5)),
                  random_state=data.draw(st.integers(0, 1000)))
    ours, theirs = fit_both(kind, X, y, params)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6, abs=1e-12)
