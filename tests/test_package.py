"""The package's front door: submodules load lazily on attribute access."""

import subprocess
import sys

import pytest


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_bare_import_does_not_load_plotting_scikit_learn_or_numba():
    loaded = run("import sys, mlplab; print(sorted(m for m in ('matplotlib', 'sklearn', "
                 "'mlplab.viz', 'numba') if m in sys.modules))")
    assert loaded == "[]"


@pytest.mark.parametrize("name", ["viz", "data", "study", "baselines", "estimator"])
def test_submodules_are_attributes_after_a_bare_import(name):
    assert run(f"import mlplab; print(mlplab.{name}.__name__)") == f"mlplab.{name}"


def test_an_unknown_attribute_still_raises_attribute_error():
    import mlplab

    with pytest.raises(AttributeError, match="no attribute 'vizz'"):
        getattr(mlplab, "vizz")  # noqa: B009


def test_test_modules_have_unique_names():
    # The test folders are not packages: pytest imports each test module by its bare name,
    # so two files of one name in different folders stop the whole run at collection.
    from collections import Counter
    from pathlib import Path

    names = Counter(path.name for path in Path(__file__).parent.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
