"""Every example notebook runs top to bottom (with fewer epochs: MLPLAB_QUICK=1)."""

import os
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow
NOTEBOOKS = sorted((Path(__file__).parents[1] / "examples" / "notebooks").glob("*.py"))
# Run first in every notebook: a RuntimeWarning (overflow, invalid value) fails the run.
STRICT = "import warnings\nwarnings.simplefilter('error', RuntimeWarning)"


def execute(path):
    notebook = jupytext.read(path)
    notebook.cells.insert(0, jupytext.reads(STRICT, fmt="py:percent").cells[0])
    os.environ["MLPLAB_QUICK"] = "1"
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return notebook


def outputs(notebook, kind):
    return [output for cell in notebook.cells for output in cell.get("outputs", [])
            if kind in output.get("data", {})]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    notebook = execute(path)
    assert outputs(notebook, "image/png") or outputs(notebook, "text/html")


def test_the_inline_animation_carries_its_frames():
    notebook = execute(next(p for p in NOTEBOOKS if p.stem == "e2_hidden_neurons"))
    players = [o["data"]["text/html"] for o in outputs(notebook, "text/html")
               if "data:image/png;base64" in o["data"]["text/html"]]
    # MLPLAB_QUICK trains 15 epochs: the start and every epoch, 16 frames, all inline.
    assert players and players[0].count("data:image/png;base64") == 16
    assert "https://" not in players[0]


def test_progress_bars_render_in_a_notebook():
    """fit(verbose=1) and a study's bar show in Jupyter (a live widget), with no warning."""
    code = "\n".join([
        STRICT.replace("RuntimeWarning", "Warning"),
        "import mlplab",
        "from mlplab import data",
        "X, y = data.xor(n_samples=64, random_state=0)",
        "model = mlplab.Sequential.from_spec([2, 4, 1], random_state=0).compile()",
        "model.fit(X, y, epochs=5, verbose=1)",
    ])
    notebook = jupytext.reads(code, fmt="py:percent")
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    cell_outputs = notebook.cells[0]["outputs"]
    assert not [o for o in cell_outputs if o.get("name") == "stderr"], cell_outputs
    widgets = outputs(notebook, "application/vnd.jupyter.widget-view+json")
    assert widgets, f"no progress widget among {cell_outputs}"
