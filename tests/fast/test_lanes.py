"""fit_many's compiled path (mlplab/fast/lanes.py, stack.py) gives each model its fit's numbers.

Float64 to 1e-10 (sums over a batch's samples add up in another order than BLAS's,
measured differences near 1e-15 after a few epochs), float32 to 1e-4.
"""

import warnings

import numpy as np
import pytest

import mlplab
from mlplab.engine.many import fit_many
from mlplab.errors import InvalidInputError, TrainingDivergedWarning
from mlplab.fast import lanes, stack

from cases import OPTIMIZERS, SETUPS, optimizer_id, setup_id  # isort: skip

pytestmark = pytest.mark.skipif(lanes.numba is None, reason="numba is not installed")

RTOL = 1e-10
def data_for(loss, units, n_samples=45):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n_samples, 3))
    if loss == "categorical_crossentropy":
        return X, rng.integers(0, units, n_samples)
    if loss == "binary_crossentropy":
        return X, rng.integers(0, 2, (n_samples, units))
    return X, rng.normal(size=(n_samples, units))


def make_model(seed, setup, optimizer, dtype="float64"):
    hidden, loss, output, units = setup
    model = mlplab.Sequential([mlplab.Dense(5, hidden, input_dim=3), mlplab.Dense(4, hidden),
                               mlplab.Dense(units, output)], random_state=seed, dtype=dtype)
    return model.compile(loss=loss, optimizer=dict(optimizer), metrics=["accuracy"])


def train_three_ways(make, X, y, n_models=3, **options):
    """fit_many compiled, fit_many NumPy, and each model's own NumPy fit."""
    runs = {}
    for engine in ("compiled", "numpy"):
        models = [make(m) for m in range(n_models)]
        histories = fit_many(models, X, y, random_state=2, engine=engine, **options)
        assert [model.history for model in models] == histories
        runs[engine] = models
    runs["separate"] = [make(m) for m in range(n_models)]
    for model in runs["separate"]:
        model.fit(X, y, random_state=2, engine="numpy", **options)
    return runs


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_blocks_of_epochs_give_epoch_by_epoch_bits(monkeypatch, setup, optimizer, workers):
    # Without metrics the lanes train blocks of epochs per call (here 3 epochs a block,
    # 7 epochs); with them, epoch by epoch. The metrics change nothing else.
    from mlplab.fast import epochs as epochs_module
    from mlplab.fast import threads

    monkeypatch.setattr(threads, "WORKERS", workers)
    monkeypatch.setattr(stack, "THREADED_WORK", 0)  # threads however small the epoch
    X, y = data_for(setup[1], setup[3])
    runs = []
    for metrics in ([], ["accuracy"]):
        models = [make_model(m, setup, optimizer) for m in range(3)]
        for model in models:
            model.compile(loss=model.loss, optimizer=model.optimizer, metrics=metrics)
        models[0].build(3)
        params = models[0].count_params() * 3 // min(workers, 3)
        monkeypatch.setattr(epochs_module, "WORK_PER_BLOCK", 3 * len(X) * params)
        histories = fit_many(models, X, y, epochs=7, batch_size=8, random_state=1,
                             engine="compiled")
        runs.append((models, histories))
    (blocks, h1), (by_epoch, h2) = runs
    for a, b in zip(blocks, by_epoch, strict=True):
        for p, q in zip(a.get_weights(), b.get_weights(), strict=True):
            np.testing.assert_array_equal(p, q)
        assert a.steps == b.steps and a.optimizer.iterations == b.optimizer.iterations
    for a, b in zip(h1, h2, strict=True):
        assert a.history["loss"] == b.history["loss"] and a.epoch == b.epoch


def largest_difference(models, references):
    """The largest difference of any weight, relative to its array's largest value."""
    return max(np.max(np.abs(p - q)) / np.max(np.abs(q))
               for a, b in zip(models, references, strict=True)
               for p, q in zip(a.get_weights(), b.get_weights(), strict=True))


