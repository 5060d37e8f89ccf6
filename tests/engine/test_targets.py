"""Targets and inputs: multi-label sigmoid outputs, binary cross-entropy on a softmax
output (as Keras computes it), and scipy sparse inputs."""

import numpy as np
import pytest
import scipy.sparse as sp

import mlplab
from mlplab import Dense
from mlplab.engine import activations, losses
from mlplab.errors import InvalidInputError


@pytest.mark.numba
def test_multi_label_targets_train_each_label_on_both_runners(rng):
    X = rng.normal(size=(80, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    fits = []
    for engine in ("numpy", "compiled"):
        model = mlplab.Sequential([Dense(8, activation="tanh", input_dim=3),
                                   Dense(3, activation="sigmoid")], random_state=0)
        model.compile(loss="binary_crossentropy", optimizer="adam", learning_rate=0.05)
        fits.append((model, model.fit(X, Y, epochs=60, batch_size=16, engine=engine)))
    (a, _), (b, hb) = fits
    assert hb.runner == "compiled"
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=1e-10)
    proba = a.predict_proba(X)  # one P(label) per column
    assert proba.shape == (80, 3)
    assert ((proba > 0.5) == Y).mean() > 0.9
    assert a.predict_classes(X).shape == (80, 3)


def keras_bce_on_probabilities(z, y):
    """Keras' binary_crossentropy(from_logits=False) on softmax outputs, unclipped."""
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_binary_crossentropy_on_a_softmax_output_is_keras_element_wise_loss(rng):
    z = rng.normal(size=(20, 2)) * 2
    y = np.eye(2)[rng.integers(0, 2, 20)]
    loss, softmax = losses.get("binary_crossentropy"), activations.get("softmax")
    assert loss.value(z, y, softmax) == pytest.approx(keras_bce_on_probabilities(z, y),
                                                      rel=1e-12)
    from numeric import central_differences  # isort: skip

    numeric = central_differences(lambda: loss.value(z, y, softmax), z)
    np.testing.assert_allclose(loss.gradient(z, y, softmax), numeric, rtol=1e-6, atol=1e-10)


def test_binary_crossentropy_on_softmax_stays_finite_where_probabilities_saturate():
    z = np.array([[800.0, -800.0, 0.0]])
    y = np.array([[1.0, 0.0, 0.0]])
    loss, softmax = losses.get("binary_crossentropy"), activations.get("softmax")
    assert np.isfinite(loss.value(z, y, softmax))
    assert np.isfinite(loss.gradient(z, y, softmax)).all()


@pytest.mark.numba  # without numba every fit falls back, for another reason
def test_a_two_unit_softmax_trained_with_binary_crossentropy_falls_back_to_numpy(rng):
    X = rng.normal(size=(40, 2))
    y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    model = mlplab.Sequential([Dense(4, activation="tanh", input_dim=2),
                               Dense(2, activation="softmax")], random_state=0)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(X, y, epochs=40)
    assert history.runner == "numpy" and "softmax" in history.runner_reason
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("kind", [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array])
def test_sparse_inputs_train_and_predict_as_their_dense_arrays(rng, kind):
    X = rng.normal(size=(50, 6))
    X[X < 0.6] = 0.0
    y = (X.sum(axis=1) > 1).astype(int)
    sparse, dense = (mlplab.Sequential([Dense(4, activation="relu", input_dim=6),
                                        mlplab.Dropout(0.2), Dense(1, activation="sigmoid")],
                                       random_state=0).compile(optimizer="sgd")
                     for _ in range(2))
    h = sparse.fit(kind(X), y, epochs=4, batch_size=8, validation_split=0.2)
    dense.fit(X, y, epochs=4, batch_size=8, validation_split=0.2, engine="numpy")
    assert h.runner == "numpy" and "sparse" in h.runner_reason
    for a, b in zip(sparse.get_weights(), dense.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sparse.predict(kind(X)), dense.predict(X), atol=1e-12)


def test_bad_sparse_inputs_are_refused(rng):
    model = mlplab.Sequential.from_spec([3, 1]).compile()
    X = sp.csr_matrix(np.array([[1.0, np.nan, 0.0]]))
    with pytest.raises(InvalidInputError, match="NaN"):
        model.fit(X, [1])
    with pytest.raises(InvalidInputError, match="has 2 features"):
        model.fit(sp.csr_matrix(np.ones((2, 2))), [0, 1])
    with pytest.raises(InvalidInputError, match="sparse X"):
        model.fit(sp.csr_matrix(np.ones((2, 3))), [0, 1], engine="compiled")


def test_estimators_follow_the_input_dtype_when_asked(rng):
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = mlplab.NetClassifier(hidden_layer_sizes=(4,), epochs=3, dtype="infer",
                               random_state=0, n_iter_no_change=None)
    clf.fit(X.astype(np.float32), y)
    assert clf.dtype_ == "float32" and clf.coefs_[0].dtype == np.float32
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    clf.fit(X, y)
    assert clf.dtype_ == "float64" and clf.coefs_[0].dtype == np.float64
    reg = mlplab.NetRegressor(hidden_layer_sizes=(4,), epochs=2, dtype="infer",
                              random_state=0, n_iter_no_change=None)
    assert reg.fit(X.astype(np.float32), X[:, 0]).coefs_[0].dtype == np.float32
    with pytest.raises(mlplab.MlplabError, match="'infer'"):
        mlplab.NetClassifier(dtype="float16").fit(X, y)
