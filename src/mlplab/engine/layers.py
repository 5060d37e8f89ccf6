"""Layers: each owns its parameters, their gradients and the cache backward needs.

The contract, for every layer:

- ``build(input_dim, rng, dtype)`` creates the parameters and returns the
  output width;
- ``forward(x, training)`` maps (n_samples, input_dim) to (n_samples, output_dim)
  and keeps what ``backward`` will need;
- ``backward(grad_out)`` takes dL/d(output), stores dL/d(parameter) in
  ``gradients`` (same order as ``parameters``) and returns dL/d(input).
"""

import numpy as np

from mlplab._validation import Integer, Optional, Real, check, check_parameter_memory
from mlplab.engine import activations, initializers, regularizers
from mlplab.errors import NotFittedError


class Layer:
    """Base class of the layers a :class:`~mlplab.engine.model.Sequential` stacks."""

    parameter_names: tuple = ()

    def __init__(self):
        self.parameters: list = []
        self.gradients: list = []
        self.input_dim = None
        self.output_dim = None
        self.name = None

    @property
    def built(self) -> bool:
        return self.output_dim is not None

    def penalty(self) -> float:
        """The regularisation term this layer adds to the loss."""
        return 0.0

    def __getstate__(self):
        # The forward cache is scratch space: not worth pickling or saving.
        return {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_mask")}

    def n_parameters(self) -> int:
        return int(sum(p.size for p in self.parameters))

    def use_parameters(self, arrays) -> None:
        """Hold the parameters in ``arrays`` (same shapes and values, e.g. views of the
        model's ``parameter_buffer``) instead of the arrays built."""
        assert not arrays and not self.parameters


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
    input_dim : int, optional
        Width of the input; needed on the first layer only if the model is to be
        built before it sees data.
    """

    parameter_names = ("kernel", "bias")

    def __init__(
        self,
        units,
        activation=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        input_dim=None,
    ):
        super().__init__()
        units = check(units, "units", Integer(1), owner="Dense", example="Dense(16)")
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
        self.declared_input_dim = None if input_dim is None else int(input_dim)

    def build(self, input_dim, rng, dtype):
        self.input_dim = int(input_dim)
        check_parameter_memory((self.input_dim + 1) * self.units, dtype, repr(self),
                               "Use fewer units or fewer input features.")
        self.kernel = self.kernel_initializer((self.input_dim, self.units), rng, dtype)
        self.bias = self.bias_initializer((self.units,), rng, dtype)
        self.parameters = [self.kernel, self.bias]
        self.gradients = [np.zeros_like(self.kernel), np.zeros_like(self.bias)]
        self.output_dim = self.units
        return self.units

    def use_parameters(self, arrays) -> None:
        kernel, bias = arrays
        assert kernel.shape == self.kernel.shape and bias.shape == self.bias.shape
        kernel[...], bias[...] = self.kernel, self.bias
        self.kernel, self.bias = kernel, bias
        self.parameters = [kernel, bias]

    def forward(self, x, training=False):
        z = x @ self.kernel + self.bias  # (n_samples, units): the pre-activations
        a = self.activation.forward(z)  # (n_samples, units)
        self._cache = (x, z, a)
        return a

    @property
    def logits(self):
        """The pre-activations ``z`` of the last forward pass."""
        return self._cache[1]

    def backward(self, grad_out):
        _, z, a = self._cache
        return self.backward_from_logits(self.activation.backward(z, a, grad_out))

    def backward_from_logits(self, grad_z):
        """Backward pass given dL/dz directly (the output layer, fused with the loss)."""
        x = self._cache[0]
        grad_kernel = x.T @ grad_z  # (input_dim, units)
        if self.kernel_regularizer is not None:
            grad_kernel = grad_kernel + self.kernel_regularizer.gradient(self.kernel)
        self.gradients[0] = grad_kernel
        self.gradients[1] = grad_z.sum(axis=0)  # (units,)
        return grad_z @ self.kernel.T  # (n_samples, input_dim)

    def penalty(self):
        if self.kernel_regularizer is None or not self.built:
            return 0.0
        return self.kernel_regularizer.penalty(self.kernel)

    def config(self) -> dict:
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
        return spec

    def __repr__(self):
        return f"Dense({self.units}, activation={self.activation.name!r})"


class Dropout(Layer):
    """Zero each input with probability ``rate`` during training, scaling the rest.

    Survivors are divided by ``1 - rate`` ("inverted dropout"), so nothing
    changes at prediction time, when the layer passes its input through.
    The mask is drawn from the model's seeded Generator.
    """

    def __init__(self, rate):
        super().__init__()
        self.rate = check(rate, "rate", Real(0, 1, "left"), owner="Dropout",
                          example="Dropout(0.2)")
        self.rng = None

    def build(self, input_dim, rng, dtype):
        self.input_dim = self.output_dim = int(input_dim)
        self.rng = rng
        return self.output_dim

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        if self.rng is None:
            raise NotFittedError("Dropout layer used before its model was built.")
        keep = self.rng.random(x.shape) >= self.rate
        self._mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.rate)
        return x * self._mask

    def backward(self, grad_out):
        return grad_out if self._mask is None else grad_out * self._mask

    def config(self) -> dict:
        return {"type": "dropout", "rate": self.rate}

    def __repr__(self):
        return f"Dropout({self.rate})"
