"""numba kernels of fit_many's lanes: many models of one small net in one call per epoch.

``fit_many`` trains M models of one architecture. Here their parameters form
one (M, n_parameters) array and one numba-compiled call trains an epoch of all
of them: per batch, for each chunk of its samples and each model, the forward
pass, the fused output gradient and the backward pass, then one optimizer step
of every model. No Python runs between steps, and a step costs no NumPy calls.

"Lanes" are the SIMD lanes: within a layer, the samples of a chunk run along
contiguous rows (one row per unit), so every inner loop does the same
arithmetic on neighbouring samples and the compiler vectorises it. Putting the
M models innermost instead (the first design) was measured 2x slower on E5's
2-4-4-2 net: its loops over 10 models are too short for SIMD to pay
(~6 ns per 10-model multiply-add, 10.6 ms per epoch against 4.9 here).

Every model does the arithmetic of ``kernels._epoch`` (the per-sample loop of
``Sequential.fit``) sample by sample: each sum over a layer's inputs starts at 0
and adds them in order, then the bias; the fused output gradients and the
optimizer updates are written the same way. Only the sums over the samples of
a batch (the gradients) add up in another order, vectorised, as BLAS's do in
the batched paths; results agree up to rounding (``fit_many`` gives numbers).

The exps and logs of the activations and losses are written as arithmetic
(``_exp_nonpositive``, ``_log_at_least_one``), so they too run on a SIMD
register of samples at once rather than one C-library call per sample (E5's
net: 4.7 -> 3.5 ms per epoch on one core); they agree with the C library's to
an ulp.

The kernels repeat small pieces of :mod:`mlplab.fast.kernels` (the activations, their
derivatives, ``_borrowed``) on purpose: numba's on-disk cache (``cache=True``) is
invalidated per source file, so a kernel here that called a jitted helper of
``kernels.py`` would go on running a stale cached copy of it after that helper changed.
The Python side is :mod:`mlplab.fast.stack`.
"""

import math
from typing import Any

import numpy as np

try:  # numba is optional: without it fit_many trains on the NumPy path
    import numba
except ImportError:  # pragma: no cover - exercised where numba is missing
    numba = None  # type: ignore[assignment, unused-ignore]

# Samples of a batch processed together; larger batches run in chunks (bounded memory).
CHUNK = 256
# The kernels' code of softmax, written here (not imported) because numba freezes a
# global's value into its on-disk cache of this file; tests hold it to tables.SOFTMAX.
SOFTMAX = 6

