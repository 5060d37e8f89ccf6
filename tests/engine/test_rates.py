"""Learning rates through fit: schedules on every runner, the callbacks that steer the
rate (Keras' rules, hand-worked), gradient clipping, and L-BFGS as an optimizer."""

import numpy as np
import pytest

import mlplab
from mlplab import Dense
from mlplab.engine import schedules
from mlplab.engine.rate_callbacks import LearningRateScheduler, ReduceLROnPlateau
from mlplab.errors import InvalidInputError

SCHEDULES = [
    schedules.ExponentialDecay(0.3, decay_steps=3, decay_rate=0.8),
    schedules.ExponentialDecay(0.3, decay_steps=4, decay_rate=0.5, staircase=True),
    schedules.PiecewiseConstantDecay([5, 20], [0.3, 0.1, 0.02]),
    schedules.InverseTimeDecay(0.3, decay_steps=2, decay_rate=0.5),
    schedules.CosineDecay(0.0, decay_steps=30, warmup_target=0.3, warmup_steps=10),
    schedules.InverseScaling(0.3, power_t=0.5),
]


def data(rng, n=48):
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def net(optimizer, seed=0):
    model = mlplab.Sequential([Dense(6, activation="tanh", input_dim=2), Dense(1, "sigmoid")],
                              random_state=seed)
    return model.compile(loss="binary_crossentropy", optimizer=optimizer)


@pytest.mark.numba
@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [1, 10, None])
def test_a_schedule_trains_the_same_on_the_compiled_and_numpy_runners(rng, schedule, kind,
                                                                       batch_size):
    X, y = data(rng)

    def optimizer():
        if kind == "adam":
            return mlplab.Adam(learning_rate=schedule)
        return mlplab.SGD(learning_rate=schedule, momentum=0.9 if kind == "momentum" else 0.0)

    fast, slow = net(optimizer()), net(optimizer())
    h1 = fast.fit(X, y, epochs=6, batch_size=batch_size, engine="compiled", random_state=1)
    h2 = slow.fit(X, y, epochs=6, batch_size=batch_size, engine="numpy", random_state=1)
    assert h1.runner == "compiled"
    for a, b in zip(fast.get_weights(), slow.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    steps = -(-len(X) // (batch_size or len(X)))
    expected = [schedule(steps * (epoch + 1) - 1) for epoch in range(6)]
    assert h1["lr"] == h2["lr"] == expected  # the rate of each epoch's last step


def test_a_schedule_is_evaluated_per_step(rng):
    X, y = data(rng, 8)
    schedule = schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5)
    model = net(mlplab.SGD(learning_rate=schedule))
    seen = []

    class Rates(mlplab.Callback):
        wants_batches = True

        def on_batch_end(self, step, logs):
            seen.append(model.optimizer.lr)

    model.fit(X, y, epochs=2, batch_size=2, callbacks=[Rates()], engine="numpy")
    assert seen == [0.5 * 0.5**k for k in range(8)]


def test_learning_rate_scheduler_sets_the_rate_at_each_epoch_start(rng):
    X, y = data(rng)
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return 0.1 if epoch < 2 else lr * 0.5

    model = net(mlplab.SGD(learning_rate=0.3))
    history = model.fit(X, y, epochs=5, callbacks=[LearningRateScheduler(schedule)])
    assert calls == [(0, 0.3), (1, 0.1), (2, 0.1), (3, 0.05), (4, 0.025)]
    assert history["lr"] == [0.1, 0.1, 0.05, 0.025, 0.0125]
    one_argument = net(mlplab.SGD(learning_rate=0.3))
    history = one_argument.fit(X, y, epochs=3,
                               callbacks=[LearningRateScheduler(lambda e: 0.1 / (e + 1))])
    assert history["lr"] == [0.1, 0.05, 0.1 / 3]


@pytest.mark.parametrize("returned", [-0.1, 0.0, float("nan"), "fast", None])
def test_a_scheduler_returning_no_rate_is_refused_naming_the_epoch(rng, returned):
    X, y = data(rng)
    with pytest.raises(InvalidInputError, match="returned .* for epoch 0; it must return"):
        net("sgd").fit(X, y, epochs=2, callbacks=[LearningRateScheduler(lambda e: returned)])


def test_a_schedule_cannot_be_set_to_a_number_as_in_keras(rng):
    X, y = data(rng)
    model = net(mlplab.SGD(learning_rate=schedules.InverseScaling(0.1)))
    with pytest.raises(InvalidInputError, match="cannot be set to a number"):
        model.fit(X, y, epochs=2, callbacks=[LearningRateScheduler(lambda e, lr: lr)])


class Feed(mlplab.Callback):
    """Replace the logged loss by given values, so a rule is tested by hand."""

    def __init__(self, values):
        self.values = values

    def on_epoch_end(self, epoch, logs):
        logs["loss"] = self.values[epoch]


def plateau_rates(values, **options):
    rng = np.random.default_rng(0)
    X, y = data(rng, 8)
    model = net(mlplab.SGD(learning_rate=1.0))
    callback = options.pop("callback", None) or ReduceLROnPlateau(monitor="loss", **options)
    history = model.fit(X, y, epochs=len(values), callbacks=[Feed(values), callback])
    return [float(v) for v in history["lr"]], callback, model


def test_reduce_on_plateau_follows_keras_rules_by_hand():
    # patience 2, factor 0.5, min_delta 0.1, cooldown 1: best 10, then 9.95 and 9.92 are
    # not better by 0.1 -> after epoch 2 the rate halves (it is logged from epoch 3 on);
    # epoch 3 is cooldown; 9.5 improves (best 9.5); 9.45, 9.41 wait 1, 2 -> halve again.
    values = [10, 9.95, 9.92, 9.9, 9.5, 9.45, 9.41, 9.4]
    rates, _, _ = plateau_rates(values, factor=0.5, patience=2, min_delta=0.1, cooldown=1)
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]


