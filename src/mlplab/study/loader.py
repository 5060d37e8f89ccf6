"""Load and check a study file (TOML). Nothing runs until everything checks out.

Every table goes through one check against its declaration in ``spec`` (which
keys, of which type); the values are then checked for what they mean. Paths in
a study file are relative to that file and must stay inside its folder: an
``include`` always, a ``csv`` file unless it lies under one of ``data_dirs``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

from mlplab._typing import PathLike
from mlplab._validation import did_you_mean
from mlplab.errors import InvalidInputError, InvalidTypeError, MlplabError
from mlplab.study import spec as schema
from mlplab.study.builtin import find_study, moved_hint
from mlplab.study.spec import (
    FIGURES,
    MAX_CELLS,
    MAX_SEEDS,
    METRICS,
    SEED_LIMIT,
    DatasetSpec,
    ModelSpec,
    Reference,
    SplitSpec,
    StudyError,
    StudySpec,
    Where,
    check_values,
    expand_grid,
    grid_keys,
    shown,
)

# TOML has no null: these words stand for None where a setting allows it.
NONE_WORDS = {"batch_size": "full", "n_iter_no_change": "never"}
HOW_TO_ALLOW = ("pass --data-dir {folder} to mlplab study run (in Python: "
                "load_study(..., data_dirs=[{folder!r}]))")


def load_study(path: PathLike, *, data_dirs: Sequence[PathLike] = ()) -> StudySpec:
    """Read ``path`` and return a checked :class:`StudySpec` (or raise StudyError).

    Parameters
    ----------
    path : str or Path
        The study file (TOML), or the name of a built-in study (``"seeds"``,
        ``"e1"``, ...; see :func:`mlplab.study.builtin_studies`). An existing
        file of that name wins over the built-in study.
    data_dirs : list of str or Path, optional
        Folders outside the study file's folder whose CSV files the study may
        also read (``mlplab study run --data-dir DIR``). Relative folders start
        at the current directory.

    Returns
    -------
    StudySpec
        The study's datasets, models, seeds, references and settings, checked.

    Raises
    ------
    StudyError
        For a file that cannot be read or run; the message names the file,
        the table and the key, what was found and what is allowed. CSV files
        are read once here, so their errors come before anything runs.
    """
    if not isinstance(path, str | os.PathLike):
        raise InvalidTypeError(f"load_study(path={path!r}): give the study file's path, "
                               "e.g. load_study('e4.toml'), or a built-in study's name, "
                               "e.g. load_study('e4').")
    return _load(find_study(path), _data_folders(data_dirs), chain=())


def _data_folders(data_dirs):
    if data_dirs is None:
        return ()
    if isinstance(data_dirs, str | bytes | os.PathLike) or not hasattr(data_dirs, "__iter__"):
        raise InvalidTypeError(f"load_study(data_dirs={data_dirs!r}): give a list of folders, "
                               "e.g. data_dirs=['data'].")
    folders = []
    for folder in data_dirs:
        if not isinstance(folder, str | os.PathLike):
            raise InvalidTypeError(f"load_study(data_dirs=...): {folder!r} is not a folder "
                                   "path (str or Path).")
        real = _real_path(folder)
        if real is None or not real.is_dir():
            raise InvalidInputError(f"--data-dir / data_dirs: {str(folder)!r} is not a folder. "
                                    "Give an existing folder that holds the study's CSV files.")
        folders.append(real)
    return tuple(folders)


def _real_path(path):
    """``path`` with every symlink resolved, or None if it cannot be (a NUL, too long)."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return None


def _load(path, data_dirs, chain):
    document = _parse(path)
    where = Where(path)
    check_values(document, where)
    if "include" in document:
        where.table(document, schema.COMBINED_TOP_LEVEL, "the top level")
        return _load_combined(path, document, where, data_dirs, chain)
    where.table(document, schema.TOP_LEVEL, "the top level")
    return _load_single(path, document, where, data_dirs)


