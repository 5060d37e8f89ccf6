import numpy as np
import pytest

import mlplab
from mlplab.engine.layers import Dense, Dropout
from mlplab.errors import (
    InvalidInputError,
    InvalidTypeError,
    MlplabError,
    NotFittedError,
    SpecError,
    UnknownNameError,
)

E4_SPEC = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]


@pytest.fixture
def xor_data(rng):
    X = rng.uniform(-1, 1, size=(200, 2))
    return X, (X[:, 0] * X[:, 1] < 0).astype(int)


def small_model(random_state=0, **kwargs):
    model = mlplab.Sequential.from_spec([2, 6, 1], activation="tanh",
                                        random_state=random_state, **kwargs)
    return model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"],
                         learning_rate=0.05)


# -- specs -------------------------------------------------------------------------
@pytest.mark.parametrize("through", ["train_step", "numpy", "auto"])
def test_a_hand_worked_training_step(through):
    # One sigmoid unit, w = 0.5, b = 0, x = 2, y = 1: z = 1, p = sigmoid(1),
    # dL/dw = (p - 1) x, dL/db = p - 1; SGD(0.1) subtracts 0.1 times those. The step is
    # the engine's own (train_step, and fit on the NumPy runner), and the default
    # runner's (compiled where numba is installed) gives the same numbers.
    model = mlplab.Sequential([Dense(1, "sigmoid", input_dim=1)]).build()
    model.set_weights([np.array([[0.5]]), np.array([0.0])])
    model.compile(optimizer=mlplab.SGD(learning_rate=0.1))
    if through == "train_step":
        model.train_step(np.array([[2.0]]), np.array([[1.0]]))
    else:
        history = model.fit([[2.0]], [1], epochs=1, engine=through)
        assert through == "auto" or history.runner == "numpy"
    p = 1 / (1 + np.exp(-1.0))
    kernel, bias = model.get_weights()
    assert kernel[0, 0] == pytest.approx(0.5 - 0.1 * (p - 1) * 2, rel=1e-15)
    assert bias[0] == pytest.approx(-0.1 * (p - 1), rel=1e-15)


def test_size_list_and_dict_spec_build_the_same_network():
    from_sizes = mlplab.Sequential.from_spec([2, 25, 50, 50, 25, 1], activation="relu").build()
    from_dicts = mlplab.Sequential.from_spec(E4_SPEC).build()
    assert from_sizes.count_params() == from_dicts.count_params() == 75 + 1300 + 2550 + 1275 + 26
    assert [layer.activation.name for layer in from_dicts.layers] == ["relu"] * 4 + ["sigmoid"]
    rebuilt = mlplab.Sequential.from_spec(from_dicts.to_spec()).build()
    assert rebuilt.to_spec() == from_dicts.to_spec()


def test_e1_stack_has_21_parameters_and_a_summary():
    model = mlplab.Sequential.from_spec([2, 2, 2, 2, 1], activation="linear").build()
    text = model.summary(print_fn=None)
    assert model.count_params() == 21
    assert "total parameters: 21" in text and text.count("Dense") == 4


def test_mismatched_dims_name_both_layers_and_numbers():
    spec = [dict(layer) for layer in E4_SPEC]
    spec[2]["input_dim"] = 30
    with pytest.raises(SpecError, match="layer 3 has input_dim=30 but layer 2 has output_dim=50"):
        mlplab.Sequential.from_spec(spec)


@pytest.mark.parametrize("spec,message", [
    ([2], "need the input width"),
    ([2, 0, 1], "layer 1 width is 0"),
    ([2, "x", 1], "layer 1 width is 'x'"),
    ([{"input_dim": 2, "outptu_dim": 3}], "unknown key 'outptu_dim'. Did you mean 'output_dim'"),
    ([{"input_dim": 2}], "no output_dim"),
    ([{"input_dim": 2, "output_dim": -4}], "output_dim=-4"),
    ([{"type": "dropuot", "rate": 0.1}], "type='dropuot'"),
    ("2,4,1", "give a list of sizes"),
])
def test_bad_specs_are_rejected_with_the_reason(spec, message):
    with pytest.raises(SpecError, match=message):
        mlplab.Sequential.from_spec(spec)


def test_bad_layer_arguments():
    with pytest.raises(InvalidInputError, match=r"Dense\(units=-3\).*Try Dense\(16\)"):
        Dense(-3)
    with pytest.raises(InvalidTypeError, match="units must be a positive int"):
        Dense(2.5)
    with pytest.raises(UnknownNameError, match="Did you mean 'tanh'"):
        Dense(3, activation="tahn")
    with pytest.raises(InvalidInputError, match="rate must be a number in"):
        Dropout(1.0)
    with pytest.raises(InvalidTypeError, match="not an mlplab layer"):
        mlplab.Sequential([Dense(2), "relu"])
    with pytest.raises(InvalidInputError, match="dtype='float16'"):
        mlplab.Sequential([Dense(2)], dtype="float16")


