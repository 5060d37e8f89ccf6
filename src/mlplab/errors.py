"""Exceptions raised by mlplab.

Every error a user can cause is an :class:`MlplabError`. The concrete classes
also derive from the built-in exception that fits (``ValueError`` or
``TypeError``), so ``except ValueError`` keeps working in code that does not
know about mlplab.
"""


class MlplabError(Exception):
    """Base class of every error mlplab raises on purpose."""


class InvalidInputError(MlplabError, ValueError):
    """Data, labels or arguments that cannot be used as given."""


class InvalidTypeError(MlplabError, TypeError):
    """An argument of the wrong type."""


class UnknownNameError(InvalidInputError):
    """A name (activation, optimizer, loss, dataset, ...) that is not registered."""


class SpecError(InvalidInputError):
    """A network specification (layer list, size list) that does not describe a network."""


class NotFittedError(InvalidInputError, AttributeError):
    """A model used before it was built or trained."""


class ModelFileError(InvalidInputError):
    """A saved model that cannot be read: corrupted, truncated, or not an mlplab file."""


class DataFileError(InvalidInputError):
    """A data file (CSV) that cannot be read as a data set."""


class TrainingDivergedError(InvalidInputError):
    """Training whose loss or weights became NaN or infinite, raised where a result is
    promised (the scikit-learn estimators, ``TerminateOnNaN(raise_error=True)``)."""


class TrainingDivergedWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""
