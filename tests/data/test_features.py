import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from mlplab import data
from mlplab.errors import InvalidInputError, InvalidTypeError, UnknownNameError

ALL = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def test_values_against_hand_computed_ones():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]])
    features = data.PlaygroundFeatures()
    out = features.fit_transform(X)
    expected = [[2.0, 3.0, 4.0, 9.0, 6.0, np.sin(2.0), np.sin(3.0)],
                [-1.0, 0.5, 1.0, 0.25, -0.5, -np.sin(1.0), np.sin(0.5)]]
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)
    assert out.dtype == np.float64 and features.n_features_in_ == 2
    assert list(features.get_feature_names_out()) == ALL


def test_chosen_order_and_aliases():
    X = np.array([[2.0, 3.0]])
    chosen = data.PlaygroundFeatures(["x1x2", "SIN X1", "x2**2", "x1"]).fit(X)
    assert list(chosen.get_feature_names_out()) == ["x1*x2", "sin(x1)", "x2^2", "x1"]
    np.testing.assert_allclose(chosen.transform(X), [[6.0, np.sin(2.0), 9.0, 2.0]])


def test_in_a_pipeline_a_product_feature_solves_xor():
    X, y = data.xor(n_samples=400, random_state=0)
    linear = LogisticRegression().fit(X, y).score(X, y)
    pipeline = make_pipeline(data.PlaygroundFeatures(["x1", "x2", "x1*x2"]),
                             LogisticRegression(C=100))
    with_product = clone(pipeline).fit(X, y).score(X, y)
    assert linear < 0.7 < 0.95 < with_product
    assert pipeline.get_params()["playgroundfeatures__features"] == ["x1", "x2", "x1*x2"]


def test_pandas_output_uses_the_feature_names():
    pytest.importorskip("pandas")
    frame = data.PlaygroundFeatures(["x1^2", "x1*x2"]).set_output(transform="pandas") \
        .fit_transform(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert list(frame.columns) == ["x1^2", "x1*x2"] and frame["x1*x2"].tolist() == [2.0, 12.0]


@pytest.mark.parametrize("features,error,message", [
    (["sin(x3)"], UnknownNameError, r"Unknown feature 'sin\(x3\)'. Did you mean 'sin"),
    ("x1", InvalidTypeError, "features='x1': give a list of names"),
    ([], InvalidInputError, "choose at least one"),
    (["x1", "X1"], InvalidInputError, "x1 appears more than once"),
    ([1], InvalidTypeError, "feature names are str"),
])
def test_feature_name_errors_are_raised_in_fit(features, error, message):
    transformer = data.PlaygroundFeatures(features)  # the constructor only stores
    assert transformer.features == features
    with pytest.raises(error, match=message):
        transformer.fit(np.zeros((2, 2)))


def test_input_errors():
    with pytest.raises(InvalidInputError, match="X has 3 columns. Select two columns"):
        data.PlaygroundFeatures().fit(np.zeros((2, 3)))
    fitted = data.PlaygroundFeatures().fit(np.zeros((2, 2)))
    with pytest.raises(InvalidInputError, match="X has 1 columns"):
        fitted.transform(np.zeros((2, 1)))
    with pytest.raises(NotFittedError):
        data.PlaygroundFeatures().transform(np.zeros((2, 2)))