def assert_same_training(models, references, rtol=RTOL):
    for a, b in zip(models, references, strict=True):
        for p, q in zip(a.get_weights(), b.get_weights(), strict=True):
            assert p.dtype == q.dtype
            np.testing.assert_allclose(p, q, rtol=rtol, atol=rtol * np.abs(q).max())
        assert a.optimizer.iterations == b.optimizer.iterations and a.steps == b.steps
        assert set(a.optimizer.state) == set(b.optimizer.state)
        for key, value in b.optimizer.state.items():
            np.testing.assert_allclose(a.optimizer.state[key], value, rtol=rtol,
                                       atol=rtol * max(np.abs(value).max(), 1e-4))
        assert a.history.history.keys() == b.history.history.keys()
        np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=rtol)
        assert a.history["accuracy"] == b.history["accuracy"]


@pytest.mark.parametrize("batch_size", [1, 8, None])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("setup", SETUPS, ids=setup_id)
def test_compiled_equals_numpy_and_separate_fits(setup, optimizer, batch_size):
    X, y = data_for(setup[1], setup[3])
    runs = train_three_ways(lambda seed: make_model(seed, setup, optimizer), X, y,
                            epochs=4, batch_size=batch_size)
    assert_same_training(runs["compiled"], runs["separate"])
    assert_same_training(runs["compiled"], runs["numpy"])


def test_float32_within_float32_rounding():
    setup, optimizer = SETUPS[0], OPTIMIZERS[3]
    X, y = data_for(setup[1], setup[3])
    runs = train_three_ways(lambda seed: make_model(seed, setup, optimizer, "float32"), X, y,
                            epochs=3, batch_size=10)
    assert all(w.dtype == np.float32 for w in runs["compiled"][0].get_weights())
    assert largest_difference(runs["compiled"], runs["separate"]) < 1e-4
    np.testing.assert_allclose(runs["compiled"][0].history["loss"],
                               runs["separate"][0].history["loss"], rtol=1e-5)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_each_model_steps_with_its_own_learning_rate(optimizer):
    setup = SETUPS[1]
    rates = [0.3, 0.1, 0.03, 0.01]

    def make(m):  # one seed, four learning rates
        return make_model(0, setup, {"name": optimizer, "learning_rate": rates[m]})

    runs = train_three_ways(make, *data_for(setup[1], setup[3]), n_models=4, epochs=3,
                            batch_size=16)
    assert_same_training(runs["compiled"], runs["separate"])
    assert len({tuple(m.get_weights()[0].ravel()) for m in runs["compiled"]}) == len(rates)


@pytest.mark.parametrize("batch_size", [7, 45, 300])  # odd last batch, exactly n, above CHUNK
def test_without_shuffling_and_any_batch_size(batch_size):
    setup, optimizer = SETUPS[2], OPTIMIZERS[1]
    X, y = data_for(setup[1], setup[3], n_samples=600 if batch_size == 300 else 45)
    runs = train_three_ways(lambda seed: make_model(seed, setup, optimizer), X, y, epochs=2,
                            batch_size=batch_size, shuffle=False)
    assert_same_training(runs["compiled"], runs["separate"])


@pytest.mark.parametrize("optimizer", OPTIMIZERS[1:], ids=optimizer_id)
def test_training_continues_like_a_second_fit(optimizer):
    setup = SETUPS[0]
    X, y = data_for(setup[1], setup[3])
    many = [make_model(s, setup, optimizer) for s in range(3)]
    separate = [make_model(s, setup, optimizer) for s in range(3)]
    for seed in (1, 2):
        fit_many(many, X, y, epochs=2, batch_size=12, random_state=seed, engine="compiled")
        for model in separate:
            model.fit(X, y, epochs=2, batch_size=12, random_state=seed, engine="numpy")
    assert_same_training(many, separate)
    for model in many:  # and it goes on training on its own, from the written-back state
        model.fit(X, y, epochs=1, batch_size=12, random_state=3, engine="compiled")
    for model in separate:
        model.fit(X, y, epochs=1, batch_size=12, random_state=3, engine="numpy")
    assert_same_training(many, separate)


def test_a_diverging_model_stops_logging_and_the_others_match_their_fits():
    setup = ("relu", "mse", "linear", 2)
    X, y = data_for(setup[1], setup[3])
    rates = [0.01, 1e5, 0.05]

    def make(m):
        return make_model(0, setup, {"name": "sgd", "learning_rate": rates[m]})

    models = [make(m) for m in range(3)]
    with pytest.warns(TrainingDivergedWarning, match=r"models\[1\]"):
        histories = fit_many(models, X, y, epochs=40, batch_size=None, random_state=0,
                             engine="compiled")
    assert len(histories[1]["loss"]) < 40 and "learning rate" in histories[1].stop_reason
    for m in (0, 2):
        alone = make(m)
        alone.fit(X, y, epochs=40, batch_size=None, random_state=0, engine="numpy")
        assert len(histories[m]["loss"]) == 40
        assert_same_training([models[m]], [alone])


