"""mlplab's own estimators' arguments (NetClassifier, NetRegressor): what each accepts,
checked in ``fit`` (scikit-learn's convention: the constructor only stores)."""

from mlplab._sklearn import named_errors
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
from mlplab.engine import activations, initializers, losses, optimizers
from mlplab.errors import InvalidTypeError

# Which constructor arguments each optimizer takes (scikit-learn's names -> the engine's).
OPTIMIZER_SETTINGS = {
    "sgd": ("learning_rate", "momentum", "nesterov"),
    "adam": ("learning_rate", "beta_1", "beta_2", "epsilon"),
    "rmsprop": ("learning_rate", "epsilon"),
    "adagrad": ("learning_rate", "epsilon"),
}

_FRACTION = Real(0, 1, "left")
_POSITIVE = Real(0, closed="neither")


class _DTypeOrInfer(FloatDType):
    """A floating dtype, or "infer": the dtype of the X given to fit."""

    description = "'float64' (default), 'float32' or 'infer' (follow X)"

    def value_ok(self, value):
        return (isinstance(value, str) and value == "infer") or super().value_ok(value)

    def convert(self, value):
        return value if isinstance(value, str) and value == "infer" else super().convert(value)


# What each constructor argument accepts and a valid example, checked in fit (scikit-learn's
# convention: the constructor only stores). Names the engine resolves (activation, loss,
# optimizer, kernel_initializer, layers) are checked by the engine's own resolvers.
PARAMETERS = {
    "hidden_layer_sizes": (Widths(), (100,)),
    "learning_rate": (_POSITIVE, 0.001),
    "momentum": (_FRACTION, 0.9),
    "nesterov": (Boolean(), True),
    "beta_1": (_FRACTION, 0.9),
    "beta_2": (_FRACTION, 0.999),
    "epsilon": (_POSITIVE, 1e-8),
    "batch_size": (Optional(Integer(1)), 32),
    "epochs": (Integer(1), 200),
    "alpha": (Real(0), 0.0001),
    "l1": (Real(0), 0.0),
    "tol": (Real(0), 1e-4),
    "n_iter_no_change": (Optional(Integer(1)), 10),
    "early_stopping": (Boolean(), False),
    "validation_fraction": (Real(0, 1, "neither"), 0.1),
    "shuffle": (Boolean(), True),
    "warm_start": (Boolean(), False),
    "random_state": (Seed(), 0),
    "dtype": (_DTypeOrInfer(), "float64"),
    "verbose": (Options((0, 1, 2)), 0),
}


def check_parameters(estimator):
    """Check every constructor argument against ``PARAMETERS`` or the engine's resolvers."""
    owner = type(estimator).__name__
    for name, (constraint, example) in PARAMETERS.items():
        check(getattr(estimator, name), name, constraint, owner=owner,
              example=f"{owner}({name}={example!r})")
    resolvers = {"activation": activations.get, "output_activation": activations.get,
                 "loss": losses.get, "kernel_initializer": initializers.get,
                 "optimizer": optimizers.get}
    for name, resolve in resolvers.items():
        value = getattr(estimator, name)
        if value is None and name in ("output_activation", "loss"):
            continue  # None: chosen from the targets
        with named_errors(f"{owner}({name}={short_repr(value)})", scikit_learn=False):
            resolve(value)
    check_callbacks(estimator.callbacks, owner)
    if estimator.layers is not None and not isinstance(estimator.layers, (list, tuple)):
        raise InvalidTypeError(f"{owner}(layers={short_repr(estimator.layers)}): layers must "
                               "be None or a list of layer dicts or widths, e.g. "
                               f"{owner}(layers=[2, 16, 1]).")


def check_callbacks(callbacks, owner):
    """``callbacks``: None or a list of mlplab callbacks (both estimator families)."""
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise InvalidTypeError(f"{owner}(callbacks={short_repr(callbacks)}): give a list of "
                               "mlplab callbacks, or None.")
