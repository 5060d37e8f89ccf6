"""scikit-learn's own estimator checks, run on both estimators.

Two configurations of each: the defaults (mini-batch Adam) and full-batch
gradient descent without a penalty. Exactly one check is expected to fail, for
the defaults only, for the reason written below; the full-batch configuration
passes every check, that one included.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlplab.estimator import NetClassifier, NetRegressor

MINI_BATCH_WEIGHTS = (
    "With mini-batches, repeating a sample changes the batches and the number of steps "
    "per epoch, so a weight of 2 cannot give the same weights as a repeated row; with "
    "full-batch training it does (the full-batch estimators below pass this check)."
)


def expected_failures(estimator):
    if estimator.batch_size is None:
        return {}
    return {"check_sample_weight_equivalence_on_dense_data": MINI_BATCH_WEIGHTS}


# Many checks train for a few epochs on purpose; not converging there is expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [
    NetClassifier(hidden_layer_sizes=(16,), random_state=0),
    NetRegressor(hidden_layer_sizes=(16,), random_state=0),
    NetClassifier(hidden_layer_sizes=(8,), batch_size=None, alpha=0.0, random_state=0),
    NetRegressor(hidden_layer_sizes=(8,), batch_size=None, alpha=0.0, learning_rate=0.05,
                 random_state=0),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures, xfail_strict=True)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
