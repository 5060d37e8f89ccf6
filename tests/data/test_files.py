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
    # labels that an int64 or a float64 would change: refused, never merged
    ("1,2,1e19\n3,4,0\n", {}, "line 1: label '1e19' is a whole number outside the int64"),
    ("1,2,0\n3,4,-9223372036854775809\n", {}, "line 2: .* outside the int64 range"),
    ("1,2,0\n3,4,1e400\n", {}, "line 2: label '1e400' is too large for float64"),
    ("1,2,0\n3,4,-inf\n", {}, "line 2: label '-inf' is not a finite number"),
    ("1,2,0\n1e309,4,1\n", {}, r"line 2, column 1: '1e309' is too large for float64"),
    ("1,2,0\n3,nan,1\n", {}, r"line 2, column 2: 'nan' is not a finite number"),
    ("1,2,0\n3,4,\n5,6,1\n", {}, "line 2: the label cell is empty"),
    # only ASCII decimal numbers are numbers (float() alone takes these)
    ("1,2,0\n1_0,4,1\n", {}, r"line 2, column 1: '1_0' is not a number"),
    ("1,2,0\n\u0661,4,1\n", {}, r"line 2, column 1: '\u0661' is not a number"),
    ("1,2,0\n3,\u0131nf,1\n", {}, r"line 2, column 2: '\u0131nf' is not a number"),
    # the file itself
    ("1,2,0\n\ufeff3,4,1\n", {}, r"line 2 contains a byte-order mark \(U\+FEFF\) inside"),
    ("1,2,0\n3,4\x00,1\n", {}, "line 2 contains a NUL character"),
    ('1,2,0\n3,"4,1\n5,6,0\n', {}, "line 2: unexpected end of data; quote a cell"),
    ('1,2,0\n3,"4"5,1\n', {}, "line 2: ',' expected after '\"'"),
    ("1,2,0\n3," + "7" * 200_000 + ",1\n", {}, "line 2: a cell is longer than 131,072 char"),
    ("1,2,0\r3,x,1\r", {}, r"line 2, column 2: 'x' is not a number"),
    ('1,2,a\n3,4,"b\nc"\n6,x,a\n', {}, r"line 4, column 2: 'x'"),  # a two-line cell
    ("x1,x2,y\n", {}, r"line 1, column 1: 'x1' is not a number\. If line 1 is a header"),
    ("1,2,0\n3,4,1\n", {"label_column": -4}, "label_column=-4 is out of range"),
    ("1,2,0\n3,4,1\n", {"label_column": 2**70}, "out of range for the 3 columns"),
])
def test_file_errors_name_the_line(tmp_path, text, kwargs, message):
    with pytest.raises(DataFileError, match=message):
        data.load_csv(write(tmp_path, text), **kwargs)


def test_class_labels_are_exact(tmp_path):
    # 2**53 + 1 and 2**53 are one float64 but two int64 classes
    _, y = data.load_csv(write(tmp_path, "1,2,9007199254740993\n3,4,9007199254740992\n"))
    assert y.dtype == np.int64 and y.tolist() == [2**53 + 1, 2**53]
    _, y = data.load_csv(write(tmp_path, "1,2,9223372036854775807\n3,4,-9223372036854775808\n"))
    assert y.tolist() == [2**63 - 1, -(2**63)]
    # whole numbers written as floats are the classes they equal
    _, y = data.load_csv(write(tmp_path, "1,2,1.0\n3,4,1\n5,6,2e0\n7,8,-0.0\n"))
    assert y.dtype == np.int64 and y.tolist() == [1, 1, 2, 0]
    # a float that only rounds to a whole number is not one
    _, y = data.load_csv(write(tmp_path, "1,2,1.0000000000000000001\n3,4,2\n"))
    assert y.dtype == np.float64
    with pytest.raises(DataFileError, match="line 1: .* is not a whole number"):
        data.load_csv(write(tmp_path, "1,2,1.0000000000000000001\n3,4,2\n"),
                      task="classification")


def test_text_labels_and_numbers_in_the_file_are_kept_as_written(tmp_path):
    _, y = data.load_csv(write(tmp_path, "1,2, 1e19 \n3,4,cat\n5,6,1.0\n7,8,1\n"))
    assert y.tolist() == ["1e19", "cat", "1.0", "1"]
    X, _ = data.load_csv(write(tmp_path, "+1.5,-.25,0\n1e-3,4.,1\n"))
    assert X.tolist() == [[1.5, -0.25], [0.001, 4.0]]


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(DataFileError, match=r"no data file at '.*nope\.csv'"):
        data.load_csv(tmp_path / "nope.csv")
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(DataFileError, match="not a UTF-8 text file"):
        data.load_csv(binary)
    binary.write_bytes(b"1,2,0\r\n3,4,1\r\n5,\xff6,0\r\n")
    with pytest.raises(DataFileError, match=r"not a UTF-8 text file: line 3 has the byte "
                                            r"b'\\xff' \(offset 16\)"):
        data.load_csv(binary)
    binary.write_text("1,2,0\n3,4,1\n", encoding="utf-16")
    with pytest.raises(DataFileError, match="starts with a UTF-16 byte-order mark"):
        data.load_csv(binary)
    with pytest.raises(DataFileError, match="cannot be read: File name too long"):
        data.load_csv(tmp_path / ("a" * 300))
    with pytest.raises(DataFileError, match="no data file at"):
        data.load_csv(tmp_path)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"header": "yes"}, InvalidInputError, "header='yes': use header=None"),
    ({"task": "cluster"}, InvalidInputError, "task='cluster'"),
    ({"delimiter": ",,"}, InvalidInputError, "delimiter=',,': must be one character"),
    ({"label_column": "label"}, InvalidTypeError, "label_column='label': must be a column"),
    ({"label_column": True}, InvalidTypeError, "label_column=True: must be a column"),
    ({"delimiter": "."}, InvalidInputError, "delimiter='.': must be one character that is not"),
    ({"delimiter": '"'}, InvalidInputError, "delimiter='\"': must be one character"),
    ({"delimiter": "\n"}, InvalidInputError, "delimiter='\\\\n': must be one character"),
])
def test_argument_errors(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.load_csv(write(tmp_path, "1,2,0\n3,4,1\n"), **kwargs)


def test_path_must_be_a_path():
    with pytest.raises(InvalidTypeError, match="path=5: must be a file path"):
        data.load_csv(5)
