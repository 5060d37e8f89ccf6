"""How typical a published figure is among the runs of its setting: the verdict rule.

Every published figure in the reference documents is a single run. The question a
study answers is how that run sits among many runs of the same setup, so each
figure gets the runs' median, their central 90% and a bootstrap interval for their
mean, the published value's percentile among them, and one verdict from
:data:`RULE` (also printed at the top of every report).

Published values are rounded: 0.93 stands for anything in [0.925, 0.935]. The rule
compares that interval, not the bare number, with the runs.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

CENTRAL = 0.90  # the central interval holds this share of the runs: 5th to 95th percentile
BOOTSTRAP_LEVEL = 0.95  # confidence of the bootstrap interval for the mean
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0  # the bootstrap draws its resamples from this seed: reports repeat
MIN_DECIMALS = 2  # a published 1.0 was printed as 1.00 at least
MODE_GAP = 0.05  # two modes need a gap of at least this (5 points of accuracy) ...
MODE_GAP_SHARE = 0.5  # ... and at least half the runs' range,
MODE_MIN_SHARE = 0.15  # with at least 15% of the runs on each side
MODE_MIN_RUNS = 3  # and at least 3

VERDICTS = ("typical", "unusual", "not seen", "exact")
RULE = (
    "A published value given to d decimals (at least 2) stands for anything within half a "
    "unit of its last digit (0.93: 0.925 to 0.935; 1.0: 0.995 to 1.005). "
    "<b>typical</b>: it meets the central 90% of the runs (their 5th to 95th percentile); "
    "<b>unusual</b>: it meets only the outer tails (within the lowest to highest run, "
    "outside the central 90%); <b>not seen</b>: it misses the runs' range, or, when the "
    "runs form two modes, falls in the gap between them; <b>exact</b>: a deterministic "
    "cell (the seed changes nothing, so it runs once) whose run rounds to it (one that "
    "does not is not seen). Two modes: the widest gap between neighbouring sorted runs is "
    "at least 0.05 and at least half their range, with at least 3 runs and 15% of them on "
    "each side. The percentile is the share of runs below the value, ties counted half "
    "(scipy.stats.percentileofscore, kind 'mean'); the interval for the mean is "
    f"scipy.stats.bootstrap's BCa 95% interval from {BOOTSTRAP_RESAMPLES} resamples, "
    f"seed {BOOTSTRAP_SEED}.")


@dataclass(frozen=True)
class Mode:
    """One mode of the runs: its range and the share of runs in it."""

    low: float
    high: float
    share: float


@dataclass(frozen=True)
class Spread:
    """The runs of one setting summarised: order statistics, the mean's interval, modes."""

    runs: tuple
    median: float
    low: float  # the central 90%: the runs' 5th percentile ...
    high: float  # ... and 95th
    mean: float
    mean_low: float  # bootstrap interval for the mean (the mean itself for 1 run or ties)
    mean_high: float
    modes: tuple  # one Mode, or two for a bimodal outcome


@dataclass(frozen=True)
class Verdict:
    """A published value against the runs of its setting."""

    reference: object  # the study's Reference (dataset, model, metric, value, ...)
    spread: Spread
    percentile: float  # 0-100, the published value among the runs
    verdict: str  # one of VERDICTS
    mode: int | None  # which of spread.modes holds the published value, if any
    deterministic: bool = False

    @property
    def n_runs(self):
        return len(self.spread.runs)


def half_unit(value):
    """Half a unit of the last decimal that ``value`` is written with, taking at least
    ``MIN_DECIMALS`` (TOML keeps no trailing zeros: 1.00 reads as 1.0): 0.93 -> 0.005,
    0.768 -> 0.0005, 1.0 -> 0.005."""
    text = repr(float(value))
    if "e" in text:  # 1e-05: take it at face value
        return 0.0
    decimals = len(text.split(".")[1].rstrip("0"))
    # A hair more than half: 0.875 + 0.005 must reach 0.88 despite binary rounding.
    return 0.5 * 10.0 ** -max(decimals, MIN_DECIMALS) * (1 + 1e-9)


def spread(values):
    """:class:`Spread` of the runs ``values`` (a non-empty sequence of numbers)."""
    runs = np.sort(np.asarray(values, dtype=float))
    tail = 100 * (1 - CENTRAL) / 2
    low, median, high = np.percentile(runs, [tail, 50, 100 - tail])
    mean = float(np.mean(runs))
    mean_low, mean_high = _mean_interval(runs, mean)
    return Spread(tuple(float(v) for v in runs), float(median), float(low), float(high), mean,
                  mean_low, mean_high, modes(runs))


def _mean_interval(runs, mean):
    if len(runs) < 2 or runs[0] == runs[-1]:  # nothing to resample: the mean itself
        return mean, mean
    result = stats.bootstrap((runs,), np.mean, confidence_level=BOOTSTRAP_LEVEL,
                             n_resamples=BOOTSTRAP_RESAMPLES, method="BCa",
                             rng=np.random.default_rng(BOOTSTRAP_SEED))
    low, high = result.confidence_interval
    if not (math.isfinite(low) and math.isfinite(high)):  # BCa degenerate: percentiles
        low, high = np.percentile(result.bootstrap_distribution,
                                  [50 * (1 - BOOTSTRAP_LEVEL), 50 * (1 + BOOTSTRAP_LEVEL)])
    return float(low), float(high)


def modes(values):
    """One :class:`Mode` of all runs, or two when the widest gap splits them (see RULE)."""
    runs = np.sort(np.asarray(values, dtype=float))
    whole = (Mode(float(runs[0]), float(runs[-1]), 1.0),)
    if len(runs) < 2 * MODE_MIN_RUNS:
        return whole
    gaps = np.diff(runs)
    cut = int(np.argmax(gaps))  # the gap between runs[cut] and runs[cut + 1]
    below, above = cut + 1, len(runs) - cut - 1
    fewest = min(below, above)
    wide = gaps[cut] >= MODE_GAP and gaps[cut] >= MODE_GAP_SHARE * (runs[-1] - runs[0])
    if not wide or fewest < MODE_MIN_RUNS or fewest < MODE_MIN_SHARE * len(runs):
        return whole
    return (Mode(float(runs[0]), float(runs[cut]), below / len(runs)),
            Mode(float(runs[cut + 1]), float(runs[-1]), above / len(runs)))


def judge(reference, values, deterministic=False):
    """The :class:`Verdict` of ``reference.value`` among the runs ``values`` (see RULE)."""
    value, h = float(reference.value), half_unit(reference.value)
    summary = spread(values)
    percentile = float(stats.percentileofscore(summary.runs, value, kind="mean"))
    near = [i for i, m in enumerate(summary.modes) if m.low - h <= value <= m.high + h]
    mode = near[0] if near else None
    if deterministic:
        verdict = "exact" if near else "not seen"
    elif not near:
        verdict = "not seen"
    elif summary.low - h <= value <= summary.high + h:
        verdict = "typical"
    else:
        verdict = "unusual"
    return Verdict(reference, summary, percentile, verdict, mode, deterministic)
