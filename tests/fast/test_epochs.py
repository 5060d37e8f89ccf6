"""The compiled training loop must give the NumPy path's numbers (float64, 1e-12)."""

import os

import numpy as np
import pytest

import mlplab
from mlplab.errors import InvalidInputError, TrainingDivergedWarning
from mlplab.fast import epochs as compiled
from mlplab.fast import kernels, threads

from cases import OPTIMIZERS, SETUPS, optimizer_id, setup_id  # isort: skip

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba is not installed")

def data_for(loss, units, rng):
    X = rng.normal(size=(60, 3))
    if loss == "categorical_crossentropy":
        return X, rng.integers(0, units, 60)
    if loss == "binary_crossentropy":
        return X, rng.integers(0, 2, (60, units))
    return X, rng.normal(size=(60, units))


def train(engine, setup, optimizer, batch_size, dtype="float64", penalty=True, n_samples=60,
          metrics=("accuracy",), epochs=4, **fit_options):
    hidden, loss, output, units = setup
    X, y = data_for(loss, units, np.random.default_rng(0))
    X, y = X[:n_samples], y[:n_samples]
    regularizer = {"l1": 1e-3, "l2": 1e-3} if penalty else None
    model = mlplab.Sequential([
        mlplab.Dense(5, hidden, input_dim=3, kernel_regularizer=regularizer),
        mlplab.Dense(4, hidden),
        mlplab.Dense(units, output),
    ], random_state=1, dtype=dtype)
    model.compile(loss=loss, optimizer=dict(optimizer), metrics=list(metrics))
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, engine=engine,
                        **fit_options)
    return model.get_weights(), history.history, model


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=optimizer_id)
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_compiled_equals_numpy(setup, optimizer, batch_size):
    fast_weights, fast_history, fast = train("compiled", setup, optimizer, batch_size)
    slow_weights, slow_history, slow = train("numpy", setup, optimizer, batch_size)
    for a, b in zip(fast_weights, slow_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast_history["loss"], slow_history["loss"], rtol=1e-12)
    assert fast_history["accuracy"] == slow_history["accuracy"]
    assert fast.steps == slow.steps and fast.optimizer.iterations == slow.optimizer.iterations


class Listener(mlplab.engine.callbacks.Callback):
    """A callback that only listens: fit must then run epoch by epoch."""

    def __init__(self):
        self.epochs = []

    def on_epoch_end(self, epoch, logs):
        self.epochs.append(epoch)


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=optimizer_id)
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_blocks_of_epochs_in_one_call_give_numpy_s_and_per_epoch_numbers(
        setup, optimizer, batch_size, monkeypatch):
    # Without metrics or other callbacks, fit runs blocks of epochs in one compiled call;
    # a tiny block size makes 6 epochs take several blocks.
    monkeypatch.setattr(compiled, "WORK_PER_BLOCK", 2 * 60 * 60)
    options = {"metrics": (), "epochs": 6}
    blocks = train("compiled", setup, optimizer, batch_size, **options)
    listener = Listener()
    one_by_one = train("compiled", setup, optimizer, batch_size, callbacks=[listener],
                       **options)
    numpy = train("numpy", setup, optimizer, batch_size, **options)
    assert listener.epochs == list(range(6))
    for a, b, c in zip(blocks[0], one_by_one[0], numpy[0], strict=True):
        np.testing.assert_array_equal(a, b)  # bit for bit
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    assert blocks[1]["loss"] == one_by_one[1]["loss"]
    assert all(type(value) is float for value in blocks[1]["loss"])
    np.testing.assert_allclose(blocks[1]["loss"], numpy[1]["loss"], rtol=1e-12)
    assert blocks[2].steps == numpy[2].steps
    assert blocks[2].optimizer.iterations == numpy[2].optimizer.iterations


