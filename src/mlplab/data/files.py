"""Reading data sets from CSV files, such as E2's headerless ``x1,x2,label`` files.

Every cell is read exactly or refused with the file, the line and the problem:
features are finite float64 numbers; class labels are whole numbers that fit an
int64 exactly, or text, never rounded into each other.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import numbers
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from mlplab._typing import FloatArray, PathLike
from mlplab.errors import DataFileError, InvalidInputError, InvalidTypeError

TASKS = ("auto", "classification", "regression")
# A decimal number in ASCII. Python's float() alone would also take "1_000" and non-ASCII
# digits such as "١٢", which no other CSV reader reads as numbers.
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.ASCII | re.IGNORECASE)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Characters that would cut numbers or lines apart if they separated cells.
NOT_DELIMITERS = '"\r\n\0' + "0123456789.+-eE"


def load_csv(path: PathLike, label_column: int = -1, header: Literal["infer"] | None = None,
             delimiter: str = ",", task: Literal["auto", "classification", "regression"] = "auto"
             ) -> tuple[FloatArray, NDArray[Any]]:
    """Read a CSV file of numeric features and one label column.

    Blank lines are skipped; line numbers in errors are the file's own. Cells
    are stripped of surrounding whitespace.

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
        classes. Numeric class labels are compared as numbers (``1``, ``1.0``
        and ``1e0`` are one class) and must be exact int64 values.

    Returns
    -------
    X : ndarray, shape (n_samples, n_columns - 1), float64
    y : ndarray, shape (n_samples,): int64 or str classes, or float64 targets

    Raises
    ------
    DataFileError
        For a missing, empty, non-UTF-8 or ragged file, a feature cell that is
        not a finite number, an empty label, a whole-number label outside
        int64, a label column out of range or a single class.

    Examples
    --------
    A file with lines like ``0.31,-0.72,1`` (x1, x2, label):

    >>> X, y = load_csv("xor.csv")  # doctest: +SKIP
    """
    _check_options(path, label_column, header, delimiter, task)
    name = repr(str(path))
    rows = _read_rows(_read_text(Path(path), name), delimiter, name)
    width = len(rows[0][1])
    if width < 2:
        raise DataFileError(f"{name} line {rows[0][0]} has {width} cell; need at least "
                            f"one feature and a label. Is delimiter={delimiter!r} right?")
    if not -width <= label_column < width:
        raise DataFileError(f"label_column={label_column} is out of range for the {width} "
                            f"columns of {name}: use 0..{width - 1}, or -1 for the last.")
    label_index = int(label_column) % width
    if header == "infer" and _is_header(rows[0][1], label_index):
        rows = rows[1:]
        if not rows:
            raise DataFileError(f"{name} has a header line but no data rows.")
    X, label_cells = _features(rows, width, label_index, name)
    return X, _labels(label_cells, task, name)


def _check_options(path, label_column, header, delimiter, task):
    if not isinstance(path, str | os.PathLike):
        raise InvalidTypeError(f"path={path!r}: must be a file path (str or Path), "
                               "e.g. load_csv('points.csv').")
    if isinstance(label_column, bool) or not isinstance(label_column, numbers.Integral):
        raise InvalidTypeError(f"label_column={label_column!r}: must be a column index (int), "
                               "e.g. label_column=-1 for the last column.")
    if header not in (None, "infer"):
        raise InvalidInputError(f"header={header!r}: use header=None (no header line) or "
                                "header='infer' (skip a first line that is not numbers).")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in NOT_DELIMITERS:
        raise InvalidInputError(f"delimiter={delimiter!r}: must be one character that is not "
                                "a quote, a line break or part of a number, e.g. ',' or ';' "
                                "or '\\t'.")
    if task not in TASKS:
        raise InvalidInputError(f"task={task!r}: use one of {', '.join(map(repr, TASKS))}.")


def _read_text(path, name):
    """The file's text, from UTF-8 (a byte-order mark at its start is dropped)."""
    try:
        if not path.is_file():
            raise DataFileError(f"no data file at {name}. Check the path (relative paths "
                                f"start at {str(Path.cwd())!r}).")
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{name} cannot be read: {exc.strerror or exc}.") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataFileError(f"{name} is not a UTF-8 text file: it starts with a UTF-16 "
                            "byte-order mark. Save it as 'CSV UTF-8'.")
    try:
        # utf-8-sig drops the byte-order mark that spreadsheet programs write.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_of(data[:exc.start].decode("utf-8", "replace"), exc.start)
        raise DataFileError(f"{name} is not a UTF-8 text file: line {line} has the byte "
                            f"{data[exc.start:exc.start + 1]!r} (offset {exc.start}). Is it "
                            "a CSV file? Save it as UTF-8.") from None
    for character, problem in (("\0", "a NUL character; is it a text CSV file?"),
                               ("\ufeff", "a byte-order mark (U+FEFF) inside the file; "
                                          "were two files joined? Remove it.")):
        if character in text:
            line = _line_of(text, text.index(character))
            raise DataFileError(f"{name} line {line} contains {problem}")
    return text