if numba is not None:
    # error_model="numpy": a float division by zero gives inf or nan (as NumPy does)
    # instead of a check around every division.
    jit: Any = numba.njit(cache=True, nogil=True, error_model="numpy")
    # The helpers are inlined by numba itself: called on array views once per chunk and
    # model, they would otherwise pay reference counting on every view they take.
    inline: Any = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")

    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic, overload

    # -- borrowed arrays, as kernels._borrowed (see there)  -------------------------------
    # Views of arrays the caller keeps alive, without atomic reference counts: one
    # core, E5's 10 seeds 3.7 -> 3.0-3.5 ms/epoch.

    @intrinsic
    def _void_pointer(typingctx, address):
        """The integer ``address`` as a void pointer."""
        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], cgutils.voidptr_t)
        return types.voidptr(types.intp), codegen

    def _borrowed(a):
        """``a`` without reference counting; ``a`` itself unless C-ordered."""

    @overload(_borrowed, inline="always")
    def _borrowed_overload(a):
        if isinstance(a, types.Array) and a.layout == "C":
            return lambda a: numba.carray(_void_pointer(a.ctypes.data), a.shape, a.dtype)  # type: ignore[call-arg, unused-ignore]
        return lambda a: a

    # -- exp and log the compiler can vectorise ---------------------------------------
    # math.exp and math.log are calls into the C library, one sample at a time: they
    # were ~35% of fit_many's time on E5's net (softmax: an exp and a log per sample).
    # Written as arithmetic and selects, LLVM runs them on a SIMD register of samples
    # at once. They are the classic reductions (fdlibm's, Sun Microsystems 1993): within
    # an ulp or two of the C library's (tested), so a model's numbers agree with its
    # own fit's to rounding, as the summed gradients already do.

    @intrinsic
    def _double_from_bits(typingctx, bits):
        """The float64 whose IEEE bits are the int64 ``bits``."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.DoubleType())
        return types.float64(types.int64), codegen

    @intrinsic
    def _bits_of_double(typingctx, x):
        """The IEEE bits of the float64 ``x``, as an int64."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(64))
        return types.int64(types.float64), codegen

    LN2_HI, LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
    # exp(r) = 1 + 2r / (R(r^2) - r) on |r| <= ln2 / 2, R a degree-5 Remez fit.
    EXP_P = (1.66666666666666019037e-01, -2.77777777770155933842e-03,
             6.61375632143793436117e-05, -1.65339022054652515390e-06,
             4.13813679705723846039e-08)
    # log(1 + f) = 2s + s R(s^2) with s = f / (2 + f), R a degree-7 Remez fit.
    LOG_LG = (6.666666666666735130e-01, 3.999999999940941908e-01,
              2.857142874366239149e-01, 2.222219843214978396e-01,
              1.818357216161805012e-01, 1.531383769920937332e-01,
              1.479819860511658591e-01)

    @inline
    def _exp_nonpositive(x):
        """exp(x) for x <= 0 (a softmax's z - max(z), a sigmoid's -|z|): x = n ln2 + r,
        exp(r) from a rational fit, times 2^n made from its bits. Below -708 (where
        exp(x) < 3e-308) it gives 0; NaN gives NaN."""
        n = np.floor(x * 1.4426950408889634 + 0.5)
        hi = x - n * LN2_HI  # exact: n * LN2_HI has few bits
        lo = n * LN2_LO
        r = hi - lo
        t = r * r
        c = r - t * (EXP_P[0] + t * (EXP_P[1] + t * (EXP_P[2] + t * (EXP_P[3]
                                                                      + t * EXP_P[4]))))
        y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
        exponent = max(n, -1022.0)  # a normal 2^n even where the result is not used
        result = y * _double_from_bits((np.int64(exponent) + 1023) << 52)  # type: ignore[call-arg, unused-ignore]
        result = result if x >= -708.0 else 0.0
        return result if x == x else x

    @inline
    def _log_at_least_one(x):
        """log(x) for x >= 1 (a softmax's sum of exps, 1 + a sigmoid's exp): x = 2^k m
        with m in [sqrt(2)/2, sqrt(2)), log(m) from a rational fit. inf gives inf and
        NaN gives NaN."""
        bits = _bits_of_double(x)  # type: ignore[call-arg, var-annotated, unused-ignore]
        k = (bits >> 52) - 1023
        m = _double_from_bits((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
        above = m > 1.4142135623730951
        m = m * 0.5 if above else m
        k = k + 1 if above else k
        f = m - 1.0
        s = f / (2.0 + f)
        z = s * s
        w = z * z
        t1 = w * (LOG_LG[1] + w * (LOG_LG[3] + w * LOG_LG[5]))
        t2 = z * (LOG_LG[0] + w * (LOG_LG[2] + w * (LOG_LG[4] + w * LOG_LG[6])))
        half_square = 0.5 * f * f
        n = float(k)
        result = n * LN2_HI - ((half_square - (s * (half_square + t1 + t2)
                                               + n * LN2_LO)) - f)
        result = result if x < math.inf else x
        return result if x == x else x

    @inline
    def _log1p_unit(e):
        """log(1 + e) for 0 <= e <= 1, to an ulp or two: log(u) of u = 1 + e, corrected
        for the rounding of u (the correction is e itself when u rounds to 1)."""
        u = 1.0 + e
        return _log_at_least_one(u) - ((u - 1.0) - e) / u

    @jit
    def _epochs(X, Y, orders, batch_size, P, S1, S2, G, rates, corrections, settings, offsets,
                fan_in, fan_out, act_offsets, codes, act_params, loss_code, opt_code, A, D, losses,
                outputs):
        """``losses.shape[1]`` epochs of ``_epoch``, epoch e in ``orders[e]`` (or
        ``orders[0]``), its losses into ``losses[:, e]``."""
        n_epochs = losses.shape[1]
        n_steps = corrections.shape[0] // n_epochs
        epoch_losses = np.zeros(P.shape[0])
        for epoch in range(n_epochs):
            epoch_losses[:] = 0.0
            _epoch(X, Y, orders[epoch if orders.shape[0] > 1 else 0], batch_size, P, S1, S2,
                   G, rates, corrections[epoch * n_steps:(epoch + 1) * n_steps], settings,
                   offsets, fan_in, fan_out, act_offsets, codes, act_params, loss_code,
                   opt_code, A, D, epoch_losses, outputs)
            losses[:, epoch] = epoch_losses

    @jit
    def _epoch(X, Y, order, batch_size, P, S1, S2, G, rates, corrections, settings, offsets,
               fan_in, fan_out, act_offsets, codes, act_params, loss_code, opt_code, A, D, losses,
               outputs):
        """One epoch of every model: per batch, for each chunk of its samples and each
        model, the forward pass, loss and backward pass (gradients summed in G), then
        one optimizer step of every model."""
        X, Y, order, P, S1, S2, G = (_borrowed(X), _borrowed(Y), _borrowed(order),
                                     _borrowed(P), _borrowed(S1), _borrowed(S2), _borrowed(G))
        rates, corrections, A, D = (_borrowed(rates), _borrowed(corrections), _borrowed(A),
                                    _borrowed(D))
        offsets, fan_in, fan_out, act_offsets, codes, act_params = (
            _borrowed(offsets), _borrowed(fan_in), _borrowed(fan_out),
            _borrowed(act_offsets), _borrowed(codes), _borrowed(act_params))
        n_samples, k = X.shape[0], Y.shape[1]
        chunk = min(batch_size, CHUNK)
        n_layers = fan_in.shape[0]
        out_code, out_param = codes[n_layers - 1], act_params[n_layers - 1]
        top = act_offsets[n_layers + 1]  # the first row after the activations
        step = 0
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            scale = 1.0 / (stop - start)  # the mean over the batch
            _zero(G)
            for first in range(start, stop, chunk):
                rows = min(first + chunk, stop) - first
                logits = _block(A, top, k, chunk, rows)
                sums = _block(A, top + k, 3, chunk, rows)
                targets = _block(A, top + k + 3, k, chunk, rows)
                _gather(X, Y, order, first, _block(A, 0, X.shape[1], chunk, rows), targets)
                out = _block(A, act_offsets[n_layers], k, chunk, rows)
                delta = _block(D, act_offsets[n_layers], k, chunk, rows)
                for m in range(P.shape[0]):
                    _forward(P[m], offsets, fan_in, fan_out, codes, act_params, A,
                             act_offsets, logits, chunk, rows)
                    losses[m] += _output(loss_code, out_code, out_param, logits, out,
                                         targets, scale, delta, sums)
                    if outputs.shape[1] > 0:
                        for r in range(rows):
                            for j in range(k):
                                outputs[m, order[first + r], j] = out[j, r]
                    _backward(P[m], G[m], offsets, fan_in, fan_out, codes, act_params, A, D,
                              act_offsets, chunk, rows)
            _step(opt_code, settings, corrections[step], rates, P, G, S1, S2)
            step += 1

    @inline
    def _block(buffer, row, width, chunk, rows):
        """Rows ``row`` to ``row + width`` of a chunk buffer, (width, rows), contiguous:
        a borrowed view (see _borrowed) of the kernel's argument ``buffer``, made
        without numba's reshape helper (a C call per view)."""
        address = buffer.ctypes.data + row * chunk * buffer.itemsize
        return numba.carray(_void_pointer(address), (width, rows), buffer.dtype)  # type: ignore[call-arg, unused-ignore]

    @inline
    def _gather(X, Y, order, first, inputs, targets):
        """Copy a chunk's samples into ``inputs`` (a row per feature) and ``targets``."""
        for r in range(inputs.shape[1]):
            s = order[first + r]
            for i in range(X.shape[1]):
                inputs[i, r] = X[s, i]
            for j in range(Y.shape[1]):
                targets[j, r] = Y[s, j]

    @inline
    def _zero(array):
        for row in range(array.shape[0]):
            for column in range(array.shape[1]):
                array[row, column] = 0.0

    @inline
    def _forward(W, offsets, fan_in, fan_out, codes, act_params, A, act_offsets, logits, chunk,
                 rows):
        """Forward pass of one model on a chunk: z[j] = sum_i a[i] W[i, j] + b[j], summed
        in order of i for every sample (as kernels._forward); the output layer's z
        into ``logits``. ``W`` is the model's row of parameters."""
        n_layers = fan_in.shape[0]
        for layer in range(n_layers):
            w0, b0 = offsets[2 * layer], offsets[2 * layer + 1]
            n_in, n_out = fan_in[layer], fan_out[layer]
            a_in = _block(A, act_offsets[layer], n_in, chunk, rows)
            z = logits if layer == n_layers - 1 else _block(A, act_offsets[layer + 1], n_out,
                                                            chunk, rows)
            for j in range(n_out):
                # The first term set, not added to zeros: LLVM made the zeroing a call
                # to memset per row of z (the same numbers, up to the sign of a zero).
                z_j, a_0, w = z[j], a_in[0], W[w0 + j]
                for r in range(rows):
                    z_j[r] = a_0[r] * w
                for i in range(1, n_in):
                    a_i, w = a_in[i], W[w0 + i * n_out + j]
                    for r in range(rows):
                        z_j[r] += a_i[r] * w
                bias = W[b0 + j]
                for r in range(rows):
                    z_j[r] += bias
            if layer < n_layers - 1:  # the output activation is fused with the loss
                _activate_block(codes[layer], act_params[layer], z)

    @inline
    def _activate_block(code, param, z):
        """z = f(z) in place, the activation chosen outside the loops (so that the
        simple ones vectorise); the numbers of kernels._activate."""
        width, rows = z.shape
        if code == 3:  # relu
            for j in range(width):
                for r in range(rows):
                    z[j, r] = z[j, r] if z[j, r] > 0 else 0.0
        elif code == 1:  # sigmoid: the code a constant, so the loop vectorises
            for j in range(width):
                for r in range(rows):
                    z[j, r] = _activate(1, 0.0, z[j, r])
        elif code != 0:
            for j in range(width):
                for r in range(rows):
                    z[j, r] = _activate(code, param, z[j, r])

    @inline
    def _activate(code, param, z):
        """f(z), as kernels._activate (``param``: leaky_relu's slope, elu's alpha)."""
        if code == 0:
            return z
        if code == 1:
            e = _exp_nonpositive(-abs(z))
            positive = 1.0 / (1.0 + e)
            return positive if z >= 0 else e * positive
        if code == 2:
            return math.tanh(z)
        if code == 3:
            return z if z > 0 else 0.0
        if code == 4:
            return z if z > 0 else param * z
        return z if z > 0 else param * math.expm1(min(z, 0.0))  # elu

    @inline
    def _derivative_from_a(code, param, a):
        # Every activation here can be differentiated from its output alone: relu,
        # leaky_relu and elu are positive exactly where z > 0.
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
    def _times_derivative(code, param, d, a):
        """d *= f'(z) over a block, from the activations a (as compiled's)."""
        width, rows = d.shape
        if code == 3:  # relu
            for i in range(width):
                for r in range(rows):
                    d[i, r] *= 1.0 if a[i, r] > 0 else 0.0
        elif code == 2:  # tanh
            for i in range(width):
                for r in range(rows):
                    d[i, r] *= 1.0 - a[i, r] * a[i, r]
        elif code != 0:
            for i in range(width):
                for r in range(rows):
                    d[i, r] *= _derivative_from_a(code, param, a[i, r])

    @inline
    def _output(loss_code, code, param, logits, out, y, scale, delta, sums):
        """The output activation, dL/dz and the chunk's summed loss, for one model."""
        if loss_code == 0:
            return _sigmoid_cross_entropy(logits, out, y, scale, delta, sums[0])
        if loss_code == 1:
            return _softmax_cross_entropy(logits, out, y, scale, delta, sums)
        return _squared_error(code, param, logits, out, y, scale, delta, sums)

    @inline
    def _sigmoid_cross_entropy(logits, out, y, scale, delta, total):
        """Sigmoid outputs and mean(log(1 + e^z) - y z) over the k outputs. One exp(-|z|)
        serves both, as in kernels._output_and_loss."""
        k, rows = logits.shape
        for r in range(rows):
            total[r] = 0.0
        for j in range(k):
            for r in range(rows):
                z = logits[j, r]
                e = _exp_nonpositive(-abs(z))
                positive = 1.0 / (1.0 + e)
                out[j, r] = positive if z >= 0 else e * positive
                softplus = _log1p_unit(e) + (z if z > 0 else 0.0)
                total[r] += softplus - y[j, r] * z
                delta[j, r] = (out[j, r] - y[j, r]) / k * scale
        value = 0.0
        for r in range(rows):
            value += total[r] / k
        return value

    @inline
    def _softmax_cross_entropy(logits, out, y, scale, delta, sums):
        """Softmax outputs and logsumexp(z) - y . z, from the softmax's max and sum."""
        top, total, dot = sums[0], sums[1], sums[2]
        _softmax(logits, out, top, total)
        k, rows = logits.shape
        for r in range(rows):
            dot[r] = 0.0
        for j in range(k):
            for r in range(rows):
                dot[r] += y[j, r] * logits[j, r]
                delta[j, r] = (out[j, r] - y[j, r]) * scale
        for r in range(rows):  # apart from the sum below, so that the logs vectorise
            dot[r] = top[r] + _log_at_least_one(total[r]) - dot[r]
        value = 0.0
        for r in range(rows):
            value += dot[r]
        return value

    @inline
    def _softmax(logits, out, top, total):
        """out = softmax(logits) column by column; top and total get max(z) and
        sum(exp(z - max)). exp(z - max) is exactly 1 where z is the max, so that one
        exp is not taken."""
        k, rows = logits.shape
        for r in range(rows):
            top[r] = logits[0, r]
            total[r] = 0.0
        for j in range(1, k):
            for r in range(rows):
                top[r] = max(top[r], logits[j, r])
        for j in range(k):
            for r in range(rows):
                shifted = logits[j, r] - top[r]
                out[j, r] = 1.0 if shifted == 0.0 else _exp_nonpositive(shifted)
                total[r] += out[j, r]
        for j in range(k):
            for r in range(rows):
                out[j, r] /= total[r]

    @inline
    def _squared_error(code, param, logits, out, y, scale, delta, sums):
        """Any output activation, mean((a - y)^2) and dL/dz through f'."""
        k, rows = logits.shape
        if code == SOFTMAX:
            _softmax(logits, out, sums[0], sums[1])
        else:
            for j in range(k):
                for r in range(rows):
                    out[j, r] = logits[j, r]
            _activate_block(code, param, out)
        total = sums[2]
        for r in range(rows):
            total[r] = 0.0
        for j in range(k):
            for r in range(rows):
                total[r] += (out[j, r] - y[j, r]) ** 2
                delta[j, r] = 2.0 * (out[j, r] - y[j, r]) / k * scale  # dL/da first
        value = 0.0
        for r in range(rows):
            value += total[r] / k
        if code != SOFTMAX:
            _times_derivative(code, param, delta, out)
            return value
        dot = sums[2]  # softmax: dL/dz = a * (dL/da - sum(dL/da * a))
        for r in range(rows):
            dot[r] = 0.0
        for j in range(k):
            for r in range(rows):
                dot[r] += delta[j, r] * out[j, r]
        for j in range(k):
            for r in range(rows):
                delta[j, r] = out[j, r] * (delta[j, r] - dot[r])
        return value

    @inline
    def _backward(W, G, offsets, fan_in, fan_out, codes, act_params, A, D, act_offsets, chunk,
                  rows):
        """Add one model's gradients on a chunk to its row G, from dL/dz of the output
        layer in D."""
        for layer in range(fan_in.shape[0] - 1, -1, -1):
            w0, b0 = offsets[2 * layer], offsets[2 * layer + 1]
            n_in, n_out = fan_in[layer], fan_out[layer]
            a_in = _block(A, act_offsets[layer], n_in, chunk, rows)
            d_out = _block(D, act_offsets[layer + 1], n_out, chunk, rows)
            _add_gradients(G[w0:b0 + n_out], a_in, d_out)
            if layer == 0:
                break  # nobody needs the gradient of the data
            d_in = _block(D, act_offsets[layer], n_in, chunk, rows)
            for i in range(n_in):  # dL/dz below = (delta @ W.T) * f'(a), summed over j
                d_i, d_0, w = d_in[i], d_out[0], W[w0 + i * n_out]
                for r in range(rows):  # the first term set, as in _forward
                    d_i[r] = d_0[r] * w
                for j in range(1, n_out):
                    d_j, w = d_out[j], W[w0 + i * n_out + j]
                    for r in range(rows):
                        d_i[r] += d_j[r] * w
            _times_derivative(codes[layer - 1], act_params[layer - 1], d_in, a_in)

    # Sums over the samples may be reordered ("reassoc"), so that they vectorise: a dot
    # product of 100 samples then takes 0.2 instead of 0.8 us. BLAS reorders them as
    # well, in Sequential.fit's batched path and in fit_many's NumPy path.
    @numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
    def _add_gradients(G, a_in, d_out):
        """G[kernel] += a_in @ d_out.T and G[bias] += d_out summed over the samples; G
        is the layer's kernel, row-major, followed by its bias."""
        n_in, n_out = a_in.shape[0], d_out.shape[0]
        for i in range(n_in):
            a_i = a_in[i]
            for j in range(n_out):
                d_j = d_out[j]
                total = 0.0
                for r in range(a_i.shape[0]):
                    total += a_i[r] * d_j[r]
                G[i * n_out + j] += total
        for j in range(n_out):
            d_j = d_out[j]
            total = 0.0
            for r in range(d_j.shape[0]):
                total += d_j[r]
            G[n_in * n_out + j] += total

    @jit
    def _step(opt_code, settings, corrections, rates, P, G, S1, S2):
        """The optimizer update of every parameter of every model (as optimizers.py),
        each model with its own learning rate."""
        n_models, n_parameters = P.shape
        _, momentum, nesterov, beta_1, beta_2, epsilon = settings  # tables.SETTINGS
        for m in range(n_models):
            rate = rates[m]
            if opt_code == 1:  # adam
                for p in range(n_parameters):
                    g = G[m, p]
                    S1[m, p] = S1[m, p] * beta_1 + (1.0 - beta_1) * g
                    S2[m, p] = S2[m, p] * beta_2 + (1.0 - beta_2) * g * g
                    P[m, p] -= rate * (S1[m, p] / corrections[0]) / (
                        math.sqrt(S2[m, p] / corrections[1]) + epsilon)
            elif opt_code == 2:  # Keras' Adam: the corrections in the step size
                alpha = rate * math.sqrt(corrections[1]) / corrections[0]
                for p in range(n_parameters):
                    g = G[m, p]
                    S1[m, p] += (g - S1[m, p]) * (1.0 - beta_1)
                    S2[m, p] += (g * g - S2[m, p]) * (1.0 - beta_2)
                    P[m, p] -= S1[m, p] * alpha / (math.sqrt(S2[m, p]) + epsilon)
            elif momentum == 0.0:
                for p in range(n_parameters):
                    P[m, p] -= rate * G[m, p]
            elif nesterov != 0.0:
                for p in range(n_parameters):
                    S1[m, p] = S1[m, p] * momentum - rate * G[m, p]
                    P[m, p] += momentum * S1[m, p] - rate * G[m, p]
            else:
                for p in range(n_parameters):
                    S1[m, p] = S1[m, p] * momentum - rate * G[m, p]
                    P[m, p] += S1[m, p]
