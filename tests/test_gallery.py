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
            "e5_evaluation.png"]


def test_gallery_writes_every_figure(tmp_path):
    script = Path(__file__).parents[1] / "examples" / "gallery.py"
    result = subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for name in EXPECTED:
        image = Image.open(tmp_path / name)
        assert image.size[0] > 300, name
    assert Image.open(tmp_path / "e2_xor_training.gif").n_frames > 2