def test_compiled_refuses_what_it_cannot_train_and_says_why():
    setup = SETUPS[0]
    models = [make_model(s, setup, {"name": "rmsprop", "learning_rate": 0.01}) for s in range(2)]
    with pytest.raises(InvalidInputError, match=r"engine='compiled'.*rmsprop optimizer is not "
                                                r"compiled.*engine='numpy' or 'auto'"):
        fit_many(models, *data_for(setup[1], setup[3]), engine="compiled")
    fit_many(models, *data_for(setup[1], setup[3]), engine="auto")  # falls back to NumPy


def test_unknown_engine_is_named():
    setup = SETUPS[0]
    with pytest.raises(InvalidInputError, match=r"engine='fast'.*'auto', 'numpy' or"):
        fit_many([make_model(0, setup, OPTIMIZERS[0])], *data_for(setup[1], setup[3]),
                 engine="fast")


def test_auto_takes_the_compiled_loop_for_small_nets_only():
    small = make_model(0, SETUPS[0], OPTIMIZERS[0])
    wide = mlplab.Sequential.from_spec([3, 64, 64, 1]).compile(optimizer="sgd")
    small.build(3)
    wide.build(3)
    assert stack.pays_off(small) and not stack.pays_off(wide)



@pytest.mark.parametrize("workers", [2, 3])
def test_groups_of_models_in_threads_give_one_thread_s_numbers(monkeypatch, workers):
    # 7 models in groups of 4 and 3 (or 3, 2, 2): the models never mix, so each gets the
    # bits it gets when all train in one thread, its history and optimizer state too.
    from mlplab.fast import threads

    monkeypatch.setattr(stack, "THREADED_WORK", 0)
    X, y = data_for(SETUPS[0][1], SETUPS[0][3], n_samples=300)
    runs = []
    for n_threads in (workers, 1):
        monkeypatch.setattr(threads, "WORKERS", n_threads)
        models = [make_model(m, SETUPS[0], OPTIMIZERS[3]) for m in range(7)]
        models[4].optimizer.learning_rate = 0.5  # a different rate in the second group
        stack_groups = stack.LaneStack(models[:1] * 7, *models[0]._prepare(X, y, None)[:2])
        assert len(stack_groups._groups(len(X))) == min(n_threads, 7)
        fit_many(models, X, y, epochs=3, batch_size=32, random_state=1, engine="compiled")
        runs.append(models)
    for threaded, alone in zip(*runs, strict=True):
        for p, q in zip(threaded.get_weights(), alone.get_weights(), strict=True):
            np.testing.assert_array_equal(p, q)
        assert threaded.history.history == alone.history.history
        for key, value in alone.optimizer.state.items():
            np.testing.assert_array_equal(threaded.optimizer.state[key], value)


def wide_model(seed, learning_rate=0.05, metrics=("accuracy",)):
    model = mlplab.Sequential.from_spec([3, 40, 30, 2], activation="tanh", random_state=seed,
                                        output_activation="softmax")
    return model.compile(loss="categorical_crossentropy", metrics=list(metrics),
                         optimizer=mlplab.SGD(learning_rate=learning_rate, momentum=0.9))


