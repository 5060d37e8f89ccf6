"""A compiled training loop (numba) that gives the same numbers as the NumPy path.

The NumPy engine pays Python and NumPy call overhead on every step, which
dominates on small nets and per-sample SGD. Here one epoch of a stack of Dense
layers runs as one compiled function: forward, the fused loss gradient,
backward and the optimizer update, sample by sample, with the arithmetic of
the NumPy path written out as loops. ``Sequential.fit`` uses it when numba is
installed and the model qualifies (see :func:`supports`); ``engine="numpy"``
forces the plain path, which tests compare it with.
"""

import math

import numpy as np

from mlplab.engine.layers import Dense

try:  # numba is optional: without it, every model trains on the NumPy path
    import numba
    from numba.typed import List as TypedList
except ImportError:  # pragma: no cover - exercised where numba is missing
    numba = None

ACTIVATION_CODES = {"linear": 0, "sigmoid": 1, "tanh": 2, "relu": 3, "leaky_relu": 4, "elu": 5,
                    "softmax": 6}
LOSS_CODES = {"binary_crossentropy": 0, "categorical_crossentropy": 1, "mse": 2}
OPTIMIZER_CODES = {"sgd": 0, "adam": 1}


def available() -> bool:
    return numba is not None


def supports(model) -> str | None:
    """Why ``model`` cannot use the compiled loop, or None if it can."""
    if numba is None:
        return "numba is not installed"
    if not all(isinstance(layer, Dense) for layer in model.layers):
        return "only stacks of Dense layers are compiled (this one has Dropout)"
    if any(layer.activation.name == "softmax" for layer in model.layers[:-1]):
        return "softmax in a hidden layer is not compiled"
    if model.optimizer.name not in OPTIMIZER_CODES:
        return f"the {model.optimizer.name} optimizer is not compiled (sgd and adam are)"
    if model.loss.name not in LOSS_CODES:
        return f"the {model.loss.name} loss is not compiled"
    if model.dtype != np.float64:
        return "float32 models train on the NumPy path, which computes in float32"
    return None


class CompiledEpoch:
    """Binds a model's arrays to the compiled kernel; ``run`` trains one epoch."""

    def __init__(self, model):
        dense = model.layers
        self.model = model
        self.kernels = TypedList([layer.kernel for layer in dense])
        self.biases = TypedList([layer.bias for layer in dense])
        self.codes = np.array([ACTIVATION_CODES[layer.activation.name] for layer in dense])
        self.l1 = np.array([_reg(layer, "l1") for layer in dense])
        self.l2 = np.array([_reg(layer, "l2") for layer in dense])
        optimizer = model.optimizer
        self.opt_code = OPTIMIZER_CODES[optimizer.name]
        self.settings = np.array([
            optimizer.learning_rate, getattr(optimizer, "momentum", 0.0),
            float(getattr(optimizer, "nesterov", False)), getattr(optimizer, "beta_1", 0.0),
            getattr(optimizer, "beta_2", 0.0), getattr(optimizer, "epsilon", 0.0)])
        # The optimizer's state arrays, shared with the NumPy optimizer so that the two
        # paths can be mixed (e.g. fit with one, then the other).
        names = ("velocity", "velocity") if optimizer.name == "sgd" else ("m", "v")
        params = model.parameters()
        first = [optimizer.slot(i, names[0], p) for i, p in enumerate(params)]
        second = [optimizer.slot(i, names[1], p) for i, p in enumerate(params)]
        self.state_kernels = (TypedList(first[0::2]), TypedList(second[0::2]))
        self.state_biases = (TypedList(first[1::2]), TypedList(second[1::2]))
        widths = [model.input_dim] + [layer.units for layer in dense]
        self.scratch = TypedList([np.zeros(w, dtype=model.dtype) for w in widths])

    def run(self, X, Y, factor, order, batch_size, outputs):
        """Train one epoch; return (summed loss x batch sizes, steps, index of a NaN step)."""
        factor = np.ones(len(X), dtype=X.dtype) if factor is None else factor[:, 0]
        optimizer = self.model.optimizer
        total, steps, bad = _epoch(
            X, Y, factor, order, batch_size, self.kernels, self.biases, self.codes,
            LOSS_CODES[self.model.loss.name], self.l1, self.l2, self.opt_code, self.settings,
            optimizer.iterations, self.state_kernels[0], self.state_kernels[1],
            self.state_biases[0], self.state_biases[1], self.scratch, outputs)
        optimizer.iterations += steps
        self.model.steps += steps
        return total, steps, bad


