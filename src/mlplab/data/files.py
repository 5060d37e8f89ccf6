"""Reading data sets from CSV files, such as E2's headerless ``x1,x2,label`` files."""

import csv
import math
import numbers
from pathlib import Path

import numpy as np

from mlplab.errors import DataFileError, InvalidInputError, InvalidTypeError

TASKS = ("auto", "classification", "regression")


def load_csv(path, label_column=-1, header=None, delimiter=",", task="auto"):
    """Read a CSV file of numeric features and one label column.

    Blank lines are skipped; line numbers in errors are the file's own.

    Parameters
    ----------
    path : str or Path
    label_column : int
        Index of the label column; negative counts from the end (-1: last).
    header : None or "infer"
        ``None``: every line is data (E2's format). ``"infer"``: the first line
        is a header if any of its feature cells is not a number.
    delimiter : str
        One character, e.g. ``","`` or ``";"``.
    task : "auto", "classification" or "regression"
        ``"auto"`` treats whole-number or text labels as classes and other
        numbers as regression targets. Classification needs at least two
        classes.

    Returns
    -------
    X : ndarray, shape (n_samples, n_columns - 1), float64
    y : ndarray, shape (n_samples,): int64 or str classes, or float64 targets

    Raises
    ------
    DataFileError
        For a missing, empty or ragged file, a feature cell that is not a
        number, a label column out of range or a single class.

    Examples
    --------
    A file with lines like ``0.31,-0.72,1`` (x1, x2, label):

    >>> X, y = load_csv("xor.csv")  # doctest: +SKIP
    """
    _check_options(label_column, header, delimiter, task)
    rows = _read_rows(Path(path), delimiter)
    width = len(rows[0][1])
    if width < 2:
        raise DataFileError(f"{str(path)!r} line {rows[0][0]} has {width} cell; need at least "
                            f"one feature and a label. Is delimiter={delimiter!r} right?")
    if not -width <= label_column < width:
        raise DataFileError(f"label_column={label_column} is out of range for the {width} "
                            f"columns of {str(path)!r}: use 0..{width - 1}, or -1 for the last.")
    label_index = label_column % width
    if header == "infer" and _is_header(rows[0][1], label_index):
        rows = rows[1:]
        if not rows:
            raise DataFileError(f"{str(path)!r} has a header line but no data rows.")
    X, label_cells = _features(rows, width, label_index, path)
    return X, _labels(label_cells, task, path)


def _check_options(label_column, header, delimiter, task):
    if isinstance(label_column, bool) or not isinstance(label_column, numbers.Integral):
        raise InvalidTypeError(f"label_column={label_column!r}: must be a column index (int), "
                               "e.g. label_column=-1 for the last column.")
    if header not in (None, "infer"):
        raise InvalidInputError(f"header={header!r}: use header=None (no header line) or "
                                "header='infer' (skip a first line that is not numbers).")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise InvalidInputError(f"delimiter={delimiter!r}: must be one character, "
                                "e.g. ',' or ';' or '\\t'.")
    if task not in TASKS:
        raise InvalidInputError(f"task={task!r}: use one of {', '.join(map(repr, TASKS))}.")


def _read_rows(path, delimiter):
    """The non-blank rows as ``(line_number, stripped_cells)`` pairs."""
    if not path.is_file():
        raise DataFileError(f"no data file at {str(path)!r}. Check the path (relative paths "
                            f"start at {str(Path.cwd())!r}).")
    rows = []
    # utf-8-sig drops the byte-order mark that spreadsheet programs write.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    rows.append((reader.line_num, [cell.strip() for cell in cells]))
        except UnicodeDecodeError:
            raise DataFileError(f"{str(path)!r} is not a UTF-8 text file; is it a CSV?") from None
        except csv.Error as exc:  # a NUL byte, an over-long field
            raise DataFileError(f"{str(path)!r} line {reader.line_num + 1}: {exc}. Is it a "
                                "text CSV file?") from None
    if not rows:
        raise DataFileError(f"{str(path)!r} is empty: no data rows.")
    return rows


def _number(text):
    """``float(text)``, or None if the text is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def _is_header(cells, label_index):
    return any(_number(cell) is None for i, cell in enumerate(cells) if i != label_index)


def _features(rows, width, label_index, path):
    """X as float64 (n_samples, width - 1), and the label cells with their line numbers."""
    features, labels = [], []
    for line, cells in rows:
        if len(cells) != width:
            raise DataFileError(f"{str(path)!r} line {line} has {len(cells)} cells but "
                                f"line {rows[0][0]} has {width}. Every row needs the same "
                                "columns.")
        row = []
        for column, cell in enumerate(cells):
            if column == label_index:
                continue
            value = _number(cell)
            if value is None or not math.isfinite(value):
                problem = "is not a number" if value is None else "is not a finite number"
                hint = (f" If line {line} is a header, pass header='infer'."
                        if value is None and line == rows[0][0] else "")
                raise DataFileError(f"{str(path)!r} line {line}, column {column + 1}: "
                                    f"{cell!r} {problem}.{hint}")
            row.append(value)
        features.append(row)
        labels.append((line, cells[label_index]))
    return np.array(features, dtype=np.float64), labels


def _labels(cells, task, path):
    """Labels as int64 or str classes, or float64 targets (see ``load_csv``'s ``task``)."""
    values = [_number(text) for _, text in cells]
    if any(v is None for v in values):
        if task == "regression":
            line, text = next(c for c, v in zip(cells, values, strict=True) if v is None)
            raise DataFileError(f"{str(path)!r} line {line}: task='regression' needs numeric "
                                f"labels; found {text!r}. Use task='classification'.")
        return _at_least_two_classes(np.array([text for _, text in cells]), path)
    for (line, text), value in zip(cells, values, strict=True):
        if not math.isfinite(value):
            raise DataFileError(f"{str(path)!r} line {line}: label {text!r} is not a finite "
                                "number. Drop or fix that row.")
    y = np.array(values, dtype=np.float64)
    whole = y == np.round(y)
    if task == "regression" or (task == "auto" and not whole.all()):
        return y
    if not whole.all():
        line, text = cells[int(np.argmin(whole))]
        raise DataFileError(f"{str(path)!r} line {line}: task='classification' but label "
                            f"{text!r} is not a whole number. Use task='regression'.")
    return _at_least_two_classes(y.astype(np.int64), path)


def _at_least_two_classes(y, path):
    if len(np.unique(y)) < 2:
        raise DataFileError(f"{str(path)!r} has a single class ({y[0].item()!r}) in every row; "
                            "classification needs at least two. Is label_column the right "
                            "column? For a numeric target, pass task='regression'.")
    return y
