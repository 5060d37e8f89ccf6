"""Sequential.fit, predict and evaluate on generated data: sound results or clean errors.

Inputs vary in shape (0-d, 1-D, 2-D with no rows or no columns, 3-D, ragged lists), dtype
(float64, float32, ints, bools, complex, objects holding numbers, None or text, text,
pandas frames) and values (NaN, inf, huge, just under and over the engine's bound, beyond
float32); labels in type, count, range and length; fit's arguments in type and range; tiny
nets of every output kind, optimizer and dtype, for one or two epochs, most with
engine="numpy" (the runner does not matter here) and a few with the default engine.

Every outcome is one of: a fit whose history is finite and whose predictions and
evaluation are finite; a fit that warned TrainingDivergedWarning (history.stop_reason
says why, with a fix that is not the bad value); or an MlplabError that is a ValueError
or TypeError with a clean message. No other warning, and no NaN without that warning.
"""

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import mlplab
from mlplab._validation import input_bound
from mlplab.engine.optimizers import OPTIMIZERS
from mlplab.errors import MlplabError, TrainingDivergedWarning

LEAKS = ("could not convert", "setting an array element", "inhomogeneous", "ufunc",
         "not iterable", "not supported between", "unhashable", "has no attribute",
         "Cannot interpret", "data type", "invalid literal", "unexpected keyword",
         "too large to convert", "truth value of an array", "NoneType", "index out of range",
         "overflow encountered", "invalid value encountered", "Casting complex")

TASKS = {  # output units, output activation, loss
    "binary": (1, "sigmoid", "binary_crossentropy"),
    "classes": (3, "softmax", "categorical_crossentropy"),
    "regression": (1, "linear", "mse"),
}
SPECIAL = [math.nan, math.inf, -math.inf, 1e300, -1e300, 1e76, 2e77, 4e9, 5e9, 1e39, 1e-310]


def check_refusal(exc):
    message = str(exc)
    assert isinstance(exc, MlplabError) and isinstance(exc, ValueError | TypeError), repr(exc)
    assert 10 < len(message) < 1500, message
    assert not any(leak in message for leak in LEAKS), message


# What one example breaks: nothing (a valid fit, perhaps one that diverges) or one part.
PARTS = ["nothing"] * 3 + ["X", "y", "arguments", "weights"]
VALID_SPECIAL = [1e76, -1e76, 4e9, 1e3, 1e-310, -0.0, 0.0]  # within the float64 bound
BAD_SPECIAL = [math.nan, math.inf, -math.inf, 1e300, -1e300, 2e77]


