"""docs/guide/keras.md: every ```python block runs on its own (as a reader copies it),
prints what the page says it prints, and the name table lists what the namespaces have."""

import contextlib
import io
import re
from pathlib import Path

import matplotlib
import pytest

import mlplab.keras as keras

PAGE = Path(__file__).parents[2] / "docs" / "guide" / "keras.md"
TEXT = PAGE.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", TEXT, flags=re.S | re.M)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_every_example_runs(block):
    matplotlib.use("Agg")
    keras.backend.clear_session()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(PAGE), "exec"), {})  # noqa: S102 - the page's own examples
    for line in block.splitlines():  # "print(...)  # expected" comments hold
        printed = re.match(r"print\((.*)\)\s+# (\S.*)$", line.strip())
        if printed and "one sample" not in printed.group(2):
            assert printed.group(2) in out.getvalue(), line
    keras.backend.clear_session()


def test_the_walk_through_ported_cell_prints_keras_lines():
    ported = BLOCKS[1]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(ported, str(PAGE), "exec"), {})  # noqa: S102
    lines = out.getvalue().splitlines()
    assert lines[0] == "Epoch 1/20" and lines[1].startswith("50/50 \u2501")
    assert lines[1].split(" - ", 1)[1].startswith("accuracy: ")
    # the page quotes the first two epochs' numbers: the same seed gives them again
    quoted = re.findall(r"^50/50 .*?/step - (.*)$", TEXT, flags=re.M)
    assert [line.split("/step - ", 1)[1] for line in lines[1:4:2]] == quoted


def test_the_name_table_covers_the_namespaces():
    table = TEXT[TEXT.index("## Keras names and what they are in mlplab"):]
    for module in (keras.layers, keras.optimizers, keras.losses, keras.metrics,
                   keras.callbacks, keras.regularizers, keras.initializers):
        bases = ("Optimizer", "Initializer", "Regularizer", "Loss", "Metric", "KerasLayer")
        public = [name for name, value in vars(module).items()
                  if name[0].isupper() and not name.isupper() and callable(value)
                  and name not in bases and getattr(value, "__module__", "").startswith(
                      ("mlplab.keras", "mlplab.engine"))
                  and not (isinstance(value, type) and issubclass(value, Exception))]
        for name in public:
            assert name in table, f"{module.__name__}.{name} is not in the table"
