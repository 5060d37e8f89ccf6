"""The benchmark tasks of the performance issue, each timed against its references.

Every task returns rows ``{"task", "impl", "value", "unit"}`` measured in this
process; a reference that is not installed is reported, not fatal. Times are
medians of ``repeats`` runs. ``scale`` shrinks every size for a smoke run.
"""

import os
import statistics
import time

import numpy as np

import mlplab
from benchmarks.bench_lbfgs import task_l
from mlplab import data

E4_WIDTHS = [2, 25, 50, 50, 25, 1]
E4_SHAPES = list(zip(E4_WIDTHS[:-1], E4_WIDTHS[1:], strict=True))  # (fan_in, fan_out)


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def e4_model(engine_dtype="float64", seed=99):
    model = mlplab.Sequential.from_spec(E4_WIDTHS, activation="relu",
                                        kernel_initializer={"name": "normal", "stddev": 0.1},
                                        random_state=seed, dtype=engine_dtype)
    return model.compile(loss="binary_crossentropy", optimizer=mlplab.SGD(learning_rate=0.1))


def numpy_loop_epochs(X, y, epochs):
    """The plain NumPy training loop a user would write by hand (the reference)."""
    rng = np.random.default_rng(99)
    weights = [rng.normal(0, 0.1, (a, b)) for a, b in E4_SHAPES]
    biases = [np.zeros(b) for b in E4_WIDTHS[1:]]
    y = y.reshape(-1, 1)
    for _ in range(epochs):
        activations = [X]
        for index, (W, b) in enumerate(zip(weights, biases, strict=True)):
            z = activations[-1] @ W + b
            activations.append(np.maximum(z, 0) if index < len(weights) - 1 else z)
        delta = (1 / (1 + np.exp(-activations[-1])) - y) / len(X)
        for index in range(len(weights) - 1, -1, -1):
            grad_W = activations[index].T @ delta
            grad_b = delta.sum(axis=0)
            if index:
                delta = (delta @ weights[index].T) * (activations[index] > 0)
            weights[index] -= 0.1 * grad_W
            biases[index] -= 0.1 * grad_b


def task_h(scale, repeats):
    """H: E4's net, 160 samples, full batch: microseconds per epoch."""
    X, y = data.moons(n_samples=200, noise=0.2, random_state=42)
    X, y = X[:160], y[:160]
    epochs = max(5, int(2000 * scale))
    rows = []

    def ours(dtype="float64"):
        e4_model(dtype).fit(X, y, epochs=epochs, batch_size=None, shuffle=False)

    ours(), ours("float32")  # compile both kernels first
    rows.append(("mlplab", median_seconds(ours, repeats)))
    rows.append(("mlplab f32", median_seconds(lambda: ours("float32"), repeats)))
    rows.append(("plain NumPy loop", median_seconds(lambda: numpy_loop_epochs(X, y, epochs),
                                                    repeats)))
    torch_time = _torch_full_batch(X, y, epochs, repeats)
    if torch_time is not None:
        rows.append(("PyTorch f32, 1 thread", torch_time))
    rows = [(name, seconds / epochs) for name, seconds in rows]
    products = _products_alone(len(X), epochs)
    if products is not None:
        rows.append(("its matrix products alone", products))
    # The floor: the epoch's multiply-adds at one core's large-matmul rate.
    flops = 6 * sum(a * b for a, b in E4_SHAPES) * len(X)
    rows.append(("FLOP floor, 1 core", flops / (one_core_gflops(scale, repeats) * 1e9)))
    return [{"task": "H", "impl": name, "value": seconds * 1e6, "unit": "us/epoch"}
            for name, seconds in rows]


