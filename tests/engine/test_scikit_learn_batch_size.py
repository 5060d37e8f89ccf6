"""fitting.scikit_learn_batch_size: scikit-learn's MLP rule for the rows per step."""

import pytest

from mlplab.engine.fitting import scikit_learn_batch_size


@pytest.mark.parametrize("batch_size,n_samples,expected", [
    ("auto", 150, 150), ("auto", 1347, 200), (32, 150, 32), (1, 5, 1),
])
def test_auto_is_at_most_200(batch_size, n_samples, expected):
    assert scikit_learn_batch_size(batch_size, n_samples) == expected


def test_more_than_the_samples_is_clipped_with_scikit_learns_warning():
    with pytest.warns(UserWarning, match="It is going to be clipped"):
        assert scikit_learn_batch_size(500, 120) == 120