# -- compile and fit -----------------------------------------------------------------
def test_compile_errors():
    model = mlplab.Sequential.from_spec([2, 3, 1])
    with pytest.raises(UnknownNameError, match="Unknown optimizer 'sgdd'"):
        model.compile(optimizer="sgdd")
    with pytest.raises(UnknownNameError, match="Unknown loss"):
        model.compile(loss="hinge")
    with pytest.raises(InvalidInputError, match="needs an output layer with activation 'softmax'"):
        model.compile(loss="categorical_crossentropy")
    with pytest.raises(NotFittedError, match="call compile"):
        model.fit([[0.0, 1.0]], [1])


def test_same_seed_is_bit_identical_and_different_seeds_differ(xor_data):
    X, y = xor_data
    runs = []
    for seed in (7, 7, 8):
        model = small_model(seed)
        history = model.fit(X, y, epochs=5, batch_size=16, validation_split=0.2)
        runs.append((model.get_weights(), history.history))
    (w1, h1), (w2, h2), (w3, h3) = runs
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2, strict=True))
    assert h1 == h2
    assert not np.array_equal(w1[0], w3[0]) and h1 != h3


def test_fit_learns_xor_and_reports_history(xor_data):
    X, y = xor_data
    model = mlplab.Sequential.from_spec([2, 8, 1], activation="tanh", random_state=0)
    model.compile(metrics=["accuracy"], learning_rate=0.05)
    history = model.fit(X, y, epochs=150, batch_size=32, validation_data=(X[:50], y[:50]))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert len(history.history["loss"]) == 150 and history.epoch[-1] == 149
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate(X, y)["accuracy"] > 0.9
    assert model.predict(X).shape == (200, 1)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(model.predict_classes(X), (proba[:, 1] > 0.5).astype(int))


@pytest.mark.parametrize("batch_size,steps", [(None, 1), (1, 200), (64, 4)])
def test_batch_size_sets_steps_per_epoch(batch_size, steps, xor_data):
    model = small_model()
    model.fit(*xor_data, epochs=2, batch_size=batch_size)
    assert model.steps == 2 * steps


def test_full_batch_loss_is_the_loss_before_each_step(xor_data):
    X, y = xor_data
    model = small_model()
    model.build(2)
    before = model.evaluate(X, y)["loss"]
    history = model.fit(X, y, epochs=1, batch_size=None)
    assert history.history["loss"][0] == pytest.approx(before)


def test_float32_is_kept_end_to_end(xor_data):
    model = small_model(dtype="float32")
    model.fit(*xor_data, epochs=2)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model.predict(xor_data[0]).dtype == np.float32


def test_softmax_with_integer_or_one_hot_labels(rng):
    X = rng.normal(size=(90, 2))
    labels = np.argmax(X @ np.array([[1, -1, 0], [0, 1, -1]]), axis=1)
    one_hot = np.eye(3)[labels]
    results = []
    for target in (labels, one_hot):
        model = mlplab.Sequential.from_spec([2, 3], random_state=0)  # softmax output by default
        model.compile(metrics=["accuracy"], learning_rate=0.1)
        results.append(model.fit(X, target, epochs=30, batch_size=None).history)
    assert results[0] == results[1]
    assert results[0]["accuracy"][-1] > 0.9


def test_dropout_is_active_in_training_only(rng):
    model = mlplab.Sequential([Dense(50, "relu", input_dim=2), Dropout(0.5), Dense(1, "sigmoid")],
                              random_state=0).build()
    X = rng.normal(size=(4, 2))
    assert np.array_equal(model.forward(X), model.forward(X))
    assert not np.array_equal(model.forward(X, training=True), model.forward(X, training=True))
    dropped = model.layers[1].forward(np.ones((1000, 50)), training=True)
    assert set(np.unique(dropped)) == {0.0, 2.0}
    assert abs((dropped == 0).mean() - 0.5) < 0.02


def test_regularizer_adds_its_penalty(xor_data):
    X, y = xor_data
    plain = mlplab.Sequential([Dense(3, "tanh", input_dim=2), Dense(1, "sigmoid")],
                              random_state=0).build()
    penalised = mlplab.Sequential([Dense(3, "tanh", input_dim=2, kernel_regularizer={"l2": 0.1}),
                                   Dense(1, "sigmoid")], random_state=0).build()
    plain.compile(), penalised.compile()
    kernel = penalised.layers[0].kernel
    difference = penalised.evaluate(X, y)["loss"] - plain.evaluate(X, y)["loss"]
    assert difference == pytest.approx(0.1 * np.sum(kernel**2))


