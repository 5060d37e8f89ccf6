"""``keras.layers``: Dense, Activation (and LeakyReLU, ReLU, ELU, Softmax), Dropout and
Input with Keras' arguments.

Each is the engine's layer (:mod:`mlplab.engine.layers`), so a model of them is an
mlplab model; these subclasses only take Keras' arguments and names (``dense``,
``dense_1``, ... across the session, as Keras names them), and add what a Keras layer
has: ``weights``, ``count_params()``, and calling a layer on an array.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from mlplab._rng import as_generator
from mlplab._typing import FloatArray
from mlplab._validation import Real, check, short_repr
from mlplab.engine import activations as engine_activations
from mlplab.engine import layers as engine
from mlplab.engine.regularizers import RegularizerLike
from mlplab.errors import InvalidInputError, NotFittedError
from mlplab.keras import activations, backend, initializers, regularizers
from mlplab.keras._missing import (
    CONVOLUTIONS,
    FUNCTIONAL,
    RECURRENT,
    missing_names,
    not_provided,
)
from mlplab.keras.activations import ActivationLike
from mlplab.keras.initializers import InitializerLike


def _refuse(owner: str, given: dict[str, tuple[Any, Any, str]]) -> None:
    """Raise for the first Keras argument that mlplab does not provide, if given."""
    for name, (value, default, reason) in given.items():
        if value is not default and value != default:
            raise InvalidInputError(f"{owner}({name}={short_repr(value)}): mlplab does not "
                                    f"provide {name}; {reason}.")


def _keras_options(owner: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``input_shape``, ``input_dim``, ``name`` and the Keras keyword arguments mlplab
    takes as they are (``dtype`` must be the model's; ``trainable`` must be True)."""
    known = {"input_shape", "input_dim", "name", "dtype", "trainable", "batch_size"}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise InvalidInputError(f"{owner}: unknown argument {unknown[0]!r}; mlplab's {owner} "
                                "takes Keras' arguments (see docs/guide/keras.md).")
    _refuse(owner, {"trainable": (kwargs.get("trainable", True), True,
                                  "every layer of an mlplab model trains (it cannot freeze "
                                  "layers)")})
    return {key: kwargs[key] for key in ("input_shape", "input_dim") if key in kwargs}


if TYPE_CHECKING:  # a mixin over the engine's layers: type checkers see one
    _EngineLayer = engine.Layer
else:
    _EngineLayer = object


class KerasLayer(_EngineLayer):
    """What a Keras layer has on top of an engine layer."""

    @property
    def weights(self) -> list[FloatArray]:
        """The layer's parameter arrays themselves (empty before it is built)."""
        return list(self.parameters)

    trainable_weights = weights

    @property
    def non_trainable_weights(self) -> list[FloatArray]:
        return []

    @property
    def trainable(self) -> bool:
        return True

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if not value:
            raise not_provided(f"{self.name}.trainable = False", "every layer of an mlplab "
                               "model trains: it cannot freeze layers")

    def __getattr__(  # only for attributes not found: kernel and bias unbuilt
            self, name: str) -> NoReturn:
        if name in ("kernel", "bias"):
            raise NotFittedError(f"{self.__dict__.get('name')}.{name}: the layer is not built "
                                 "yet; give the model its input shape (keras.Input(shape=...)) "
                                 "or call it on data first.")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def input(self) -> NoReturn:
        raise not_provided(f"{self.name}.input (a symbolic tensor)", FUNCTIONAL)

    output = input

    def count_params(self) -> int:
        if not self.built:
            raise NotFittedError(f"{self.name}.count_params(): the layer is not built yet; "
                                 "give the model its input shape or call it on data.")
        return self.n_parameters()

    def __call__(self, inputs: ArrayLike, training: bool = False) -> FloatArray:
        """Apply the layer to an array ``(n_samples, n_features)``, building it on first
        use (its weights drawn from the session's seed)."""
        if isinstance(inputs, engine.Input):
            raise not_provided("calling a layer on keras.Input (the functional API)",
                               FUNCTIONAL)
        x = np.asarray(inputs, dtype=backend.floatx() if not self.built else None)
        if x.ndim != 2:
            raise InvalidInputError(f"{self.name}: mlplab's layers take 2-D arrays (n_samples, "
                                    f"n_features); got shape {x.shape}.")
        if not self.built:
            self.build(x.shape[1], as_generator(backend.draw_seed()), x.dtype)
        return self.forward(x.astype(self.parameters[0].dtype if self.parameters else x.dtype),
                            training)


