"""The guide's examples run: every ```python block of docs/guide/training.md, of the
model page's sections on layers and targets and of the estimators page's section on
weights, each in a fresh namespace (a block must
stand on its own, as a reader copies it)."""

import re
import warnings
from pathlib import Path

import pytest

GUIDE = Path(__file__).parents[1] / "docs" / "guide"
SECTIONS = {  # page -> {section title: short name for the test ids}
    "model.md": {"Layers: Activation, Input and names": "layers",
                 "Targets: multi-label, softmax with binary cross-entropy, sparse inputs":
                 "targets"},
    "estimators.md": {"Class and sample weights": "weights"},
}


def python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def section(text, title):
    """The text of the ``## title`` section, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, f"no section {title!r}"
    return match.group(1)


def examples():
    """(id, block) of every example to run."""
    training = (GUIDE / "training.md").read_text(encoding="utf-8")
    found = [(f"training-{i}", block) for i, block in enumerate(python_blocks(training))]
    for page, titles in SECTIONS.items():
        text = (GUIDE / page).read_text(encoding="utf-8")
        for title, short in titles.items():
            found += [(f"{page.removesuffix('.md')}-{short}-{i}", block)
                      for i, block in enumerate(python_blocks(section(text, title)))]
    return found


EXAMPLES = examples()


def test_every_section_has_examples():
    training = (GUIDE / "training.md").read_text(encoding="utf-8")
    for title in ("Learning-rate schedules", "Callbacks that steer the rate",
                  "Gradient clipping", "Class and sample weights", "L-BFGS",
                  "When training diverges"):
        assert python_blocks(section(training, title)), title
    assert sum(name.startswith("model-") for name, _ in EXAMPLES) >= 6
    assert any(name.startswith("estimators-") for name, _ in EXAMPLES)


@pytest.mark.parametrize("name, block", EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_the_example_runs(name, block, tmp_path, monkeypatch):
    pytest.importorskip("scipy")
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and divergence warnings are expected
        exec(compile(block, f"docs/guide example {name}", "exec"), {"__name__": "__guide__"})