def test_reduce_on_plateau_stops_at_min_lr():
    rates, _, _ = plateau_rates([5.0] * 6, factor=0.1, patience=1, min_lr=0.05)
    assert rates == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0][:1] + [1.0, 0.1, 0.05, 0.05, 0.05][:5]


def test_scikit_learn_s_adaptive_rule_by_hand():
    # tol 0.1, n_iter_no_change 1: count grows while loss > best - tol; once count > 1
    # the rate is divided by 5 and the count restarts. Best follows every decrease.
    values = [5.0, 4.95, 4.93, 4.0, 3.99, 3.98, 3.97]
    callback = ReduceLROnPlateau.adaptive(tol=0.1, n_iter_no_change=1)
    rates, _, _ = plateau_rates(values, callback=callback)
    assert rates == [1.0, 1.0, 1.0, 0.2, 0.2, 0.2, 0.04]


def test_scikit_learn_s_adaptive_rule_matches_its_optimizer():
    from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

    values = list(np.r_[np.linspace(3, 2, 5), [2.0] * 14, np.linspace(1.99, 1.5, 6),
                        [1.5] * 30])
    tol, patience = 1e-4, 3
    optimizer = SGDOptimizer([np.zeros(1)], learning_rate_init=1.0, lr_schedule="adaptive")
    best, count, expected, stopped = np.inf, 0, [], None
    for epoch, loss in enumerate(values):  # _fit_stochastic's loop, written out
        expected.append(optimizer.learning_rate)  # the rate this epoch trained with
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count > patience:
            if optimizer.trigger_stopping("", False):
                stopped = epoch
                break
            count = 0
    callback = ReduceLROnPlateau.adaptive(tol=tol, n_iter_no_change=patience)
    rates, _, model = plateau_rates(values, callback=callback)
    assert rates[:len(expected)] == pytest.approx(expected, rel=1e-15)
    assert (stopped is None) == (model.history.stop_reason is None)


@pytest.mark.parametrize("clip", [{"clipnorm": 0.05}, {"global_clipnorm": 0.05},
                                  {"clipvalue": 0.01}])