@pytest.mark.parametrize("batch_size", [1, None])
def test_fortran_ordered_data_trains_as_c_ordered(batch_size):
    # The kernels borrow C-ordered arrays (no reference counts); other layouts go as
    # they are. Both give the same bits.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 3)), rng.integers(0, 2, 300)
    runs = []
    for data in (np.ascontiguousarray(X), np.asfortranarray(X)):
        model = mlplab.Sequential.from_spec([3, 8, 1], activation="tanh", random_state=0)
        model.compile(optimizer="sgd", learning_rate=0.1)
        history = model.fit(data, y, epochs=3, batch_size=batch_size, engine="compiled")
        runs.append((model.get_weights(), history.history["loss"]))
    for a, b in zip(runs[0][0], runs[1][0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]


def test_which_fits_run_blocks_of_epochs(monkeypatch):
    calls = []
    original = compiled.CompiledEpoch.run_epochs

    def counting(self, *args):
        calls.append(len(args[-1]))  # epochs in the block
        return original(self, *args)

    monkeypatch.setattr(compiled.CompiledEpoch, "run_epochs", counting)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 2)), rng.integers(0, 2, 50)

    def fit(**options):
        calls.clear()
        compile_options = {"metrics": options.pop("metrics", None)}
        model = mlplab.Sequential.from_spec([2, 4, 1], random_state=0)
        model.compile(optimizer="sgd", **compile_options)
        model.fit(X, y, epochs=20, batch_size=options.pop("batch_size", 1), **options)
        return list(calls)

    assert fit() == [20]
    monkeypatch.setattr(compiled, "WORK_PER_BLOCK", 50 * 17 * 6)  # 17 parameters
    assert fit() == [6, 6, 6, 2]
    assert fit(metrics=["accuracy"]) == []
    assert fit(validation_split=0.2) == []
    assert fit(callbacks=[Listener()]) == []
    assert fit(engine="numpy") == []
    assert compiled.block_epochs(10**6, 10**4, 100) == 1  # huge epochs: one at a time
    # A tiny net on many samples: the orders' memory bounds the block (8 MB of indices).
    monkeypatch.setattr(compiled, "WORK_PER_BLOCK", 10**12)
    assert compiled.block_epochs(10**4, 2, 10**6) == (1 << 20) // 10**4


@pytest.mark.parametrize("batch_size", [1, 8], ids=["per-sample", "last-batch-of-one"])
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_plain_sgd_on_single_samples_steps_in_place_with_the_same_numbers(setup, batch_size):
    # Without a penalty, plain SGD on a batch of one sample updates the weights inside
    # the backward pass; 57 samples in batches of 8 end with such a batch.
    options = {"penalty": False, "n_samples": 57, "sample_weight": np.linspace(0.5, 2, 57)}
    fast_weights, fast_history, fast = train("compiled", setup, OPTIMIZERS[0], batch_size,
                                             **options)
    slow_weights, slow_history, slow = train("numpy", setup, OPTIMIZERS[0], batch_size,
                                             **options)
    for a, b in zip(fast_weights, slow_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast_history["loss"], slow_history["loss"], rtol=1e-12)
    assert fast.steps == slow.steps == 4 * -(-57 // batch_size)


def test_divergence_on_single_samples_takes_no_step_with_a_nan_loss():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)) * 1e3, rng.normal(size=40)
    model = mlplab.Sequential.from_spec([2, 8, 1], output_activation="linear", random_state=0)
    model.compile(loss="mse", optimizer="sgd", learning_rate=10.0)
    with pytest.warns(TrainingDivergedWarning):
        history = model.fit(X, y, epochs=5, batch_size=1, engine="compiled")
    assert not np.isfinite(history.history["loss"][-1]) and model.steps < 5 * 40
    # The step whose loss overflowed was not taken: the weights are those before it.
    assert all(np.isfinite(w).all() for w in model.get_weights())


@pytest.mark.parametrize("batch_size", [1, 4, None])
def test_divergence_in_a_block_of_epochs_ends_as_epoch_by_epoch(batch_size):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)) * 1e3, rng.normal(size=40)
    runs = []
    for callbacks in ([], [Listener()]):
        model = mlplab.Sequential.from_spec([2, 8, 1], output_activation="linear",
                                            random_state=0)
        model.compile(loss="mse", optimizer="sgd", learning_rate=10.0)
        with pytest.warns(TrainingDivergedWarning):
            history = model.fit(X, y, epochs=50, batch_size=batch_size, engine="compiled",
                                callbacks=callbacks)
        runs.append((model, history))
    (blocks, h1), (one_by_one, h2) = runs
    assert h1.epoch == h2.epoch and len(h1.epoch) < 50
    np.testing.assert_array_equal(h1.history["loss"], h2.history["loss"])
    assert h1.stop_reason == h2.stop_reason and "learning rate" in h1.stop_reason
    assert blocks.steps == one_by_one.steps
    for a, b in zip(blocks.get_weights(), one_by_one.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_sample_weights_and_validation_match():
    rng = np.random.default_rng(3)
    weights = rng.random(60) * 2
    options = {"sample_weight": weights, "validation_split": 0.2}
    fast = train("compiled", SETUPS[0], OPTIMIZERS[3], 8, **options)
    slow = train("numpy", SETUPS[0], OPTIMIZERS[3], 8, **options)
    np.testing.assert_allclose(fast[1]["val_loss"], slow[1]["val_loss"], rtol=1e-12)
    for a, b in zip(fast[0], slow[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_switching_paths_midway_keeps_the_optimizer_state():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, 40)
    runs = []
    for engines in (("numpy", "compiled"), ("numpy", "numpy")):
        model = mlplab.Sequential.from_spec([2, 4, 1], activation="tanh", random_state=0)
        model.compile(optimizer="adam", learning_rate=0.01)
        for engine in engines:
            model.fit(X, y, epochs=2, batch_size=4, engine=engine, random_state=5)
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_divergence_is_caught_on_the_compiled_path():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)) * 1e3, rng.normal(size=40)
    model = mlplab.Sequential.from_spec([2, 8, 1], output_activation="linear", random_state=0)
    model.compile(loss="mse", optimizer="sgd", learning_rate=10.0)
    with pytest.warns(TrainingDivergedWarning, match="learning rate"):
        history = model.fit(X, y, epochs=30, batch_size=None, engine="compiled")
    assert len(history.epoch) < 30


