"""The corner of TensorFlow that Keras notebooks touch: ``import mlplab.keras.tf as tf``.

``tf.keras`` is :mod:`mlplab.keras` (``tf.keras.Sequential``, ``tf.keras.backend
.clear_session()``, ...); ``tf.random.set_seed(n)`` and TensorFlow 1's
``tf.set_random_seed(n)`` seed the session as ``keras.utils.set_random_seed(n)`` does.
Everything else (tensors, ``tf.data``, ``GradientTape``) raises NotProvidedError.
"""

from __future__ import annotations

from types import SimpleNamespace

import mlplab.keras as keras  # noqa: F401 - tf.keras
from mlplab._version import __version__ as _mlplab_version
from mlplab.keras import backend
from mlplab.keras._missing import TENSORS, TRAINING_LOOPS, missing_names


def set_random_seed(seed: int) -> None:
    """TensorFlow 1's name (TensorFlow 2 calls it ``tf.random.set_seed``): seeds the
    models built afterwards, as ``tf.random.set_seed`` does; NumPy's global seed is the
    notebook's own ``np.random.seed``."""
    backend.set_seed(seed)


__version__ = f"mlplab.keras.tf (mlplab {_mlplab_version})"  # what print(tf.__version__) shows
random = SimpleNamespace(set_seed=set_random_seed)
compat = SimpleNamespace(v1=SimpleNamespace(set_random_seed=set_random_seed))

__getattr__ = missing_names("tf", {
    **{name: TENSORS for name in ("constant", "Variable", "ones", "zeros", "convert_to_tensor",
                                  "reduce_mean", "reduce_sum", "square", "math", "nn",
                                  "one_hot", "cast", "reshape", "argmax", "float32", "int32")},
    "GradientTape": TRAINING_LOOPS, "function": TRAINING_LOOPS,
    "data": "fit takes NumPy arrays (x, y, batch_size=...)",
    "config": "mlplab runs on the CPU with NumPy (and numba)",
}, ["keras", "random", "set_random_seed", "compat"])
