import numpy as np
import pytest

from mlplab import data
from mlplab.errors import DataFileError, InvalidInputError, InvalidTypeError


def write(tmp_path, text, name="points.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_reads_e2_headerless_format(tmp_path):
    X_ref, y_ref = data.xor(n_samples=40, random_state=0)
    rows = zip(X_ref.tolist(), y_ref.tolist(), strict=True)
    lines = [f"{a!r},{b!r},{label}" for (a, b), label in rows]
    lines.insert(10, "")  # blank lines are skipped
    X, y = data.load_csv(write(tmp_path, "\n".join(lines) + "\n\n"))
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


def test_header_infer_skips_only_a_text_first_line(tmp_path):
    X, y = data.load_csv(write(tmp_path, "x1,x2,label\n1,2,0\n3,4,1\n"), header="infer")
    assert X.tolist() == [[1, 2], [3, 4]] and y.tolist() == [0, 1]
    X, _ = data.load_csv(write(tmp_path, "1,2,0\n3,4,1\n", "plain.csv"), header="infer")
    assert len(X) == 2


def test_label_column_delimiter_and_text_labels(tmp_path):
    path = write(tmp_path, "kind;x1;x2\ncat;1;2\ndog;3;4\ncat;5;6\n")
    X, y = data.load_csv(path, label_column=0, header="infer", delimiter=";")
    assert X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert y.dtype.kind == "U" and y.tolist() == ["cat", "dog", "cat"]


def test_label_types(tmp_path):
    _, y = data.load_csv(write(tmp_path, "0.5,1.0\n1.5,2.0\n", "whole.csv"))
    assert y.dtype == np.int64 and y.tolist() == [1, 2]
    _, y = data.load_csv(write(tmp_path, "0.5,1.25\n1.5,2.75\n", "reg.csv"))
    assert y.dtype == np.float64 and y.tolist() == [1.25, 2.75]
    _, y = data.load_csv(write(tmp_path, "0.5,1\n1.5,1\n", "one.csv"), task="regression")
    assert y.dtype == np.float64 and y.tolist() == [1.0, 1.0]


def test_byte_order_mark_is_ignored(tmp_path):
    X, _ = data.load_csv(write(tmp_path, "1,2,0\n3,4,1\n", encoding="utf-8-sig"))
    assert X[0].tolist() == [1, 2]


@pytest.mark.parametrize("text,kwargs,message", [
    ("1,2,0\n3,4\n5,6,1\n", {}, "line 2 has 2 cells but line 1 has 3"),
    ("\n1,2,0\n\n3,abc,1\n", {}, r"line 4, column 2: 'abc' is not a number\.$"),
    ("x1,x2,label\n1,2,0\n", {},
     r"line 1, column 1: 'x1' is not a number\. If line 1 is a header, pass header='infer'"),
    ("1,2,0\n3,inf,1\n", {}, r"line 2, column 2: 'inf' is not a finite number"),
    ("1,2,0\n3,4,0\n", {}, "single class .0. in every row; classification needs at least two"),
    ("1,2,a\n3,4,a\n", {}, "single class .'a'."),
    ("", {}, "is empty"),
    ("\n  \n", {}, "is empty"),
    ("x1,x2,y\n", {"header": "infer"}, "has a header line but no data rows"),
    ("1;2;0\n", {}, "line 1 has 1 cell; .* delimiter=',' right"),
    ("1,2,0\n3,4,1\n", {"label_column": 5},
     r"label_column=5 is out of range for the 3 columns .*use 0..2"),
    ("1,2,a\n3,4,b\n", {"task": "regression"}, "line 1: task='regression' needs numeric"),
    ("1,2,0\n3,4,0.5\n", {"task": "classification"}, "line 2: .* '0.5' is not a whole number"),
    ("1,2,0\n3,4,nan\n", {}, "line 2: label 'nan' is not a finite number"),
])
def test_file_errors_name_the_line(tmp_path, text, kwargs, message):
    with pytest.raises(DataFileError, match=message):
        data.load_csv(write(tmp_path, text), **kwargs)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(DataFileError, match=r"no data file at '.*nope\.csv'"):
        data.load_csv(tmp_path / "nope.csv")
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(DataFileError, match="not a UTF-8 text file"):
        data.load_csv(binary)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"header": "yes"}, InvalidInputError, "header='yes': use header=None"),
    ({"task": "cluster"}, InvalidInputError, "task='cluster'"),
    ({"delimiter": ",,"}, InvalidInputError, "delimiter=',,': must be one character"),
    ({"label_column": "label"}, InvalidTypeError, "label_column='label': must be a column"),
])
def test_argument_errors(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.load_csv(write(tmp_path, "1,2,0\n3,4,1\n"), **kwargs)
