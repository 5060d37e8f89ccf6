"""mlplab: build, train, see inside and compare small feed-forward neural networks.

>>> import mlplab
>>> model = mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=0)
>>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
"""

from typing import TYPE_CHECKING, Any

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
    TrainingHealth,
    WeightSnapshots,
    collapse_linear,
    fit_many,
    gradcheck,
    schedules,
    trace,
)
from mlplab.engine.saving import load_model as load
from mlplab.errors import MlplabError

if TYPE_CHECKING:  # the lazy names below, for type checkers (they load on first use)
    from mlplab.baselines import make_model
    from mlplab.estimator import NetClassifier, NetRegressor
    from mlplab.neural_network import MLPClassifier, MLPRegressor

# scikit-learn-based parts load on first use, so `import mlplab.engine` needs NumPy only.
_LAZY = {"NetClassifier": "mlplab.estimator", "NetRegressor": "mlplab.estimator",
         "MLPClassifier": "mlplab.neural_network", "MLPRegressor": "mlplab.neural_network",
         "make_model": "mlplab.baselines"}
# Submodules load on first attribute access too: `mlplab.viz.plot_history(...)` works
# after a bare `import mlplab`, without paying for matplotlib when it is not used.
_SUBMODULES = ("baselines", "data", "engine", "estimator", "keras", "neural_network", "study",
               "viz", "web", "workflows", "fast", "errors", "cli")


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"mlplab.{name}")
    raise AttributeError(f"module 'mlplab' has no attribute {name!r}")


__all__ = [
    "__version__", "Sequential", "Dense", "Dropout", "Activation", "Input", "SGD", "Adam",
    "RMSprop", "Adagrad", "LBFGS", "schedules", "Callback", "EarlyStopping", "History",
    "ModelCheckpoint", "TerminateOnNaN", "TrainingHealth", "LearningRateScheduler",
    "ReduceLROnPlateau",
    "WeightSnapshots", "collapse_linear", "fit_many", "gradcheck", "trace", "load", "MlplabError",
    "NetClassifier", "NetRegressor", "MLPClassifier", "MLPRegressor", "make_model",
]
