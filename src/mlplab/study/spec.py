"""Study files: what to compare, as frozen dataclasses loaded from TOML.

A study is datasets x models x seeds (x parameter grids). Everything is
checked when the file is loaded, before anything runs: an unknown key, a wrong
type or an impossible setting names the file, the key and the fix.

    [study]
    name = "E4: neural network vs SVMs"
    seeds = 5                      # or a list [0, 1, 2]
    metrics = ["accuracy", "log_loss", "fit_time"]
    figures = ["boundary", "loss_curve"]

    [split]
    test = 0.2
    random_state = 42              # a fixed split; omit it to split with each seed
    stratify = false

    [[datasets]]
    name = "circles"
    generator = "circles"          # or csv = "points.csv"
    params = { n_samples = 200, noise = 0.2, factor = 0.5, random_state = 42 }

    [[models]]
    name = "svc_rbf"
    baseline = "svc_rbf"           # a name from mlplab.baselines ...
    params = { C = [0.1, 1.0] }    # ... a list is a grid: one cell per value

    [[models]]
    name = "net"
    hidden_layer_sizes = [25, 50]  # or layers = [{input_dim = 2, ...}, ...]
    optimizer = "sgd"
    learning_rate = 0.1
    batch_size = "full"
    epochs = 10000

    [[references]]                 # published figures to compare with
    dataset = "circles"
    model = "svc_rbf"
    metric = "accuracy"
    value = 0.88

The tables below (``TOP_LEVEL``, ``STUDY_TABLE``, ...) say which keys each table
takes and what type of value each key holds; ``Where.table`` is the one check
every table of a file goes through, and ``check_values`` refuses, anywhere in
a file, the values that no key takes.
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from mlplab._validation import did_you_mean
from mlplab.errors import InvalidInputError
from mlplab.study.scores import SCORES
from mlplab.viz.kinds import ALIASES as FIGURE_ALIASES
from mlplab.viz.kinds import FIGURE_KINDS

METRICS = tuple(SCORES)  # mlplab.study.scores' registry
FIGURES = (*FIGURE_KINDS, *FIGURE_ALIASES)  # mlplab.viz.kinds' registry
MAX_SEEDS = 10_000  # seeds = N gives range(N)
MAX_CELLS = 100_000  # datasets x grid points x seeds, over a whole study
SEED_LIMIT = 2**32  # seeds and random_state: what NumPy's and scikit-learn's seeding take
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # TOML's integers (tomllib takes any size)

Cell: TypeAlias = dict[str, Any]  # one run: key, study, dataset, model, params, seed, ...


@dataclass(frozen=True)
class Kind:
    """A type of TOML value, in the words an error message uses ("a list of strings")."""

    words: str
    accepts: Callable[[object], bool]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)  # TOML's true is no number


def list_of(kind, words):
    return Kind(words, lambda v: isinstance(v, list) and all(kind.accepts(x) for x in v))


def either(*kinds):
    return Kind(" or ".join(k.words for k in kinds), lambda v: any(k.accepts(v) for k in kinds))


STRING = Kind("a string", lambda v: isinstance(v, str))
NAME = Kind("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip()))
INT = Kind("an int", _is_int)
NUMBER = Kind("a number", lambda v: _is_int(v) or isinstance(v, float) and math.isfinite(v))
BOOL = Kind("true or false", lambda v: isinstance(v, bool))
TABLE = Kind("a table", lambda v: isinstance(v, dict))
STRINGS = list_of(STRING, "a list of strings")
TABLES = list_of(TABLE, "a list of tables")


@dataclass(frozen=True)
class Field:
    """One key of a study file's table: its kind, an example for errors, required or not."""

    kind: Kind
    example: str
    required: bool = False


