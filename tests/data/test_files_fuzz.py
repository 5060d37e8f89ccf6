"""load_csv on generated CSV text: exact values or a DataFileError that names the file.

The oracle below reads numbers with ``decimal.Decimal`` (exact, independent of the
loader's float parsing): a feature equals its cell's float, an int64 class equals its
cell's exact value, a text class equals its (stripped) cell.
"""

from decimal import Decimal, InvalidOperation

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mlplab.data import load_csv
from mlplab.errors import DataFileError, InvalidInputError, InvalidTypeError, MlplabError

DELIMITERS = [",", ";", "\t", "|"]
ENDINGS = ["\n", "\r\n", "\r"]
SPECIAL_NUMBERS = [
    "1e19", "-1e19", "9007199254740993", "9007199254740992", "9223372036854775807",
    "9223372036854775808", "-9223372036854775809", "1e400", "-1e309", "1e-400", "1.0", "2e0",
    "-0", "+.5", "5.", ".", "1e", "e5", "1_0", "0x10", "1.0000000000000000001", "nan", "NaN",
    "-inf", "Infinity", "\u0661", "\u0131nf", "1,5", "", " "]
WORDS = ["cat", "dog", "x1", "label", "nan", "<b>", "é", "a b", "0.5", "1"]


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "data.csv"


def oracle_number(text):
    """The exact value of a decimal number written in ASCII, or None."""
    if not text.isascii() or "_" in text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and np.isfinite(float(text)) else None


def check_sound(X, y, rows, options):
    """A success: every value is exactly what the file says."""
    if options.get("header") == "infer" and len(X) == len(rows) - 1:
        rows = rows[1:]  # the loader took the first line for a header
    task = options.get("task", "auto")
    assert X.dtype == np.float64 and np.isfinite(X).all()
    assert X.shape == (len(rows), len(rows[0]) - 1) and y.shape == (len(rows),)
    for cells, x_row, y_value in zip(rows, X, y, strict=True):
        assert len(cells) == X.shape[1] + 1
        label_index = options.get("label_column", -1) % len(cells)
        features = [c for i, c in enumerate(cells) if i != label_index]
        label = cells[label_index]
        assert all(oracle_number(f) is not None for f in features)
        assert [float(f) for f in features] == x_row.tolist()
        if y.dtype == np.int64:
            assert task != "regression" and Decimal(int(y_value)) == oracle_number(label)
        elif y.dtype == np.float64:
            assert task != "classification" and float(label) == y_value
            assert oracle_number(label) is not None
        else:
            assert y.dtype.kind == "U" and task != "regression" and str(y_value) == label
    if y.dtype != np.float64:
        assert len(np.unique(y)) >= 2


def check_failure(exc, path):
    assert isinstance(exc, MlplabError) and isinstance(exc, ValueError | TypeError)
    assert str(exc).strip()
    if isinstance(exc, DataFileError):
        assert repr(str(path)) in str(exc), str(exc)
    else:
        assert isinstance(exc, InvalidInputError | InvalidTypeError)


def read(path, text, options, rows, *, encoding="utf-8", bom=False):
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding, "surrogatepass"))
    try:
        X, y = load_csv(path, **options)
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions
        check_failure(exc, path)
        event("refused")
        return None
    event(f"loaded, labels of kind {y.dtype.kind}")
    check_sound(X, y, rows, options)
    return X, y


def plain_text(delimiter):
    """Cells that the csv module reads back as written, once stripped."""
    forbidden = set(delimiter) | set('"\r\n\0\ufeff')
    return st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters=forbidden),
                   max_size=6)


def messy_cell(delimiter):
    return st.one_of(
        st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(allow_nan=False).map(lambda v: f"{v:.3e}"),
        st.sampled_from([n for n in SPECIAL_NUMBERS if delimiter not in n]),
        st.sampled_from([w for w in WORDS if delimiter not in w]),
        plain_text(delimiter),
    )


