"""Write every example notebook as an ``.ipynb`` with the outputs of a full run.

The notebooks' sources are the jupytext files in ``examples/notebooks/`` (``e1_...py``:
plain text, reviewed as code). GitHub, Colab and plain Jupyter open ``.ipynb`` files, so each source
also exists as one, with an "Open in Colab" badge and a first cell that installs mlplab
when it runs on Colab, executed top to bottom with the experiment's full settings (not
``MLPLAB_QUICK``) so that the committed file shows real results::

    python examples/build_notebooks.py            # every notebook (minutes: full runs)
    python examples/build_notebooks.py e2_hidden_neurons
    python examples/build_notebooks.py --check    # which .ipynb no longer match their source

``tests/test_notebook_files.py`` fails when a source and its ``.ipynb`` differ.
"""

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent / "notebooks"
# The repository on GitHub that Colab opens the notebooks from.
REPOSITORY = "mlplab/mlplab"
BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
         "(https://colab.research.google.com/github/{repository}/blob/main/"
         "examples/notebooks/{name}.ipynb)")
INSTALL = ('# On Colab, install mlplab first; anywhere else this cell does nothing.\n'
           'import sys\n\n'
           'if "google.colab" in sys.modules:\n'
           '    %pip install --quiet mlplab')
TIMEOUT = 1800  # seconds a cell may run
COLAB_TAG = "colab"  # the cells added for Colab, which the source does not have


def sources(names=()):
    """The jupytext sources, all or those named (by stem)."""
    found = sorted(HERE.glob("*.py"))
    if names:
        found = [path for path in found if path.stem in names]
        missing = set(names) - {path.stem for path in found}
        if missing:
            raise SystemExit(f"no notebook named {', '.join(sorted(missing))}; "
                             f"there are {', '.join(p.stem for p in sources())}")
    return found


def with_colab_cells(path):
    """The source as a notebook, with a badge cell and the Colab install cell after its
    title (its first cell, when that is Markdown), both tagged "colab"."""
    import jupytext
    import nbformat

    notebook = jupytext.read(path)
    cells = [nbformat.v4.new_markdown_cell(BADGE.format(repository=REPOSITORY, name=path.stem)),
             nbformat.v4.new_code_cell(INSTALL)]
    for cell in cells:
        cell.metadata["tags"] = [COLAB_TAG]
    at = 1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0
    notebook.cells[at:at] = cells
    return notebook


def own_cells(notebook):
    """The notebook's cells without those ``with_colab_cells`` added."""
    return [cell for cell in notebook.cells
            if COLAB_TAG not in cell.get("metadata", {}).get("tags", [])]


def stale(path) -> str | None:
    """Why ``path``'s ``.ipynb`` does not match it (missing, or which cell differs), or None."""
    import jupytext
    import nbformat

    built = path.with_suffix(".ipynb")
    if not built.exists():
        return f"{built.name} is missing"
    written = own_cells(nbformat.read(built, as_version=4))
    expected = jupytext.read(path).cells
    if len(written) != len(expected):
        return f"{built.name} has {len(written)} cells, its source {len(expected)}"
    for number, (a, b) in enumerate(zip(written, expected, strict=True), start=1):
        if (a.cell_type, a.source.strip()) != (b.cell_type, b.source.strip()):
            return f"{built.name}: cell {number} differs from the source"
    return None


def build(path):
    """Execute ``path`` in full and write its ``.ipynb``; return the seconds it took."""
    import nbclient
    import nbformat

    notebook = with_colab_cells(path)
    environment = dict(os.environ)
    environment.pop("MLPLAB_QUICK", None)  # the experiment's own settings
    start = time.perf_counter()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment)  # the kernel inherits this process's environment
    try:
        nbclient.NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3",
                                resources={"metadata": {"path": str(HERE)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for cell in notebook.cells:  # no run times in the file: a rebuild changes only results
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(notebook, path.with_suffix(".ipynb"))
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to build (default: all)")
    parser.add_argument("--check", action="store_true",
                        help="only say which .ipynb differ from their source")
    args = parser.parse_args(argv)
    if args.check:
        problems = [why for path in sources(args.names) if (why := stale(path))]
        print("\n".join(problems) or "every .ipynb matches its source")
        return 1 if problems else 0
    for path in sources(args.names):
        print(f"{path.stem}: {build(path):.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
