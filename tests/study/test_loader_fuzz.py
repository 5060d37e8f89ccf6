"""load_study on generated TOML: a checked spec, or an mlplab error that names the file.

Each example starts from a valid study and changes it: a value of any TOML type at
any key of any table, unknown keys, removed keys, includes (of itself, of a cycle,
of files outside the folder) and CSV paths (outside the folder, through symlinks,
missing, malformed), sometimes with data folders allowed; a few are cut short or
garbled into invalid TOML.
"""

import copy
import datetime
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mlplab.errors import MlplabError
from mlplab.study import StudySpec, load_study
from mlplab.study.spec import MAX_CELLS

VALID = {
    "study": {"name": "fuzz", "seeds": 2, "metrics": ["accuracy", "fit_time"],
              "figures": ["boundary"]},
    "split": {"test": 0.25, "stratify": True},
    "datasets": [
        {"name": "moons", "generator": "moons", "params": {"n_samples": 40, "noise": 0.1}},
        {"name": "points", "csv": "data.csv", "label_column": -1},
    ],
    "models": [
        {"name": "net", "hidden_layer_sizes": [4], "learning_rate": [0.1, 0.01],
         "epochs": 5, "activation": "tanh", "batch_size": "full"},
        {"name": "svc", "baseline": "svc_rbf", "params": {"C": [0.5, 2.0]},
         "datasets": ["moons"]},
    ],
    "references": [{"dataset": "moons", "model": "svc", "metric": "accuracy", "value": 0.9}],
}
KEYS = ["name", "seeds", "seed", "metrics", "figures", "test", "validation", "stratify",
        "random_state", "generator", "csv", "params", "features", "label_column", "baseline",
        "task", "datasets", "models", "references", "include", "value", "metric", "dataset",
        "model", "epochs", "learning_rate", "layers", "hidden_layer_sizes", "C", "noise",
        "n_samples", "study", "split", "", "ünï", "a.b"]
PATHS = ["data.csv", "text.csv", "bad.csv", "missing.csv", "../outside.csv", "link.csv",
         "sub/../data.csv", "nowhere/../data.csv", "/etc/passwd", "", ".", "sub", "a\0b",
         "x" * 300, "s.toml", "a.toml", "b.toml", "sub/c.toml", "../outside.toml", "loop.toml"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A study folder with data and study files to point at, and files outside it."""
    root = tmp_path_factory.mktemp("fuzz")
    studies = root / "studies"
    (studies / "sub").mkdir(parents=True)
    csv = "0,0,0\n1,1,1\n0,1,1\n1,0,0\n0.5,0.5,0\n0.2,0.9,1\n"
    for path, text in [
        (root / "outside.csv", csv), (studies / "data.csv", csv),
        (studies / "text.csv", csv.replace(",0\n", ",a\n").replace(",1\n", ",b\n")),
        (studies / "bad.csv", "0,0,0\n1,1\n"),
        (root / "outside.toml", to_toml(study_named("outside"))),
        (studies / "a.toml", 'include = ["s.toml"]\n'),
        (studies / "loop.toml", 'include = ["loop.toml"]\n'),
        (studies / "b.toml", to_toml(study_named("b"))),
        (studies / "sub" / "c.toml", to_toml(study_named("c", csv="../data.csv"))),
    ]:
        path.write_text(text)
    (studies / "link.csv").symlink_to(root / "outside.csv")
    return root, studies


def study_named(name, csv=None):
    document = copy.deepcopy(VALID)
    document["study"]["name"] = name
    if csv is None:
        del document["datasets"][1]
    else:
        document["datasets"][1]["csv"] = csv
    return document


def toml_string(text):
    # JSON's escapes are TOML's, but for DEL, which TOML wants escaped too
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else {math.inf: "inf", -math.inf: "-inf"}.get(
            value, repr(value))
    if isinstance(value, int | datetime.date | datetime.time):
        return value.isoformat() if not isinstance(value, int) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def to_toml(document):
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in document.items())


scalars = st.one_of(
    st.text(max_size=8), st.sampled_from(PATHS), st.integers(-(2**65), 2**65),
    st.integers(-3, 5), st.floats(), st.booleans(), st.dates(), st.times(),
    st.datetimes(min_value=datetime.datetime(1, 1, 1, 0, 0, 1)))
keys = st.sampled_from(KEYS) | st.text(max_size=4)
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(keys, scalars, max_size=2),
                   st.lists(st.lists(scalars, max_size=2), max_size=2))
INCLUDES = st.lists(st.sampled_from(["b.toml", "sub/c.toml"])
                    | st.sampled_from(["s.toml", "sub/../s.toml", "a.toml", "loop.toml"])  # cycles
                    | st.sampled_from(PATHS), min_size=1, max_size=3, unique=True) | st.just([])


def tables(document):
    """Every table of the document (the document itself first), to change one of them."""
    found, pending = [], [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            found.append(node)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


@st.composite
def documents(draw):
    document = copy.deepcopy(VALID)
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        table = draw(st.sampled_from(tables(document)))
        key = draw(st.sampled_from(sorted(table) or KEYS) | keys)
        change = draw(st.sampled_from(["value", "value", "path", "delete"]))
        if change == "delete":
            table.pop(key, None)
        elif change == "path":
            table[key] = draw(st.sampled_from(PATHS) | st.lists(st.sampled_from(PATHS),
                                                                  max_size=3))
        else:
            table[key] = draw(values)
    if draw(st.sampled_from([True] + [False] * 5)):
        document = {"include": draw(INCLUDES),
                    "study": {"name": draw(st.sampled_from(["all", "b", "c"]))}}
    text = to_toml(document)
    if draw(st.sampled_from([True] + [False] * 9)):  # cut short or garbled: invalid, mostly
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["", "=", "[", "\"", "\x00", "\n[[x]]\n"]))
    return text


def study_files(studies):
    return {os.path.realpath(p) for p in studies.parent.rglob("*.toml")}


def check_sound(spec, studies, data_dirs):
    """A loaded study: its cells build, and its CSV files are where it may read."""
    assert isinstance(spec, StudySpec)
    cells = spec.cells()
    assert len(cells) <= MAX_CELLS and len({c["key"] for c in cells}) == len(cells)
    for part in spec.parts or (spec,):
        folder = Path(part.path).parent
        allowed = [os.path.realpath(folder), *(os.path.realpath(d) for d in data_dirs)]
        for dataset in part.datasets:
            if dataset.csv is not None:
                real = os.path.realpath(folder / dataset.csv)
                assert any(Path(real).is_relative_to(a) for a in allowed), (real, allowed)
                assert (folder / dataset.csv).is_file()


@settings(max_examples=500)
@given(documents(), st.sampled_from(["", "root", "sub"]))
def test_any_study_file_loads_soundly_or_fails_naming_the_file(folders, text, data_dir):
    root, studies = folders
    data_dirs = {"": [], "root": [root], "sub": [studies / "sub"]}[data_dir]
    path = studies / "s.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        spec = load_study(path, data_dirs=data_dirs)
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions
        message = str(exc)
        assert isinstance(exc, MlplabError) and isinstance(exc, ValueError | TypeError), (
            f"{type(exc).__name__}: {message}")
        named = message.split(": ")[0]
        assert os.path.realpath(named) in study_files(studies), message
        assert len(named) + 10 < len(message) < 3000, message  # says something, readably
        event(f"refused: {type(exc).__name__} at {message.split(': ')[1][:20]}")
        return
    event("loaded" + (" a combined study" if spec.parts else ""))
    check_sound(spec, studies, data_dirs)
