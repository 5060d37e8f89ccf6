"""scikit-learn's estimator checks on mlplab's MLPClassifier and MLPRegressor.

The configurations are those scikit-learn's own test suite checks its MLP with
(``sklearn/utils/_test_common/instance_generator.py``): every check with
``max_iter=100``, and the sample-weight equivalence check (a weight of 2 trains as the
row repeated) with ``solver="lbfgs"`` for the classifier and ``solver="sgd", tol=1e-2``
for the regressor. No check is expected to fail.
"""

import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from mlplab.neural_network import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks([MLPClassifier(max_iter=100, random_state=0),
                          MLPRegressor(max_iter=100, random_state=0)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", [MLPClassifier(solver="lbfgs", random_state=0),
                                       MLPRegressor(solver="sgd", tol=1e-2, random_state=42)],
                         ids=["classifier-lbfgs", "regressor-sgd"])
def test_sample_weight_equivalence(estimator):
    check_sample_weight_equivalence_on_dense_data(type(estimator).__name__, estimator)
