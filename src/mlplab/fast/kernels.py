"""numba kernels of one model's epoch: the NumPy engine's arithmetic written as loops.

Here one epoch of a stack of Dense layers runs as one compiled function: forward, the
fused loss gradient, backward and the optimizer update, with the arithmetic of
:mod:`mlplab.engine` written out as loops: sample by sample for small steps (``_epoch``;
plain SGD on one sample updates each weight as its gradient is found), or as one BLAS
matrix product per layer over chunks of a batch (``_batch_epoch``). The Python side
(:mod:`mlplab.fast.epochs`) chooses between them and binds a model to them.

Every jitted function of this family stays in this one file on purpose, past the usual
length: numba's on-disk cache (``cache=True``) is invalidated per source file, so a
kernel here calling a jitted helper kept in another module would go on running a stale
cached copy of that helper after it changed.
"""

import math
from typing import Any

import numpy as np

try:  # numba is optional: without it, every model trains on the NumPy path
    import numba
except ImportError:  # pragma: no cover - exercised where numba is missing
    numba = None  # type: ignore[assignment, unused-ignore]

# Work per step (samples x parameters) above which a batch runs as matrix products
# (BLAS through np.dot) rather than sample by sample. Measured on 2 cores: per-sample
# wins 3x at batch 1 of a 42-parameter net (work 42), they break even near work 500
# (2-4-4-2 at batch 8, 2-16-16-2 at batch 2), and batches win 2x at work 4 200 (E5's
# batch of 100) and 11x at work 450 000.
BATCHED_WORK = 600
# Rows of a batch processed together; larger batches run in chunks (bounded memory),
# small enough for a chunk's activations and dL/dz to stay in a core's L2 cache (E4's
# net on 10^6 samples, one thread: 31 GFLOP/s in chunks of 2048, 39-40 in 128 or 256).
CHUNK = 256
# Chunks per group: a group's gradient is summed chunk by chunk, and the groups' in
# order; a thread takes a whole group (a round of threads per chunk cost ~10% of E4's
# epoch at 10^6 samples).
GROUP_CHUNKS = 8