def test_weights_round_trip_and_shape_errors():
    model = mlplab.Sequential.from_spec([2, 3, 1], random_state=0).build()
    weights = model.get_weights()
    weights[0][:] = 1.0
    model.set_weights(weights)
    assert np.all(model.layers[0].kernel == 1.0)
    with pytest.raises(InvalidInputError, match=r"array 0 has shape \(3, 2\), expected \(2, 3\)"):
        model.set_weights([np.ones((3, 2))] + weights[1:])
    with pytest.raises(InvalidInputError, match="got 1 arrays; this model has 4"):
        model.set_weights(weights[:1])


# -- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize("X,y,message", [
    (np.zeros(10), np.zeros(10), "must be 2-D .* got a 1-D array"),
    (np.zeros((0, 2)), np.zeros(0), "empty"),
    (np.array([[0.0, np.nan]] * 4), np.zeros(4), "NaN or inf .* row 0, column 1"),
    (np.zeros((4, 3)), np.zeros(4), "has 3 features but the model expects 2"),
    (np.zeros((4, 2)), np.zeros(5), "X has 4 samples but y has 5"),
    (np.zeros((4, 2)), np.array([0, 1, 2, 1]), "needs labels 0 or 1"),
    (np.zeros((4, 2)), np.array(["a", "b", "a", "b"]), "needs numeric labels"),
    (np.array([["a", "b"]] * 4), np.zeros(4), "must hold numbers"),
    (np.zeros((4, 2)) + 1j, np.zeros(4), r"complex numbers .* X.real"),
    (np.full((4, 2), 1e300), np.zeros(4), r"above the engine's bound of 1.16e\+77 for float64"),
    ([[0.0, 1.0], [2.0]], [0, 1], "rows have different lengths"),
    (np.array([[0.0, None]] * 4), np.zeros(4), r"X\[0, 1\] is None \(a missing value\)"),
    (np.zeros((4, 2, 1)), np.zeros(4), "must be 2-D"),
    (np.float64(3.0), [0], "a single number"),
    (np.zeros((4, 2)), np.array([0, "a", 1, 0], dtype=object), r"y\[1\] is 'a'"),
    (np.zeros((4, 2)), np.zeros(4) + 1j, "y holds complex numbers"),
])
def test_bad_training_data_gets_a_clear_error(X, y, message):
    model = small_model()
    with pytest.raises(MlplabError, match=message) as info:
        model.fit(X, y)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("kwargs,message", [
    ({"epochs": 0}, r"fit\(epochs=0\): epochs must be a positive int. Try fit\(X, y, epochs=100\)"),
    ({"batch_size": -1}, "batch_size=-1"),
    ({"validation_split": 1.5}, "validation_split"),
    ({"validation_data": ([[0, 1]],)}, "pair"),
    ({"sample_weight": [1, 2]}, "one weight per sample"),
    ({"random_state": "seed"}, "random_state='seed'"),
    ({"batch_size": True}, r"fit\(batch_size=True\): .* not a bool"),
    ({"validation_split": 2}, r"validation_split must be a number in \[0, 1\)"),
    ({"callbacks": 3}, "give a list of callbacks"),
    ({"verbose": "x"}, r"verbose must be one of 0, 1, 2"),
    ({"engine": "fast"}, r"engine must be one of 'auto', 'numpy', 'compiled'"),
    ({"sample_weight": ["a"] * 200}, "sample_weight must hold numbers"),
])
def test_bad_fit_arguments(kwargs, message, xor_data):
    with pytest.raises(MlplabError, match=message):
        small_model().fit(*xor_data, **kwargs)


def test_bools_and_data_frames_are_numbers_and_float32_refuses_what_it_cannot_hold(xor_data):
    import pandas as pd

    X, y = xor_data
    small_model().fit(X > 0, y, epochs=1)  # bools are 0 and 1
    small_model().fit(pd.DataFrame(X), pd.Series(y), epochs=1)
    with pytest.raises(InvalidInputError, match=r"bound of 4.29e\+09 for float32 .* or use "
                                                "dtype='float64'"):
        small_model(dtype="float32").fit(X * 1e39, y)  # beyond float32: refused, no overflow