def test_what_cannot_be_compiled_says_why():
    model = mlplab.Sequential([mlplab.Dense(4, "relu", input_dim=2), mlplab.Dropout(0.2),
                               mlplab.Dense(1, "sigmoid")], random_state=0)
    model.compile()
    with pytest.raises(InvalidInputError, match="Dropout"):
        model.fit([[0.0, 1.0], [1.0, 0.0]], [0, 1], engine="compiled")
    model.fit([[0.0, 1.0], [1.0, 0.0]], [0, 1], engine="auto")  # falls back to NumPy
    rms = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).compile(optimizer="rmsprop")
    assert "rmsprop" in compiled.supports(rms.build())
    with pytest.raises(InvalidInputError, match="engine='fast'"):
        rms.fit([[0.0, 1.0]], [1], engine="fast")


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=optimizer_id)
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_batched_kernel_equals_numpy(setup, optimizer, batch_size, monkeypatch):
    """Every batch as matrix products (BLAS): the NumPy path's numbers to 1e-10."""
    monkeypatch.setattr(compiled, "BATCHED_WORK", 0)
    fast_weights, fast_history, _ = train("compiled", setup, optimizer, batch_size,
                                          sample_weight=np.linspace(0.5, 2.0, 60))
    slow_weights, slow_history, _ = train("numpy", setup, optimizer, batch_size,
                                          sample_weight=np.linspace(0.5, 2.0, 60))
    for a, b in zip(fast_weights, slow_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast_history["loss"], slow_history["loss"], rtol=1e-10)


def test_auto_picks_the_batched_kernel_for_large_batches():
    from mlplab import data

    X, y = data.moons(n_samples=300, noise=0.2, random_state=0)
    model = mlplab.Sequential.from_spec([2, 64, 64, 1], random_state=0).compile(optimizer="adam")
    assert 300 * model.build(2).count_params() > kernels.BATCHED_WORK
    history = model.fit(X, y, epochs=3, batch_size=None)
    reference = mlplab.Sequential.from_spec([2, 64, 64, 1], random_state=0)
    reference.compile(optimizer="adam")
    expected = reference.fit(X, y, epochs=3, batch_size=None, engine="numpy")
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-10)


def test_compiled_training_updates_the_models_own_arrays_in_place():
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2
    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).compile(optimizer="adam")
    model.fit(X, y, epochs=1, engine="compiled")
    kernel = model.layers[0].kernel  # a reference held across fits sees every update
    before = kernel.copy()
    model.fit(X, y, epochs=2, engine="compiled")
    assert model.layers[0].kernel is kernel and not np.array_equal(kernel, before)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    assert not kernel.any()  # set_weights writes into the same memory


@pytest.mark.parametrize("work", [10**9, 0], ids=["per-sample", "batched"])
@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_float32_models_train_compiled_in_float32(setup, batch_size, work, monkeypatch):
    """float32 weights stay float32; the numbers are NumPy's float32 ones to rounding."""
    monkeypatch.setattr(compiled, "BATCHED_WORK", work)
    optimizer = OPTIMIZERS[3]
    fast_weights, fast_history, fast = train("compiled", setup, optimizer, batch_size,
                                             dtype="float32")
    slow_weights, slow_history, _ = train("numpy", setup, optimizer, batch_size,
                                          dtype="float32")
    assert all(w.dtype == np.float32 for w in fast.get_weights())
    for a, b in zip(fast_weights, slow_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fast_history["loss"], slow_history["loss"], rtol=1e-4)


