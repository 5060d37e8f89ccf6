"""scikit-learn's dialect's arguments (MLPClassifier, MLPRegressor): scikit-learn's
``_parameter_constraints`` in mlplab's constraint objects, checked in ``fit``, and the
extras' checks."""

import numpy as np

from mlplab._net_parameters import check_callbacks
from mlplab._validation import (
    Boolean,
    FloatDType,
    Integer,
    Optional,
    Options,
    Real,
    Seed,
    Widths,
    check,
    short_repr,
)
from mlplab.engine import optimizers
from mlplab.errors import InvalidTypeError

_ACTIVATION_NAMES = ("identity", "logistic", "tanh", "relu")


class _RandomState(Seed):
    """scikit-learn's ``random_state``: None, an int >= 0 or a RandomState, whose one
    stream draws the weights, the split and the batch orders."""

    description = "None, an int >= 0 or a numpy.random.RandomState"

    def type_ok(self, value):
        return super().type_ok(value) and not isinstance(value, np.random.Generator)


_FRACTION = Real(0, 1, "left")
# What each argument accepts and a valid example (the extras last); batch_size,
# n_iter_no_change, verbose and activation accept more than one kind: checked below.
PARAMETERS = {
    "hidden_layer_sizes": (Widths(), (100,)),
    "solver": (Options(("lbfgs", "sgd", "adam")), "adam"),
    "alpha": (Real(0), 0.0001),
    "learning_rate": (Options(("constant", "invscaling", "adaptive")), "constant"),
    "learning_rate_init": (Real(0, closed="neither"), 0.001),
    "power_t": (Real(0), 0.5),
    "max_iter": (Integer(1), 200),
    "shuffle": (Boolean(), True),
    "random_state": (_RandomState(), 0),
    "tol": (Real(0), 1e-4),
    "warm_start": (Boolean(), False),
    "momentum": (Real(0, 1), 0.9),
    "nesterovs_momentum": (Boolean(), True),
    "early_stopping": (Boolean(), False),
    "validation_fraction": (_FRACTION, 0.1),
    "beta_1": (_FRACTION, 0.9),
    "beta_2": (_FRACTION, 0.999),
    "epsilon": (Real(0, closed="neither"), 1e-8),
    "max_fun": (Integer(1), 15000),
    "dropout": (_FRACTION, 0.0),
    "dtype": (Optional(FloatDType()), "float32"),
}


def check_parameters(estimator):
    """Check every argument of ``estimator`` against :data:`PARAMETERS` and the rest."""
    owner = type(estimator).__name__
    for name, (constraint, example) in PARAMETERS.items():
        check(getattr(estimator, name), name, constraint, owner=owner,
              example=f"{owner}({name}={example!r})")
    _check_activation(estimator.activation, owner)
    if not (isinstance(estimator.batch_size, str) and estimator.batch_size == "auto"):
        check(estimator.batch_size, "batch_size", Integer(1), owner=owner,
              example=f"{owner}(batch_size='auto')")
    if estimator.n_iter_no_change != np.inf:
        check(estimator.n_iter_no_change, "n_iter_no_change", Integer(1), owner=owner,
              example=f"{owner}(n_iter_no_change=10)")
    if not isinstance(estimator.verbose, (bool, np.bool_)):  # scikit-learn: a bool or an int
        check(estimator.verbose, "verbose", Integer(0), owner=owner,
              example=f"{owner}(verbose=True)")
    if estimator.optimizer is not None:
        optimizers.get(estimator.optimizer)  # raises with the valid names
    check_callbacks(estimator.callbacks, owner)


def _check_activation(activation, owner):
    names = [activation] if isinstance(activation, str) else activation
    if not isinstance(names, (list, tuple)):
        raise InvalidTypeError(f"{owner}(activation={short_repr(activation)}): give one of "
                               f"{', '.join(map(repr, _ACTIVATION_NAMES))}, or a list of them.")
    for name in names:
        check(name, "activation", Options(_ACTIVATION_NAMES), owner=owner,
              example=f"{owner}(activation='relu')")
