"""scikit-learn's own estimator checks, run on both estimators.

Two configurations of each: the defaults (mini-batch Adam) and full-batch gradient
descent, both with the default penalty; every check passes, the sample-weight
equivalence check included (its data fit in one batch of 32, and the penalty is scaled
by the batch's weight as scikit-learn scales it).
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlplab.estimator import NetClassifier, NetRegressor

# Many checks train for a few epochs on purpose; not converging there is expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [
    NetClassifier(hidden_layer_sizes=(16,), random_state=0),
    NetRegressor(hidden_layer_sizes=(16,), random_state=0),
    # Full batch with the default penalty: scaled by the weights' sum, as scikit-learn
    # does, so a weight of 2 trains as the row repeated (check_sample_weight_equivalence).
    NetClassifier(hidden_layer_sizes=(8,), batch_size=None, random_state=0),
    NetRegressor(hidden_layer_sizes=(8,), batch_size=None, learning_rate=0.05, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
