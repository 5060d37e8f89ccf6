"""The compiled full-batch loss and gradient: what L-BFGS evaluates, from the epoch kernels.

:mod:`mlplab.engine.lbfgs` asks for the loss and gradient of the whole training set at
each point its line search tries. The engine's answer is ``Sequential.loss_and_gradients``
(a forward and a backward pass of NumPy products); this module gives the same numbers
from the kernels that train compiled epochs (``kernels._group_gradients``: each layer one
matrix product, in chunks of ``CHUNK`` rows, their gradients added in a fixed order), with
no optimizer step. On E4's net and its 160 training rows that is ~8x cheaper per
evaluation. It lives in its own file so that the kernels' on-disk cache stays valid.
"""

import numpy as np

from mlplab.fast import kernels, tables
from mlplab.fast.epochs import _reg, layout
from mlplab.fast.kernels import CHUNK, GROUP_CHUNKS

numba = kernels.numba


def supports(model) -> str | None:
    """Why the kernels cannot evaluate ``model``'s loss and gradient, or None if they can
    (the optimizer does not matter: nothing steps)."""
    if numba is None:
        return "numba is not installed"
    return tables.supports_network(model)


class CompiledObjective:
    """``objective(X, Y, factor) -> (loss, outputs, gradient)`` of a built, compiled model
    at its current parameters: the loss is the weighted mean over every row plus the
    L1/L2 penalty, ``outputs`` (n_samples, n_outputs) the network's outputs, ``gradient``
    (n_parameters,) in the order of ``model.parameter_buffer``. The arrays returned are
    reused by the next call."""

    def __init__(self, model):
        from mlplab.engine.spec import dense_stack

        dense = [layer for layer, _ in dense_stack(model.layers)]
        self.params = model.parameter_buffer
        (self.offsets, self.fan_in, self.fan_out, self.codes, self.act_offsets,
         self.act_params) = layout(model)
        self.l1 = np.array([_reg(layer, "l1") for layer in dense])
        self.l2 = np.array([_reg(layer, "l2") for layer in dense])
        self.loss_code = tables.loss_code(model.loss)
        self.gradient = np.empty_like(self.params)
        self.outputs = np.empty((0, model.output_units), dtype=self.params.dtype)

    def __call__(self, X, Y, factor):
        n_samples = X.shape[0]
        if self.outputs.shape[0] != n_samples:
            self.outputs = np.empty((n_samples, Y.shape[1]), dtype=self.params.dtype)
            self._order = np.arange(n_samples, dtype=np.int64)
        factor = (np.ones(n_samples, dtype=X.dtype) if factor is None
                  else np.ascontiguousarray(factor.reshape(-1), dtype=X.dtype))
        loss = _loss_and_gradient(
            X, Y, factor, self._order, self.params, self.gradient, self.offsets, self.fan_in,
            self.fan_out, self.act_offsets, self.codes, self.act_params, self.loss_code,
            self.l1, self.l2, self.outputs, CHUNK, GROUP_CHUNKS)
        return float(loss), self.outputs, self.gradient


if numba is not None:

    @kernels.jit
    def _loss_and_gradient(X, Y, factor, order, P, G, offsets, fan_in, fan_out, act_offsets,
                           codes, act_params, loss_code, l1, l2, outputs, chunk_rows,
                           group_chunks):
        """The loss of every row (a batch of all of them, as ``_batch_epoch`` computes a
        batch: chunks, then groups of chunks added in order) with its L1/L2 penalty;
        its gradient written into G. No step."""
        n_samples, k = X.shape[0], Y.shape[1]
        chunk = min(n_samples, chunk_rows)
        group = chunk * group_chunks
        scratch = np.empty(P.shape[0], dtype=P.dtype)  # one group's gradient
        part = np.empty(P.shape[0], dtype=P.dtype)  # one chunk's
        PT = np.empty_like(P)  # the kernels, transposed
        A = np.empty(chunk * act_offsets[-1], dtype=P.dtype)
        D = np.empty(chunk * act_offsets[-1], dtype=P.dtype)
        logits = np.empty((chunk, k), dtype=P.dtype)
        kernels._transpose_kernels(P, PT, offsets, fan_in, fan_out)
        G[:] = 0.0
        total = 0.0
        for first in range(0, n_samples, group):
            total += kernels._group_gradients(
                X, Y, factor, order, first, min(first + group, n_samples), n_samples, chunk,
                P, PT, scratch, part, A, D, logits, offsets, fan_in, fan_out, act_offsets,
                codes, act_params, loss_code, outputs)
            for i in range(G.shape[0]):
                G[i] += scratch[i]
        return kernels._penalise(total / n_samples, P, G, offsets, l1, l2)
