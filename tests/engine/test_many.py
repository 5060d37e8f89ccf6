"""fit_many must give every model what its own fit gives it (float64, 1e-10)."""

import numpy as np
import pytest

import mlplab
from mlplab.engine import ACTIVATIONS
from mlplab.engine.many import fit_many
from mlplab.errors import (
    InvalidInputError,
    InvalidTypeError,
    NotFittedError,
    TrainingDivergedWarning,
)

RTOL = 1e-10  # batched products add up in another order; measured differences are ~1e-15

SETUPS = {  # loss: (output activation, output units, targets)
    "binary_crossentropy": ("sigmoid", 1, lambda rng: rng.integers(0, 2, 48)),
    "categorical_crossentropy": ("softmax", 3, lambda rng: rng.integers(0, 3, 48)),
    "mse": ("linear", 2, lambda rng: rng.normal(size=(48, 2))),
}


def make_model(seed, loss="binary_crossentropy", hidden="tanh", optimizer=None):
    output, units, _ = SETUPS[loss]
    model = mlplab.Sequential([mlplab.Dense(6, hidden, input_dim=3), mlplab.Dense(5, hidden),
                               mlplab.Dense(units, output)], random_state=seed)
    optimizer = optimizer or {"name": "sgd", "learning_rate": 0.1}
    return model.compile(loss=loss, optimizer=dict(optimizer), metrics=["accuracy"])


def data_for(loss):
    rng = np.random.default_rng(7)
    return rng.normal(size=(48, 3)), SETUPS[loss][2](rng)


def assert_same_training(many, separate):
    """Weights, optimizer state and history of each model equal its separate fit's."""
    for a, b in zip(many, separate, strict=True):
        for p, q in zip(a.get_weights(), b.get_weights(), strict=True):
            np.testing.assert_allclose(p, q, rtol=RTOL, atol=RTOL * np.abs(q).max())
        assert a.optimizer.iterations == b.optimizer.iterations and a.steps == b.steps
        assert set(a.optimizer.state) == set(b.optimizer.state)
        for key, value in b.optimizer.state.items():
            np.testing.assert_allclose(a.optimizer.state[key], value, rtol=RTOL, atol=1e-14)
        assert a.history.history.keys() == b.history.history.keys()
        np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=RTOL)
        assert a.history["accuracy"] == b.history["accuracy"]


def train_both(make, X, y, **fit_options):
    """Train the models made by ``make(i)`` with fit_many and one by one."""
    many = [make(i) for i in range(4)]
    histories = fit_many(many, X, y, random_state=3, **fit_options)
    separate = [make(i) for i in range(4)]
    for model in separate:
        model.fit(X, y, random_state=3, engine="numpy", **fit_options)
    assert [model.history for model in many] == histories
    return many, separate


OPTIMIZERS = [
    {"name": "sgd", "learning_rate": 0.1},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    {"name": "adam", "learning_rate": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01},
    {"name": "adagrad", "learning_rate": 0.05},
]


@pytest.mark.parametrize("batch_size", [None, 10])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("loss", SETUPS)
def test_seeds_train_as_their_separate_fits(loss, optimizer, batch_size):
    X, y = data_for(loss)
    many, separate = train_both(lambda seed: make_model(seed, loss, optimizer=optimizer),
                                X, y, epochs=6, batch_size=batch_size)
    assert_same_training(many, separate)


@pytest.mark.parametrize("name", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [None, 16])
def test_learning_rates_train_as_their_separate_fits(name, batch_size):
    X, y = data_for("categorical_crossentropy")
    rates = [0.3, 0.1, 0.03, 0.01]

    def make(i):  # one seed, four learning rates
        optimizer = {"name": name, "learning_rate": rates[i]}
        return make_model(0, "categorical_crossentropy", optimizer=optimizer)

    many, separate = train_both(make, X, y, epochs=5, batch_size=batch_size)
    assert_same_training(many, separate)
    assert len({tuple(m.get_weights()[0].ravel()) for m in many}) == len(rates)


@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_every_hidden_activation(hidden):
    X, y = data_for("binary_crossentropy")
    many, separate = train_both(lambda seed: make_model(seed, hidden=hidden), X, y,
                                epochs=3, batch_size=16)
    assert_same_training(many, separate)


def test_without_shuffling_and_with_an_odd_last_batch():
    X, y = data_for("mse")
    many, separate = train_both(lambda seed: make_model(seed, "mse"), X, y, epochs=3,
                                batch_size=20, shuffle=False)
    assert_same_training(many, separate)


def test_training_continues_like_a_second_fit():
    X, y = data_for("binary_crossentropy")
    momentum = {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9}
    many = [make_model(s, optimizer=momentum) for s in range(3)]
    separate = [make_model(s, optimizer=momentum) for s in range(3)]
    for seed in (1, 2):
        fit_many(many, X, y, epochs=2, batch_size=12, random_state=seed)
        for model in separate:
            model.fit(X, y, epochs=2, batch_size=12, random_state=seed, engine="numpy")
    assert_same_training(many, separate)


