"""The gallery script regenerates every reference figure (smoke run with few epochs)."""

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.slow

EXPECTED = ["e1_linear_collapse.png", "e1_boundary_linear.png", "e1_boundary_tanh.png",
            "e2_xor_training.gif", "e2_xor_neurons.png", "e2_xor_network.png",
            "e3_probability.png", "e4_comparison.png", "e5_history.png",
            "e5_test_predictions.png", "e1_hidden_space_linear.png", "e1_hidden_space_tanh.png",
            "e2_xor_warp.gif", "e2_xor_hidden_space.png", "fit1d_sine.png", "fit1d_abs.png",
            "deep_sigmoid_health.png", "e3_landscapes.png", "e1_optimizers.png",
            "e5_evaluation.png", "e3_path.gif"]


SCRIPT = Path(__file__).parents[1] / "examples" / "gallery.py"


def make_gallery(folder):
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(folder)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_gallery_writes_every_figure_and_the_same_bytes_twice(tmp_path):
    make_gallery(tmp_path / "first")
    for name in EXPECTED:
        image = Image.open(tmp_path / "first" / name)
        assert image.size[0] > 300, name
        assert "Software" not in image.info, name  # no version string to change
    assert Image.open(tmp_path / "first" / "e2_xor_training.gif").n_frames > 2
    assert sorted(p.name for p in (tmp_path / "first").iterdir()) == sorted(EXPECTED)
    make_gallery(tmp_path / "again")
    changed = [name for name in EXPECTED if (tmp_path / "first" / name).read_bytes()
               != (tmp_path / "again" / name).read_bytes()]
    assert changed == []