class Dense(KerasLayer, engine.Dense):
    """Keras' ``Dense(units, activation=None, use_bias=True, ...)`` on the engine's Dense."""

    def __init__(self, units: int, activation: ActivationLike = None, use_bias: bool = True,
                 kernel_initializer: InitializerLike = "glorot_uniform",
                 bias_initializer: InitializerLike = "zeros",
                 kernel_regularizer: RegularizerLike = None,
                 bias_regularizer: RegularizerLike = None, activity_regularizer: None = None,
                 kernel_constraint: None = None, bias_constraint: None = None,
                 lora_rank: None = None, **kwargs: Any):
        _refuse("Dense", {
            "activity_regularizer": (activity_regularizer, None,
                                     "penalise the weights with kernel_regularizer instead"),
            "kernel_constraint": (kernel_constraint, None, "weights are not constrained"),
            "bias_constraint": (bias_constraint, None, "weights are not constrained"),
            "lora_rank": (lora_rank, None, "layers are trained in full")})
        shape = _keras_options("Dense", kwargs)
        super().__init__(units, activations.get(activation),
                         initializers.get(kernel_initializer), initializers.get(bias_initializer),
                         regularizers.get(kernel_regularizer), shape.get("input_dim"),
                         input_shape=shape.get("input_shape"), use_bias=use_bias,
                         bias_regularizer=regularizers.get(bias_regularizer),
                         name=kwargs.get("name") or backend.unique_name("dense"))


class Activation(KerasLayer, engine.Activation):
    """Keras' ``Activation(activation)``."""

    def __init__(self, activation: ActivationLike, **kwargs: Any):
        _keras_options(type(self).__name__, kwargs)
        super().__init__(activations.get(activation),
                         name=kwargs.get("name") or backend.unique_name("activation"))


class LeakyReLU(Activation):
    """Keras' ``LeakyReLU(negative_slope=0.3)``: an Activation layer of
    :func:`~mlplab.engine.activations.leaky_relu_with` that slope (Keras' layer default,
    0.3, differs from its ``activation="leaky_relu"``, 0.2). The slope is saved with the
    model; ``alpha=`` (Keras 2's name) is taken with Keras' warning."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        slope = engine_activations.leaky_relu_with(_slope("LeakyReLU", negative_slope))
        super().__init__(slope, name=kwargs.pop("name", None) or backend.unique_name(
            "leaky_re_lu"), **kwargs)
        self.negative_slope = float(negative_slope)


class ReLU(Activation):
    """Keras' ``ReLU(max_value=None, negative_slope=0.0, threshold=0.0)``: relu, or with a
    ``negative_slope`` a leaky ReLU of that slope (a cap or a threshold is not provided)."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any):
        _refuse("ReLU", {"max_value": (max_value, None, "relu has no cap"),
                         "threshold": (threshold, 0.0, "relu's kink is at 0")})
        slope = _slope("ReLU", negative_slope)
        activation = (engine_activations.get("relu") if slope == 0
                      else engine_activations.leaky_relu_with(slope))
        super().__init__(activation, name=kwargs.pop("name", None) or backend.unique_name(
            "re_lu"), **kwargs)


class ELU(Activation):
    """Keras' ``ELU(alpha=1.0)`` (mlplab's elu has alpha 1 only)."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any):
        _refuse("ELU", {"alpha": (alpha, engine_activations.ELU_ALPHA,
                                  "mlplab's elu has alpha=1.0")})
        super().__init__("elu", name=kwargs.pop("name", None) or backend.unique_name("elu"),
                         **kwargs)


class Softmax(Activation):
    """Keras' ``Softmax(axis=-1)``: softmax over each row's units."""

    def __init__(self, axis: int = -1, **kwargs: Any):
        if axis not in (-1, 1):
            raise InvalidInputError(f"Softmax(axis={short_repr(axis)}): mlplab's rows are "
                                    "(n_samples, units), so softmax runs over axis -1. Try "
                                    "Softmax().")
        super().__init__("softmax", name=kwargs.pop("name", None) or backend.unique_name(
            "softmax"), **kwargs)


def _slope(owner: str, negative_slope: Any) -> float:
    """Keras' check of a negative slope: a number >= 0."""
    return float(check(negative_slope, "negative_slope", Real(0), owner=owner,
                       example=f"{owner}(negative_slope=0.3)"))