def _products_alone(n_rows, epochs):
    """Seconds per epoch of just the BLAS products of an E4 epoch on ``n_rows`` (forward,
    the kernels' gradients, dL/dz below), as the compiled epoch calls them, one thread:
    how close the rest of the epoch is to free. None without numba."""
    try:
        import numba
    except ImportError:
        return None
    from threadpoolctl import threadpool_limits

    @numba.njit
    def run(a, w, wt, d, g, epochs):
        for _ in range(epochs):
            for layer in range(len(w)):
                np.dot(a[layer], w[layer], a[layer + 1])
            for layer in range(len(w) - 1, -1, -1):
                np.dot(a[layer].T, d[layer + 1], g[layer])
                if layer > 0:
                    np.dot(d[layer + 1], wt[layer], d[layer])

    rng = np.random.default_rng(0)
    a = numba.typed.List([rng.random((n_rows, width)) for width in E4_WIDTHS])
    d = numba.typed.List([rng.random((n_rows, width)) for width in E4_WIDTHS])
    w = numba.typed.List([rng.random(shape) for shape in E4_SHAPES])
    wt = numba.typed.List([rng.random(shape[::-1]) for shape in E4_SHAPES])
    g = numba.typed.List([rng.random(shape) for shape in E4_SHAPES])
    with threadpool_limits(limits=1, user_api="blas"):
        run(a, w, wt, d, g, 1)
        start = time.perf_counter()
        run(a, w, wt, d, g, epochs)
        return (time.perf_counter() - start) / epochs


def one_core_gflops(scale, repeats):
    """GFLOP/s of a large float64 matrix product on one BLAS thread."""
    from threadpoolctl import threadpool_limits

    side = 2000 if scale >= 1 else 300
    a, b = np.random.default_rng(0).normal(size=(2, side, side))
    with threadpool_limits(limits=1, user_api="blas"):
        a @ b
        seconds = median_seconds(lambda: a @ b, repeats)
    return 2 * side**3 / seconds / 1e9


def _torch_full_batch(X, y, epochs, repeats):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    layers = []
    for a, b in E4_SHAPES:
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    X_t = torch.tensor(X, dtype=torch.float32)
    y_t = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def run():
        for _ in range(epochs):
            optimizer.zero_grad()
            loss_fn(net(X_t), y_t).backward()
            optimizer.step()

    return median_seconds(run, repeats)


def task_p(scale, repeats):
    """P: E2's 2-4-3-1 net, per-sample SGD: updates per second."""
    X, y = data.xor(n_samples=500, random_state=0)
    epochs = max(1, int(100 * scale))
    updates = len(X) * epochs
    rows = []
    for engine in ("compiled", "numpy"):
        def fit(engine=engine):
            model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid",
                                                random_state=0)
            model.compile(optimizer=mlplab.SGD(learning_rate=0.05))
            model.fit(X, y, epochs=epochs, batch_size=1, engine=engine)
        fit()  # load the compiled kernel first
        name = "mlplab compiled" if engine == "compiled" else "mlplab NumPy path"
        rows.append((name, updates / median_seconds(fit, repeats)))
    try:
        import torch

        torch.set_num_threads(1)
        net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Sigmoid(),
                                  torch.nn.Linear(4, 3), torch.nn.Sigmoid(),
                                  torch.nn.Linear(3, 1)).double()
        optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        X_t, y_t = torch.tensor(X), torch.tensor(y, dtype=torch.float64).reshape(-1, 1)
        steps = min(updates, 5000)

        def loop():
            for step in range(steps):
                index = step % len(X)
                optimizer.zero_grad()
                loss_fn(net(X_t[index:index + 1]), y_t[index:index + 1]).backward()
                optimizer.step()

        rows.append(("PyTorch loop", steps / median_seconds(loop, repeats)))
    except ImportError:
        pass
    rows = [{"task": "P", "impl": name, "value": rate, "unit": "updates/s"}
            for name, rate in rows]
    # The compiled kernel's first call in a fresh process: loaded from numba's on-disk
    # cache, and (full runs) compiled from scratch into an empty cache.
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        for name, cache in [("first call, cached", None)] + (
                [("first call, compiling", empty)] if scale >= 1 else []):
            rows.append({"task": "P-first", "impl": name, "value": _first_call(cache),
                         "unit": "s (fresh process)"})
    return rows