def inputs(draw, n_features, bad):
    """(X, n_samples): a small finite table, or (``bad``) one in the wrong shape, dtype or
    with NaN, inf or huge values; valid ones hold values near the bound sometimes."""
    n = draw(st.integers(1, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if not bad:
        values = rng.normal(size=(n, n_features))
        if draw(st.booleans()):
            values.flat[draw(st.integers(0, values.size - 1))] = draw(
                st.sampled_from(VALID_SPECIAL))
        kind = draw(st.sampled_from(["float64", "float64", "float32", "int64", "bool",
                                     "object", "frame"]))
        if kind == "float32":
            values = np.clip(values, -1e9, 1e9)  # float32's bound is 2**32
        return _as_kind(values, kind), n
    n = draw(st.integers(0, 9))
    shape = draw(st.sampled_from([(n, n_features)] * 3 + [(n,), (), (n, 0), (n, n_features, 1)]))
    values = rng.normal(size=shape)
    if values.size:
        values.flat[draw(st.integers(0, values.size - 1))] = draw(st.sampled_from(BAD_SPECIAL))
    kind = draw(st.sampled_from(["float64", "float32", "complex128", "object-none", "str",
                                 "ragged", "frame"]))
    return _as_kind(values, kind), max(n, 1) if values.ndim else 1


def _as_kind(values, kind):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # building odd data is not what is tested
        if kind == "ragged":
            return [[1.0, 2.0], [3.0]]
        if kind == "frame" and values.ndim == 2:
            return pd.DataFrame(values, columns=[f"x{i}" for i in range(values.shape[1])])
        if kind == "object-none" and values.size:
            values = values.astype(object)
            values.flat[0] = None
            return values
        if kind in ("frame", "object-none"):
            kind = "object"
        if kind in ("int64", "bool"):
            values = np.nan_to_num(values, posinf=0.0, neginf=0.0) * 3
        return values.astype(kind)


def labels(draw, task, n, bad):
    """y for ``n`` samples: right for the task, or (``bad``) wrong in kind, range, shape or
    length."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    right = {"binary": rng.integers(0, 2, n), "classes": rng.integers(0, 3, n),
             "regression": rng.normal(size=n)}[task]
    if not bad:
        return draw(st.sampled_from([right, right[:, None], right.tolist()]
                                    + ([right.astype(bool)] if task == "binary" else [])
                                    + ([np.eye(3)[right]] if task == "classes" else [])))
    return draw(st.sampled_from([
        right[:-1], np.append(right, 1), rng.normal(size=n) * 3, rng.integers(0, 3, n) + 5,
        np.array(["a", "b"] * n)[:n], np.full(n, np.nan), np.eye(3)[rng.integers(0, 3, n)] * 2,
        np.array([1, "a"] * n, dtype=object)[:n], right * 1e300, right + 1j, None, 3,
        [[0], [1, 2]] * n, np.zeros((n, 2, 2))]))


def fit_arguments(draw, n, bad):
    """fit's keyword arguments: valid, or (``bad``) one of them wrong in type or range."""
    valid = {"epochs": st.integers(1, 2), "batch_size": st.sampled_from([None, 1, 3, 2**63]),
             "validation_split": st.sampled_from([0.0, 0.0, 0.3]), "shuffle": st.booleans(),
             "verbose": st.sampled_from([0, 2])}
    arguments = {name: draw(strategy) for name, strategy in valid.items()}
    if n < 4:
        arguments["validation_split"] = 0.0
    if bad:
        name, wrong = draw(st.sampled_from([
            ("epochs", [0, -1, 2.5, "2", None, True, math.nan]),
            ("batch_size", [0, -4, 1.5, "32", True]),
            ("validation_split", [1.0, 2, -0.1, math.nan, "0.2"]),
            ("shuffle", [None, "yes", 2]), ("verbose", [3, "loud", -1]),
            ("callbacks", [3, "early", [None]]), ("validation_data", [5, ([[0.0]],), "xy"]),
            ("random_state", [-1, "seed", 1.5])]))
        arguments[name] = draw(st.sampled_from(wrong))
    return arguments


def sample_weights(draw, n, bad):
    rng = np.random.default_rng(n)
    if not bad:
        return draw(st.sampled_from([None, np.ones(n), rng.uniform(0.1, 2, n),
                                     np.full(n, 1e308), list(range(1, n + 1))]))
    return draw(st.sampled_from([np.zeros(n), -np.ones(n), np.ones(n + 1), ["w"] * n,
                                 np.full(n, np.nan), np.ones(n) + 1j, np.ones((n, 1, 1))]))


def tiny_net(draw, task, n_features):
    units, activation, loss = TASKS[task]
    dtype = draw(st.sampled_from(["float64", "float64", "float32"]))
    model = mlplab.Sequential.from_spec([n_features, 3, units], activation="tanh",
                                        output_activation=activation, random_state=0,
                                        dtype=dtype)
    learning_rate = draw(st.sampled_from([0.01, 0.1, 0.1, 10.0, 1e30, 1e300]))
    optimizer = draw(st.sampled_from(sorted(OPTIMIZERS)))
    return model.compile(loss=loss, optimizer=optimizer, learning_rate=learning_rate,
                         metrics=draw(st.sampled_from([None, ["accuracy"], ["mse", "r2"]])))


def check_outcome(model, X, y, arguments, engine):
    """Fit, then predict and evaluate; assert the outcome is one the module allows."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            history = model.fit(X, y, engine=engine, **arguments)
        except Exception as exc:  # noqa: BLE001 - the property is about which ones
            assert not caught, [str(w.message) for w in caught]
            check_refusal(exc)
            return "refused"
    diverged = [w for w in caught if issubclass(w.category, TrainingDivergedWarning)]
    assert len(diverged) == len(caught) <= 1, [str(w.message) for w in caught]
    assert len(history.epoch) <= arguments.get("epochs", 1)
    if diverged:
        message = str(diverged[0].message)
        assert history.stop_reason == message
        rate = model.optimizer.learning_rate
        assert f"try learning_rate={rate:g}" not in message, message
    else:
        assert all(math.isfinite(v) for values in history.history.values() for v in values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # predict and evaluate never warn
        try:
            predictions = model.predict(X)
            evaluation = model.evaluate(X, y)
        except MlplabError as exc:
            check_refusal(exc)
            return "diverged" if diverged else "refused at predict"
    assert predictions.shape == (len(np.asarray(X)), model.output_layer.units)
    assert predictions.dtype == model.dtype
    if diverged:
        return "diverged"
    assert np.isfinite(predictions).all(), "NaN predictions without a divergence warning"
    assert all(math.isfinite(v) for v in evaluation.values())
    return "trained"


def example(data, task, n_features):
    """(X, y, arguments): valid, or with one part broken."""
    broken = data.draw(st.sampled_from(PARTS))
    X, n = inputs(data.draw, n_features, broken == "X")
    y = labels(data.draw, task, n, broken == "y")
    arguments = fit_arguments(data.draw, n, broken == "arguments")
    weights = sample_weights(data.draw, n, broken == "weights")
    if weights is not None:
        arguments["sample_weight"] = weights
    return X, y, arguments


@settings(max_examples=380)
@given(data=st.data(), task=st.sampled_from(sorted(TASKS)), n_features=st.integers(1, 3))
def test_fit_predict_evaluate_on_generated_data(data, task, n_features):
    X, y, arguments = example(data, task, n_features)
    model = tiny_net(data.draw, task, n_features)
    event(check_outcome(model, X, y, arguments, engine="numpy"))


@settings(max_examples=25)
@given(data=st.data())
def test_the_default_engine_on_generated_data(data):
    # One net, optimizer and dtype, so that numba compiles few kernels (seconds each, cold).
    X, y, arguments = example(data, "binary", 2)
    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).compile(learning_rate=0.1)
    event(check_outcome(model, X, y, arguments, engine="auto"))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_inputs_beyond_the_bound_are_refused_and_below_it_train_or_warn(dtype):
    bound = input_bound(dtype)  # 2**256 in float64, 2**32 in float32
    assert bound == pytest.approx({"float64": 2.0**256, "float32": 2.0**32}[dtype], rel=1e-7)
    X = np.array([[0.5, -1.0], [1.0, 0.25], [-0.5, 1.0], [0.0, -0.25]])
    y = np.array([0, 1, 1, 0])

    def model():
        return mlplab.Sequential.from_spec([2, 3, 1], random_state=0, dtype=dtype).compile()

    with pytest.raises(MlplabError, match=re.escape(f"above the engine's bound of {bound:.3g}")):
        model().fit(X * bound * 2, y, engine="numpy")
    trained = model()
    assert check_outcome(trained, X, y, {"epochs": 2}, "numpy") == "trained"
    with pytest.raises(MlplabError, match="above the engine's bound"):
        trained.predict(X * bound * 2)
    assert check_outcome(model(), X * bound / 2, y, {"epochs": 2}, "numpy") in (
        "trained", "diverged")