def test_float32_models_stay_float32():
    X, y = data_for("binary_crossentropy")
    models = [mlplab.Sequential.from_spec([3, 4, 1], random_state=s, dtype="float32")
              .compile(optimizer="adam") for s in range(2)]
    single = mlplab.Sequential.from_spec([3, 4, 1], random_state=0, dtype="float32")
    single.compile(optimizer="adam").fit(X, y, epochs=3, random_state=0, engine="numpy")
    fit_many(models, X, y, epochs=3, random_state=0)
    assert all(w.dtype == np.float32 for w in models[0].get_weights())
    for p, q in zip(models[0].get_weights(), single.get_weights(), strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


def test_a_diverging_model_stops_logging_and_the_others_train_on():
    X, y = data_for("mse")
    models = [make_model(0, "mse", "relu", {"name": "sgd", "learning_rate": rate})
              for rate in (0.01, 1e3)]
    with pytest.warns(TrainingDivergedWarning, match=r"models\[1\]"):
        histories = fit_many(models, X, y, epochs=60, batch_size=None, random_state=0)
    assert len(histories[0]["loss"]) == 60 and np.all(np.isfinite(histories[0]["loss"]))
    assert len(histories[1]["loss"]) < 60 and "learning rate" in histories[1].stop_reason


def test_is_exported():
    assert mlplab.fit_many is mlplab.engine.fit_many is fit_many
    assert "fit_many" in mlplab.__all__ and "fit_many" in mlplab.engine.__all__


# -- what fit_many refuses, and how it says so ------------------------------------------

def compiled(*layers, optimizer="sgd", loss=None, seed=0, dtype="float64"):
    model = mlplab.Sequential(list(layers), random_state=seed, dtype=dtype)
    return model.compile(loss=loss, optimizer=optimizer)


def dense_net(hidden=4, activation="tanh", **options):
    return compiled(mlplab.Dense(hidden, activation, input_dim=3), mlplab.Dense(1, "sigmoid"),
                    **options)


def shared_optimizer_models():
    optimizer = mlplab.SGD(learning_rate=0.1)
    return [dense_net(optimizer=optimizer), dense_net(optimizer=optimizer)]


def trained_and_fresh():
    trained = dense_net(optimizer="adam")
    trained.fit(*data_for("binary_crossentropy"), epochs=1)
    return [trained, dense_net(optimizer="adam")]


same = dense_net()
REFUSALS = {
    "dropout": (lambda: [compiled(mlplab.Dense(4, input_dim=3), mlplab.Dropout(0.5),
                                  mlplab.Dense(1, "sigmoid"))],
                InvalidInputError, r"Dropout\(0.5\) as layer 2.*Dense layers only"),
    "regularizer": (lambda: [compiled(mlplab.Dense(4, input_dim=3, kernel_regularizer={"l2": 1}),
                                      mlplab.Dense(1, "sigmoid"))],
                    InvalidInputError, r"kernel_regularizer=.*Drop the regularizer"),
    "no bias": (lambda: [compiled(mlplab.Dense(4, input_dim=3, use_bias=False),
                                  mlplab.Dense(1, "sigmoid"))],
                InvalidInputError, r"layer 1 has no bias or a bias_regularizer"),
    "widths": (lambda: [dense_net(4), dense_net(5)], InvalidInputError,
               r"models\[1\] has layers \[input 3 -> Dense\(5, 'tanh'\)"),
    "activations": (lambda: [dense_net(), dense_net(activation="relu")], InvalidInputError,
                    r"Dense\(4, 'relu'\).*models\[0\] has"),
    "losses": (lambda: [dense_net(), dense_net(loss="mse")], InvalidInputError,
               r"loss='mse'"),
    "dtypes": (lambda: [dense_net(), dense_net(dtype="float32")], InvalidInputError,
               r"dtype float32"),
    "optimizer kinds": (lambda: [dense_net(), dense_net(optimizer="adam")], InvalidInputError,
                        r"learning_rate only"),
    "momentum": (lambda: [dense_net(), dense_net(optimizer={"name": "sgd", "momentum": 0.9})],
                 InvalidInputError, r"differ in momentum"),
    "optimizer progress": (trained_and_fresh, InvalidInputError, r"has taken 0 steps"),
    "shared optimizer": (shared_optimizer_models, InvalidInputError, r"share one optimizer"),
    "repeated model": (lambda: [same, same], InvalidInputError, r"appears twice"),
    "not compiled": (lambda: [mlplab.Sequential.from_spec([3, 4, 1])], NotFittedError,
                     r"models\[0\] is not compiled"),
    "not a model": (lambda: [dense_net(), "net"], InvalidTypeError, r"models\[1\] is 'net'"),
    "one model": (lambda: dense_net(), InvalidTypeError, r"list of Sequential models"),
    "no models": (lambda: [], InvalidInputError, r"at least one"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refuses_what_it_cannot_train_alike(case):
    make, error, message = REFUSALS[case]
    with pytest.raises(error, match=message):
        fit_many(make(), *data_for("binary_crossentropy"), epochs=1)


@pytest.mark.parametrize(("option", "message"), [
    ({"epochs": 0}, r"epochs=0"), ({"batch_size": -1}, r"batch_size=-1")])
def test_refuses_bad_fit_options(option, message):
    options = {"epochs": 1, **option}
    with pytest.raises(InvalidInputError, match=message):
        fit_many([dense_net()], *data_for("binary_crossentropy"), **options)


def test_bad_data_is_reported_as_fit_reports_it():
    X, y = data_for("binary_crossentropy")
    with pytest.raises(InvalidInputError, match="features"):
        fit_many([dense_net()], X[:, :2], y, epochs=1)


def test_a_batch_larger_than_the_data_is_one_full_batch():
    # As in fit: batch_size beyond n_samples (even 2**63) trains full batches, on every engine.
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    runs = []
    for batch_size in (2**63, None):
        models = [mlplab.Sequential.from_spec([2, 3, 1], random_state=s).compile(optimizer="sgd")
                  for s in range(2)]
        fit_many(models, X, y, epochs=2, batch_size=batch_size, random_state=0)
        runs.append([m.get_weights() for m in models])
    for a, b in zip(*runs, strict=True):
        for p, q in zip(a, b, strict=True):
            np.testing.assert_array_equal(p, q)


# -- each model its own batch order, its own data ----------------------------------------

def test_a_random_state_per_model_shuffles_each_as_its_own_fit():
    X, y = data_for("binary_crossentropy")
    many = [make_model(s) for s in range(3)]
    fit_many(many, X, y, epochs=4, batch_size=10, random_state=[5, 6, 7])
    separate = [make_model(s) for s in range(3)]
    for model, seed in zip(separate, (5, 6, 7), strict=True):
        model.fit(X, y, epochs=4, batch_size=10, random_state=seed, engine="numpy")
    assert_same_training(many, separate)
    shared = [make_model(s) for s in range(3)]
    fit_many(shared, X, y, epochs=4, batch_size=10, random_state=5)
    assert not np.allclose(shared[1].get_weights()[0], many[1].get_weights()[0])


@pytest.mark.parametrize("optimizer", [OPTIMIZERS[1], OPTIMIZERS[3]], ids=["momentum", "adam"])
@pytest.mark.parametrize("loss", ["binary_crossentropy", "categorical_crossentropy"])
def test_data_per_model_trains_each_on_its_own(loss, optimizer):
    rng = np.random.default_rng(11)
    datasets = [(rng.normal(size=(48, 3)), SETUPS[loss][2](rng)) for _ in range(3)]
    Xs, ys = [X for X, _ in datasets], [y for _, y in datasets]
    generators = [np.random.default_rng(seed) for seed in (1, 2, 3)]
    many = [make_model(s, loss, optimizer=optimizer) for s in range(3)]
    fit_many(many, Xs, ys, epochs=3, batch_size=16, random_state=generators,
             per_model_data=True)
    separate = [make_model(s, loss, optimizer=optimizer) for s in range(3)]
    for model, (X, y), seed in zip(separate, datasets, (1, 2, 3), strict=True):
        model.fit(X, y, epochs=3, batch_size=16, random_state=seed, engine="numpy")
    assert_same_training(many, separate)


def test_data_per_model_with_one_order_and_full_batches():
    rng = np.random.default_rng(12)
    datasets = [data_for("mse"), (rng.normal(size=(48, 3)), rng.normal(size=(48, 2)))]
    for batch_size in (None, 20):
        many = [make_model(s, "mse") for s in range(2)]
        fit_many(many, [d[0] for d in datasets], [d[1] for d in datasets], epochs=3,
                 batch_size=batch_size, random_state=4, per_model_data=True)
        separate = [make_model(s, "mse") for s in range(2)]
        for model, (X, y) in zip(separate, datasets, strict=True):
            model.fit(X, y, epochs=3, batch_size=batch_size, random_state=4, engine="numpy")
        assert_same_training(many, separate)


@pytest.mark.parametrize(("options", "message"), [
    ({"random_state": [1, 2, 3]}, r"list of 3, but there are 2 models"),
    ({"per_model_data": True}, r"X must be a list of 2 data sets"),
    ({"per_model_data": True, "data": "shapes"}, r"differ in shape"),
    ({"random_state": [1, 2], "engine": "compiled"}, r"one batch order"),
])
def test_refuses_per_model_options_that_do_not_fit(options, message):
    X, y = data_for("binary_crossentropy")
    options = dict(options)
    if options.pop("data", None) == "shapes":
        X, y = [X, X[:40]], [y, y[:40]]
    with pytest.raises(InvalidInputError, match=message):
        fit_many([dense_net(), dense_net(seed=1)], X, y, epochs=1, batch_size=8, **options)
