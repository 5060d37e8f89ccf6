"""The committed .ipynb notebooks: one per jupytext source, in step with it, opened by
nbformat, and holding the outputs of a full run (examples/build_notebooks.py)."""

import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupytext")

EXAMPLES = Path(__file__).parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))
import build_notebooks  # noqa: E402

SOURCES = build_notebooks.sources()


def read(source):
    return nbformat.read(source.with_suffix(".ipynb"), as_version=4)


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_each_notebook_matches_its_source(source):
    assert build_notebooks.stale(source) is None, (
        f"{build_notebooks.stale(source)}: run python examples/build_notebooks.py {source.stem}")


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_each_notebook_is_valid_and_opens_in_colab(source):
    notebook = read(source)
    nbformat.validate(notebook)
    added = [cell for cell in notebook.cells if cell not in build_notebooks.own_cells(notebook)]
    badge, install = added
    assert f"blob/main/examples/notebooks/{source.stem}.ipynb" in badge.source
    assert "google.colab" in install.source and "pip install" in install.source
    # the install cell is the first code cell: on Colab it runs before any import
    assert next(c for c in notebook.cells if c.cell_type == "code") is install


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_each_notebook_holds_a_full_run_without_errors(source):
    cells = [cell for cell in read(source).cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in cells), "a code cell was not run"
    outputs = [output for cell in cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "warnings in the outputs"
    if "viz." in source.read_text(encoding="utf-8"):
        assert any("image/png" in o.get("data", {}) or "text/html" in o.get("data", {})
                   for o in outputs), "no figure"


def printed(source):
    return "".join(output.get("text", "") for cell in read(source).cells
                   if cell.cell_type == "code" for output in cell.outputs)


def test_the_e2_notebook_shows_the_net_learning_xor_and_its_animation_once():
    source = EXAMPLES / "notebooks" / "e2_hidden_neurons.py"
    accuracy = float(re.search(r"accuracy: ([0-9.]+)", printed(source)).group(1))
    assert accuracy >= 0.95  # the experiment's 300 epochs, not MLPLAB_QUICK's 15
    players = [o for cell in read(source).cells if cell.cell_type == "code"
               for o in cell.outputs if "data:image/png;base64" in o.get("data", {}).get(
                   "text/html", "")]
    assert len(players) == 1


def test_an_edited_source_is_reported_until_it_is_rebuilt(tmp_path):
    source = EXAMPLES / "notebooks" / "backprop_by_hand.py"
    copy = tmp_path / source.name
    copy.write_text(source.read_text(encoding="utf-8") + "\n# %%\nprint('one more cell')\n",
                    encoding="utf-8")
    assert "is missing" in build_notebooks.stale(copy)
    (tmp_path / "backprop_by_hand.ipynb").write_bytes(source.with_suffix(".ipynb").read_bytes())
    assert "cells, its source" in build_notebooks.stale(copy)