def _first_call(cache_dir):
    """Seconds of a fresh interpreter's first compiled fit (E2's net, one sample)."""
    import subprocess
    import sys

    code = ("import time, mlplab; from mlplab import data; "
            "X, y = data.xor(n_samples=20, random_state=0); "
            "m = mlplab.Sequential.from_spec([2, 4, 3, 1], activation='sigmoid', "
            "random_state=0).compile(optimizer=mlplab.SGD(learning_rate=0.05)); "
            "t = time.perf_counter(); m.fit(X, y, epochs=1, batch_size=1, engine='compiled'); "
            "print(time.perf_counter() - t)")
    env = dict(os.environ, **({"NUMBA_CACHE_DIR": cache_dir} if cache_dir else {}))
    output = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                            capture_output=True, text=True)
    return float(output.stdout.strip().splitlines()[-1])


def task_k(scale, repeats):
    """K: E5's 2-4-4-2 net, batch 100, SGD momentum 0.99: seconds for 20k steps."""
    X, Y = data.xor(n_samples=10_000, kind="normal", one_hot=True, random_state=0)
    epochs = max(1, int(200 * scale))
    steps = epochs * 100
    rows = []

    def ours():
        model = mlplab.Sequential.from_spec([2, 4, 4, 2], activation="relu", random_state=0)
        model.compile(optimizer=mlplab.SGD(learning_rate=0.01, momentum=0.99))
        model.fit(X, Y, epochs=epochs, batch_size=100)

    ours()
    rows.append(("mlplab", median_seconds(ours, repeats)))
    try:
        import torch

        torch.set_num_threads(1)
        X_t, y_t = torch.tensor(X, dtype=torch.float32), torch.tensor(Y.argmax(axis=1))

        def theirs():
            net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(),
                                      torch.nn.Linear(4, 4), torch.nn.ReLU(),
                                      torch.nn.Linear(4, 2))
            optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.99)
            loss_fn = torch.nn.CrossEntropyLoss()
            for _ in range(epochs):
                order = torch.randperm(len(X_t))
                for start in range(0, len(X_t), 100):
                    index = order[start:start + 100]
                    optimizer.zero_grad()
                    loss_fn(net(X_t[index]), y_t[index]).backward()
                    optimizer.step()

        rows.append(("PyTorch f32, 1 thread", median_seconds(theirs, repeats)))
    except ImportError:
        pass
    keras_time = _keras_e5(X, Y, epochs, repeats)
    if keras_time is not None:
        rows.append(("Keras 3 (TensorFlow), 1 thread", keras_time))
    return [{"task": "K", "impl": name, "value": seconds * 20_000 / steps, "unit": "s/20k steps"}
            for name, seconds in rows]


def _keras_e5(X, Y, epochs, repeats):
    """E5 as its source trains it: Keras's fit, batch 100, SGD with momentum 0.99."""
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
        import tensorflow as tf
    except ImportError:
        return None
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # already initialised in this process
        pass
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)

    def theirs():
        net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="relu"),
                                keras.layers.Dense(4, activation="relu"),
                                keras.layers.Dense(2, activation="softmax")])
        net.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.99),
                    loss="categorical_crossentropy")
        net.fit(X32, Y32, epochs=epochs, batch_size=100, verbose=0)

    return median_seconds(theirs, repeats)


def task_g(scale, repeats):
    """G: E4's net on a 500 x 500 grid: milliseconds per prediction, in f64 and f32."""
    side = max(20, int(500 * scale))
    grid = np.random.default_rng(0).uniform(-2, 2, (side * side, 2))
    rows = []
    for dtype, suffix in (("float64", ""), ("float32", " f32")):
        model = e4_model(dtype).build(2)
        points = grid.astype(dtype)
        rows.append((f"mlplab predict{suffix}", median_seconds(lambda m=model, p=points:
                                                              m.predict(p), repeats)))
    weights = e4_model().build(2).get_weights()

    def matmuls():
        a = grid
        for index in range(0, len(weights), 2):
            a = a @ weights[index] + weights[index + 1]
        return a

    rows.append(("bare matmul chain", median_seconds(matmuls, repeats)))
    rows += _torch_grid(grid, weights, repeats)
    return [{"task": "G", "impl": name, "value": seconds * 1e3, "unit": f"ms ({side}^2 grid)"}
            for name, seconds in rows]


