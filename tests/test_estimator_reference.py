"""NetClassifier against scikit-learn's MLPClassifier with the same settings."""

import numpy as np
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlplab.estimator import NetClassifier

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer"])
def test_mean_accuracy_over_five_seeds_is_no_worse_than_scikit_learns(name):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                        stratify=y)
    # Same architecture, solver, learning rate, batch size, L2 and a fixed 200 epochs.
    ours, theirs = [], []
    for seed in range(5):
        net = NetClassifier((16,), optimizer="adam", learning_rate=0.001, batch_size=32,
                            epochs=200, alpha=1e-4, n_iter_no_change=None, random_state=seed)
        mlp = MLPClassifier((16,), solver="adam", learning_rate_init=0.001, batch_size=32,
                            max_iter=200, alpha=1e-4, tol=0.0, n_iter_no_change=200,
                            random_state=seed)
        ours.append(make_pipeline(StandardScaler(), net).fit(X_train, y_train)
                    .score(X_test, y_test))
        theirs.append(make_pipeline(StandardScaler(), mlp).fit(X_train, y_train)
                      .score(X_test, y_test))
    assert np.mean(ours) >= np.mean(theirs) - 0.01, (ours, theirs)
