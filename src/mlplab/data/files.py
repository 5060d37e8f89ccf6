"""Reading data sets from CSV files, such as E2's headerless ``x1,x2,label`` files."""

import csv
from pathlib import Path

import numpy as np

from mlplab.errors import DataFileError

TASKS = ("auto", "classification", "regression")


def _read(path, delimiter):
    rows = []
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, [cell.strip() for cell in cells]))
    return rows


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _labels(texts, task, path):
    if all(_is_number(t) for t in texts):
        values = np.array([float(t) for t in texts])
        if task == "regression" or (task == "auto" and np.any(values != np.round(values))):
            return values, "regression"
        return values.astype(np.int64), "classification"
    if task == "regression":
        bad = next(t for t in texts if not _is_number(t))
        raise DataFileError(f"{str(path)!r}: task='regression' needs numeric labels; found "
                            f"{bad!r}.")
    return np.array(texts), "classification"


def load_csv(path, label_column=-1, header=None, delimiter=",", task="auto"):
    """Read a CSV file of numeric features and one label column.

    Parameters
    ----------
    path : str or Path
    label_column : int
        Index of the label column (negative counts from the end).
    header : None or "infer"
        ``None``: every line is data (E2's format). ``"infer"``: the first line
        is a header if any of its feature cells is not a number.
    delimiter : str
    task : "auto", "classification" or "regression"
        ``"auto"`` treats integer or text labels as classes and other numbers as
        regression targets. Classification needs at least two classes.

    Returns
    -------
    X : ndarray, shape (n_samples, n_columns - 1), float64
    y : ndarray, shape (n_samples,): int64 classes, str classes or float targets
    """
    if header not in (None, "infer"):
        raise DataFileError(f"header={header!r}: use None (no header line) or 'infer'.")
    if task not in TASKS:
        raise DataFileError(f"task={task!r}: use one of {', '.join(TASKS)}.")
    if not Path(path).is_file():
        raise DataFileError(f"no data file at {str(path)!r}. Check the path.")
    try:
        rows = _read(path, delimiter)
    except UnicodeDecodeError:
        raise DataFileError(f"{str(path)!r} is not a UTF-8 text file; is it a CSV?") from None
    if not rows:
        raise DataFileError(f"{str(path)!r} is empty: no data rows.")
    width = len(rows[0][1])
    if width < 2:
        raise DataFileError(f"{str(path)!r} line {rows[0][0]} has {width} column; need at "
                            "least one feature and a label. Is the delimiter right?")
    if not -width <= label_column < width:
        raise DataFileError(f"label_column={label_column} is out of range for {width} columns "
                            f"(use 0..{width - 1} or -1 for the last).")
    label_index = label_column % width
    if header == "infer":
        first = [c for i, c in enumerate(rows[0][1]) if i != label_index]
        if not all(_is_number(c) for c in first):
            rows = rows[1:]
    if not rows:
        raise DataFileError(f"{str(path)!r} has a header but no data rows.")
    features, labels = [], []
    for line, cells in rows:
        if len(cells) != width:
            raise DataFileError(f"{str(path)!r} line {line} has {len(cells)} cells but the "
                                f"first row has {width}. Every row needs the same columns.")
        row = []
        for column, cell in enumerate(cells):
            if column == label_index:
                continue
            if not _is_number(cell):
                hint = " If it is a header, pass header='infer'." if line == rows[0][0] else ""
                raise DataFileError(f"{str(path)!r} line {line}, column {column + 1}: {cell!r} "
                                    f"is not a number.{hint}")
            row.append(float(cell))
        features.append(row)
        labels.append(cells[label_index])
    y, kind = _labels(labels, task, path)
    X = np.array(features, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise DataFileError(f"{str(path)!r} contains NaN or inf feature values; clean them first.")
    if kind == "classification" and len(np.unique(y)) < 2:
        raise DataFileError(f"{str(path)!r} has a single class ({y[0]!r}); classification "
                            "needs at least two. Is label_column the right column?")
    return X, y