def _torch_grid(grid, weights, repeats):
    """PyTorch's forward pass of the same net on the grid, in f64 and f32 (one thread)."""
    try:
        import torch
    except ImportError:
        return []
    torch.set_num_threads(1)
    rows = []
    for dtype, name in ((torch.float64, "PyTorch f64"), (torch.float32, "PyTorch f32")):
        layers = []
        for index in range(0, len(weights), 2):
            linear = torch.nn.Linear(*weights[index].shape).to(dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(weights[index].T))
                linear.bias.copy_(torch.tensor(weights[index + 1]))
            layers += [linear, torch.nn.ReLU()]
        net = torch.nn.Sequential(*layers[:-1], torch.nn.Sigmoid())
        points = torch.tensor(grid, dtype=dtype)

        def run(net=net, points=points):
            with torch.no_grad():
                net(points)

        run()
        rows.append((name, median_seconds(run, repeats)))
    return rows


def scale_sweep(scale, repeats):
    """Seconds per epoch of E4's net (full batch) as the samples grow, and its GFLOP/s
    beside a large matrix product's (the BLAS ceiling), all on the default threads."""
    sizes = [1_000, 10_000, 100_000, 1_000_000] if scale >= 1 else [200, 2_000]
    flops_per_sample = 6 * sum(a * b for a, b in E4_SHAPES)
    rows = []
    for n in sizes:
        X = np.random.default_rng(0).normal(size=(n, 2))
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
        model = e4_model()
        model.fit(X, y, epochs=1, batch_size=None)  # compile, and allocate once
        seconds = median_seconds(lambda X=X, y=y, m=model: m.fit(X, y, epochs=3,
                                                                 batch_size=None), repeats)
        per_epoch = seconds / 3
        rows.append({"task": "scale", "impl": "mlplab", "n_samples": n, "value": per_epoch,
                     "unit": "s/epoch", "gflops": flops_per_sample * n / per_epoch / 1e9})
    side = 2000 if scale >= 1 else 300
    a, b = np.random.default_rng(0).normal(size=(2, side, side))
    seconds = median_seconds(lambda: a @ b, repeats)
    rows.append({"task": "scale", "impl": f"matmul {side}x{side}", "value": seconds,
                 "unit": "s", "gflops": 2 * side**3 / seconds / 1e9})
    return rows + width_sweep(scale, repeats)


def width_sweep(scale, repeats):
    """GFLOP/s of wider nets, 2-w-w-w-1 (relu), full batch on 4096 samples: as the
    hidden layers widen, the time should go to the matrix products (BLAS-bound)."""
    widths = [64, 256, 1024] if scale >= 1 else [16, 64]
    n = 4096 if scale >= 1 else 256
    X = np.random.default_rng(0).normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    rows = []
    for width in widths:
        sizes = [2, width, width, width, 1]
        model = mlplab.Sequential.from_spec(sizes, activation="relu", random_state=0)
        model.compile(loss="binary_crossentropy", optimizer=mlplab.SGD(learning_rate=0.01))
        model.fit(X, y, epochs=1, batch_size=None)
        # Epochs of a 3-epoch fit, as the sample sweep times them (a fit's first epoch
        # also pays for setting up: ~2 ms here, a third of a 64-wide epoch).
        seconds = median_seconds(lambda m=model: m.fit(X, y, epochs=3, batch_size=None),
                                 repeats) / 3
        flops = 6 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) * n
        rows.append({"task": "width", "impl": "mlplab", "width": width, "n_samples": n,
                     "value": seconds, "unit": "s/epoch", "gflops": flops / seconds / 1e9})
    return rows


def e5_model(seed):
    model = mlplab.Sequential.from_spec([2, 4, 4, 2], activation="relu", random_state=seed)
    return model.compile(optimizer=mlplab.SGD(learning_rate=0.01, momentum=0.99))


