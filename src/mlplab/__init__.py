"""mlplab: build, train, see inside and compare small feed-forward neural networks.

>>> import mlplab
>>> model = mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=0)
>>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
"""

from mlplab._version import __version__
from mlplab.engine import (
    LBFGS,
    SGD,
    Activation,
    Adagrad,
    Adam,
    Callback,
    Dense,
    Dropout,
    EarlyStopping,
    History,
    Input,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    RMSprop,
    Sequential,
    TerminateOnNaN,
    WeightSnapshots,
    collapse_linear,
    fit_many,
    gradcheck,
    schedules,
    trace,
)
from mlplab.engine.saving import load_model as load
from mlplab.errors import MlplabError

# scikit-learn-based parts load on first use, so `import mlplab.engine` needs NumPy only.
_LAZY = {"NetClassifier": "mlplab.estimator", "NetRegressor": "mlplab.estimator",
         "make_model": "mlplab.baselines"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mlplab' has no attribute {name!r}")


__all__ = [
    "__version__", "Sequential", "Dense", "Dropout", "Activation", "Input", "SGD", "Adam",
    "RMSprop", "Adagrad", "LBFGS", "schedules", "Callback", "EarlyStopping", "History",
    "ModelCheckpoint", "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau",
    "WeightSnapshots", "collapse_linear", "fit_many", "gradcheck", "trace", "load", "MlplabError",
    "NetClassifier", "NetRegressor", "make_model",
]