class Dropout(KerasLayer, engine.Dropout):
    """Keras' ``Dropout(rate)``; the mask is drawn from the model's seed."""

    def __init__(self, rate: float, noise_shape: None = None, seed: None = None, **kwargs: Any):
        _refuse("Dropout", {
            "noise_shape": (noise_shape, None, "every input is dropped on its own"),
            "seed": (seed, None, "masks come from the model's seed "
                                 "(keras.utils.set_random_seed)")})
        _keras_options("Dropout", kwargs)
        super().__init__(rate, name=kwargs.get("name") or backend.unique_name("dropout"))


def _input_shape(owner: str, shape: int | Sequence[int] | None,
                 batch_shape: Sequence[Any] | None) -> int | Sequence[int]:
    if shape is None and batch_shape is not None:
        shape = tuple(batch_shape)[1:]
    if shape is None:
        raise InvalidInputError(f"{owner}(): give the input's shape, e.g. "
                                f"{owner}(shape=(2,)).")
    return shape


def Input(shape: int | Sequence[int] | None = None, batch_size: int | None = None,  # noqa: N802
          dtype: DTypeLike | None = None, sparse: bool | None = None,
          batch_shape: Sequence[int | None] | None = None, name: str | None = None,
          tensor: None = None, optional: bool = False) -> engine.Input:
    """``keras.Input(shape=(2,))``: the input width, as the first item of a Sequential.
    (Calling layers on it, Keras' functional API, is not provided.)"""
    _refuse("Input", {"tensor": (tensor, None, "inputs are NumPy arrays"),
                      "optional": (optional, False, "every input is given")})
    return engine.Input(_input_shape("Input", shape, batch_shape), name=name)


class InputLayer(engine.Input):
    """``keras.layers.InputLayer(shape=(2,))``: the same as ``keras.Input``."""

    def __init__(self, shape: int | Sequence[int] | None = None, batch_size: int | None = None,
                 dtype: DTypeLike | None = None, sparse: bool | None = None,
                 batch_shape: Sequence[int | None] | None = None, input_tensor: None = None,
                 optional: bool = False, name: str | None = None, **kwargs: Any):
        shape = _input_shape("InputLayer", shape if shape is not None
                             else kwargs.get("input_shape"), batch_shape)
        super().__init__(shape, name=name)


_UNSUPPORTED = {
    **{name: CONVOLUTIONS for name in (
        "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling2D", "MaxPool2D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
        "GlobalAveragePooling2D", "Flatten", "Reshape", "ZeroPadding2D", "UpSampling2D",
        "Cropping2D", "RandomFlip", "RandomRotation", "Rescaling", "Resizing")},
    **{name: RECURRENT for name in ("LSTM", "GRU", "SimpleRNN", "Bidirectional", "RNN",
                                    "Embedding", "TimeDistributed", "MultiHeadAttention",
                                    "Attention", "TextVectorization")},
    **{name: FUNCTIONAL for name in ("Concatenate", "concatenate", "Add", "add", "Multiply",
                                     "Average", "Subtract", "Dot", "Lambda")},
    "Layer": "a layer needs its backward pass written in mlplab.engine.layers (subclass "
             "mlplab.engine.layers.Layer: build, forward, backward)",
    "BatchNormalization": "its layers are Dense, Activation and Dropout; standardize "
                          "the inputs (mlplab.data.standardize) instead",
    "LayerNormalization": "its layers are Dense, Activation and Dropout",
    "Normalization": "standardize X first with mlplab.data.standardize",
    "PReLU": "its slope would be learnt; use LeakyReLU(negative_slope=...) instead",
    **{name: "its only regularising layer is Dropout" for name in (
        "GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout2D",
        "ActivityRegularization")},
}
__getattr__ = missing_names("keras.layers", _UNSUPPORTED,
                            ["Dense", "Activation", "Dropout", "Input", "InputLayer",
                             "LeakyReLU", "ReLU", "ELU", "Softmax"])