def many_models_rows(task, make, X, y, epochs, batch_size, repeats, n_models=10):
    """fit_many on ``n_models`` seeds against the same seeds fitted one by one."""
    def separate(engine):
        for seed in range(n_models):
            make(seed=seed).fit(X, y, epochs=epochs, batch_size=batch_size, random_state=0,
                                engine=engine)

    def together():
        mlplab.fit_many([make(seed=seed) for seed in range(n_models)], X, y, epochs=epochs,
                        batch_size=batch_size, random_state=0)

    # Load (or compile) the kernels of both sides before timing.
    make(seed=0).fit(X[:200], y[:200], epochs=1, batch_size=batch_size)
    mlplab.fit_many([make(seed=0), make(seed=1)], X[:200], y[:200], batch_size=batch_size)
    rows = [("mlplab fit_many", median_seconds(together, repeats)),
            ("separate fits (auto)", median_seconds(lambda: separate("auto"), repeats)),
            ("separate fits (NumPy)", median_seconds(lambda: separate("numpy"), repeats))]
    return [{"task": task, "impl": name, "value": seconds / epochs * 1e3,
             "unit": f"ms/epoch, {n_models} models"} for name, seconds in rows]


def task_s(scale, repeats):
    """S: 10 seeds of one net trained at once (fit_many) vs 10 separate fits.

    "S" is E5's 2-4-4-2 net (batch 100 on 10k points, SGD momentum 0.99), where call
    overhead dominates; "S-E4" is E4's net, full batch of 160, where arithmetic does.
    """
    n_samples = max(500, int(10_000 * scale))
    X, Y = data.xor(n_samples=n_samples, kind="normal", one_hot=True, random_state=0)
    rows = many_models_rows("S", e5_model, X, Y, max(1, int(10 * scale)), 100, repeats)
    X, y = data.moons(n_samples=200, noise=0.2, random_state=42)
    rows += many_models_rows("S-E4", e4_model, X[:160], y[:160], max(2, int(200 * scale)),
                             None, repeats)
    # E4's arithmetic bounds what training 10 models together can gain: 10 models' FLOPs
    # at a large product's rate on every core, however they are shared out.
    from mlplab.fast import threads

    flops = 10 * 6 * sum(a * b for a, b in E4_SHAPES) * 160
    floor = flops / (one_core_gflops(scale, repeats) * 1e9 * threads.WORKERS)
    return rows + [{"task": "S-E4", "impl": f"FLOP floor, {threads.WORKERS} core(s)",
                    "value": floor * 1e3, "unit": "ms/epoch, 10 models"}]


def task_study(scale, repeats):
    """The built-in seed study (``mlplab study run seeds``) with 1 and 2 worker processes:
    wall time and peak memory. One run each, full runs only: a run takes minutes, so
    ``repeats`` is not used and a smoke run reports nothing."""
    if scale < 1:
        return []
    import json
    import subprocess
    import sys
    import tempfile

    # A fresh interpreter per run reports the peak resident memory of its children (the
    # CLI and its workers): ru_maxrss of RUSAGE_CHILDREN, in kB on Linux.
    probe = ("import json, resource, subprocess, sys, time; start = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
             "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(json.dumps([time.perf_counter() - start, usage.ru_maxrss / 1024]))")
    rows = []
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            command = [sys.executable, "-c", probe, sys.executable, "-m", "mlplab.cli",
                       "study", "run", "seeds", "--jobs", str(jobs), "--fresh",
                       "--db", f"{folder}/seeds.sqlite", "--report", f"{folder}/seeds.html"]
            output = subprocess.run(command, check=True, capture_output=True, text=True)
            seconds, peak_mb = json.loads(output.stdout.strip().splitlines()[-1])
        rows.append({"task": "study", "impl": f"{jobs} worker(s)", "value": seconds,
                     "unit": "s wall"})
        rows.append({"task": "study-memory", "impl": f"{jobs} worker(s)", "value": peak_mb,
                     "unit": "MB peak RSS (largest process)"})
    return rows


TASKS = {"H": task_h, "P": task_p, "K": task_k, "G": task_g, "S": task_s, "study": task_study,
         "scale": scale_sweep, "L": task_l}


def environment():
    import platform

    return {"python": platform.python_version(), "numpy": np.__version__,
            "cpus": os.cpu_count(), "mlplab": mlplab.__version__}