TOP_LEVEL = {
    "study": Field(TABLE, '[study] with name = "my study"'),
    "split": Field(TABLE, "[split] with test = 0.2"),
    "datasets": Field(TABLES, '[[datasets]] tables, each with name = "moons"'),
    "models": Field(TABLES, '[[models]] tables, each with name = "net"'),
    "references": Field(TABLES, '[[references]] tables, each with dataset, model, metric, value'),
    "include": Field(STRINGS, 'include = ["e1.toml", "e2.toml"]'),
}
COMBINED_TOP_LEVEL = {k: TOP_LEVEL[k] for k in ("study", "include")}  # parts hold the rest
STUDY_TABLE = {
    "name": Field(NAME, 'name = "E4: neural network vs SVMs"'),
    "description": Field(STRING, 'description = "what the study shows"'),
    "seeds": Field(either(INT, list_of(INT, "a list of ints")), "seeds = 5 or seeds = [0, 1, 2]"),
    "metrics": Field(STRINGS, 'metrics = ["accuracy", "fit_time"]'),
    "figures": Field(STRINGS, 'figures = ["boundary"]'),
}
COMBINED_STUDY_TABLE = {k: STUDY_TABLE[k] for k in ("name", "description")}
SPLIT_TABLE = {
    "test": Field(NUMBER, "test = 0.2"),
    "validation": Field(NUMBER, "validation = 0.1"),
    "stratify": Field(BOOL, "stratify = false"),
    "random_state": Field(INT, "random_state = 42"),
}
DATASET_TABLE = {
    "name": Field(NAME, 'name = "moons"', required=True),
    "generator": Field(STRING, 'generator = "moons"'),
    "csv": Field(STRING, 'csv = "points.csv"'),
    "params": Field(TABLE, "params = { n_samples = 200, noise = 0.2 }"),
    "features": Field(STRINGS, 'features = ["x1", "x2", "x1*x2"]'),
    "label_column": Field(INT, "label_column = -1"),
}
MODEL_TABLE = {  # the keys of every [[models]] table, a baseline's or a net's
    "name": Field(NAME, 'name = "net"', required=True),
    "datasets": Field(STRINGS, 'datasets = ["moons"]'),
}
BASELINE_TABLE = {**MODEL_TABLE, "baseline": Field(STRING, 'baseline = "svc_rbf"'),
                  "params": Field(TABLE, "params = { C = [0.1, 1.0] }")}
# An mlplab net's other keys are NetClassifier/NetRegressor parameters, checked by building it.
NET_TABLE = {**MODEL_TABLE, "task": Field(STRING, 'task = "regression"')}
REFERENCE_TABLE = {
    "dataset": Field(STRING, 'dataset = "moons"', required=True),
    "model": Field(STRING, 'model = "net"', required=True),
    "metric": Field(STRING, 'metric = "accuracy"', required=True),
    "value": Field(NUMBER, "value = 0.88", required=True),
    "source": Field(STRING, 'source = "the paper, table 2"'),
    "note": Field(STRING, 'note = "shown beside the verdict"'),
}


class StudyError(InvalidInputError):
    """A study file that cannot be run; the message names the file, the key and the fix."""


