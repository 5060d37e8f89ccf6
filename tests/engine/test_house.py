"""The layout the engine promises its readers: NumPy only, the fast paths reached in one
place, the archive module blind to models, every module short enough to read."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "mlplab"
ENGINE = sorted((SRC / "engine").glob("*.py"))


def imported(path):
    """Every module name ``path`` imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: p.name)
def test_the_engine_is_numpy_only_and_reaches_the_fast_paths_in_one_place(path):
    names = imported(path)
    assert not any(name.split(".")[0] in ("numba", "llvmlite") for name in names)
    if path.name != "runners.py":
        assert not any(name.startswith("mlplab.fast") for name in names), path.name


def test_the_archive_module_knows_nothing_of_models():
    names = imported(SRC / "engine" / "io.py")
    assert not any(name.startswith("mlplab.engine") for name in names)
    assert "mlplab" not in names  # the version comes from the leaf module


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_is_too_long_to_read(path):
    assert len(path.read_text().splitlines()) <= 600
