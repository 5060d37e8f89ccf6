import numpy as np
import pytest

from mlplab import data
from mlplab.errors import DataFileError


def write(tmp_path, text, name="points.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_e2_headerless_format(tmp_path):
    X_ref, y_ref = data.xor(n_samples=40, random_state=0)
    rows = zip(X_ref.tolist(), y_ref.tolist(), strict=True)
    lines = [f"{a!r},{b!r},{label}" for (a, b), label in rows]
    X, y = data.load_csv(write(tmp_path, "\n".join(lines) + "\n\n"))
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref) and y.dtype == np.int64


def test_header_label_column_and_text_labels(tmp_path):
    path = write(tmp_path, "kind;x1;x2\ncat;1;2\ndog;3;4\ncat;5;6\n")
    X, y = data.load_csv(path, label_column=0, header="infer", delimiter=";")
    assert X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert y.tolist() == ["cat", "dog", "cat"]
    X, y = data.load_csv(write(tmp_path, "0.5,1.25\n1.5,2.75\n", "reg.csv"))
    assert y.dtype == np.float64 and y.tolist() == [1.25, 2.75]


@pytest.mark.parametrize("text,kwargs,message", [
    ("1,2,0\n3,4\n5,6,1\n", {}, "line 2 has 2 cells but the first row has 3"),
    ("1,2,0\n3,abc,1\n", {}, r"line 2, column 2: 'abc' is not a number"),
    ("x1,x2,label\n1,2,0\n", {}, "line 1, column 1: 'x1' is not a number. If it is a header"),
    ("1,2,0\n3,4,0\n", {}, "single class"),
    ("", {}, "empty"),
    ("1,2,0\n3,4,1\n", {"label_column": 5}, "label_column=5 is out of range for 3 columns"),
    ("1,2,a\n3,4,b\n", {"task": "regression"}, "needs numeric labels"),
    ("1,2,0\n", {"header": "yes"}, "header='yes'"),
])
def test_clear_errors(tmp_path, text, kwargs, message):
    with pytest.raises(DataFileError, match=message):
        data.load_csv(write(tmp_path, text), **kwargs)


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="no data file"):
        data.load_csv(tmp_path / "nope.csv")
