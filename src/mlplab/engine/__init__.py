"""The NumPy engine: layers, activations, losses, optimizers, training, backprop tools.

Every piece of maths is defined here, once, in NumPy, and importing it needs NumPy only.
The numba paths that run the same maths faster live beside it in :mod:`mlplab.fast`;
the engine reaches them in one place, :mod:`mlplab.engine.runners`, which chooses the
runner of a fit's epochs.
"""

from mlplab.engine import schedules
from mlplab.engine.activations import ACTIVATIONS
from mlplab.engine.callbacks import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    ProgressBar,
    TerminateOnNaN,
    WeightSnapshots,
)
from mlplab.engine.collapse import collapse_linear
from mlplab.engine.gradcheck import GradcheckResult, gradcheck
from mlplab.engine.health import TrainingHealth
from mlplab.engine.initializers import Constant, Normal, Uniform, VarianceScaling
from mlplab.engine.layers import Activation, Dense, Dropout, Input, Layer
from mlplab.engine.lbfgs import LBFGS
from mlplab.engine.losses import LOSSES
from mlplab.engine.many import fit_many
from mlplab.engine.model import Sequential
from mlplab.engine.optimizers import OPTIMIZERS, SGD, Adagrad, Adam, Optimizer, RMSprop
from mlplab.engine.rate_callbacks import LearningRateScheduler, ReduceLROnPlateau
from mlplab.engine.regularizers import L1, L1L2, L2
from mlplab.engine.saving import load_model
from mlplab.engine.trace import Trace, trace

__all__ = [
    "ACTIVATIONS", "LOSSES", "OPTIMIZERS",
    "Callback", "EarlyStopping", "History", "ModelCheckpoint", "ProgressBar",
    "TerminateOnNaN", "TrainingHealth", "WeightSnapshots",
    "collapse_linear", "gradcheck", "GradcheckResult", "trace", "Trace",
    "Constant", "Normal", "Uniform", "VarianceScaling",
    "Activation", "Dense", "Dropout", "Input", "LBFGS", "Layer", "LearningRateScheduler",
    "ReduceLROnPlateau", "schedules", "Sequential", "load_model", "fit_many",
    "SGD", "Adam", "RMSprop", "Adagrad", "Optimizer",
    "L1", "L2", "L1L2",
]