def _line_of(text, index):
    """The 1-based line number of ``text[index]`` (lines end with \\n, \\r\\n or \\r)."""
    before = text[:index]
    return before.count("\n") + before.count("\r") - before.count("\r\n") + 1


def _read_rows(text, delimiter, name):
    """The non-blank rows as ``(line_number, stripped_cells)`` pairs."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, start = [], 1
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            if any(cells):
                rows.append((start, cells))
            start = reader.line_num + 1  # a quoted cell may span lines
    except csv.Error as exc:  # a quote left open, text after a closing quote, a huge cell
        problem = (f"a cell is longer than {csv.field_size_limit():,} characters"
                   if "field limit" in str(exc) else
                   f"{exc}; quote a cell as \"...\" and a quote inside it as \"\"")
        raise DataFileError(f"{name} line {start}: {problem}. Is it a text CSV "
                            "file?") from None
    if not rows:
        raise DataFileError(f"{name} is empty: no data rows.")
    return rows


def _number(text):
    """``float(text)`` if the text is a decimal number, nan or inf; else None."""
    if NUMBER.fullmatch(text) or NOT_FINITE.fullmatch(text):
        return float(text)
    return None


def _not_finite(text):
    """Why a number that parsed to nan or inf cannot be used."""
    if NOT_FINITE.fullmatch(text):
        return "is not a finite number"
    return "is too large for float64 (beyond about 1.8e308, it would be inf)"


def _is_header(cells, label_index):
    return any(_number(cell) is None for i, cell in enumerate(cells) if i != label_index)


def _features(rows, width, label_index, name):
    """X as float64 (n_samples, width - 1), and the label cells with their line numbers."""
    features, labels = [], []
    for line, cells in rows:
        if len(cells) != width:
            raise DataFileError(f"{name} line {line} has {len(cells)} cells but "
                                f"line {rows[0][0]} has {width}. Every row needs the same "
                                "columns.")
        row = []
        for column, cell in enumerate(cells):
            if column == label_index:
                continue
            value = _number(cell)
            if value is None or not math.isfinite(value):
                problem = "is not a number" if value is None else _not_finite(cell)
                hint = (f" If line {line} is a header, pass header='infer'."
                        if value is None and line == rows[0][0] else "")
                raise DataFileError(f"{name} line {line}, column {column + 1}: "
                                    f"{cell!r} {problem}.{hint}")
            row.append(value)
        features.append(row)
        labels.append((line, cells[label_index]))
    return np.array(features, dtype=np.float64), labels


def _labels(cells, task, name):
    """Labels as int64 or str classes, or float64 targets (see ``load_csv``'s ``task``)."""
    for line, text in cells:
        if not text:
            raise DataFileError(f"{name} line {line}: the label cell is empty. Fill it in or "
                                "drop that row.")
    values = [_number(text) for _, text in cells]
    if any(v is None for v in values):
        if task == "regression":
            line, text = next(c for c, v in zip(cells, values, strict=True) if v is None)
            raise DataFileError(f"{name} line {line}: task='regression' needs numeric "
                                f"labels; found {text!r}. Use task='classification'.")
        return _at_least_two_classes(np.array([text for _, text in cells]), name)
    for (line, text), value in zip(cells, values, strict=True):
        if not math.isfinite(value):
            raise DataFileError(f"{name} line {line}: label {text!r} {_not_finite(text)}. "
                                "Drop or fix that row.")
    # Whole or not is decided on the text itself: "1.0000000000000000001" is not whole,
    # although it rounds to the float 1.0.
    exact = [Decimal(text) for _, text in cells]
    whole = [d == d.to_integral_value() for d in exact]
    if task == "regression" or (task == "auto" and not all(whole)):
        return np.array(values, dtype=np.float64)
    if not all(whole):
        line, text = cells[whole.index(False)]
        raise DataFileError(f"{name} line {line}: task='classification' but label "
                            f"{text!r} is not a whole number. Use task='regression'.")
    return _at_least_two_classes(_int_classes(cells, exact, name), name)


def _int_classes(cells, exact, name):
    """Whole-number labels as int64, each exactly its text's value."""
    classes = [int(d) for d in exact]
    for (line, text), value in zip(cells, classes, strict=True):
        if not INT64_MIN <= value <= INT64_MAX:
            raise DataFileError(f"{name} line {line}: label {text!r} is a whole number "
                                "outside the int64 range (-2**63 .. 2**63-1), so it cannot be "
                                "a class label exactly. Number the classes 0, 1, ..., or pass "
                                "task='regression' for a numeric target.")
    return np.array(classes, dtype=np.int64)


def _at_least_two_classes(y, name):
    if len(np.unique(y)) < 2:
        raise DataFileError(f"{name} has a single class ({y[0].item()!r}) in every row; "
                            "classification needs at least two. Is label_column the right "
                            "column? For a numeric target, pass task='regression'.")
    return y
