"""Reduced runs of the shipped studies: the claims that hold robustly."""

import numpy as np
import pytest

from conftest import load, reduced
from mlplab.study import ResultStore, run_study, summarise

pytestmark = pytest.mark.slow


def results(name, tmp_path, epoch_scale=0.1, seeds=2):
    spec, shorten = reduced(load(name), seeds=seeds, epoch_scale=epoch_scale)
    database = tmp_path / f"{name}.sqlite"
    summary = run_study(spec, database=database, jobs=2, transform=shorten)
    assert summary.failed == 0
    with ResultStore(database) as store:
        rows = summarise(store, spec)
    return {(r.dataset, r.model): r.values for r in rows}


def test_e1_linear_stack_stays_linear_and_tanh_bends(tmp_path):
    values = results("e1.toml", tmp_path, epoch_scale=1.0, seeds=2)
    linear = values[("moons", "linear 2-2-2-2-1")]["train_accuracy"]
    assert np.all(np.abs(np.array(linear) - 0.888) < 0.03)
    assert max(values[("moons", "tanh 2-32-32-1 (Q3)")]["train_accuracy"]) > 0.97


def test_e3_deeper_beats_shallower(tmp_path):
    values = results("e3.toml", tmp_path, epoch_scale=0.2)
    none = np.mean(values[("gaussian quantiles", "no hidden layer")]["accuracy"])
    deep = np.mean(values[("gaussian quantiles", "2 hidden layers of 10")]["accuracy"])
    assert none < 0.6 < 0.9 < deep


def test_e4_rbf_beats_poly_on_circles_and_the_net_is_within_reach(tmp_path):
    values = results("e4.toml", tmp_path, epoch_scale=0.3)
    poly = np.mean(values[("circles", "SVC poly")]["accuracy"])
    rbf = np.mean(values[("circles", "SVC rbf")]["accuracy"])
    net = np.mean(values[("circles", "net 2-25-50-50-25-1")]["accuracy"])
    assert rbf > poly + 0.2
    assert net > rbf - 0.1


@pytest.mark.parametrize("name", ["e1.toml", "e2.toml", "e3.toml", "e3_relu.toml", "e4.toml",
                                  "e5.toml"])
def test_every_shipped_study_runs_end_to_end(name, tmp_path):
    spec, shorten = reduced(load(name), seeds=1, epoch_scale=0.02)
    summary = run_study(spec, database=tmp_path / "s.sqlite", jobs=2, transform=shorten)
    assert summary.failed == 0 and summary.ran == summary.total > 0