def test_layer_widths_beyond_memory_are_refused_before_allocation():
    with pytest.raises(SpecError, match=r"layer sizes \[2, 99999999999, 1\] has "
                                        r"399,999,999,997 parameters: .* narrower layers"):
        mlplab.Sequential.from_spec([2, 99999999999, 1])
    with pytest.raises(SpecError, match=r"Dense\(units=9223372036854775808\) on a single input"):
        Dense(2**63)
    wide = mlplab.Sequential([Dense(10**7), Dense(1)])  # the input width comes at build
    with pytest.raises(SpecError, match=r"this network \(100000-10000000-1\) has "
                                        r"1,000,020,000,001 parameters"):
        wide.build(100_000)
    assert not wide.built


@pytest.mark.parametrize("metrics,error,message", [
    (3, InvalidTypeError, r"compile\(metrics=3\): metrics must be a list of names"),
    (["accuarcy"], UnknownNameError, "Did you mean 'accuracy'"),
    ([None], InvalidTypeError, "None is not a metric name"),
])
def test_compile_refuses_bad_metrics_and_changes_nothing(metrics, error, message):
    model = mlplab.Sequential.from_spec([2, 3, 1])
    with pytest.raises(error, match=message):
        model.compile(metrics=metrics)
    assert model.loss is None


def test_finite_weights_that_overflow_the_forward_pass_raise_instead_of_nan():
    model = mlplab.Sequential.from_spec([2, 3, 1], output_activation="linear",
                                        random_state=0).build()
    model.set_weights([np.full((2, 3), 1e200), np.zeros(3), np.full((3, 1), 1e200),
                       np.zeros(1)])
    with pytest.raises(InvalidInputError, match="the forward pass overflowed"):
        model.predict([[1.0, 1.0]])


def test_predict_before_fit_says_what_to_do():
    with pytest.raises(NotFittedError, match="call fit"):  # no input width: no weights yet
        mlplab.Sequential([mlplab.Dense(3), mlplab.Dense(1)]).predict([[0, 0]])


def test_chunked_prediction_equals_one_pass(monkeypatch, rng):
    model = mlplab.Sequential.from_spec([2, 5, 3], random_state=0).build()
    X = rng.normal(size=(103, 2))
    whole_outputs, whole_logits = model.predict(X), model.predict_logits(X)
    monkeypatch.setattr(mlplab.Sequential, "PREDICT_CHUNK", 10)
    np.testing.assert_array_equal(model.predict(X), whole_outputs)
    np.testing.assert_array_equal(model.predict_logits(X), whole_logits)


def test_initial_epoch_resumes_with_the_same_numbers(xor_data):
    # fit(epochs=6) == fit(epochs=3) then fit(epochs=6, initial_epoch=3), as in Keras: the
    # second call trains epochs 3, 4 and 5 and its callbacks and History see those numbers.
    X, y = xor_data
    once = small_model().compile(loss="binary_crossentropy", optimizer="adam")
    whole = once.fit(X, y, epochs=6, shuffle=False, engine="numpy")
    twice = small_model().compile(loss="binary_crossentropy", optimizer="adam")
    twice.fit(X, y, epochs=3, shuffle=False, engine="numpy")
    seen = []

    class Epochs(mlplab.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch)

    rest = twice.fit(X, y, epochs=6, initial_epoch=3, shuffle=False, engine="numpy",
                     callbacks=[Epochs()])
    assert rest.epoch == seen == [3, 4, 5]
    np.testing.assert_allclose(rest.history["loss"], whole.history["loss"][3:], rtol=1e-12)
    with pytest.raises(InvalidInputError, match="initial_epoch must be an int from 0 to 2"):
        twice.fit(X, y, epochs=3, initial_epoch=3)


def test_dense_without_a_bias_and_with_a_bias_penalty(xor_data):
    X, y = xor_data
    model = mlplab.Sequential([Dense(4, "tanh", input_dim=2, use_bias=False),
                               Dense(1, "sigmoid", bias_regularizer={"l2": 0.5})],
                              random_state=0).compile(loss="binary_crossentropy")
    assert model.count_params() == 2 * 4 + 4 + 1  # Keras counts no bias where there is none
    assert [w.shape for w in model.get_weights()] == [(2, 4), (4, 1), (1,)]
    assert mlplab.gradcheck(model, X[:20], y[:20]).max_relative_error < 1e-6
    bias = model.layers[1].bias
    plain = model.evaluate(X, y)["loss"]
    assert model.penalty() == pytest.approx(0.5 * float(bias @ bias))
    history = model.fit(X, y, epochs=2)
    assert history.runner == "numpy" and np.isfinite(plain)
    assert not model.layers[0].bias.any()  # still the zero vector
    rebuilt = mlplab.Sequential.from_spec(model.to_spec()).build()
    assert rebuilt.to_spec() == model.to_spec() and rebuilt.count_params() == 13
    with pytest.raises(InvalidInputError, match="no bias to penalise"):
        Dense(2, use_bias=False, bias_regularizer={"l2": 1.0})