@pytest.mark.numba  # it checks the compiled runner's reason to refuse
def test_clipping_keeps_every_update_under_its_bound(rng, clip):
    X, y = data(rng)
    model = net(mlplab.SGD(learning_rate=1.0, **clip))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(X, y, epochs=1, batch_size=None)
    assert history.runner == "numpy" and "clipping" in history.runner_reason
    updates = [a - b for a, b in zip(model.get_weights(), before, strict=True)]
    if "clipnorm" in clip:
        assert max(np.linalg.norm(u) for u in updates) <= 0.05 + 1e-12
    elif "global_clipnorm" in clip:
        assert np.sqrt(sum(np.sum(u * u) for u in updates)) <= 0.05 + 1e-12
    else:
        assert max(np.abs(u).max() for u in updates) <= 0.01 + 1e-12


def test_clipping_is_keras_formula(rng):
    g = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    opt = mlplab.SGD(clipnorm=0.5)
    for clipped, raw in zip(opt.clip(g), g, strict=True):
        norm = np.linalg.norm(raw)
        np.testing.assert_allclose(clipped, raw * 0.5 / max(norm, 0.5))
    total = np.sqrt(sum(np.sum(x * x) for x in g))
    for clipped, raw in zip(mlplab.Adam(global_clipnorm=0.5).clip(g), g, strict=True):
        np.testing.assert_allclose(clipped, raw * 0.5 / max(total, 0.5))


def test_only_one_kind_of_clipping():
    with pytest.raises(InvalidInputError, match="at most one of clipnorm"):
        mlplab.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(mlplab.MlplabError, match="clipnorm"):
        mlplab.Adam(clipnorm=-1.0)


def test_schedules_and_clipping_survive_save_and_load(tmp_path, rng):
    X, y = data(rng)
    model = net(mlplab.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5),
                           clipnorm=2.0))
    model.fit(X, y, epochs=2)
    model.save(tmp_path / "m.npz")
    loaded = mlplab.load(tmp_path / "m.npz")
    assert loaded.optimizer.config() == model.optimizer.config()


# -- L-BFGS -------------------------------------------------------------------------------
def test_lbfgs_trains_full_batch_through_fit_with_callbacks(rng):
    X, y = data(rng, 80)
    model = net("lbfgs")
    stopper = mlplab.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    history = model.fit(X, y, epochs=50, callbacks=[stopper])
    assert history.runner == "lbfgs" and len(history.epoch) == 2  # stopped by the callback
    full = net("lbfgs")
    history = full.fit(X, y, epochs=200)
    assert history["loss"][-1] < history["loss"][0] / 2
    assert np.all(np.diff(history["loss"]) <= 1e-12)  # every iterate lowers the loss
    assert history.solver.iterations == len(history.epoch)


def test_lbfgs_refuses_mini_batches():
    X = np.zeros((40, 2))
    with pytest.raises(InvalidInputError, match="L-BFGS takes every sample.*batch_size=None"):
        net("lbfgs").fit(X, np.zeros(40), batch_size=1)


@pytest.mark.parametrize("engine", ["numpy", "auto"])
def test_inverse_scaling_by_samples_is_scikit_learns_per_epoch_rate(engine):
    """Epoch e (from 0) trains at 0.1 / (samples_seen + 1) ** 0.5, samples_seen = 5 + e * 12
    (a fit continuing from 5 samples seen), the rate changing only between epochs."""
    from mlplab.engine.rate_callbacks import InverseScalingBySamples

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 2)), rng.integers(0, 2, 12)
    model = mlplab.Sequential([Dense(3, "tanh", input_dim=2), Dense(1, "sigmoid")],
                              random_state=0)
    model.compile(optimizer=mlplab.SGD(learning_rate=0.1))
    rule = InverseScalingBySamples(0.1, 0.5, n_train=12, samples_seen=5)
    history = model.fit(X, y, epochs=4, batch_size=4, callbacks=[rule], engine=engine)
    expected = [0.1] + [0.1 / (5 + e * 12 + 1) ** 0.5 for e in range(1, 4)]
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-15)
    assert rule.samples_seen == 5 + 4 * 12


def test_inverse_scaling_by_samples_checks_its_arguments():
    from mlplab.engine.rate_callbacks import InverseScalingBySamples

    with pytest.raises(InvalidInputError, match="n_train"):
        InverseScalingBySamples(0.1, 0.5, n_train=0)
