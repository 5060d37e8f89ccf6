"""Load and check a study file (TOML). Nothing runs until everything checks out."""

import numbers
import tomllib
from pathlib import Path

from mlplab._validation import did_you_mean
from mlplab.errors import MlplabError
from mlplab.study.spec import (
    FIGURES,
    METRICS,
    DatasetSpec,
    ModelSpec,
    Reference,
    SplitSpec,
    StudyError,
    StudySpec,
    expand_grid,
)

TOP_KEYS = {"study", "split", "datasets", "models", "references", "include"}
STUDY_KEYS = {"name", "description", "seeds", "metrics", "figures"}
SPLIT_KEYS = {"test", "validation", "stratify", "random_state"}
DATASET_KEYS = {"name", "generator", "csv", "params", "features", "label_column"}
REFERENCE_KEYS = {"dataset", "model", "metric", "value", "source", "note"}
# TOML has no null: these words stand for None where a setting allows it.
NONE_WORDS = {"batch_size": "full", "n_iter_no_change": "never"}


def load_study(path):
    """Read ``path`` and return a checked :class:`StudySpec` (or raise StudyError)."""
    path = Path(path)
    if not path.is_file():
        raise StudyError(f"{path}: no such study file.")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise StudyError(f"{path}: not valid TOML: {exc}. Fix the syntax there.") from None
    except UnicodeDecodeError:
        raise StudyError(f"{path}: not a UTF-8 text file.") from None
    where = _Where(path)
    where.keys(document, TOP_KEYS, "the top level")
    if "include" in document:
        return _load_combined(path, document, where)
    return _load_single(path, document, where)


class _Where:
    """Builds error messages that name the file and the place in it."""

    def __init__(self, path):
        self.path = path

    def error(self, place, message):
        return StudyError(f"{self.path}: {place}: {message}")

    def keys(self, table, allowed, place):
        if not isinstance(table, dict):
            raise self.error(place, f"expected a table, got {table!r}.")
        for key in table:
            if key not in allowed:
                raise self.error(place, f"unknown key {key!r}.{did_you_mean(key, allowed)} "
                                        f"Allowed: {', '.join(sorted(allowed))}.")


def _load_combined(path, document, where):
    parts = []
    for name in document["include"]:
        part = load_study(path.parent / name)
        parts.extend(part.parts or (part,))
    header = document.get("study", {})
    where.keys(header, STUDY_KEYS, "[study]")
    return StudySpec(name=header.get("name", path.stem), path=str(path), datasets=(),
                     models=(), seeds=(), description=header.get("description", ""),
                     parts=tuple(parts))


def _load_single(path, document, where):
    header = document.get("study", {})
    where.keys(header, STUDY_KEYS, "[study]")
    seeds = _seeds(header.get("seeds", 3), where)
    metrics = tuple(_choices(header.get("metrics", ["accuracy", "fit_time"]), METRICS,
                             "[study] metrics", where))
    figures = tuple(_choices(header.get("figures", []), FIGURES, "[study] figures", where))
    split = _split(document.get("split", {}), where)
    datasets = tuple(_dataset(i, table, path, where)
                     for i, table in enumerate(_array(document, "datasets", where), start=1))
    models = tuple(_model(i, table, where)
                   for i, table in enumerate(_array(document, "models", where), start=1))
    for model in models:
        for name in model.datasets:
            if name not in {d.name for d in datasets}:
                raise where.error(f"[[models]] {model.name!r} datasets",
                                  f"{name!r} is not one of this study's datasets.")
    _unique([d.name for d in datasets], "datasets", where)
    _unique([m.name for m in models], "models", where)
    references = tuple(_reference(i, table, datasets, models, where)
                       for i, table in enumerate(document.get("references", []), start=1))
    return StudySpec(name=header.get("name", path.stem), path=str(path), datasets=datasets,
                     models=models, seeds=seeds, split=split, metrics=metrics, figures=figures,
                     references=references, description=header.get("description", ""))


def _array(document, key, where):
    tables = document.get(key)
    if not tables or not isinstance(tables, list):
        raise where.error(f"[[{key}]]", f"the study needs at least one [[{key}]] table.")
    return tables


def _unique(names, kind, where):
    seen = set()
    for name in names:
        if name in seen:
            raise where.error(f"[[{kind}]]", f"two entries are named {name!r}; names must "
                                             "be unique.")
        seen.add(name)


def _seeds(value, where):
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return tuple(range(value))
    if isinstance(value, list) and value and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
        return tuple(value)
    raise where.error("[study] seeds", f"got {value!r}; give a count (seeds = 5) or a list of "
                                       "non-negative ints (seeds = [0, 1, 2]).")


