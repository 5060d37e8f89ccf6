"""engine/stopping.py: scikit-learn's plateau rule, against hand-worked sequences."""

import math

import numpy as np
import pytest

import mlplab
from mlplab import Dense
from mlplab.engine.stopping import NoImprovement, QuietNaNGuard
from mlplab.errors import InvalidInputError


class FakeOptimizer:
    def __init__(self, rate):
        self.learning_rate = rate

    @property
    def current_learning_rate(self):
        return self.learning_rate


class FakeModel:
    def __init__(self, rate=0.1):
        self.optimizer = FakeOptimizer(rate)
        self.stop_training = False
        self.history = mlplab.History()

    def get_weights(self):
        return ["weights"]


def run(rule, values, key="loss"):
    """Feed the rule one epoch per value; return the epochs (1-based) it stopped after."""
    model = FakeModel()
    rule.set_model(model)
    rule.on_train_begin()
    for epoch, value in enumerate(values):
        rule.on_epoch_end(epoch, {"loss": value} if key == "loss" else {"loss": 0.0})
        if model.stop_training:
            return epoch + 1, model
    return None, model


def test_loss_rule_counts_epochs_not_better_than_best_minus_tol():
    # best 1.0; 0.95 (not < 1.0 - 0.1: count 1, best 0.95), 0.9 (count 2), 0.8 (<0.85: reset),
    # then three flat epochs: count 1, 2, 3 > 2 stops at the 7th epoch.
    stopped, model = run(NoImprovement(tol=0.1, n_iter_no_change=2),
                         [1.0, 0.95, 0.9, 0.8, 0.8, 0.8, 0.8, 0.1])
    assert stopped == 7
    assert "Training loss did not improve more than tol=0.100000 for 2" in (
        model.history.stop_reason)


def test_infinite_patience_never_stops():
    stopped, _ = run(NoImprovement(tol=1e9, n_iter_no_change=math.inf), [1.0] * 50)
    assert stopped is None


def test_score_rule_keeps_the_best_weights():
    scores = iter([0.5, 0.7, 0.69, 0.71, 0.6, 0.6])
    rule = NoImprovement(tol=0.05, n_iter_no_change=2, validation_score=lambda: next(scores))
    stopped, _ = run(rule, range(6), key="score")
    # 0.5 best; 0.7 (>= 0.55: reset, best); 0.69 (< 0.75: 1); 0.71 (< 0.75: 2, best);
    # 0.6 (3 > 2): stop after epoch 5
    assert stopped == 5 and rule.best == 0.71 and rule.scores == [0.5, 0.7, 0.69, 0.71, 0.6]


def test_adaptive_divides_the_rate_by_5_then_stops_below_1e_6():
    rule = NoImprovement(tol=0.1, n_iter_no_change=1, adaptive=True)
    model = FakeModel(rate=1e-5)
    rule.set_model(model)
    rule.on_train_begin()
    for epoch in range(20):
        rule.on_epoch_end(epoch, {"loss": 1.0})
        if model.stop_training:
            break
    # every 2 flat epochs the rate falls by 5: 1e-5, 2e-6, 4e-7 (<= 1e-6: the next
    # plateau stops); the first epoch sets the best
    assert model.optimizer.learning_rate == pytest.approx(4e-7)
    assert epoch + 1 == 7


def test_patience_must_be_a_positive_int_or_inf():
    with pytest.raises(InvalidInputError, match="n_iter_no_change"):
        NoImprovement(n_iter_no_change=0)


def test_quiet_guard_stops_at_nan_without_a_warning(recwarn):
    X = np.array([[1e200, 1.0], [1.0, 1.0]])
    model = mlplab.Sequential([Dense(2, "linear", input_dim=2), Dense(1)], random_state=0)
    model.compile(loss="mse", optimizer=mlplab.SGD(learning_rate=1e10))
    with np.errstate(all="ignore"):
        history = model.fit(X / 1e190, [1.0, 2.0], epochs=50, batch_size=1,
                            callbacks=[QuietNaNGuard()], engine="numpy")
    assert len(history.epoch) < 50 and "loss became" in history.stop_reason
    assert not [w for w in recwarn if "loss" in str(w.message)]
