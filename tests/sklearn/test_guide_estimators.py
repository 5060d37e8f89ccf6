"""The estimators guide's opening examples run (docs/guide/estimators.md, up to its
first ``## `` section), each in a fresh namespace, and its table names real arguments."""

import inspect
import re
import warnings
from pathlib import Path

import pytest

import mlplab

PAGE = Path(__file__).parents[2] / "docs" / "guide" / "estimators.md"
TEXT = PAGE.read_text(encoding="utf-8")
OPENING = TEXT.split("\n## ", 1)[0]
BLOCKS = re.findall(r"^```python\n(.*?)^```", OPENING, flags=re.S | re.M)


def test_the_page_opens_with_the_one_line_switch():
    assert BLOCKS[0].strip().startswith("from mlplab import MLPClassifier, MLPRegressor")


@pytest.mark.parametrize("block", BLOCKS, ids=[f"opening-{i}" for i in range(len(BLOCKS))])
def test_opening_examples_run(block, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(block, str(PAGE), "exec"), {})


def test_the_table_of_extras_names_real_arguments():
    rows = re.findall(r"^\| [^|]+ \| `(\w+)=", OPENING, flags=re.M)
    parameters = inspect.signature(mlplab.MLPClassifier).parameters
    assert rows and all(name in parameters for name in rows), rows
