"""The verdict rule on synthetic runs: each case gives the verdict the rule states."""

import numpy as np
import pytest
from scipy import stats

from mlplab.study.spec import Reference
from mlplab.study.verdict import (
    BOOTSTRAP_SEED,
    RULE,
    half_unit,
    judge,
    modes,
    spread,
)


def published(value):
    return Reference(dataset="d", model="m", metric="accuracy", value=value)


RUNS = np.round(np.linspace(0.80, 0.90, 21), 4)  # 0.800, 0.805, ..., 0.900: 5% = 0.805


@pytest.mark.parametrize(("value", "verdict"), [
    (0.85, "typical"),   # the middle
    (0.806, "typical"),  # just inside the 5th percentile
    (0.801, "unusual"),  # between the lowest run and the 5th percentile
    (0.899, "unusual"),  # the upper tail
    (0.95, "not seen"),  # above every run
    (0.70, "not seen"),  # below every run
    (0.91, "not seen"),  # 0.905 to 0.915 misses the runs
    (0.9, "typical"),    # 0.85 to 0.95 meets the 95th percentile
])
def test_inside_in_a_tail_and_outside(value, verdict):
    assert judge(published(value), RUNS).verdict == verdict


def test_a_published_value_stands_for_its_rounding_interval():
    assert half_unit(0.93) == pytest.approx(0.005) and half_unit(0.768) == pytest.approx(5e-4)
    assert half_unit(1.0) == pytest.approx(0.005) and half_unit(1) == pytest.approx(0.005)
    # 40 test samples give accuracies in steps of 0.025: 0.93 is 0.925 rounded
    runs = [0.925] * 12 + [0.95] * 8
    assert judge(published(0.93), runs).verdict == "typical"
    assert judge(published(0.95), runs).verdict == "typical"
    assert judge(published(0.951), runs).verdict == "not seen"  # 0.9505 to 0.9515


def test_the_percentile_and_the_central_interval():
    verdict = judge(published(0.85), RUNS)
    assert verdict.percentile == pytest.approx(stats.percentileofscore(RUNS, 0.85, kind="mean"))
    assert verdict.percentile == pytest.approx(50.0)
    summary = verdict.spread
    assert summary.median == pytest.approx(0.85)
    assert (summary.low, summary.high) == pytest.approx((0.805, 0.895))
    assert summary.runs == tuple(sorted(RUNS))


def test_the_bootstrap_interval_is_scipys_with_the_stated_seed():
    runs = np.random.default_rng(5).normal(0.9, 0.02, 20)
    summary = spread(runs)
    expected = stats.bootstrap((np.sort(runs),), np.mean, n_resamples=2000, method="BCa",
                               rng=np.random.default_rng(BOOTSTRAP_SEED)).confidence_interval
    assert (summary.mean_low, summary.mean_high) == pytest.approx(tuple(expected))
    assert summary.mean_low < np.mean(runs) < summary.mean_high
    assert spread(runs) == summary  # the same report twice
    assert f"seed {BOOTSTRAP_SEED}" in RULE


def test_bimodal_runs_are_split_with_the_share_of_each_mode():
    rng = np.random.default_rng(1)
    stalled, solved = 0.885 + 0.005 * rng.random(9), 0.99 + 0.01 * rng.random(11)
    runs = np.concatenate([stalled, solved])
    found = modes(runs)
    assert len(found) == 2
    assert found[0].share == pytest.approx(0.45) and found[1].share == pytest.approx(0.55)
    assert (found[0].low, found[0].high) == (stalled.min(), stalled.max())
    assert (found[1].low, found[1].high) == (solved.min(), solved.max())
    upper = judge(published(0.995), runs)
    assert upper.verdict == "typical" and upper.mode == 1
    # the gap lies inside the central 90%, but no run is there
    assert judge(published(0.95), runs).verdict == "not seen"
    assert judge(published(0.888), runs).mode == 0


@pytest.mark.parametrize("runs", [
    np.random.default_rng(2).normal(0.9, 0.03, 20),  # one bell
    [0.925] * 12 + [0.95] * 8,  # two neighbouring values of a discrete accuracy
    [0.5] + [0.9 + 0.001 * i for i in range(19)],  # one outlier is no mode
    [0.5, 0.5] + [0.9 + 0.001 * i for i in range(18)],  # two runs: fewer than 3
    [0.5, 0.5, 0.5] + [0.9 + 0.001 * i for i in range(27)],  # 3 of 30: under 15%
    [0.6, 0.6, 0.6, 0.9, 0.9],  # too few runs to tell
])
def test_what_is_not_bimodal(runs):
    assert len(modes(runs)) == 1


def test_a_deterministic_cell_is_exact_or_not_seen():
    assert judge(published(0.88), [0.875], deterministic=True).verdict == "exact"
    assert judge(published(0.88), [0.8795], deterministic=True).verdict == "exact"
    assert judge(published(0.45), [0.475], deterministic=True).verdict == "not seen"
    exact = judge(published(1.0), [1.0], deterministic=True)
    assert exact.n_runs == 1 and exact.spread.mean_low == exact.spread.mean_high == 1.0
    # one run of a seeded net is no deterministic cell: the rule for runs applies
    assert judge(published(0.88), [0.875]).verdict == "typical"
