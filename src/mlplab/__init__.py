"""mlplab: build, train, see inside and compare small feed-forward neural networks.

>>> import mlplab
>>> model = mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=0)
>>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
"""

__version__ = "0.1.0"

from mlplab.engine import (  # noqa: E402 - the version is read by the build first
    SGD,
    Adagrad,
    Adam,
    Callback,
    Dense,
    Dropout,
    EarlyStopping,
    History,
    ModelCheckpoint,
    RMSprop,
    Sequential,
    TerminateOnNaN,
    WeightSnapshots,
    collapse_linear,
    fit_many,
    gradcheck,
    trace,
)
from mlplab.engine.io import load_model as load  # noqa: E402
from mlplab.errors import MlplabError  # noqa: E402

# scikit-learn-based parts load on first use, so `import mlplab.engine` needs NumPy only.
_LAZY = {"NetClassifier": "mlplab.estimator", "NetRegressor": "mlplab.estimator",
         "make_model": "mlplab.baselines"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mlplab' has no attribute {name!r}")


__all__ = [
    "__version__", "Sequential", "Dense", "Dropout", "SGD", "Adam", "RMSprop", "Adagrad",
    "Callback", "EarlyStopping", "History", "ModelCheckpoint", "TerminateOnNaN",
    "WeightSnapshots", "collapse_linear", "fit_many", "gradcheck", "trace", "load", "MlplabError",
    "NetClassifier", "NetRegressor", "make_model",
]
