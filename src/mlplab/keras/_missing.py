"""What ``mlplab.keras`` answers for Keras names it does not provide.

A Keras name that mlplab leaves out (a Conv2D layer, the functional ``keras.Model``,
``GradientTape``) raises :class:`NotProvidedError`, which says so and what to use
instead; any other missing name raises :class:`KerasNameError`, with the closest name
there is. Each namespace module ends with ``__getattr__ = missing_names(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

from mlplab._validation import did_you_mean
from mlplab.errors import MlplabError


class NotProvidedError(MlplabError, NotImplementedError):
    """A part of Keras that mlplab does not provide (the message says what to use)."""


class KerasNameError(MlplabError, AttributeError):
    """A name that is neither in mlplab.keras nor a Keras name mlplab knows of."""


# The why and the instead, per family of Keras names mlplab leaves out.
CONVOLUTIONS = ("mlplab's layers take flat feature vectors (Dense, Activation, Dropout); "
                "flatten images first (X.reshape(len(X), -1)) or use Keras itself")
RECURRENT = "mlplab builds feed-forward nets only; use Keras itself for sequences"
FUNCTIONAL = ("mlplab builds Sequential models only: use keras.Sequential([...]) (or "
              "Sequential() and add()) for a plain stack of layers")
TRAINING_LOOPS = ("mlplab trains with model.fit (its gradients are written by hand in "
                  "mlplab.engine, not taped): use fit with callbacks, or "
                  "Sequential.train_step for one step")
TENSORS = "mlplab works on NumPy arrays: use numpy (np.ones, np.zeros, ...) instead"


def not_provided(name: str, reason: str) -> NotProvidedError:
    """The error for ``name``, which mlplab leaves out for ``reason``."""
    return NotProvidedError(f"{name}: mlplab.keras does not provide it; {reason}.")


def missing_names(module_name: str, unsupported: Mapping[str, str],
                  public: Sequence[str]) -> Callable[[str], NoReturn]:
    """A module ``__getattr__``: ``unsupported`` maps Keras names to the reason they are
    left out; ``public`` lists what the module has (for "did you mean")."""
    def __getattr__(name: str) -> NoReturn:  # noqa: N807 - a module's attribute hook
        if name in unsupported:
            raise not_provided(f"{module_name}.{name}", unsupported[name])
        if name.startswith("__"):  # import machinery and tools probe dunders: stay quiet
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise KerasNameError(f"{module_name}.{name} is not a name mlplab.keras knows."
                             f"{did_you_mean(name, list(public) + list(unsupported))} "
                             f"It has: {', '.join(sorted(public))}.")
    return __getattr__