def check_values(document, where):
    """Refuse values no key takes: nan/inf, dates and times, integers beyond 64 bits."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while pending:
        keys, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((keys + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            pending.extend((keys + (i,), v) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise where.error(_place(keys), f"got {value}; a study takes finite numbers only.")
        elif isinstance(value, datetime.date | datetime.time):
            raise where.error(_place(keys), f"got the date/time {value.isoformat()}; no "
                                            "setting takes one. Quote it to make it a string.")
        elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise where.error(_place(keys), f"got {value}, beyond TOML's 64-bit integers.")


def _place(keys):
    """``("models", 1, "epochs")`` -> ``"[[models]] #2 epochs"``."""
    if len(keys) > 1 and isinstance(keys[1], int):
        head, rest = f"[[{keys[0]}]] #{keys[1] + 1}", keys[2:]
    elif len(keys) > 1:
        head, rest = f"[{keys[0]}]", keys[1:]
    else:
        head, rest = "the top level", keys
    return " ".join([head, "".join(f"[{k}]" if isinstance(k, int) else f".{k}"
                                   for k in rest).lstrip(".")]).strip()


def shown(value, limit=60):
    """A value as the message shows it (TOML's true/false, long ones cut)."""
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _type_words(value):
    if isinstance(value, list):
        inside = sorted({_type_words(v) for v in value})
        return f"a list of {', '.join(inside)}" if value else "an empty list"
    for kind, words in ((bool, "true/false"), (str, "a string"), (int, "an int"),
                        (float, "a float"), (dict, "a table")):
        if isinstance(value, kind):
            return words
    return type(value).__name__


class Where:
    """Builds error messages that name the file and the place in it."""

    def __init__(self, path):
        self.path = path

    def error(self, place, message):
        return StudyError(f"{self.path}: {place}: {message}")

    def table(self, table, fields, place, *, open_keys=False):
        """Check ``table``'s keys and their types against ``fields`` (see ``spec``)."""
        if not isinstance(table, dict):
            raise self.error(place, f"expected a table, got {shown(table)}.")
        for key, value in table.items():
            if key not in fields:
                if open_keys:
                    continue
                raise self.error(place, f"unknown key {key!r}.{did_you_mean(key, fields)} "
                                        f"Allowed: {', '.join(sorted(fields))}.")
            declared = fields[key]
            if not declared.kind.accepts(value):
                raise self.error(f"{place} {key}", f"got {shown(value)} "
                                                   f"({_type_words(value)}); expected "
                                                   f"{declared.kind.words}, e.g. "
                                                   f"{declared.example}.")
        for key, declared in fields.items():
            if declared.required and key not in table:
                raise self.error(place, f"missing {key!r}, e.g. {declared.example}.")


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    generator: str | None = None  # a name from mlplab.data.DATASETS
    csv: str | None = None  # or a CSV file (relative to the study file)
    params: dict = field(default_factory=dict)
    features: tuple | None = None  # PlaygroundFeatures names, e.g. ("x1", "x2", "x1*x2")
    label_column: int = -1


@dataclass(frozen=True)
class ModelSpec:
    name: str
    baseline: str | None = None  # a name from mlplab.baselines; None: an mlplab net
    params: dict = field(default_factory=dict)  # constructor arguments; lists are grids
    task: str = "classification"
    datasets: tuple = ()  # run only on these datasets (default: all of the study's)


@dataclass(frozen=True)
class SplitSpec:
    test: float = 0.2  # 0: no held-out data, test metrics are on the training data (E1)
    validation: float = 0.0
    stratify: bool = True
    random_state: int | None = None  # None: each seed also draws its own split


@dataclass(frozen=True)
class Reference:
    dataset: str
    model: str
    metric: str
    value: float
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class StudySpec:
    name: str
    path: str | None
    datasets: tuple
    models: tuple
    seeds: tuple
    split: SplitSpec = SplitSpec()
    metrics: tuple = ("accuracy", "fit_time")
    figures: tuple = ()
    references: tuple = ()
    description: str = ""
    parts: tuple = ()  # a combined study (include = [...]) is the union of its parts

    def cells(self) -> list[Cell]:
        """Every (dataset, model, grid point, seed) to run, as plain dicts.

        A cell whose seed changes nothing (:func:`mlplab.study.cell.seed_free`: a
        baseline without randomness on fixed data and a fixed split) runs for the
        first seed only.
        """
        from mlplab.study.cell import seed_free

        if self.parts:
            return [cell for part in self.parts for cell in part.cells()]
        cells = []
        for dataset in self.datasets:
            for model in self.models:
                if model.datasets and dataset.name not in model.datasets:
                    continue
                for point in expand_grid(model.params):
                    first = make_cell(self, dataset, model, point, self.seeds[0])
                    seeds = self.seeds[1:] if not seed_free(first) else ()
                    cells += [first, *(make_cell(self, dataset, model, point, seed)
                                       for seed in seeds)]
        return cells


def make_cell(spec, dataset, model, params, seed):
    cell = {
        "dataset": dataset.name, "dataset_spec": _asdict(dataset),
        "model": model.name, "baseline": model.baseline, "task": model.task,
        "params": params, "seed": seed, "split": _asdict(spec.split),
        "metrics": list(spec.metrics), "study": spec.name,
        "figures": list(spec.figures) if seed == spec.seeds[0] else [],
        "study_dir": str(Path(spec.path).parent) if spec.path else ".",
    }
    identity = {k: cell[k] for k in ("study", "dataset_spec", "model", "baseline", "task",
                                     "params", "seed", "split")}
    cell["key"] = json.dumps(identity, sort_keys=True)
    del identity["seed"]  # the cells of one group differ in their seed only
    cell["group"] = json.dumps(identity, sort_keys=True)
    return cell


def _asdict(obj):
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def grid_keys(params):
    """The keys of ``params`` whose lists are grids (a list of values to try in turn)."""
    return [k for k, v in params.items() if isinstance(v, list) and not _is_value_list(k, v)]


def expand_grid(params):
    """``{"lr": [0.1, 0.01], "epochs": 5}`` -> two parameter dicts (lists are grids).

    A list of dicts (layer specs) is a value, not a grid.
    """
    keys = grid_keys(params)
    if not keys:
        return [dict(params)]
    points = []
    for values in itertools.product(*(params[k] for k in keys)):
        points.append({**params, **dict(zip(keys, values, strict=True))})
    return points


def _is_value_list(key, value):
    # layer specs and hidden sizes are lists by nature; give a list of them to grid over.
    if key == "layers":
        return all(isinstance(v, dict) for v in value)
    if key in ("hidden_layer_sizes", "features"):
        return all(isinstance(v, int) for v in value)
    return False