@pytest.mark.parametrize("metrics", [("accuracy",), ()], ids=["epoch-by-epoch", "blocks"])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_nets_too_wide_for_lanes_train_as_their_own_compiled_fits(monkeypatch, workers,
                                                                  metrics):
    # Above LANE_PARAMETERS, "auto" runs each model's own compiled epoch (groups of
    # models on threads): every model gets its separate fit's bits, history and steps.
    # Without metrics, blocks of epochs per call (here 2 epochs a block).
    from mlplab.fast import epochs as epochs_module
    from mlplab.fast import threads

    monkeypatch.setattr(threads, "WORKERS", workers)
    X, y = data_for("categorical_crossentropy", 2, n_samples=200)
    models = [wide_model(m, learning_rate=0.02 * (m + 1), metrics=metrics) for m in range(5)]
    monkeypatch.setattr(epochs_module, "WORK_PER_BLOCK",
                        2 * 200 * models[0].count_params() * 5 // min(workers, 5))
    models[0].build(3)
    assert not stack.pays_off(models[0])
    histories = fit_many(models, X, y, epochs=3, batch_size=16, random_state=4)
    fit_many(models, X, y, epochs=2, batch_size=None, random_state=5)  # and on, full batch
    for m, model in enumerate(models):
        alone = wide_model(m, learning_rate=0.02 * (m + 1), metrics=metrics)
        first = alone.fit(X, y, epochs=3, batch_size=16, random_state=4).history
        alone.fit(X, y, epochs=2, batch_size=None, random_state=5)
        for p, q in zip(model.get_weights(), alone.get_weights(), strict=True):
            np.testing.assert_array_equal(p, q)
        assert histories[m].history == first
        assert model.steps == alone.steps == 3 * 13 + 2
        assert model.optimizer.iterations == alone.optimizer.iterations


def test_a_wide_net_that_diverges_stops_logging_while_the_others_train_on():
    def regression(rate):
        model = mlplab.Sequential.from_spec([3, 40, 30, 1], activation="linear",
                                            output_activation="linear",
                                            random_state=0)
        return model.compile(loss="mse", optimizer=mlplab.SGD(learning_rate=rate))

    X, y = data_for("mse", 1, n_samples=200)
    X = X * 100
    models = [regression(rate) for rate in (1e-6, 1.0)]
    with pytest.warns(TrainingDivergedWarning, match=r"models\[1\]"):
        histories = fit_many(models, X, y, epochs=6, batch_size=50, random_state=0)
    assert len(histories[0].history["loss"]) == 6 and len(histories[1].history["loss"]) < 6
    for model, rate in zip(models, (1e-6, 1.0), strict=True):
        alone = regression(rate)  # the diverging one: as its fit leaves it, stopped at NaN
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TrainingDivergedWarning)
            alone.fit(X, y, epochs=6, batch_size=50, random_state=0)
        for p, q in zip(model.get_weights(), alone.get_weights(), strict=True):
            np.testing.assert_array_equal(p, q)
        assert model.steps == alone.steps


def test_vectorisable_exp_and_log_are_within_an_ulp_of_the_c_library():
    """fit_many's exp and log (arithmetic the compiler can vectorise) against math's."""
    import math

    import numba

    @numba.njit
    def apply(which, x):
        out = np.empty_like(x)
        for i in range(x.size):
            if which == 0:
                out[i] = lanes._exp_nonpositive(x[i])
            elif which == 1:
                out[i] = lanes._log_at_least_one(x[i])
            else:
                out[i] = lanes._log1p_unit(x[i])
        return out

    def ulps(got, want):
        return np.abs(got - want) / np.spacing(np.abs(want))

    rng = np.random.default_rng(0)
    x = np.concatenate([-rng.random(200_000) * 708, -rng.random(100_000) * 2,
                        -rng.random(1000) * 1e-12, [0.0, -0.0, -708.0, -0.5 * math.log(2)]])
    assert ulps(apply(0, x), np.array([math.exp(v) for v in x])).max() <= 1.0
    assert apply(0, np.array([0.0]))[0] == 1.0  # exactly: a softmax's largest term
    below = apply(0, np.array([-708.5, -1000.0, -np.inf, np.nan]))
    assert below[:3].tolist() == [0.0, 0.0, 0.0] and np.isnan(below[3])
    x = np.concatenate([1 + rng.random(200_000) * 9, np.exp(rng.random(100_000) * 700),
                        [1.0, 1 + 2**-52, 2.0, math.sqrt(2), 1e308]])
    assert ulps(apply(1, x), np.log(x)).max() <= 1.0
    assert apply(1, np.array([1.0]))[0] == 0.0
    special = apply(1, np.array([np.inf, np.nan]))
    assert special[0] == np.inf and np.isnan(special[1])
    x = np.concatenate([rng.random(200_000), rng.random(1000) * 1e-12, [1.0, 1e-300, 2**-53]])
    assert ulps(apply(2, x), np.array([math.log1p(v) for v in x])).max() <= 1.0
    assert apply(2, np.array([0.0]))[0] == 0.0 and np.isnan(apply(2, np.array([np.nan]))[0])
