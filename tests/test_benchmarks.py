"""The benchmark runner keeps working (smoke sizes); speed itself is never asserted here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]


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
