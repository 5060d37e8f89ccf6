import matplotlib
import pytest

import mlplab
from mlplab import data

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def xor_net():
    """A 2-4-3-1 sigmoid net trained on XOR (labels 1 where the signs of x1, x2 differ)."""
    X, y = data.xor(n_samples=200, random_state=0)
    model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid", random_state=0)
    model.compile(optimizer=mlplab.SGD(learning_rate=0.5), metrics=["accuracy"])
    model.fit(X, y, epochs=300, batch_size=1)
    assert model.evaluate(X, y)["accuracy"] > 0.95
    return model, X, y

