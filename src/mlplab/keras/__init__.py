"""mlplab.keras: Keras 3's names and conventions over mlplab's engine.

A course notebook written for Keras runs with its import lines changed::

    import mlplab.keras as keras                  # import keras / from tensorflow import keras
    from mlplab.keras import layers               # from tensorflow.keras import layers
    import mlplab.keras.tf as tf                  # import tensorflow as tf (tf.keras, seeds)

It covers the Sequential subset that courses teach: ``keras.Sequential`` of ``Dense``,
``Activation``, ``Dropout`` and ``Input``; ``compile``/``fit``/``evaluate``/``predict``
with Keras' arguments, defaults and return values; the optimizers, schedules, losses,
metrics, callbacks, regularizers and initializers those use; ``save``/``load_model``.
A model built here *is* an :class:`mlplab.Sequential`, so ``mlplab.viz``, ``trace``,
``gradcheck`` and studies work on it. A Keras name mlplab leaves out (convolutions, the
functional ``keras.Model``, ``GradientTape``) raises :class:`NotProvidedError` saying what
to use instead. docs/guide/keras.md maps every name.
"""

from mlplab._version import __version__ as _mlplab_version
from mlplab.keras import (
    activations,
    backend,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)
from mlplab.keras._missing import (
    FUNCTIONAL,
    TENSORS,
    TRAINING_LOOPS,
    KerasNameError,
    NotProvidedError,
    missing_names,
)
from mlplab.keras.layers import Input
from mlplab.keras.models import Sequential

__version__ = f"3 (mlplab {_mlplab_version})"  # the Keras API, as mlplab provides it


def version() -> str:
    """The Keras API version mlplab.keras follows, and mlplab's."""
    return __version__


__all__ = ["Sequential", "Input", "activations", "backend", "callbacks", "initializers",
           "layers", "losses", "metrics", "models", "optimizers", "regularizers", "utils",
           "NotProvidedError", "KerasNameError"]

__getattr__ = missing_names("keras", {
    "Model": FUNCTIONAL, "Functional": FUNCTIONAL, "ops": TENSORS, "random": TENSORS,
    "datasets": "load data with mlplab.data (or scikit-learn) as NumPy arrays",
    "applications": "mlplab builds small feed-forward nets; use Keras itself",
    "preprocessing": "preprocess with NumPy or scikit-learn", "mixed_precision": TENSORS,
    "distribution": "mlplab trains on one machine", "GradientTape": TRAINING_LOOPS,
    "saving": "use model.save(path) and keras.models.load_model(path)",
}, __all__)