def _choices(values, allowed, place, where):
    if not isinstance(values, list):
        raise where.error(place, f"expected a list, e.g. [{allowed[0]!r}]; got {values!r}.")
    for value in values:
        if value not in allowed:
            raise where.error(place, f"unknown {value!r}.{did_you_mean(value, allowed)} "
                                     f"Allowed: {', '.join(allowed)}.")
    return values


def _split(table, where):
    where.keys(table, SPLIT_KEYS, "[split]")
    try:
        split = SplitSpec(**table)
    except TypeError as exc:
        raise where.error("[split]", str(exc)) from None
    for key in ("test", "validation"):
        value = getattr(split, key)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
            raise where.error(f"[split] {key}", f"got {value!r}; give a fraction in [0, 1), "
                                                "e.g. 0.2.")
    return split


def _dataset(index, table, path, where):
    place = f"[[datasets]] #{index} ({table.get('name', '?')!r})"
    where.keys(table, DATASET_KEYS, place)
    if "name" not in table:
        raise where.error(place, "missing 'name'.")
    if ("generator" in table) == ("csv" in table):
        raise where.error(place, "give exactly one of generator = \"moons\" or "
                                 "csv = \"file.csv\".")
    if "csv" in table:
        csv_path = path.parent / table["csv"]
        if not csv_path.is_file():
            raise where.error(f"{place} csv", f"no file {str(csv_path)!r}. Paths are relative "
                                              "to the study file.")
    else:
        _check_generator(table["generator"], table.get("params", {}), place, where)
    features = table.get("features")
    if features is not None:
        from mlplab.data import PlaygroundFeatures

        try:
            PlaygroundFeatures(features).fit([[0.0, 0.0]])
        except MlplabError as exc:
            raise where.error(f"{place} features", str(exc)) from None
        features = tuple(features)
    return DatasetSpec(name=table["name"], generator=table.get("generator"),
                       csv=table.get("csv"), params=dict(table.get("params", {})),
                       features=features, label_column=table.get("label_column", -1))


def _check_generator(name, params, place, where):
    from mlplab.data import dataset_parameters

    try:
        allowed = dataset_parameters(name)
    except MlplabError as exc:
        raise where.error(f"{place} generator", str(exc)) from None
    for key in params:
        if key not in allowed:
            raise where.error(f"{place} params", f"{name} takes no {key!r}."
                                                 f"{did_you_mean(key, allowed)} It takes: "
                                                 f"{', '.join(allowed)}.")


def _model(index, table, where):
    place = f"[[models]] #{index} ({table.get('name', '?')!r})"
    if "name" not in table:
        raise where.error(place, "missing 'name'.")
    only = table.get("datasets", [])
    if not isinstance(only, list):
        raise where.error(f"{place} datasets", "give a list of dataset names.")
    if "baseline" in table:
        where.keys(table, {"name", "baseline", "params", "datasets"}, place)
        params = dict(table.get("params", {}))
        model = ModelSpec(name=table["name"], baseline=table["baseline"], params=params,
                          datasets=tuple(only))
    else:
        task = table.get("task", "classification")
        params = {k: _none_word(k, v) for k, v in table.items()
                  if k not in ("name", "task", "datasets")}
        params.setdefault("n_iter_no_change", None)  # studies run the epochs they name
        model = ModelSpec(name=table["name"], params=params, task=task, datasets=tuple(only))
    _check_model(model, place, where)
    return model


def _none_word(key, value):
    if key in NONE_WORDS and value == NONE_WORDS[key]:
        return None
    if isinstance(value, list):
        return [_none_word(key, v) for v in value]
    return value


def _check_model(model, place, where):
    """Build every grid point's estimator once (unfitted) and check its settings."""
    from mlplab.study.cell import build_estimator

    if model.task not in ("classification", "regression"):
        raise where.error(f"{place} task", f"got {model.task!r}; use 'classification' or "
                                           "'regression'.")
    for point in expand_grid(model.params):
        try:
            build_estimator(model.baseline, point, model.task, seed=0, check=True)
        except (MlplabError, ValueError, TypeError) as exc:
            raise where.error(place, str(exc)) from None


def _reference(index, table, datasets, models, where):
    place = f"[[references]] #{index}"
    where.keys(table, REFERENCE_KEYS, place)
    for key, known in (("dataset", [d.name for d in datasets]),
                       ("model", [m.name for m in models])):
        if table.get(key) not in known:
            raise where.error(f"{place} {key}", f"{table.get(key)!r} is not one of this "
                                                f"study's {key}s: {', '.join(known)}.")
    if table.get("metric") not in METRICS or not isinstance(table.get("value"), numbers.Real):
        raise where.error(place, "needs metric (e.g. \"accuracy\") and a numeric value.")
    return Reference(**table)