def _parse(path):
    """The TOML document of ``path`` as a dict; unreadable files name the line."""
    import tomllib

    try:
        if not path.is_file():
            kind = "a folder, not a study file" if path.is_dir() else "no such study file"
            raise StudyError(f"{path}: {kind}.{moved_hint(path)}")
        data = path.read_bytes()
    except OSError as exc:
        raise StudyError(f"{path}: cannot be read: {exc.strerror or exc}.") from None
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark, as Windows editors write
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StudyError(f"{path}: not a UTF-8 text file (line {line} has the byte "
                         f"{data[exc.start:exc.start + 1]!r}). Save it as UTF-8.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyError(f"{path}: not valid TOML: {exc}. Fix the syntax there.") from None
    except RecursionError:
        raise StudyError(f"{path}: not valid TOML: arrays or tables nested too deeply.") from None


def _as_found(name, target):
    """``'../x.csv' (that is '/data/x.csv')``: the name as written and where it leads."""
    return repr(name) if str(target) == name else f"{name!r} (that is {str(target)!r})"


def _load_combined(path, document, where, data_dirs, chain):
    header = document.get("study", {})
    where.table(header, schema.COMBINED_STUDY_TABLE, "[study]")
    if not document["include"]:
        raise where.error("the top level include", "the list is empty; name the study files "
                                                   'to combine, e.g. include = ["e1.toml"].')
    here = _real_path(path)
    parts: list[StudySpec] = []
    for number, name in enumerate(document["include"], start=1):
        place = f"include #{number} ({shown(name)})"
        target = _study_path(path, name, place, where)
        if target in chain + (here,):
            cycle = " -> ".join(str(p) for p in chain + (here, target))
            raise where.error(place, f"includes form a cycle ({cycle}); a study cannot "
                                     "include itself.")
        try:
            part = _load(path.parent / name, data_dirs, chain + (here,))
        except StudyError as exc:  # name the including file too
            raise where.error(place, str(exc)) from None
        parts.extend(part.parts or (part,))
    _unique([_real_path(p.path) for p in parts], "include", where, "files")
    _unique([p.name for p in parts], "include", where, "parts ([study] name)")
    _check_size(sum(_cell_count(p) for p in parts), where)
    return StudySpec(name=header.get("name", path.stem), path=str(path), datasets=(),
                     models=(), seeds=(), description=header.get("description", ""),
                     parts=tuple(parts))


def _study_path(path, name, place, where):
    """The real path of an included study file; it must lie in ``path``'s folder."""
    target, folder = _resolve(path, name, place, where)
    if not target.is_relative_to(folder):
        raise where.error(place, f"{_as_found(name, target)} is outside this study's folder "
                                 f"{str(folder)!r}; an included study must be in that folder "
                                 "or below it. Move or copy it there.")
    _existing(path.parent / name, place, where, "study file")
    return target


def _resolve(path, name, place, where):
    """``name`` relative to the study file, symlinks resolved; and the study's folder."""
    target = _real_path(path.parent / name) if "\0" not in name else None
    if target is None:
        raise where.error(place, f"{shown(name)} is not a usable file name.")
    return target, _real_path(path.parent)


def _existing(joined, place, where, kind):
    """``joined`` must be a file; it is what the runner opens (the real path was checked)."""
    try:
        found = joined.is_file()
    except OSError as exc:
        raise where.error(place, f"cannot read {str(joined)!r}: {exc.strerror}.") from None
    if not found:
        raise where.error(place, f"no {kind} {str(joined)!r}. Paths are relative to the "
                                 "study file.")
    return joined


def _load_single(path, document, where, data_dirs):
    header = document.get("study", {})
    where.table(header, schema.STUDY_TABLE, "[study]")
    seeds = _seeds(header.get("seeds", 3), where)
    metrics = tuple(_choices(header.get("metrics", ["accuracy", "fit_time"]), METRICS,
                             "[study] metrics", where))
    figures = tuple(_choices(header.get("figures", []), FIGURES, "[study] figures", where))
    split = _split(document.get("split", {}), where)
    datasets = tuple(_dataset(i, table, path, where, data_dirs)
                     for i, table in enumerate(_array(document, "datasets", where), start=1))
    models = tuple(_model(i, table, where)
                   for i, table in enumerate(_array(document, "models", where), start=1))
    _unique([d.name for d in datasets], "[[datasets]]", where)
    _unique([m.name for m in models], "[[models]]", where)
    for model in models:
        for name in model.datasets:
            if name not in {d.name for d in datasets}:
                raise where.error(f"[[models]] {model.name!r} datasets",
                                  f"{name!r} is not one of this study's datasets.")
    references = tuple(_reference(i, table, datasets, models, where)
                       for i, table in enumerate(document.get("references", []), start=1))
    study = StudySpec(name=header.get("name", path.stem), path=str(path), datasets=datasets,
                      models=models, seeds=seeds, split=split, metrics=metrics,
                      figures=figures, references=references,
                      description=header.get("description", ""))
    _check_size(_cell_count(study), where)
    return study


def _array(document, key, where):
    tables = document.get(key)
    if not tables:
        raise where.error(f"[[{key}]]", f"the study needs at least one [[{key}]] table.")
    return tables


def _unique(names, place, where, kind="entries"):
    seen = set()
    for name in names:
        if name in seen:
            raise where.error(place, f"two {kind} are {str(name)!r}; each must be unique.")
        seen.add(name)


def _cell_count(study):
    """How many cells ``study.cells()`` would make, without making them."""
    count = 0
    for model in study.models:
        points = math.prod(len(model.params[k]) for k in grid_keys(model.params))
        runs_on = [d for d in study.datasets if not model.datasets or d.name in model.datasets]
        count += len(runs_on) * points * len(study.seeds)
    return count


def _check_size(n_cells, where):
    if n_cells > MAX_CELLS:
        raise where.error("the study", f"it has {n_cells:,} cells (datasets x grid points x "
                                       f"seeds); the limit is {MAX_CELLS:,}. Use fewer seeds "
                                       "or smaller grids, or split it into several studies.")


def _seeds(value, where):
    allowed = (f"give a count (seeds = 5, at most {MAX_SEEDS:,}) or a list of distinct ints "
               f"in [0, 2**32) (seeds = [0, 1, 2]).")
    if isinstance(value, int) and 0 < value <= MAX_SEEDS:
        return tuple(range(value))
    if isinstance(value, list) and value and all(0 <= v < SEED_LIMIT for v in value) \
            and len(set(value)) == len(value):
        return tuple(value)
    raise where.error("[study] seeds", f"got {shown(value)}; {allowed}")


def _choices(values, allowed, place, where):
    for value in values:
        if value not in allowed:
            raise where.error(place, f"unknown {value!r}.{did_you_mean(value, allowed)} "
                                     f"Allowed: {', '.join(allowed)}.")
    return values


def _split(table, where):
    where.table(table, schema.SPLIT_TABLE, "[split]")
    split = SplitSpec(**table)
    for key in ("test", "validation"):
        value = getattr(split, key)
        if not 0 <= value < 1:
            raise where.error(f"[split] {key}", f"got {value!r}; give a fraction in [0, 1), "
                                                "e.g. 0.2.")
    if split.random_state is not None and not 0 <= split.random_state < SEED_LIMIT:
        raise where.error("[split] random_state", f"got {split.random_state}; give an int in "
                                                  "[0, 2**32), e.g. random_state = 42.")
    return split


def _dataset(index, table, path, where, data_dirs):
    place = f"[[datasets]] #{index}"
    where.table(table, schema.DATASET_TABLE, place)
    place = f"{place} ({table['name']!r})"
    if ("generator" in table) == ("csv" in table):
        raise where.error(place, "give exactly one of generator = \"moons\" or "
                                 "csv = \"file.csv\".")
    if "csv" in table:
        if "params" in table:
            raise where.error(f"{place} params", "params are a generator's; a csv data set "
                                                 "takes none. Remove them.")
        _check_csv(path, table["csv"], table.get("label_column", -1), f"{place} csv", where,
                   data_dirs)
    else:
        if "label_column" in table:
            raise where.error(f"{place} label_column", "label_column is for a csv data set; "
                                                       "a generator's labels are its own.")
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


def _check_csv(path, name, label_column, place, where, data_dirs):
    """The CSV file must be under the study's folder or a data folder, and readable."""
    from mlplab.data import load_csv

    target, folder = _resolve(path, name, place, where)
    if not any(target.is_relative_to(f) for f in (folder, *data_dirs)):
        allow = HOW_TO_ALLOW.format(folder=str(target.parent))
        raise where.error(place, f"{_as_found(name, target)} is outside the study's folder "
                                 f"{str(folder)!r}. A study reads only the files under its "
                                 f"folder; to allow this one, {allow}.")
    _existing(path.parent / name, place, where, "file")
    try:
        load_csv(path.parent / name, label_column=label_column)
    except MlplabError as exc:
        raise where.error(place, str(exc)) from None


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
    place = f"[[models]] #{index}"
    baseline = isinstance(table, dict) and "baseline" in table
    where.table(table, schema.BASELINE_TABLE if baseline else schema.NET_TABLE, place,
                open_keys=not baseline)
    place = f"{place} ({table['name']!r})"
    only = tuple(table.get("datasets", []))
    if baseline:
        model = ModelSpec(name=table["name"], baseline=table["baseline"],
                          params=dict(table.get("params", {})), datasets=only)
    else:
        params = {k: _none_word(k, v) for k, v in table.items() if k not in schema.NET_TABLE}
        params.setdefault("n_iter_no_change", None)  # studies run the epochs they name
        model = ModelSpec(name=table["name"], params=params,
                          task=table.get("task", "classification"), datasets=only)
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
    for key in grid_keys(model.params):
        values = [json.dumps(v, sort_keys=True) for v in model.params[key]]
        if not values:
            raise where.error(f"{place} {key}", "got [], a grid of no values; give at least "
                                                f"one, e.g. {key} = [...] with values in it.")
        _unique(values, f"{place} {key}", where, "grid values")
    if math.prod(len(model.params[k]) for k in grid_keys(model.params)) > MAX_CELLS:
        raise where.error(place, f"its grids have more than {MAX_CELLS:,} points; use "
                                 "shorter lists.")
    for point in expand_grid(model.params):
        try:
            estimator = build_estimator(model.baseline, point, model.task, seed=0, check=True)
            if model.baseline is not None:
                _check_baseline(estimator)
        except (MlplabError, ValueError, TypeError) as exc:
            raise where.error(place, str(exc)) from None


def _check_baseline(estimator):
    """A baseline's settings checked now, as its ``fit`` would check them."""
    if hasattr(estimator, "_check_parameters"):  # mlplab's estimators
        estimator._check_parameters()
    elif hasattr(estimator, "_validate_params"):  # scikit-learn's constraint tables
        estimator._validate_params()


def _reference(index, table, datasets, models, where):
    place = f"[[references]] #{index}"
    where.table(table, schema.REFERENCE_TABLE, place)
    for key, known in (("dataset", [d.name for d in datasets]),
                       ("model", [m.name for m in models])):
        if table[key] not in known:
            raise where.error(f"{place} {key}", f"{table[key]!r} is not one of this "
                                                f"study's {key}s: {', '.join(known)}.")
    if table["metric"] not in METRICS:
        raise where.error(f"{place} metric", f"unknown {table['metric']!r}."
                                             f"{did_you_mean(table['metric'], METRICS)} "
                                             f"Allowed: {', '.join(METRICS)}.")
    return Reference(**table)
