"""Learning-rate schedules against their formulas written out here in plain Python, against
Keras' own test cases and documented examples (and Keras itself where it is installed), and
against scikit-learn's invscaling optimizer."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlplab.engine import schedules
from mlplab.engine.schedules import (
    SCHEDULES,
    Constant,
    CosineDecay,
    ExponentialDecay,
    FromFunction,
    InverseScaling,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    Schedule,
    StepDecay,
)
from mlplab.errors import InvalidInputError, InvalidTypeError, MlplabError, UnknownNameError

N_STEPS = 1000


# -- the formulas, one step at a time, from Keras' and scikit-learn's source ----------------
def exponential(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    p = step / decay_steps
    if staircase:
        p = math.floor(p)
    return initial_learning_rate * decay_rate**p


def piecewise(step, boundaries, values):
    for boundary, value in zip(boundaries, values, strict=False):
        if step <= boundary:
            return value
    return values[-1]


def inverse_time(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    p = step / decay_steps
    if staircase:
        p = math.floor(p)
    return initial_learning_rate / (1 + decay_rate * p)


def cosine(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
           warmup_steps=0):
    def decayed(s):
        fraction = s / decay_steps
        return (1 - alpha) * (0.5 * (1 + math.cos(math.pi * fraction))) + alpha

    if warmup_target is None:
        return initial_learning_rate * decayed(min(step, decay_steps))
    step = min(step, warmup_steps + decay_steps)
    if step < warmup_steps:
        return ((warmup_target - initial_learning_rate) * (step / warmup_steps)
                + initial_learning_rate)
    return warmup_target * decayed(step - warmup_steps)


def inverse_scaling(step, initial_learning_rate, power_t=0.5):
    return float(initial_learning_rate) / (step + 1) ** power_t  # scikit-learn's line


# (schedule, its formula above, exact?): exact where the formula is + - * / and floor only,
# which IEEE arithmetic rounds alike in Python and NumPy; pow and cos may differ by an ulp.
CASES = [
    (Constant(0.1), lambda step: 0.1, True),
    (ExponentialDecay(0.1, 100, 0.5),
     lambda step: exponential(step, 0.1, 100, 0.5), False),
    (ExponentialDecay(0.05, 7, 0.96, staircase=True),
     lambda step: exponential(step, 0.05, 7, 0.96, staircase=True), False),
    (ExponentialDecay(0.05, decay_steps=1.0, decay_rate=0.9),  # Keras' fit test's schedule
     lambda step: exponential(step, 0.05, 1.0, 0.9), False),
    (StepDecay(0.1, 50, 0.5), lambda step: exponential(step, 0.1, 50, 0.5, True), False),
    (PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001]),
     lambda step: piecewise(step, [100, 110, 120], [1.0, 0.1, 0.01, 0.001]), True),
    (PiecewiseConstantDecay([0, 999], [0.5, 0.25, 0.125]),
     lambda step: piecewise(step, [0, 999], [0.5, 0.25, 0.125]), True),
    (InverseTimeDecay(0.1, 10, 0.96), lambda step: inverse_time(step, 0.1, 10, 0.96), True),
    (InverseTimeDecay(0.1, 10, 0.96, staircase=True),
     lambda step: inverse_time(step, 0.1, 10, 0.96, True), True),
    (InverseTimeDecay(0.2, 2.5, 0.0), lambda step: inverse_time(step, 0.2, 2.5, 0.0), True),
    (CosineDecay(1.0, 1000), lambda step: cosine(step, 1.0, 1000), False),
    (CosineDecay(0.1, 300, alpha=0.1), lambda step: cosine(step, 0.1, 300, 0.1), False),
    (CosineDecay(0.0, 500, warmup_target=0.1, warmup_steps=200),
     lambda step: cosine(step, 0.0, 500, 0.0, 0.1, 200), False),
    (CosineDecay(0.05, 400, alpha=0.2, warmup_target=0.2),
     lambda step: cosine(step, 0.05, 400, 0.2, 0.2, 0), False),
    (CosineDecay(0.3, 600, warmup_target=0.1, warmup_steps=100),  # warming *down*
     lambda step: cosine(step, 0.3, 600, 0.0, 0.1, 100), False),
    (InverseScaling(0.01), lambda step: inverse_scaling(step, 0.01), False),
    (InverseScaling(0.1, power_t=0.25), lambda step: inverse_scaling(step, 0.1, 0.25), False),
    (InverseScaling(0.1, power_t=0), lambda step: inverse_scaling(step, 0.1, 0), True),
]
SCHEDULE_CASES = [case[0] for case in CASES]


def bits(array):
    return np.asarray(array, dtype=np.float64).view(np.int64)


@pytest.mark.parametrize("schedule,formula,exact", CASES, ids=repr)
def test_rates_over_1000_steps_equal_the_formula(schedule, formula, exact):
    expected = np.array([formula(step) for step in range(N_STEPS)])
    rates = schedule.rates(np.arange(N_STEPS))
    assert rates.dtype == np.float64 and rates.shape == (N_STEPS,)
    if exact:
        np.testing.assert_array_equal(bits(rates), bits(expected))
    else:  # an ulp or two of pow or cos, and 1 + cos(pi * x) near x = 1 loses digits
        np.testing.assert_allclose(rates, expected, rtol=1e-14, atol=1e-15 * expected.max())


@pytest.mark.parametrize("schedule", SCHEDULE_CASES, ids=repr)
def test_ints_and_arrays_give_the_same_bits(schedule):
    one_by_one = [schedule(step) for step in range(N_STEPS)]
    assert all(type(rate) is float for rate in one_by_one)
    whole = schedule.rates(np.arange(N_STEPS))
    np.testing.assert_array_equal(bits(whole), bits(one_by_one))
    np.testing.assert_array_equal(bits(schedule(np.arange(N_STEPS))), bits(whole))
    # an epoch at a time, as the compiled runner asks, and any shape
    for first in (0, 1, 37, 900):
        np.testing.assert_array_equal(bits(schedule.rates(np.arange(first, first + 100))),
                                      bits(whole[first:first + 100]))
    grid = schedule.rates(np.arange(N_STEPS).reshape(25, 40))
    assert grid.shape == (25, 40)
    np.testing.assert_array_equal(bits(grid.ravel()), bits(whole))
    assert schedule(np.int64(7)) == one_by_one[7] and type(schedule(np.int64(7))) is float
    assert schedule(np.array(7)).shape == () and schedule(np.array(7)) == one_by_one[7]
    assert schedule.rates(np.array([], dtype=np.int64)).shape == (0,)


def test_one_step_is_computed_as_a_whole_array_is():
    # NumPy's pow of a 0-d array is the C library's, 0.1 ** 2 = 0.010000000000000002; its
    # SIMD loop over a 1-D array may give 0.01. schedule(step) must take the array's path.
    schedule = StepDecay(1.0, 3, 0.1)
    whole = schedule.rates(np.arange(10))
    assert bits(schedule(6)) == bits(whole[6]) == bits(schedule.rates(np.array([6])))[0]
    assert bits(schedule.rates(np.array(6))) == bits(whole[6])


# -- Keras' own test cases (keras/src/optimizers/schedules/learning_rate_schedule_test.py) ---
KERAS_TESTS = [  # (schedule, step, expected), each checked there with assertAllClose(1e-6)
    (ExponentialDecay(0.05, 10, 0.96), 5, 0.05 * 0.96 ** (5.0 / 10.0)),
    (ExponentialDecay(0.1, 3, 0.96, staircase=True), 1, 0.1),
    (ExponentialDecay(0.1, 3, 0.96, staircase=True), 2, 0.1),
    (ExponentialDecay(0.1, 3, 0.96, staircase=True), 100, 0.1 * 0.96 ** (100 // 3)),
    *[(PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001]), step, value)
      for step, value in [(100, 1.0), (105, 0.1), (110, 0.1), (120, 0.01), (999, 0.001)]],
    *[(PiecewiseConstantDecay([1, 2, 3], [0.4, 0.5, 0.6, 0.7]), step, value)
      for step, value in [(0, 0.4), (1, 0.4), (2, 0.5), (3, 0.6), (4, 0.7)]],
    *[(InverseTimeDecay(0.1, 10, 0.96), i, 0.1 / (1 + i / 10 * 0.96)) for i in range(11)],
    *[(InverseTimeDecay(0.1, 10, 0.96, staircase=True), i, 0.1 / (1 + 0.96 * (i // 10)))
      for i in range(11)],
    *[(CosineDecay(1.0, 1000, alpha=alpha), step,
       (1 - alpha) * 0.5 * (1 + math.cos(math.pi * min(step, 1000) / 1000)) + alpha)
      for alpha in (0.0, 0.1) for step in range(0, 1500, 250)],
    # test_warmup: Keras' linear_warmup helper, from an initial rate of 0
    *[(CosineDecay(0.0, 10, warmup_target=10.0, warmup_steps=1500), step, step / 1500 * 10.0)
      for step in range(0, 1500, 250)],
    # test_warmup_decay
    *[(CosineDecay(0.0, 1000, warmup_target=10.0, warmup_steps=2000), step,
       step / 2000 * 10.0 if step < 2001 else
       10.0 * 0.5 * (1 + math.cos(math.pi * min(step - 2000, 1000) / 1000)))
      for step in range(0, 3000, 250)],
]


@pytest.mark.parametrize("schedule,step,expected", KERAS_TESTS)
def test_keras_own_test_cases(schedule, step, expected):
    assert schedule(step) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_keras_documented_piecewise_example():
    # "a learning rate that's 1.0 for the first 100001 steps, 0.5 for the next 10000 steps,
    # and 0.1 for any additional steps"
    schedule = PiecewiseConstantDecay(boundaries=[100000, 110000], values=[1.0, 0.5, 0.1])
    rates = schedule.rates(np.arange(120000))
    assert np.count_nonzero(rates == 1.0) == 100001 and rates[100000] == 1.0
    assert np.count_nonzero(rates == 0.5) == 10000 and rates[110000] == 0.5
    assert np.all(rates[110001:] == 0.1)


def test_cosine_decay_ends_at_alpha_and_stays_there():
    schedule = CosineDecay(0.1, decay_steps=1000)
    assert schedule(0) == 0.1 and schedule(500) == pytest.approx(0.05, rel=1e-15)
    assert schedule(1000) == 0.0 and schedule(10**9) == 0.0  # documented: alpha=0 ends at 0
    assert CosineDecay(0.1, 1000, alpha=0.01)(10**6) == pytest.approx(0.001, rel=1e-15)
    warm = CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=100)
    assert warm(0) == 0.0 and warm(50) == pytest.approx(0.05) and warm(100) == 0.1


KERAS_NAMES = {StepDecay: "ExponentialDecay"}


@pytest.mark.parametrize("schedule", [s for s in SCHEDULE_CASES
                                      if type(s) not in (Constant, InverseScaling)], ids=repr)
def test_equal_to_keras_in_float64(schedule):
    keras = pytest.importorskip("keras")
    if getattr(keras, "__file__", None) is None:  # tests/keras (mlplab.keras' tests) as a
        pytest.skip("keras is not installed")  # namespace package, not the real Keras
    args = {key: np.float64(value) if isinstance(value, float) else value
            for key, value in schedule.config().items() if key != "name"}
    if isinstance(schedule, StepDecay):
        args["staircase"] = True
    if "values" in args:
        args["values"] = [np.float64(value) for value in args["values"]]
    kind = getattr(keras.optimizers.schedules, KERAS_NAMES.get(type(schedule),
                                                                type(schedule).__name__))
    theirs = kind(**args)
    floatx = keras.config.floatx()
    keras.config.set_floatx("float64")  # some backends make a float64 scalar floatx
    try:
        for step in range(0, N_STEPS, 7):
            value = float(keras.ops.convert_to_numpy(theirs(step)))
            assert schedule(step) == pytest.approx(value, rel=1e-12, abs=1e-15), step
    finally:
        keras.config.set_floatx(floatx)


# -- scikit-learn's invscaling --------------------------------------------------------------
def test_inverse_scaling_is_scikit_learns_rate_at_time_step():
    optimizers = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    theirs = optimizers.SGDOptimizer([np.zeros(2)], learning_rate_init=0.05,
                                     lr_schedule="invscaling", power_t=0.3)
    ours = InverseScaling(0.05, power_t=0.3)
    for t in (0, 1, 2, 10, 150, 12345):
        theirs.iteration_ends(t)
        assert ours(t) == pytest.approx(theirs.learning_rate, rel=1e-15)


def test_scikit_learns_epochs_train_at_the_rate_of_the_samples_seen():
    # The docstring's claim: epoch e trains at InverseScaling(...)(e * n_train).
    neural_network = pytest.importorskip("sklearn.neural_network")
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    mlp = neural_network.MLPClassifier(hidden_layer_sizes=(3,), solver="sgd", batch_size=7,
                                       learning_rate="invscaling", learning_rate_init=0.1,
                                       power_t=0.5, random_state=0)
    ours = InverseScaling(0.1, power_t=0.5)
    for epoch in range(1, 5):
        mlp.partial_fit(X, y, classes=[0, 1])  # one epoch; the rate of the next one
        assert mlp._optimizer.learning_rate == pytest.approx(ours(epoch * len(X)), rel=1e-15)


# -- arguments ------------------------------------------------------------------------------
BAD = [  # (make, error, words of the message that name the problem or the fix)
    (lambda: Constant(-0.1), InvalidInputError, "positive, finite number. Try Constant("),
    (lambda: Constant(0), InvalidInputError, "positive"),
    (lambda: Constant(math.inf), InvalidInputError, "finite"),
    (lambda: Constant("0.1"), InvalidTypeError, "not a str"),
    (lambda: ExponentialDecay(0.1, 100, -0.5), InvalidInputError, "decay_rate must be a number "
     "in (0, 1]. Try ExponentialDecay(initial_learning_rate=0.1, decay_steps=100"),
    (lambda: ExponentialDecay(0.1, 100, 1.5), InvalidInputError, "(0, 1]"),
    (lambda: ExponentialDecay(0.1, 0, 0.5), InvalidInputError, "decay_steps must be a finite "
     "number >= 1"),
    (lambda: ExponentialDecay(0.1, -3, 0.5), InvalidInputError, "decay_steps"),
    (lambda: ExponentialDecay(0.1, 0.5, 0.5), InvalidInputError, ">= 1"),
    (lambda: ExponentialDecay(-0.1, 10, 0.5), InvalidInputError, "initial_learning_rate"),
    (lambda: ExponentialDecay(math.nan, 10, 0.5), InvalidInputError, "finite"),
    (lambda: ExponentialDecay(0.1, 10, 0.5, staircase="yes"), InvalidTypeError,
     "True or False"),
    (lambda: StepDecay(0.1, 0, 0.5), InvalidInputError, "Try StepDecay("),
    (lambda: PiecewiseConstantDecay([200, 100], [0.1, 0.01, 0.001]), InvalidInputError,
     "must increase; 100 follows 200. Try PiecewiseConstantDecay(boundaries=[100, 200]"),
    (lambda: PiecewiseConstantDecay([100, 100], [0.1, 0.01, 0.001]), InvalidInputError,
     "100 follows 100"),
    (lambda: PiecewiseConstantDecay([100], [0.1, 0.01, 0.001]), InvalidInputError,
     "1 boundaries make 2 pieces, so values needs 2 rates; got 3"),
    (lambda: PiecewiseConstantDecay([100, 200], [0.1]), InvalidInputError, "needs 3 rates"),
    (lambda: PiecewiseConstantDecay([], [0.1]), InvalidTypeError, "non-empty list"),
    (lambda: PiecewiseConstantDecay(100, [0.1, 0.01]), InvalidTypeError, "non-empty list"),
    (lambda: PiecewiseConstantDecay([-1], [0.1, 0.01]), InvalidInputError, "boundaries[0]"),
    (lambda: PiecewiseConstantDecay([10.5], [0.1, 0.01]), InvalidTypeError, "int"),
    (lambda: PiecewiseConstantDecay([10], [0.1, -0.01]), InvalidInputError, "values[1]"),
    (lambda: PiecewiseConstantDecay([10], [0.1, math.nan]), InvalidInputError, "finite"),
    (lambda: InverseTimeDecay(0.1, 10, -0.5), InvalidInputError, "decay_rate must be a finite "
     "number >= 0. Try InverseTimeDecay("),
    (lambda: InverseTimeDecay(0.1, 0, 0.5), InvalidInputError, "decay_steps"),
    (lambda: CosineDecay(0.1, 0), InvalidInputError, "decay_steps"),
    (lambda: CosineDecay(0.0, 100), InvalidInputError, "positive"),
    (lambda: CosineDecay(0.1, 100, alpha=-0.1), InvalidInputError, "alpha must be a number in "
     "[0, 1]"),
    (lambda: CosineDecay(0.1, 100, alpha=2), InvalidInputError, "[0, 1]"),
    (lambda: CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=-1), InvalidInputError,
     "warmup_steps must be an int from 0"),
    (lambda: CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=1.5), InvalidTypeError,
     "warmup_steps"),
    (lambda: CosineDecay(0.1, 100, warmup_steps=10), InvalidInputError,
     "a warm-up needs warmup_target"),
    (lambda: CosineDecay(0.1, 100, warmup_target=-1.0, warmup_steps=10), InvalidInputError,
     "warmup_target must be None or a positive"),
    (lambda: CosineDecay(-0.1, 100, warmup_target=1.0, warmup_steps=10), InvalidInputError,
     "finite number >= 0"),
    (lambda: InverseScaling(0.1, power_t=-0.5), InvalidInputError, "power_t must be a finite "
     "number >= 0. Try InverseScaling("),
    (lambda: InverseScaling(0.0), InvalidInputError, "initial_learning_rate"),
    (lambda: FromFunction(0.1), InvalidTypeError, "give a function of the step"),
    (lambda: FromFunction(ExponentialDecay), InvalidTypeError, "function of the step"),
]


@pytest.mark.parametrize("make,error,words", BAD)
def test_bad_arguments_are_refused_with_the_fix(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value)
    assert isinstance(info.value, MlplabError)


@pytest.mark.parametrize("step", [-1, np.array([3, -2]), 1.0, True, None, "3", 2**70,
                                  np.array([1.5])])
def test_steps_are_ints_from_0(step):
    with pytest.raises((InvalidInputError, InvalidTypeError), match="step"):
        ExponentialDecay(0.1, 10, 0.5)(step)


# -- get, config ----------------------------------------------------------------------------
@pytest.mark.parametrize("schedule", SCHEDULE_CASES, ids=repr)
def test_config_round_trip(schedule):
    config = schedule.config()
    assert json.loads(json.dumps(config)) == config
    assert config["name"] in SCHEDULES
    again = schedules.from_config(json.loads(json.dumps(config)))
    assert type(again) is type(schedule) and again.config() == config
    assert repr(again) == repr(schedule)
    np.testing.assert_array_equal(bits(again.rates(np.arange(N_STEPS))),
                                  bits(schedule.rates(np.arange(N_STEPS))))
    assert schedules.get(config).config() == config


def test_config_keeps_the_arguments_as_given():
    assert ExponentialDecay(0.1, 100, 0.5).config() == {
        "name": "exponential_decay", "initial_learning_rate": 0.1, "decay_steps": 100,
        "decay_rate": 0.5, "staircase": False}
    assert repr(CosineDecay(0.1, 1000)) == ("CosineDecay(initial_learning_rate=0.1, "
                                            "decay_steps=1000, alpha=0.0, warmup_target=None, "
                                            "warmup_steps=0)")
    assert PiecewiseConstantDecay(np.array([5, 9]), (1, 0.5, 0.25)).config() == {
        "name": "piecewise_constant_decay", "boundaries": [5, 9], "values": [1.0, 0.5, 0.25]}


def test_get_resolves_each_form():
    schedule = ExponentialDecay(0.1, 100, 0.5)
    assert schedules.get(schedule) is schedule
    assert isinstance(schedules.get(0.05), Constant) and schedules.get(0.05)(99) == 0.05
    assert schedules.get(np.float32(0.5))(0) == 0.5
    built = schedules.get({"name": "ExponentialDecay", "initial_learning_rate": 0.1,
                           "decay_steps": 100, "decay_rate": 0.5})  # the Keras class name
    assert isinstance(built, ExponentialDecay)
    wrapped = schedules.get(lambda step: 0.1 / (1 + step))
    assert isinstance(wrapped, FromFunction) and wrapped(3) == 0.025


@pytest.mark.parametrize("identifier", [True, "exponential_decay", None, [0.1],
                                        ExponentialDecay, np.array([0.1])])
def test_get_refuses_other_things_naming_the_forms(identifier):
    with pytest.raises(InvalidTypeError, match="give a number .* a schedule such as .* config "
                                               "dict .* a function of the step"):
        schedules.get(identifier)


def test_get_refuses_a_bad_number_as_constant_does():
    with pytest.raises(InvalidInputError, match="positive, finite"):
        schedules.get(-0.1)


def test_config_errors_name_the_fix():
    with pytest.raises(UnknownNameError, match="Did you mean 'exponential_decay'.*Valid names: "
                                               "constant, cosine_decay"):
        schedules.get({"name": "exponential_dacay", "initial_learning_rate": 0.1})
    with pytest.raises(InvalidInputError, match="got 'decay_step'; it takes: "
                                                ".*Did you mean 'decay_steps'"):
        schedules.get({"name": "exponential_decay", "initial_learning_rate": 0.1,
                       "decay_step": 100, "decay_rate": 0.5})
    with pytest.raises(InvalidInputError, match="needs decay_steps, decay_rate; e.g. "):
        schedules.get({"name": "exponential_decay", "initial_learning_rate": 0.1})
    with pytest.raises(InvalidTypeError, match="by name"):
        schedules.get({"initial_learning_rate": 0.1})
    with pytest.raises(InvalidTypeError, match="give a dict"):
        schedules.from_config([("name", "constant")])


# -- functions as schedules -----------------------------------------------------------------
def halving(step):
    return 0.1 * 0.5 ** (step // 100)


def test_a_function_is_called_per_step_with_a_python_int():
    seen = []
    schedule = FromFunction(lambda step: seen.append(type(step)) or 0.1)
    assert schedule.rates(np.arange(5)).tolist() == [0.1] * 5
    assert seen == [int] * 5
    wrapped = FromFunction(halving)
    np.testing.assert_array_equal(wrapped.rates(np.arange(N_STEPS)),
                                  [halving(step) for step in range(N_STEPS)])
    assert wrapped(250) == 0.025 and type(wrapped(250)) is float
    assert wrapped.rates(np.arange(6).reshape(2, 3)).shape == (2, 3)
    assert FromFunction(lambda step: np.float32(0.5))(0) == 0.5
    assert FromFunction(lambda step: np.array(0.25))(0) == 0.25
    assert FromFunction(lambda step: 0)(0) == 0.0  # a rate of 0 is allowed: no update
    assert repr(wrapped) == "FromFunction(halving)"
    assert wrapped.config() == {"name": "from_function", "function": "halving"}


@pytest.mark.parametrize("value,error,words", [
    (-0.1, InvalidInputError, "returned -0.1 at step 3; a learning rate must be a finite "
     "number >= 0"),
    (math.nan, InvalidInputError, "returned nan at step 3"),
    (math.inf, InvalidInputError, "returned inf at step 3"),
    ("0.1", InvalidTypeError, "returned '0.1' at step 3; it must return a number"),
    (None, InvalidTypeError, "returned None at step 3"),
    (True, InvalidTypeError, "returned True at step 3"),
    (np.array([0.1, 0.2]), InvalidTypeError, "at step 3"),
])
def test_a_function_returning_a_bad_rate_is_refused_naming_the_step(value, error, words):
    schedule = schedules.get(lambda step: value if step == 3 else 0.1)
    assert schedule(2) == 0.1
    with pytest.raises(error) as info:
        schedule.rates(np.arange(10))
    assert words in str(info.value) and "<lambda>" in str(info.value)


def test_a_function_schedule_config_cannot_be_rebuilt():
    with pytest.raises(InvalidInputError, match="'halving' was made from a function"):
        schedules.from_config(FromFunction(halving).config())


def test_a_subclass_needs_only_its_formula():
    class Halving(Schedule):
        name = "halving"
        arguments = ("initial_learning_rate",)

        def __init__(self, initial_learning_rate):
            self.initial_learning_rate = initial_learning_rate

        def formula(self, step):
            return self.initial_learning_rate * 0.5 ** np.floor(step / 10)

    schedule = Halving(0.8)
    assert schedule(25) == 0.2 and schedule.rates(np.arange(30))[10] == 0.4
    assert schedule.config() == {"name": "halving", "initial_learning_rate": 0.8}
    assert repr(schedule) == "Halving(initial_learning_rate=0.8)"
    with pytest.raises(NotImplementedError):
        Schedule()(0)


# -- properties -----------------------------------------------------------------------------
rates_ = st.floats(min_value=5e-324, max_value=1e300)
steps_ = st.one_of(st.integers(1, 10**6), st.floats(1, 1e300))
fractions_ = st.floats(0, 1)
any_schedule = st.one_of(
    st.builds(Constant, rates_),
    st.builds(ExponentialDecay, rates_, steps_, st.floats(5e-324, 1), st.booleans()),
    st.builds(StepDecay, rates_, steps_, st.floats(5e-324, 1)),
    st.builds(InverseTimeDecay, rates_, steps_, st.floats(0, 1e300), st.booleans()),
    st.builds(CosineDecay, rates_, steps_, fractions_),
    st.builds(CosineDecay, st.floats(0, 1e300), steps_, fractions_, rates_,
              st.integers(0, 10**6)),
    st.builds(InverseScaling, rates_, st.floats(0, 1e3)),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=5, unique=True).flatmap(
        lambda bounds: st.builds(PiecewiseConstantDecay, st.just(sorted(bounds)),
                                 st.lists(rates_, min_size=len(bounds) + 1,
                                          max_size=len(bounds) + 1))),
)
some_steps = st.lists(st.one_of(st.integers(0, 3000), st.integers(0, 2**63 - 1)),
                      min_size=1, max_size=20)


@settings(max_examples=150)
@given(any_schedule, some_steps)
def test_every_rate_is_finite_and_not_negative_and_alike_one_by_one(schedule, steps):
    rates = schedule.rates(np.array(steps, dtype=np.int64))
    assert np.all(np.isfinite(rates)) and np.all(rates >= 0), (schedule, steps, rates)
    np.testing.assert_array_equal(bits(rates), bits([schedule(step) for step in steps]))
    again = schedules.from_config(json.loads(json.dumps(schedule.config())))
    np.testing.assert_array_equal(bits(again.rates(np.array(steps))), bits(rates))


decaying = st.one_of(
    st.builds(ExponentialDecay, rates_, steps_, st.floats(5e-324, 1), st.booleans()),
    st.builds(InverseTimeDecay, rates_, steps_, st.floats(0, 1e300), st.booleans()),
    st.builds(CosineDecay, rates_, steps_, fractions_),
    st.builds(InverseScaling, rates_, st.floats(0, 1e3)),
)


@settings(max_examples=100)
@given(decaying, st.integers(0, 10**9))
def test_a_decay_never_rises(schedule, first):
    rates = schedule.rates(np.arange(first, first + 200))
    assert np.all(np.diff(rates) <= 4 * np.spacing(rates[:-1])), schedule


anything = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6),
                     st.sampled_from([2**63, 10**400, -(2**63)]),
                     st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
                     st.lists(st.one_of(st.integers(-5, 500), st.floats()), max_size=4),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                     st.just(np.array([1, 2])), st.just(np.float64(0.5)))


@settings(max_examples=200)
@given(st.sampled_from(sorted(SCHEDULES)), st.lists(anything, max_size=5))
def test_any_arguments_give_a_sound_schedule_or_a_clean_error(name, args):
    kind = SCHEDULES[name]
    try:
        schedule = kind(*args)
    except MlplabError as error:
        message = str(error)
        assert isinstance(error, (ValueError, TypeError)) and len(message) < 400
        assert not re.search(r"could not convert|ufunc|not iterable|not supported between|"
                             r"has no attribute|truth value|too large to convert", message)
        return
    except TypeError as error:  # too many or too few positional arguments: Python's own
        assert "argument" in str(error)
        return
    rates = schedule.rates(np.array([0, 1, 10, 1000, 2**62]))
    assert np.all(np.isfinite(rates)) and np.all(rates >= 0)


# -- the guide's examples -------------------------------------------------------------------
GUIDE = Path(__file__).parents[2] / "docs" / "guide" / "training.md"


def guide_blocks():
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def schedules_are_wired():
    import mlplab

    try:
        mlplab.SGD(learning_rate=ExponentialDecay(0.1, 100, 0.5))
    except MlplabError:
        return False
    return True


def test_the_guide_examples_run():
    wired = schedules_are_wired()
    namespace = {}
    ran = 0
    for block in guide_blocks():
        if "SGD(" in block or ".fit(" in block or "compile(" in block:
            if not wired:
                continue  # the optimizers take a schedule once they are wired to this module
        exec(compile(block, str(GUIDE), "exec"), namespace)
        ran += 1
    assert ran >= 6
