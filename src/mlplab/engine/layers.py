"""Layers: each owns its parameters, their gradients and the cache backward needs.

The contract, for every layer:

- ``build(input_dim, rng, dtype)`` creates the parameters and returns the
  output width;
- ``forward(x, training)`` maps (n_samples, input_dim) to (n_samples, output_dim)
  and keeps what ``backward`` will need;
- ``backward(grad_out)`` takes dL/d(output), stores dL/d(parameter) in
  ``gradients`` (same order as ``parameters``) and returns dL/d(input).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from mlplab._typing import FloatArray
from mlplab._validation import (
    Boolean,
    Integer,
    Optional,
    Real,
    check,
    check_parameter_memory,
    short_repr,
)
from mlplab.engine import activations, initializers, regularizers
from mlplab.errors import InvalidInputError, InvalidTypeError, NotFittedError


class Layer:
    """Base class of the layers a :class:`~mlplab.engine.model.Sequential` stacks."""

    parameter_names: tuple[str, ...] = ()
    kind = "layer"  # the default name's stem: "dense", "dense_1", ... within a model

    if TYPE_CHECKING:  # what every layer defines (the contract above)
        def build(self, input_dim: int, rng: np.random.Generator, dtype: DTypeLike) -> int: ...
        def forward(self, x: FloatArray, training: bool = False) -> FloatArray: ...
        def backward(self, grad_out: FloatArray) -> FloatArray: ...
        def config(self) -> dict[str, Any]: ...

    def __init__(self, name: str | None = None):
        self.parameters: list[FloatArray] = []
        self.gradients: list[FloatArray] = []
        self.input_dim: int | None = None
        self.output_dim: int | None = None
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise InvalidTypeError(f"{type(self).__name__}(name={short_repr(name)}): a layer's "
                                   "name is a non-empty str, e.g. name='hidden'.")
        self.name = name  # the Sequential names unnamed layers when it takes them
        self.given_name = name is not None

    @property
    def built(self) -> bool:
        return self.output_dim is not None

    def penalty(self) -> float:
        """The regularisation term this layer adds to the loss."""
        return 0.0

    def __getstate__(self) -> dict[str, Any]:
        # The forward cache is scratch space: not worth pickling or saving.
        return {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_mask")}

    def n_parameters(self) -> int:
        return int(sum(p.size for p in self.parameters))

    def use_parameters(self, arrays: Sequence[FloatArray]) -> None:
        """Hold the parameters in ``arrays`` (same shapes and values, e.g. views of the
        model's ``parameter_buffer``) instead of the arrays built."""
        assert not arrays and not self.parameters

    def get_weights(self) -> list[FloatArray]:
        """Copies of this layer's parameter arrays ([kernel, bias] for a Dense)."""
        return [p.copy() for p in self.parameters]

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Overwrite this layer's parameter arrays, in place (shapes as ``get_weights()``)."""
        if not self.built and self.parameter_names:
            raise NotFittedError(f"{self.name or self!r}.set_weights(): build the model first "
                                 "(give the input width, or fit).")
        if not isinstance(weights, (list, tuple)) or len(weights) != len(self.parameters):
            raise InvalidInputError(
                f"{self.name or self!r}.set_weights got {short_repr(weights)}; give a list of "
                f"{len(self.parameters)} arrays ({', '.join(self.parameter_names) or 'none'}).")
        for target, value, what in zip(self.parameters, weights, self.parameter_names,
                                       strict=True):
            value = np.asarray(value, dtype=target.dtype)
            if value.shape != target.shape:
                raise InvalidInputError(f"{self.name}.set_weights: the {what} has shape "
                                        f"{value.shape}, expected {target.shape}.")
            target[...] = value  # in place: the model's flat buffer and optimizer keep it

    def _named(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A layer dict with the name, when the user gave one."""
        return {**spec, "name": self.name} if getattr(self, "given_name", False) else spec


class Dense(Layer):
    """A fully connected layer: ``a = activation(x @ kernel + bias)``.

    Parameters
    ----------
    units : int
        Number of neurons (the output width).
    activation : str, Activation or None
        ``"linear"`` (None), ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
        ``"elu"`` or ``"softmax"``.
    kernel_initializer : str, dict or Initializer
        How the kernel is drawn; see :mod:`mlplab.engine.initializers`.
    bias_initializer : str, dict or Initializer
        How the bias is drawn.
    kernel_regularizer : None, dict or L1L2
        Penalty on the kernel, e.g. ``{"l2": 1e-4}``.
    use_bias : bool
        Whether the layer adds a bias; without one (Keras' ``use_bias=False``) ``bias``
        stays a zero vector that is not a parameter.
    bias_regularizer : None, dict or L1L2
        Penalty on the bias.
    input_dim : int, optional
        Width of the input on the first layer: the model is then built (its weights
        drawn) as soon as they are asked for, before any data.
    input_shape : tuple of one int, optional
        Keras' spelling of ``input_dim``: ``input_shape=(2,)``.
    name : str, optional
        The layer's name in its model (default "dense", "dense_1", ...).
    """

    parameter_names: tuple[str, ...] = ("kernel", "bias")
    kind = "dense"
    # (class defaults for a Dense pickled before they existed)
    use_bias: bool = True
    bias_regularizer: regularizers.L1L2 | None = None

    def __init__(
        self,
        units: int,
        activation: activations.ActivationLike = None,
        kernel_initializer: initializers.InitializerLike = "glorot_uniform",
        bias_initializer: initializers.InitializerLike = "zeros",
        kernel_regularizer: regularizers.RegularizerLike = None,
        input_dim: int | None = None,
        *,
        input_shape: int | Sequence[int] | None = None,
        name: str | None = None,
        use_bias: bool = True,
        bias_regularizer: regularizers.RegularizerLike = None,
    ):
        super().__init__(name)
        units = check(units, "units", Integer(1), owner="Dense", example="Dense(16)")
        if input_shape is not None:
            shape = input_width(input_shape, "Dense")
            if input_dim is not None and input_dim != shape:
                raise InvalidInputError(f"Dense(input_dim={input_dim}, input_shape="
                                        f"{short_repr(input_shape)}): give one of them.")
            input_dim = shape
        input_dim = check(input_dim, "input_dim", Optional(Integer(1)), owner="Dense",
                          example="Dense(8, input_dim=2)")
        # Refused at once if even one input feature in float32 (the fewest bytes this
        # layer can take) would not fit; build checks again with the real width and dtype.
        check_parameter_memory(
            (1 + (input_dim or 1)) * units, "float32",
            f"Dense(units={units})" + ("" if input_dim else " on a single input feature"),
            "Use fewer units, e.g. Dense(16).")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.use_bias = check(use_bias, "use_bias", Boolean(), owner="Dense",
                              example="Dense(16, use_bias=False)")
        self.bias_regularizer = regularizers.get(bias_regularizer)
        if not self.use_bias:
            if self.bias_regularizer is not None:
                raise InvalidInputError("Dense(use_bias=False, bias_regularizer=...): a layer "
                                        "without a bias has no bias to penalise; drop one.")
            self.parameter_names = ("kernel",)
        self.declared_input_dim = None if input_dim is None else int(input_dim)

    def build(self, input_dim: int, rng: np.random.Generator, dtype: DTypeLike) -> int:
        self.input_dim = int(input_dim)
        check_parameter_memory((self.input_dim + 1) * self.units, dtype, repr(self),
                               "Use fewer units or fewer input features.")
        self.kernel = self.kernel_initializer((self.input_dim, self.units), rng, dtype)
        if self.use_bias:
            self.bias = self.bias_initializer((self.units,), rng, dtype)
        else:  # a constant zero, so every reader of ``bias`` still sees x @ kernel + bias
            self.bias = np.zeros(self.units, dtype=dtype)
        self.parameters = [self.kernel, self.bias][:len(self.parameter_names)]
        self.gradients = [np.zeros_like(p) for p in self.parameters]
        self.output_dim = self.units
        return self.units

    def use_parameters(self, arrays: Sequence[FloatArray]) -> None:
        assert [a.shape for a in arrays] == [p.shape for p in self.parameters]
        for array, current in zip(arrays, self.parameters, strict=True):
            array[...] = current
        self.kernel = arrays[0]
        if self.use_bias:
            self.bias = arrays[1]
        self.parameters = list(arrays)

    def forward(self, x: FloatArray, training: bool = False) -> FloatArray:
        z = x @ self.kernel + self.bias  # (n_samples, units): the pre-activations
        a = self.activation.forward(z)  # (n_samples, units)
        self._cache = (x, z, a)
        return a

    @property
    def logits(self) -> FloatArray:
        """The pre-activations ``z`` of the last forward pass."""
        return self._cache[1]

    def backward(self, grad_out: FloatArray) -> FloatArray:
        _, z, a = self._cache
        return self.backward_from_logits(self.activation.backward(z, a, grad_out))

    def backward_from_logits(self, grad_z: FloatArray) -> FloatArray:
        """Backward pass given dL/dz directly (the output layer, fused with the loss)."""
        x = self._cache[0]
        grad_kernel = x.T @ grad_z  # (input_dim, units)
        if self.kernel_regularizer is not None:
            grad_kernel = grad_kernel + self.kernel_regularizer.gradient(self.kernel)
        self.gradients[0] = grad_kernel
        if self.use_bias:
            grad_bias = grad_z.sum(axis=0)  # (units,)
            if self.bias_regularizer is not None:
                grad_bias = grad_bias + self.bias_regularizer.gradient(self.bias)
            self.gradients[1] = grad_bias
        return grad_z @ self.kernel.T  # (n_samples, input_dim)

    def penalty(self) -> float:
        if not self.built:
            return 0.0
        return sum(regularizer.penalty(weights) for regularizer, weights in (
            (self.kernel_regularizer, self.kernel), (self.bias_regularizer, self.bias))
            if regularizer is not None)

    def config(self) -> dict[str, Any]:
        spec = {
            "type": "dense",
            "input_dim": self.input_dim or self.declared_input_dim,
            "output_dim": self.units,
            "activation": self.activation.name,
            "kernel_initializer": self.kernel_initializer.config(),
            "bias_initializer": self.bias_initializer.config(),
        }
        if self.kernel_regularizer is not None:
            spec["kernel_regularizer"] = self.kernel_regularizer.config()
        if self.bias_regularizer is not None:
            spec["bias_regularizer"] = self.bias_regularizer.config()
        if not self.use_bias:
            spec["use_bias"] = False
        return self._named(spec)

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self.activation.name!r})"


def input_width(shape: int | Sequence[int], owner: str) -> int:
    """The width an ``input_shape``/``Input(shape=...)`` declares: ``(2,)`` -> 2."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    if (not isinstance(shape, (tuple, list)) or len(shape) != 1
            or not isinstance(shape[0], (int, np.integer)) or isinstance(shape[0], bool)
            or shape[0] < 1):
        raise InvalidInputError(
            f"{owner}(input_shape={short_repr(shape)}): mlplab's layers take flat vectors, so "
            "the shape is one positive width, e.g. input_shape=(2,). Flatten images first "
            "(X.reshape(len(X), -1)).")
    return int(shape[0])


class Input:
    """Declare the input width as the first item of a model: ``Input(shape=(2,))``.

    ``Sequential([Input(shape=(2,)), Dense(8), Dense(1)])`` is the same model as
    ``Sequential([Dense(8, input_dim=2), Dense(1)])``: its weights exist (and
    ``summary()``, ``count_params()`` and ``get_weights()`` answer) before any fit.
    It is not a layer: the model keeps the width and ``model.layers`` leaves it out,
    as in Keras.
    """

    def __init__(self, shape: int | Sequence[int] | None = None, *, name: str | None = None):
        if shape is None:
            raise InvalidInputError("Input(): give the input's shape, e.g. Input(shape=(2,)).")
        self.width = input_width(shape, "Input")
        self.name = name

    def __repr__(self) -> str:
        return f"Input(shape=({self.width},))"


class Activation(Layer):
    """Apply an activation as a layer of its own: ``a = activation(x)``.

    ``Dense(3)`` followed by ``Activation("tanh")`` is ``Dense(3, activation="tanh")``:
    the same numbers forward and backward (and the compiled runner trains the pair as
    that one layer). As the last layer it is the output activation, fused with the loss;
    its input then plays the logits.
    """

    kind = "activation"

    def __init__(self, activation: activations.ActivationLike, *, name: str | None = None):
        super().__init__(name)
        self.activation = activations.get(activation)

    def build(self, input_dim: int, rng: np.random.Generator, dtype: DTypeLike) -> int:
        self.input_dim = self.output_dim = int(input_dim)
        return self.output_dim

    def forward(self, x: FloatArray, training: bool = False) -> FloatArray:
        a = self.activation.forward(x)
        self._cache = (x, a)
        return a

    @property
    def logits(self) -> FloatArray:
        """The input of the last forward pass (what the activation was applied to)."""
        return self._cache[0]

    def backward(self, grad_out: FloatArray) -> FloatArray:
        x, a = self._cache
        return self.activation.backward(x, a, grad_out)

    def backward_from_logits(self, grad_z: FloatArray) -> FloatArray:
        """The output layer, fused with the loss: dL/d(input) is the loss's dL/dz."""
        return grad_z

    def config(self) -> dict[str, Any]:
        return self._named({"type": "activation", "activation": self.activation.name})

    def __repr__(self) -> str:
        return f"Activation({self.activation.name!r})"


class Dropout(Layer):
    """Zero each input with probability ``rate`` during training, scaling the rest.

    Survivors are divided by ``1 - rate`` ("inverted dropout"), so nothing
    changes at prediction time, when the layer passes its input through.
    The mask is drawn from the model's seeded Generator.
    """

    kind = "dropout"

    def __init__(self, rate: float, *, name: str | None = None):
        super().__init__(name)
        self.rate = check(rate, "rate", Real(0, 1, "left"), owner="Dropout",
                          example="Dropout(0.2)")
        self.rng: np.random.Generator | None = None

    def build(self, input_dim: int, rng: np.random.Generator, dtype: DTypeLike) -> int:
        self.input_dim = self.output_dim = int(input_dim)
        self.rng = rng
        return self.output_dim

    def forward(self, x: FloatArray, training: bool = False) -> FloatArray:
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        if self.rng is None:
            raise NotFittedError("Dropout layer used before its model was built.")
        keep = self.rng.random(x.shape) >= self.rate
        self._mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.rate)
        return x * self._mask

    def backward(self, grad_out: FloatArray) -> FloatArray:
        return grad_out if self._mask is None else grad_out * self._mask

    def config(self) -> dict[str, Any]:
        return self._named({"type": "dropout", "rate": self.rate})

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"
