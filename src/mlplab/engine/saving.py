"""Reading a saved model back: ``mlplab.load`` (:func:`load_model`).

:meth:`Sequential.save` writes the model's config and weights with
:mod:`mlplab.engine.io`; this module turns such a file back into a model. It sits
beside the model so that ``io`` (the archive format) never needs to know of models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from mlplab._typing import PathLike
from mlplab.engine import callbacks as callbacks_module
from mlplab.engine import io, metrics, optimizers
from mlplab.engine.model import Sequential
from mlplab.errors import InvalidInputError, MlplabError, ModelFileError, UnknownNameError

M = TypeVar("M", bound=Sequential)  # the model class read_model makes


def load_model(path: PathLike, *, max_bytes: int = io.MAX_WEIGHT_BYTES,
               compile: bool = True) -> Sequential:  # noqa: A002 - Keras' name
    """Read a model written by :meth:`Sequential.save` (``mlplab.load``).

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    max_bytes : int
        The most the weights may take in memory together; a file declaring more
        is refused before anything is allocated. Raise it for a model you trust.
    compile : bool
        False leaves the model uncompiled (e.g. one compiled with a metric function of
        one's own, which a file holds by name only).

    Returns
    -------
    model : Sequential
        Built, with the saved weights; compiled (loss, optimizer settings,
        metrics) and with its ``history`` if it had them when saved.

    Raises
    ------
    ModelFileError
        If the file is missing, is not an mlplab model, is damaged or edited, or
        declares more than ``max_bytes`` of weights; the message says which.
    """
    return read_model(path, Sequential, max_bytes, compile=compile)


def read_model(path: PathLike, model_class: type[M],
               max_bytes: int = io.MAX_WEIGHT_BYTES, *, compile: bool = True,  # noqa: A002
               custom_metrics: Mapping[str, Callable[..., Any]] | None = None) -> M:
    """:func:`load_model` making a ``model_class`` (a Sequential or a subclass, such as
    mlplab.keras'): its ``from_config`` and ``compile(loss=, optimizer=, metrics=)``.

    ``compile=False`` leaves the model uncompiled. An optimizer state in the file (the
    dialect's ``save`` writes one, as Keras' files hold it) is taken back, so that
    training resumes where it was. ``custom_metrics`` gives back, by
    name, metric functions of one's own (which a file holds only by name), for a
    ``model_class`` whose ``compile`` takes functions (mlplab.keras')."""
    config, model, weights = io.read_archive(path, model_class.from_config, max_bytes=max_bytes)
    compiled = config["compile"] if compile else None
    metrics = None if compiled is None else _metrics(compiled["metrics"], custom_metrics or {},
                                                     path)
    with io.rebuild_errors(path):
        model.build(weights[0].shape[0])
        model.set_weights(weights)
        if compiled is not None:
            settings = dict(compiled["optimizer"])
            state = settings.pop("state", None)  # written by mlplab.keras' save
            model.compile(loss=compiled["loss"], optimizer=settings, metrics=metrics)
            if state is not None:
                if not isinstance(model.optimizer, optimizers.Optimizer):
                    raise InvalidInputError(f"{type(model.optimizer).__name__} keeps no state")
                model.optimizer.restore_state(state, model.parameters())
    if config["history"] is not None:
        model.history = callbacks_module.History()
        model.history.history = config["history"]["history"]
        model.history.epoch = config["history"]["epoch"]
    return model


def _metrics(saved: list[str], custom: Mapping[str, Callable[..., Any]],
             path: PathLike) -> list[Any]:
    """The saved metrics (each as :func:`metrics.describe` wrote it), those of one's own
    replaced by ``custom``'s functions; one missing there is an error saying how to load."""
    given: list[Any] = []
    for entry in saved:
        if entry in custom:
            given.append(custom[entry])
            continue
        try:
            metrics.get(entry)
        except MlplabError as exc:
            if isinstance(exc, UnknownNameError) and "(" not in entry:  # a name, not a call
                raise ModelFileError(
                    f"{str(path)!r} was compiled with the metric {entry!r}, not one of "
                    "mlplab's: a function of your own, which a file holds by name only. Give "
                    f"it back with keras.models.load_model(path, custom_objects={{{entry!r}: "
                    "function}), or load with compile=False and compile again.") from None
            raise ModelFileError(f"{str(path)!r} names the metric {entry!r}, which mlplab "
                                 f"cannot read ({exc}); the file is damaged or was "
                                 "edited.") from None
        given.append(entry)
    return given