if numba is not None:
    # error_model="numpy": a float division by zero gives inf or nan, as in the NumPy path,
    # rather than a check and a ZeroDivisionError around every division.
    jit: Any = numba.njit(cache=True, nogil=True, error_model="numpy")
    # Helpers called per sample or per element are inlined by numba itself, not just by
    # LLVM: that lets numba drop the reference counting of the array views they take,
    # which costs more than the arithmetic (per-sample SGD on E2's net: 2.4M -> 3.4M
    # updates/s from this alone).
    inline: Any = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")

    from numba.core import cgutils, types
    from numba.extending import intrinsic, overload

    # -- borrowed arrays ----------------------------------------------------------------
    # numba counts references to every array a kernel holds, atomically, and every view
    # (a row, a slice, a helper's argument) takes and drops one. In the per-sample loop
    # those atomic operations were ~12% of the time (perf). A borrowed array is the same
    # memory without an owner to count: its views cost nothing. Only arrays that the
    # caller keeps alive for the whole call may be borrowed (the kernel's arguments,
    # never an array the kernel allocates itself).

    @intrinsic
    def _void_pointer(typingctx, address):
        """The integer ``address`` as a void pointer."""
        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], cgutils.voidptr_t)
        return types.voidptr(types.intp), codegen

    def _borrowed(a):
        """``a`` without reference counting (see above); ``a`` itself unless C-ordered."""

    @overload(_borrowed, inline="always")
    def _borrowed_overload(a):
        if isinstance(a, types.Array) and a.layout == "C":
            return lambda a: numba.carray(_void_pointer(a.ctypes.data), a.shape, a.dtype)  # type: ignore[call-arg, unused-ignore]
        return lambda a: a

    @inline
    def _unsigned(index):
        """``index`` (never negative) as an unsigned integer. numba checks a signed
        index for a negative value to wrap (three more instructions per access); an
        unsigned one it takes as it is. E2's per-sample SGD: 4.0M -> 4.8M updates/s."""
        return np.uintp(index)

    @inline
    def _sigmoid(z, e):
        """sigmoid(z) from e = exp(-|z|): no overflow on either side of 0."""
        positive = 1.0 / (1.0 + e)
        return positive if z >= 0 else e * positive

    @inline
    def _activate(code, param, z):
        """f(z) of activation ``code``; ``param`` is its constant (leaky_relu's slope,
        elu's alpha), the engine's own (``tables.activation_parameter``)."""
        if code == 0:
            return z
        if code == 1:
            return _sigmoid(z, math.exp(-abs(z)))
        if code == 2:
            return math.tanh(z)
        if code == 3:
            return z if z > 0 else 0.0
        if code == 4:
            return z if z > 0 else param * z
        return z if z > 0 else param * math.expm1(min(z, 0.0))  # elu

    @inline
    def _forward(x, P, offsets, fan_in, fan_out, codes, act_params, A, act_offsets, logits):
        """Forward pass of one sample: the hidden layers' activations into A, the output
        layer's logits into logits (its activation is ``_output_and_loss``'s)."""
        n_layers = fan_in.shape[0]
        for i in range(x.shape[0]):  # a loop: a slice assignment costs more per sample
            A[_unsigned(act_offsets[0] + i)] = x[i]
        for layer in range(n_layers):
            w0, b0 = offsets[2 * layer], offsets[2 * layer + 1]
            a_in, a_out = act_offsets[layer], act_offsets[layer + 1]
            n_in, n_out, code = fan_in[layer], fan_out[layer], codes[layer]
            param = act_params[layer]
            for j in range(n_out):
                # Summing over i in order, in a register (stores to A would be reloaded).
                z = 0.0
                for i in range(n_in):
                    z += A[_unsigned(a_in + i)] * P[_unsigned(w0 + i * n_out + j)]
                z += P[_unsigned(b0 + j)]
                if layer == n_layers - 1:
                    logits[j] = z
                else:
                    A[_unsigned(a_out + j)] = _activate(code, param, z)

    @inline
    def _output_and_loss(loss_code, code, param, logits, out, y):
        """One sample's output activation (``code``) into ``out``, from its logits, and
        its loss, the NumPy path's numbers. With cross-entropy the activation and the
        loss share their exponentials."""
        k = logits.shape[0]
        value = 0.0
        if loss_code == 0:  # sigmoid output: exp(-|z|) serves the sigmoid and softplus
            for j in range(k):
                z = logits[j]
                e = math.exp(-abs(z))
                out[j] = _sigmoid(z, e)
                # softplus(z) = logaddexp(0, z), as NumPy computes it
                softplus = math.log(2.0) if z == 0.0 else math.log1p(e) + max(z, 0.0)
                value += softplus - y[j] * z
            return value / k
        if loss_code == 1:  # softmax output: the softmax's sum of exponentials
            top, total = _softmax(logits, out)
            return _cross_entropy(top, total, logits, y)
        if code == 6:  # mse, on any output activation
            _softmax(logits, out)
        else:
            for j in range(k):
                out[j] = _activate(code, param, logits[j])
        for j in range(k):
            value += (out[j] - y[j]) ** 2
        return value / k

    @inline  # called per row in hot loops
    def _cross_entropy(top, total, logits, y):
        """logsumexp(z) - y . z, from max(z) and sum(exp(z - max(z)))."""
        dot = 0.0
        for j in range(logits.shape[0]):
            dot += y[j] * logits[j]
        return top + math.log(total) - dot

    @inline  # called per row in hot loops
    def _softmax(logits, out):
        """out = softmax(logits) for one row; return max(logits) and the sum of exps."""
        top = logits.max()
        total = 0.0
        for j in range(logits.shape[0]):
            out[j] = math.exp(logits[j] - top)
            total += out[j]
        for j in range(logits.shape[0]):
            out[j] /= total
        return top, total

    @inline
    def _output_delta(loss_code, code, param, logits, out, y, scale, delta):
        k = logits.shape[0]
        if loss_code == 0:  # binary cross-entropy needs a sigmoid output: out is sigmoid(z)
            for j in range(k):
                delta[j] = (out[j] - y[j]) / k * scale
        elif loss_code == 1:
            for j in range(k):
                delta[j] = (out[j] - y[j]) * scale
        else:
            for j in range(k):
                delta[j] = 2.0 * (out[j] - y[j]) / k * scale  # dL/da first
            if code == 6:
                dot = 0.0
                for j in range(k):
                    dot += delta[j] * out[j]
                for j in range(k):
                    delta[j] = out[j] * (delta[j] - dot)
            else:
                for j in range(k):
                    delta[j] = delta[j] * _derivative_from_a(code, param, out[j])

    @inline
    def _derivative_from_a(code, param, a):
        # Every activation compiled here can be differentiated from its output alone:
        # relu, leaky_relu and elu are positive exactly where z > 0.
        if code == 0:
            return 1.0
        if code == 1:
            return a * (1.0 - a)
        if code == 2:
            return 1.0 - a * a
        if code == 3:
            return 1.0 if a > 0 else 0.0
        if code == 4:
            return 1.0 if a > 0 else param
        return 1.0 if a > 0 else a + param  # elu: alpha e^z = a + alpha

    @inline
    def _backward(P, G, offsets, fan_in, fan_out, codes, act_params, A, D, act_offsets,
                  learning_rate):
        """Add one sample's gradients to G; D holds dL/dz of every layer, output first set.

        With a ``learning_rate`` (plain SGD on a batch of one sample, no penalty), take
        the step instead, each parameter as its gradient is found: the same numbers as
        summing into G from zero and then stepping, without the passes over G. Each
        layer's dL/dz below is found first, from the kernel before its update.
        """
        in_place = learning_rate != 0.0
        for layer in range(fan_in.shape[0] - 1, -1, -1):
            w0, b0 = offsets[2 * layer], offsets[2 * layer + 1]
            a_in, d_out = act_offsets[layer], act_offsets[layer + 1]
            n_in, n_out = fan_in[layer], fan_out[layer]
            if layer > 0:
                below, below_param = codes[layer - 1], act_params[layer - 1]
                for i in range(n_in):
                    g = 0.0
                    for j in range(n_out):
                        g += D[_unsigned(d_out + j)] * P[_unsigned(w0 + i * n_out + j)]
                    D[_unsigned(a_in + i)] = g * _derivative_from_a(below, below_param,
                                                                   A[_unsigned(a_in + i)])
            for i in range(n_in):
                a = A[_unsigned(a_in + i)]
                for j in range(n_out):
                    w, d = _unsigned(w0 + i * n_out + j), D[_unsigned(d_out + j)]
                    if in_place:
                        P[w] -= learning_rate * (a * d)
                    else:
                        G[w] += a * d
            for j in range(n_out):
                if in_place:
                    P[_unsigned(b0 + j)] -= learning_rate * D[_unsigned(d_out + j)]
                else:
                    G[_unsigned(b0 + j)] += D[_unsigned(d_out + j)]

    @jit
    def _penalty(P, offsets, l1, l2):
        value = 0.0
        for layer in range(l1.shape[0]):
            if l1[layer] != 0.0 or l2[layer] != 0.0:
                absolute, square = 0.0, 0.0
                for index in range(offsets[2 * layer], offsets[2 * layer + 1]):
                    absolute += abs(P[index])
                    square += P[index] * P[index]
                value += l1[layer] * absolute + l2[layer] * square
        return value

    @jit
    def _penalise(data_loss, P, G, offsets, l1, l2):
        """The batch's loss with the L1/L2 penalty; the penalty's gradient is added to G."""
        for layer in range(l1.shape[0]):
            if l1[layer] != 0.0 or l2[layer] != 0.0:
                for i in range(offsets[2 * layer], offsets[2 * layer + 1]):
                    G[i] += l1[layer] * np.sign(P[i]) + 2.0 * l2[layer] * P[i]
        return data_loss + _penalty(P, offsets, l1, l2)

    @jit
    def _step(opt_code, settings, t, P, G, S1, S2):
        """The optimizer update of every parameter, element by element (as optimizers.py).
        ``t`` counts steps from 1. With a learning-rate schedule ``settings`` goes on past
        its six hyper-parameters (``tables.step_settings``): the number of the call's
        first step (from 0), then the rate of each of its steps, as the schedule gave."""
        lr = settings[0]
        if settings.shape[0] > 6:
            lr = settings[7 + _unsigned(int(t - 1 - settings[6]))]
        if opt_code == 0:
            momentum, nesterov = settings[1], settings[2]
            for i in range(P.shape[0]):
                if momentum == 0.0:
                    P[i] -= lr * G[i]
                else:
                    S1[i] = S1[i] * momentum - lr * G[i]
                    if nesterov != 0.0:
                        P[i] += momentum * S1[i] - lr * G[i]
                    else:
                        P[i] += S1[i]
            return
        beta_1, beta_2, epsilon = settings[3], settings[4], settings[5]
        if opt_code == 2:  # Keras' Adam (optimizers.KerasAdam): corrections in the step size
            alpha = lr * math.sqrt(1.0 - beta_2 ** t) / (1.0 - beta_1 ** t)
            for i in range(P.shape[0]):
                S1[i] += (G[i] - S1[i]) * (1.0 - beta_1)
                S2[i] += (G[i] * G[i] - S2[i]) * (1.0 - beta_2)
                P[i] -= S1[i] * alpha / (math.sqrt(S2[i]) + epsilon)
            return
        correction_1, correction_2 = 1.0 - beta_1 ** t, 1.0 - beta_2 ** t
        for i in range(P.shape[0]):
            S1[i] = S1[i] * beta_1 + (1.0 - beta_1) * G[i]
            S2[i] = S2[i] * beta_2 + (1.0 - beta_2) * G[i] * G[i]
            P[i] -= lr * (S1[i] / correction_1) / (math.sqrt(S2[i] / correction_2) + epsilon)

    @inline
    def _finish_batch(batch_loss, count, P, G, S1, S2, offsets, l1, l2, opt_code, settings,
                      t):
        """The batch's loss with its L1/L2 penalty (whose gradient goes into G), times
        the batch's size, and whether it is finite; if it is, the optimizer's step t."""
        loss = _penalise(batch_loss / count, P, G, offsets, l1, l2)
        finite = math.isfinite(loss)
        if finite:
            _step(opt_code, settings, t, P, G, S1, S2)
        return loss * count, finite

    @jit
    def _epoch(X, Y, factor, order, batch_size, P, S1, S2, offsets, fan_in, fan_out,
               act_offsets, codes, act_params, loss_code, l1, l2, opt_code, settings, iterations,
               outputs, work, chunk_rows, group_chunks):  # the last two: _batch_epoch's
        # Arguments borrowed (see _borrowed): E2's per-sample SGD 116 -> 105 us an epoch.
        X, Y, factor, order, P, S1, S2 = (_borrowed(X), _borrowed(Y), _borrowed(factor),
                                          _borrowed(order), _borrowed(P), _borrowed(S1),
                                          _borrowed(S2))
        offsets, fan_in, fan_out, act_offsets, codes, act_params = (
            _borrowed(offsets), _borrowed(fan_in), _borrowed(fan_out),
            _borrowed(act_offsets), _borrowed(codes), _borrowed(act_params))
        outputs = _borrowed(outputs)
        work = _borrowed(work)
        n_layers = fan_in.shape[0]
        out_code, out_param = codes[n_layers - 1], act_params[n_layers - 1]
        n_samples, k = X.shape[0], Y.shape[1]
        n, width = P.shape[0], act_offsets[-1]
        work[:] = 0.0
        G = work[:n]
        A = work[n:n + width]  # every layer's activations, input first
        D = work[n + width:n + 2 * width]  # dL/dz, laid out like A
        logits = work[n + 2 * width:n + 2 * width + k]
        out_start = act_offsets[n_layers]
        total, steps = 0.0, 0
        # Plain SGD on single samples without a penalty steps inside the backward pass
        # (stores to optimizer state there would slow every loop: 4.0M -> 3.4M updates/s).
        plain = (opt_code == 0 and settings[1] == 0.0 and not (l1.any() or l2.any())
                 and settings.shape[0] == 6)  # a schedule's rate is read in _step
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            count = stop - start
            learning_rate = settings[0] if plain and count == 1 else 0.0
            if learning_rate == 0.0:
                G[:] = 0.0
            batch_loss = 0.0
            for position in range(start, stop):
                s = _unsigned(order[position])  # a permutation: never negative
                _forward(X[s], P, offsets, fan_in, fan_out, codes, act_params, A, act_offsets,
                         logits)
                out = A[out_start:out_start + k]
                # factor holds the sample weights normalised to average 1 over the data,
                # as the NumPy path's losses use them.
                batch_loss += _output_and_loss(loss_code, out_code, out_param, logits, out,
                                               Y[s]) * factor[s]
                for j in range(k):  # a loop: a slice assignment costs more per sample
                    outputs[s, j] = out[j]
                if learning_rate != 0.0 and not math.isfinite(batch_loss):
                    return total + batch_loss, steps, start  # no step, as below
                _output_delta(loss_code, out_code, out_param, logits, out, Y[s],
                              factor[s] / count, D[out_start:out_start + k])
                _backward(P, G, offsets, fan_in, fan_out, codes, act_params, A, D,
                          act_offsets, learning_rate)
            if learning_rate != 0.0:
                total += batch_loss + 0.0  # as below: the mean of one sample, no penalty
                steps += 1
                continue
            added, finite = _finish_batch(batch_loss, count, P, G, S1, S2, offsets, l1, l2,
                                          opt_code, settings, iterations + steps + 1)
            total += added
            if not finite:
                return total, steps, start
            steps += 1
        return total, steps, -1

    # Blocks of epochs (CompiledEpoch.run_epochs): one kernel per epoch kernel, so that a
    # first per-sample fit compiles only the per-sample loop (a kernel calling both took
    # 16 s to compile instead of 4).
    @jit
    def _epochs_per_sample(X, Y, factor, orders, batch_size, P, S1, S2, offsets, fan_in,
                           fan_out, act_offsets, codes, act_params, loss_code, l1, l2, opt_code,
                           settings, iterations, outputs, work, chunk_rows, group_chunks,
                           totals):
        """``len(totals)`` epochs of ``_epoch``: see ``CompiledEpoch.run_epochs``."""
        steps = 0
        for epoch in range(totals.shape[0]):
            totals[epoch], taken, bad = _epoch(
                X, Y, factor, orders[epoch if orders.shape[0] > 1 else 0], batch_size, P, S1,
                S2, offsets, fan_in, fan_out, act_offsets, codes, act_params, loss_code, l1, l2,
                opt_code, settings, iterations + steps, outputs, work, chunk_rows,
                group_chunks)
            steps += taken
            if bad >= 0:
                return epoch + 1, steps, bad
        return totals.shape[0], steps, -1

    @jit
    def _epochs_batched(X, Y, factor, orders, batch_size, P, S1, S2, offsets, fan_in,
                        fan_out, act_offsets, codes, act_params, loss_code, l1, l2, opt_code,
                        settings, iterations, outputs, work, chunk_rows, group_chunks, totals):
        """``len(totals)`` epochs of ``_batch_epoch``: see ``CompiledEpoch.run_epochs``."""
        steps = 0
        for epoch in range(totals.shape[0]):
            totals[epoch], taken, bad = _batch_epoch(
                X, Y, factor, orders[epoch if orders.shape[0] > 1 else 0], batch_size, P, S1,
                S2, offsets, fan_in, fan_out, act_offsets, codes, act_params, loss_code, l1, l2,
                opt_code, settings, iterations + steps, outputs, work, chunk_rows,
                group_chunks)
            steps += taken
            if bad >= 0:
                return epoch + 1, steps, bad
        return totals.shape[0], steps, -1

    @jit
    def _batch_epoch(X, Y, factor, order, batch_size, P, S1, S2, offsets, fan_in, fan_out,
                     act_offsets, codes, act_params, loss_code, l1, l2, opt_code, settings,
                     iterations, outputs, work, chunk_rows, group_chunks):  # work: _epoch's
        """The same epoch as ``_epoch``, a batch at a time: each layer is one matrix product.

        A batch larger than ``chunk_rows`` (``CHUNK``) runs in chunks, so the working
        arrays stay small (in cache) whatever the batch size; their gradients add up in
        chunk order within groups of ``group_chunks``, and the groups' in group order
        (as ``CompiledEpoch._threaded_epoch`` adds them). Layer l's
        activations for a chunk are a (rows, width) block of ``A`` (its dL/dz the same
        block of ``D``); kernels are views of the flat buffer, so BLAS reads them in place.
        """
        n_samples, k = X.shape[0], Y.shape[1]
        chunk = min(batch_size, chunk_rows)
        G = np.zeros_like(P)
        scratch = np.empty(P.shape[0], dtype=P.dtype)  # one group's gradient
        part = np.empty(P.shape[0], dtype=P.dtype)  # one chunk's
        PT = np.empty_like(P)  # the kernels, transposed
        A = np.empty(chunk * act_offsets[-1], dtype=P.dtype)
        D = np.empty(chunk * act_offsets[-1], dtype=P.dtype)
        logits = np.empty((chunk, k), dtype=P.dtype)
        total, steps = 0.0, 0
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            count = stop - start
            _transpose_kernels(P, PT, offsets, fan_in, fan_out)
            if count <= chunk:  # one chunk: its gradient is the batch's, written into G
                batch_loss = _chunk_gradients(
                    X, Y, factor, order, start, count, count, P, PT, G, A, D, logits,
                    offsets, fan_in, fan_out, act_offsets, codes, act_params, loss_code, outputs)
            else:
                G[:] = 0.0
                batch_loss = 0.0
                for first in range(start, stop, chunk * group_chunks):
                    batch_loss += _group_gradients(
                        X, Y, factor, order, first, min(first + chunk * group_chunks, stop),
                        count, chunk, P, PT, scratch, part, A, D, logits, offsets,
                        fan_in, fan_out, act_offsets, codes, act_params, loss_code, outputs)
                    for i in range(G.shape[0]):
                        G[i] += scratch[i]
            added, finite = _finish_batch(batch_loss, count, P, G, S1, S2, offsets, l1, l2,
                                          opt_code, settings, iterations + steps + 1)
            total += added
            if not finite:
                return total, steps, start
            steps += 1
        return total, steps, -1

    @jit
    def _group_gradients(X, Y, factor, order, first, last, count, chunk, P, PT, gradient,
                         part, A, D, logits, offsets, fan_in, fan_out, act_offsets,
                         codes, act_params, loss_code, outputs):
        """``_chunk_gradients`` of the rows from ``first`` to ``last`` in chunks of
        ``chunk``: their gradients summed in chunk order into ``gradient`` (``part``
        holds each chunk's after the first); return their summed loss."""
        loss = _chunk_gradients(X, Y, factor, order, first, min(chunk, last - first), count,
                                P, PT, gradient, A, D, logits, offsets, fan_in,
                                fan_out, act_offsets, codes, act_params, loss_code, outputs)
        for start in range(first + chunk, last, chunk):
            loss += _chunk_gradients(X, Y, factor, order, start, min(chunk, last - start),
                                     count, P, PT, part, A, D, logits, offsets, fan_in,
                                     fan_out, act_offsets, codes, act_params, loss_code, outputs)
            for i in range(gradient.shape[0]):
                gradient[i] += part[i]
        return loss

    @jit
    def _chunk_gradients(X, Y, factor, order, first, rows, count, P, PT, scratch, A, D,
                         logits, offsets, fan_in, fan_out, act_offsets, codes, act_params,
                         loss_code, outputs):
        """Forward and backward for ``rows`` samples from ``order[first]`` of a batch of
        ``count``: write their gradient into ``scratch``, return their weighted summed
        loss. Only the rows' own slots of ``outputs`` are written, so threads may run
        chunks of one batch at once, each with its own scratch, A, D and logits.
        ``PT`` holds the kernels transposed (``_transpose_kernels``): dL/dz below is
        then a plain product, which BLAS runs ~1.4x faster on these small shapes than
        one with a transposed operand (E4's net: 43 -> 32 us per 160 rows)."""
        X, Y, factor, order, outputs = (_borrowed(X), _borrowed(Y), _borrowed(factor),
                                        _borrowed(order), _borrowed(outputs))
        logits, A, D = _borrowed(logits), _borrowed(A), _borrowed(D)
        n_layers = fan_in.shape[0]
        out_code, out_param = codes[n_layers - 1], act_params[n_layers - 1]
        k = Y.shape[1]
        a_in = A[:rows * fan_in[0]].reshape((rows, fan_in[0]))
        for r in range(rows):
            a_in[r, :] = X[order[first + r]]
        for layer in range(n_layers):  # forward: z = a @ W + b, a = f(z)
            w0, b0 = offsets[2 * layer], offsets[2 * layer + 1]
            n_in, n_out, code = fan_in[layer], fan_out[layer], codes[layer]
            a_in = _block(A, act_offsets, layer, rows, n_in)
            a_out = _block(A, act_offsets, layer + 1, rows, n_out)
            np.dot(a_in, P[w0:b0].reshape((n_in, n_out)), a_out)
            if layer == n_layers - 1:
                for r in range(rows):  # the activation: _output_and_loss's, below
                    for j in range(n_out):
                        logits[r, j] = a_out[r, j] + P[b0 + j]
            else:
                _add_bias_and_activate(code, act_params[layer], a_out, P[b0:b0 + n_out])
        out = _block(A, act_offsets, n_layers, rows, k)
        d_out = _block(D, act_offsets, n_layers, rows, k)
        chunk_loss = 0.0
        for r in range(rows):
            s = order[first + r]
            chunk_loss += _output_and_loss(loss_code, out_code, out_param, logits[r], out[r],
                                           Y[s]) * factor[s]
            outputs[s, :] = out[r]
            _output_delta(loss_code, out_code, out_param, logits[r], out[r], Y[s],
                          factor[s] / count, d_out[r])
        for layer in range(n_layers - 1, -1, -1):  # backward
            w0, b0 = offsets[2 * layer], offsets[2 * layer + 1]
            n_in, n_out = fan_in[layer], fan_out[layer]
            a_in = _block(A, act_offsets, layer, rows, n_in)
            d_out = _block(D, act_offsets, layer + 1, rows, n_out)
            np.dot(a_in.T, d_out, scratch[w0:b0].reshape((n_in, n_out)))  # dL/dW
            bias = np.zeros(n_out, dtype=P.dtype)  # its own array: the loop vectorises
            for r in range(rows):
                for j in range(n_out):
                    bias[j] += d_out[r, j]  # dL/db
            scratch[b0:b0 + n_out] = bias
            if layer > 0:  # dL/dz below = (delta @ W.T) * f'(a)
                d_in = _block(D, act_offsets, layer, rows, n_in)
                np.dot(d_out, PT[w0:b0].reshape((n_out, n_in)), d_in)
                _times_derivative(codes[layer - 1], act_params[layer - 1], d_in, a_in)
        return chunk_loss

    @jit
    def _transpose_kernels(P, PT, offsets, fan_in, fan_out):
        """PT's block of each kernel above the first = that kernel transposed,
        (fan_out, fan_in) row-major at the kernel's own offset."""
        for layer in range(1, fan_in.shape[0]):
            w0, n_in, n_out = offsets[2 * layer], fan_in[layer], fan_out[layer]
            for i in range(n_in):
                for j in range(n_out):
                    PT[_unsigned(w0 + j * n_in + i)] = P[_unsigned(w0 + i * n_out + j)]

    @jit
    def _add_bias_and_activate(code, param, a, bias):
        """a = f(a + bias) over a block, with the activation chosen once, outside the
        loops (so the common ones vectorise); the same numbers as ``_activate``."""
        rows, width = a.shape
        if code == 3:  # relu
            for r in range(rows):
                for j in range(width):
                    z = a[r, j] + bias[j]
                    a[r, j] = z if z > 0 else 0.0
        elif code == 2:  # tanh
            for r in range(rows):
                for j in range(width):
                    a[r, j] = math.tanh(a[r, j] + bias[j])
        else:
            for r in range(rows):
                for j in range(width):
                    a[r, j] = _activate(code, param, a[r, j] + bias[j])

    @jit
    def _times_derivative(code, param, d, a):
        """d *= f'(z), from the activations a, over a block (as ``_derivative_from_a``)."""
        rows, width = d.shape
        if code == 3:  # relu
            for r in range(rows):
                for i in range(width):
                    d[r, i] *= 1.0 if a[r, i] > 0 else 0.0
        elif code == 2:  # tanh
            for r in range(rows):
                for i in range(width):
                    d[r, i] *= 1.0 - a[r, i] * a[r, i]
        else:
            for r in range(rows):
                for i in range(width):
                    d[r, i] *= _derivative_from_a(code, param, a[r, i])

    @jit
    def _block(buffer, act_offsets, layer, count, width):
        """Layer ``layer``'s (count, width) block of a batch buffer laid out like A."""
        begin = act_offsets[layer] * count
        return buffer[begin:begin + count * width].reshape((count, width))