def test_batches_larger_than_a_chunk_add_up_their_gradients():
    """A full batch of 5 000 rows runs in chunks of kernels.CHUNK: NumPy's numbers."""
    assert kernels.CHUNK < 5000
    X = np.random.default_rng(0).normal(size=(5000, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    histories = []
    for engine in ("compiled", "numpy"):
        model = mlplab.Sequential.from_spec([2, 16, 8, 1], activation="tanh", random_state=0)
        model.compile(optimizer="adam")
        histories.append((model.fit(X, y, epochs=3, batch_size=None, engine=engine), model))
    np.testing.assert_allclose(histories[0][0].history["loss"], histories[1][0].history["loss"],
                               rtol=1e-10)
    for a, b in zip(histories[0][1].get_weights(), histories[1][1].get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def _large_batch_run(monkeypatch, workers, engine="compiled", dtype="float64", epochs=2,
                     batch_size=4500, learning_rate=0.01, loss="binary_crossentropy", x_scale=1.0):
    monkeypatch.setattr(threads, "WORKERS", workers)
    # A batch of 4 500 rows is 9 chunks in 5 groups, the last of one chunk.
    monkeypatch.setattr(compiled, "CHUNK", 500)
    monkeypatch.setattr(compiled, "GROUP_CHUNKS", 2)
    X = np.random.default_rng(1).normal(size=(10_000, 2)) * x_scale
    y = np.stack([X[:, 0] * X[:, 1] > 0, X[:, 0] > 0], axis=1).astype(int)
    model = mlplab.Sequential.from_spec([2, 16, 8, 2], activation="relu", random_state=0,
                                        output_activation="sigmoid" if loss != "mse"
                                        else "linear", dtype=dtype)
    model.compile(loss=loss,
                  optimizer=mlplab.SGD(learning_rate=learning_rate, momentum=0.9))
    history = model.fit(X, y, epochs=epochs, batch_size=batch_size, engine=engine,
                        random_state=3)
    return model, history.history


@pytest.mark.parametrize("workers", [2, 3])
def test_threads_sharing_the_chunks_of_large_batches_give_one_thread_s_numbers(monkeypatch,
                                                                               workers):
    # Batches of 4 500 rows (and a last one of 1 000) in chunks: the gradients are added
    # in chunk order, whatever the number of threads, so the numbers are the same bits.
    threaded, threaded_history = _large_batch_run(monkeypatch, workers)
    alone, alone_history = _large_batch_run(monkeypatch, 1)
    for a, b in zip(threaded.get_weights(), alone.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert threaded_history["loss"] == alone_history["loss"]
    plain, plain_history = _large_batch_run(monkeypatch, workers, engine="numpy")
    for a, b in zip(threaded.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(threaded_history["loss"], plain_history["loss"], rtol=1e-10)


def test_threaded_chunks_in_float32_and_their_divergence(monkeypatch):
    threaded, _ = _large_batch_run(monkeypatch, 2, dtype="float32")
    alone, _ = _large_batch_run(monkeypatch, 1, dtype="float32")
    assert threaded.get_weights()[0].dtype == np.float32
    for a, b in zip(threaded.get_weights(), alone.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(TrainingDivergedWarning):
        model, history = _large_batch_run(monkeypatch, 2, epochs=40, learning_rate=10.0,
                                          loss="mse", x_scale=100.0)
    assert not np.isfinite(history["loss"][-1]) and len(history["loss"]) < 40


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, None), ({"OMP_NUM_THREADS": "1"}, 1), ({"OPENBLAS_NUM_THREADS": "1"}, 1),
    ({"OMP_NUM_THREADS": "not a number"}, None)])
def test_threads_for_chunks_follow_the_blas_thread_settings(monkeypatch, environment,
                                                            expected):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    cores = len(os.sched_getaffinity(0))
    assert threads._workers() == (expected or min(8, cores))


def test_fits_in_several_threads_share_one_blas_limit_and_restore_it():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    with threads.one_blas_thread():
        pass  # loads SciPy's BLAS, so that both libraries are listed below
    before = blas_threads()
    first, second = threads.one_blas_thread(), threads.one_blas_thread()
    first.__enter__()
    second.__enter__()
    assert set(blas_threads()) == {1}
    first.__exit__(None, None, None)  # left first, entered first: the limit stays
    assert set(blas_threads()) == {1}
    second.__exit__(None, None, None)
    assert blas_threads() == before


def test_run_in_threads_keeps_order_and_passes_errors_on():
    assert threads.run_in_threads(lambda x: x * x, [3, 1, 2]) == [9, 1, 4]

    def fail_on(bad):
        def function(x):
            if x == bad:
                raise ValueError(f"item {x}")
            return x
        return function

    for bad in (0, 2):  # in the calling thread, and on the pool
        with pytest.raises(ValueError, match=f"item {bad}"):
            threads.run_in_threads(fail_on(bad), [0, 1, 2])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_starts_its_own_threads():
    threads.run_in_threads(lambda x: x, [1, 2])  # the parent's pool exists
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child (a study worker, say) must get its threads to work
        try:
            ok = threads.run_in_threads(lambda x: x + 1, [1, 2, 3]) == [2, 3, 4]
        finally:
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
    os.close(write)
    import select
    import signal

    ready, _, _ = select.select([read], [], [], 30)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert ready, "the forked child waited for threads that it does not have"
    assert os.read(read, 1) == b"1"
