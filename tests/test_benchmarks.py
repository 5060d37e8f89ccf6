"""The benchmark runner keeps working (smoke sizes); speed itself is never asserted here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_smoke_run_writes_results_and_the_sweep_figure(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(tmp_path / "r.json"),
         "--figure", str(tmp_path / "sweep.png")],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    tasks = {row["task"] for row in report["rows"]}
    assert {"H", "P", "K", "G", "S", "scale", "width"} <= tasks
    assert any(row["impl"] == "FLOP floor, 1 core" for row in report["rows"])
    assert all(row["value"] > 0 for row in report["rows"])
    assert "goals" in report and report["smoke"] is True
    assert Image.open(tmp_path / "sweep.png").size[0] > 300
    assert "goals (ratio" in result.stdout


@pytest.mark.parametrize(("loop_us", "reachable"), [(300.0, True), (200.0, False)])
def test_a_goal_under_the_flop_floor_is_reported_out_of_reach(loop_us, reachable):
    from benchmarks.__main__ import unreachable_below_floor

    rows = [{"task": "H", "impl": "mlplab", "value": 120.0, "unit": "us/epoch"},
            {"task": "H", "impl": "plain NumPy loop", "value": loop_us, "unit": "us/epoch"},
            {"task": "H", "impl": "FLOP floor, 1 core", "value": 100.0, "unit": "us/epoch"}]
    why = unreachable_below_floor(rows, "H", "plain NumPy loop", 2.5)
    # 2.5x faster than a 300 us loop is 120 us, above the 100 us floor: reachable.
    assert (why == "") == reachable
    if not reachable:
        assert "2.00x the FLOP floor" in why