@st.composite
def messy_files(draw):
    """Rows of numbers and labels, some cells swapped for messy ones, some rows ragged."""
    delimiter = draw(st.sampled_from(DELIMITERS))
    width = draw(st.integers(1, 4))
    n_rows = draw(st.integers(1, 6))
    number = st.one_of(st.integers(-(10**6), 10**6).map(str), st.floats(-1e6, 1e6).map(repr))
    label = st.one_of(st.integers(0, 3).map(str), st.sampled_from(["cat", "dog"]),
                      st.floats(0, 1).map(repr))
    rows = [draw(st.lists(number, min_size=width - 1, max_size=width - 1)) + [draw(label)]
            for _ in range(n_rows)]
    for _ in range(draw(st.sampled_from([0, 1, 3]))):
        cells = rows[draw(st.integers(0, n_rows - 1))]
        cells[draw(st.integers(0, width - 1))] = draw(messy_cell(delimiter))
    if draw(st.integers(0, 4)) == 0:  # a ragged row
        cells = rows[draw(st.integers(0, n_rows - 1))]
        cells[:] = cells[:-1] if draw(st.booleans()) else cells + ["1"]
    options = draw(st.fixed_dictionaries({}, optional={
        "label_column": st.integers(-5, 4), "header": st.sampled_from([None, "infer"]),
        "task": st.sampled_from(["auto", "classification", "regression"])}))
    options["delimiter"] = delimiter
    return rows, options, draw(st.sampled_from(ENDINGS)), draw(st.booleans())


def to_text(rows, delimiter, ending):
    return "".join(delimiter.join(cells) + ending for cells in rows)


def data_rows(rows):
    """The rows the loader keeps: stripped cells, blank lines dropped."""
    stripped = [[c.strip() for c in cells] for cells in rows]
    return [cells for cells in stripped if any(cells)]


@settings(max_examples=300)
@given(messy_files())
def test_any_file_reads_exactly_or_fails_with_the_file_named(csv_path, generated):
    rows, options, ending, bom = generated
    text = to_text(rows, options["delimiter"], ending)
    read(csv_path, text, options, data_rows(rows), bom=bom)


@st.composite
def clean_files(draw):
    """Finite float features and labels that fit their type: these must load, exactly."""
    delimiter = draw(st.sampled_from(DELIMITERS))
    n_features = draw(st.integers(1, 3))
    n_rows = draw(st.integers(2, 8))
    number = st.floats(allow_nan=False, allow_infinity=False)
    written = st.one_of(number.map(repr), number.map(lambda v: f"{v:.17e}"),
                        st.integers(-(10**30), 10**30).map(str))
    labels = st.one_of(
        st.lists(st.integers(-(2**63), 2**63 - 1).map(str), min_size=n_rows, max_size=n_rows,
                 unique=True),
        st.lists(st.sampled_from(["cat", "dog", "<i>x</i>", "1e19", "nan"]), min_size=n_rows,
                 max_size=n_rows).filter(lambda ls: len(set(ls)) >= 2 and "cat" in ls))
    label_cells = draw(labels)
    label_column = draw(st.integers(0, n_features))
    rows = []
    for label in label_cells:
        cells = draw(st.lists(written, min_size=n_features, max_size=n_features))
        cells.insert(label_column, label)
        rows.append(cells)
    return rows, {"delimiter": delimiter, "label_column": label_column}, draw(
        st.sampled_from(ENDINGS)), draw(st.booleans())


@settings(max_examples=150)
@given(clean_files())
def test_clean_files_load_and_round_trip_exactly(csv_path, generated):
    rows, options, ending, bom = generated
    text = to_text(rows, options["delimiter"], ending)
    loaded = read(csv_path, text, options, rows, bom=bom)
    assert loaded is not None, "a clean file was refused"


@settings(max_examples=100)
@given(st.binary(max_size=200), st.sampled_from([None, "infer"]))
def test_any_bytes_load_soundly_or_fail_with_the_file_named(csv_path, data, header):
    csv_path.write_bytes(data)
    try:
        X, y = load_csv(csv_path, header=header)
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions
        check_failure(exc, csv_path)
        return
    assert X.dtype == np.float64 and np.isfinite(X).all() and len(X) == len(y) > 0
