"""Reading a saved model back: ``mlplab.load`` (:func:`load_model`).

:meth:`Sequential.save` writes the model's config and weights with
:mod:`mlplab.engine.io`; this module turns such a file back into a model. It sits
beside the model so that ``io`` (the archive format) never needs to know of models.
"""

from __future__ import annotations

from typing import TypeVar

from mlplab._typing import PathLike
from mlplab.engine import callbacks as callbacks_module
from mlplab.engine import io
from mlplab.engine.model import Sequential

M = TypeVar("M", bound=Sequential)  # the model class read_model makes


def load_model(path: PathLike, *, max_bytes: int = io.MAX_WEIGHT_BYTES) -> Sequential:
    """Read a model written by :meth:`Sequential.save` (``mlplab.load``).

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    max_bytes : int
        The most the weights may take in memory together; a file declaring more
        is refused before anything is allocated. Raise it for a model you trust.

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
    return read_model(path, Sequential, max_bytes)


def read_model(path: PathLike, model_class: type[M],
               max_bytes: int = io.MAX_WEIGHT_BYTES) -> M:
    """:func:`load_model` making a ``model_class`` (a Sequential or a subclass, such as
    mlplab.keras'): its ``from_config`` and ``compile(loss=, optimizer=, metrics=)``."""
    config, model, weights = io.read_archive(path, model_class.from_config, max_bytes=max_bytes)
    with io.rebuild_errors(path):
        model.build(weights[0].shape[0])
        model.set_weights(weights)
        if config["compile"] is not None:
            compiled = config["compile"]
            model.compile(loss=compiled["loss"], optimizer=compiled["optimizer"],
                          metrics=compiled["metrics"])
    if config["history"] is not None:
        model.history = callbacks_module.History()
        model.history.history = config["history"]["history"]
        model.history.epoch = config["history"]["epoch"]
    return model