def _reg(layer, name):
    regularizer = layer.kernel_regularizer
    return 0.0 if regularizer is None else float(getattr(regularizer, name))


if numba is not None:
    jit = numba.njit(cache=True, nogil=True)

    @jit
    def _activate(code, z):
        if code == 0:
            return z
        if code == 1:
            e = math.exp(-abs(z))
            positive = 1.0 / (1.0 + e)
            return positive if z >= 0 else e * positive
        if code == 2:
            return math.tanh(z)
        if code == 3:
            return z if z > 0 else 0.0
        if code == 4:
            return z if z > 0 else 0.01 * z
        return z if z > 0 else math.expm1(min(z, 0.0))  # elu, alpha 1

    @jit
    def _derivative(code, z, a):
        if code == 0:
            return 1.0
        if code == 1:
            return a * (1.0 - a)
        if code == 2:
            return 1.0 - a * a
        if code == 3:
            return 1.0 if z > 0 else 0.0
        if code == 4:
            return 1.0 if z > 0 else 0.01
        return 1.0 if z > 0 else a + 1.0

    @jit
    def _softplus(z):
        # logaddexp(0, z) exactly as NumPy computes it.
        if z == 0.0:
            return math.log(2.0)
        if z > 0:
            return z + math.log1p(math.exp(-z))
        return math.log1p(math.exp(z))

    @jit
    def _forward(x, kernels, biases, codes, activations, logits):
        activations[0][:] = x
        last = len(kernels) - 1
        for layer in range(len(kernels)):
            W, b = kernels[layer], biases[layer]
            a_in, a_out = activations[layer], activations[layer + 1]
            for j in range(W.shape[1]):
                z = 0.0
                for i in range(W.shape[0]):
                    z += a_in[i] * W[i, j]
                z += b[j]
                if layer == last:
                    logits[j] = z
                if codes[layer] != 6:
                    a_out[j] = _activate(codes[layer], z)
            if codes[layer] == 6:  # softmax output
                top = logits.max()
                total = 0.0
                for j in range(W.shape[1]):
                    a_out[j] = math.exp(logits[j] - top)
                    total += a_out[j]
                for j in range(W.shape[1]):
                    a_out[j] /= total

    @jit
    def _sample_loss(loss_code, logits, out, y):
        k = logits.shape[0]
        if loss_code == 0:
            value = 0.0
            for j in range(k):
                value += _softplus(logits[j]) - y[j] * logits[j]
            return value / k
        if loss_code == 1:
            top = logits.max()
            total = 0.0
            dot = 0.0
            for j in range(k):
                total += math.exp(logits[j] - top)
                dot += y[j] * logits[j]
            return top + math.log(total) - dot
        value = 0.0
        for j in range(k):
            value += (out[j] - y[j]) ** 2
        return value / k

    @jit
    def _output_delta(loss_code, code, logits, out, y, scale, delta):
        k = logits.shape[0]
        if loss_code == 0:
            for j in range(k):
                delta[j] = (_activate(1, logits[j]) - y[j]) / k * scale
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
                    delta[j] = delta[j] * _derivative(code, logits[j], out[j])

    @jit
    def _penalty(kernels, l1, l2):
        value = 0.0
        for layer in range(len(kernels)):
            if l1[layer] != 0.0 or l2[layer] != 0.0:
                W = kernels[layer]
                value += l1[layer] * np.sum(np.abs(W)) + l2[layer] * np.sum(W * W)
        return value

    @jit
    def _update(opt_code, settings, t, w_array, g_array, s1_array, s2_array):
        # Element by element (no temporaries), the same arithmetic as optimizers.py.
        w, g = w_array.reshape(w_array.size), g_array.reshape(g_array.size)
        s1, s2 = s1_array.reshape(s1_array.size), s2_array.reshape(s2_array.size)
        lr = settings[0]
        if opt_code == 0:
            momentum, nesterov = settings[1], settings[2]
            for i in range(w.size):
                if momentum == 0.0:
                    w[i] -= lr * g[i]
                else:
                    s1[i] = s1[i] * momentum - lr * g[i]
                    if nesterov != 0.0:
                        w[i] += momentum * s1[i] - lr * g[i]
                    else:
                        w[i] += s1[i]
            return
        beta_1, beta_2, epsilon = settings[3], settings[4], settings[5]
        correction_1, correction_2 = 1.0 - beta_1 ** t, 1.0 - beta_2 ** t
        for i in range(w.size):
            s1[i] = s1[i] * beta_1 + (1.0 - beta_1) * g[i]
            s2[i] = s2[i] * beta_2 + (1.0 - beta_2) * g[i] * g[i]
            w[i] -= lr * (s1[i] / correction_1) / (math.sqrt(s2[i] / correction_2) + epsilon)

    @jit
    def _epoch(X, Y, factor, order, batch_size, kernels, biases, codes, loss_code, l1, l2,
               opt_code, settings, iterations, sk1, sk2, sb1, sb2, activations, outputs):
        n_layers = len(kernels)
        n_samples = X.shape[0]
        k = Y.shape[1]
        logits = np.empty(k)
        grads_W = [np.zeros_like(W) for W in kernels]
        grads_b = [np.zeros_like(b) for b in biases]
        deltas = [np.zeros(W.shape[1]) for W in kernels]
        total = 0.0
        steps = 0
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            count = stop - start
            for layer in range(n_layers):
                grads_W[layer][:] = 0.0
                grads_b[layer][:] = 0.0
            batch_loss = 0.0
            for position in range(start, stop):
                s = order[position]
                _forward(X[s], kernels, biases, codes, activations, logits)
                out = activations[n_layers]
                outputs[s, :] = out
                # The weights: the NumPy path normalises them to average 1 over the data;
                # factor already holds those normalised weights.
                batch_loss += _sample_loss(loss_code, logits, out, Y[s]) * factor[s]
                _output_delta(loss_code, codes[n_layers - 1], logits, out, Y[s],
                              factor[s] / count, deltas[n_layers - 1])
                for layer in range(n_layers - 1, -1, -1):
                    delta = deltas[layer]
                    a_in = activations[layer]
                    gW = grads_W[layer]  # (fan_in, units): a_in.T @ delta, summed
                    for i in range(gW.shape[0]):
                        for j in range(gW.shape[1]):
                            gW[i, j] += a_in[i] * delta[j]
                    grads_b[layer] += delta
                    if layer > 0:
                        W = kernels[layer]
                        below = deltas[layer - 1]
                        for i in range(W.shape[0]):
                            g = 0.0
                            for j in range(W.shape[1]):
                                g += delta[j] * W[i, j]
                            below[i] = g * _derivative_from_a(codes[layer - 1], a_in[i])
            loss = batch_loss / count + _penalty(kernels, l1, l2)
            total += loss * count
            if not math.isfinite(loss):
                return total, steps, start
            steps += 1
            t = iterations + steps
            for layer in range(n_layers):
                W = kernels[layer]
                gW = grads_W[layer]
                if l1[layer] != 0.0 or l2[layer] != 0.0:
                    for i in range(W.shape[0]):
                        for j in range(W.shape[1]):
                            gW[i, j] += l1[layer] * np.sign(W[i, j]) + 2.0 * l2[layer] * W[i, j]
                _update(opt_code, settings, t, W, gW, sk1[layer], sk2[layer])
                _update(opt_code, settings, t, biases[layer], grads_b[layer], sb1[layer],
                        sb2[layer])
        return total, steps, -1

    @jit
    def _derivative_from_a(code, a):
        # Every hidden activation here can be differentiated from its output alone:
        # relu/leaky_relu/elu are positive exactly where z > 0.
        if code == 0:
            return 1.0
        if code == 1:
            return a * (1.0 - a)
        if code == 2:
            return 1.0 - a * a
        if code == 3:
            return 1.0 if a > 0 else 0.0
        if code == 4:
            return 1.0 if a > 0 else 0.01
        return 1.0 if a > 0 else a + 1.0
