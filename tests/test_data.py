from pathlib import Path

import numpy as np
import pytest

from export.errors import DataError
from training.data import load_csv, tutorial_dataset


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tutorial_data_is_the_complete_program():
    data = tutorial_dataset()
    assert data.x[:, 0].tolist() == [1, 2, 3, 4]
    assert data.y.tolist() == [0, 1, 1, 0]


def test_two_string_classes_map_in_sorted_order(tmp_path):
    data = load_csv(write(tmp_path, "a,b,outcome\n1,2,yes\n3,4,no\n5,6,yes\n"), "outcome", None)
    assert data.class_labels == ("no", "yes")
    assert data.y.tolist() == [1, 0, 1]
    assert data.feature_names == ("a", "b")
    assert data.x.dtype == np.float64


def test_features_pick_and_order_columns(tmp_path):
    data = load_csv(write(tmp_path, "a,b,c,y\n1,2,3,0\n4,5,6,1\n"), "y", ["c", "a"])
    assert data.feature_names == ("c", "a")
    assert data.x.tolist() == [[3, 1], [6, 4]]


@pytest.mark.parametrize(
    ("text", "target", "features", "message"),
    [
        ("", "y", None, r"data.csv is empty; it needs a header line and at least two data rows"),
        ("x,y\n", "y", None, r"data.csv has a header but no data rows; add rows and retry"),
        (
            "x,y\n1,0\n2,1\n",
            None,
            None,
            r"--data needs --target COLUMN to name the column to predict \(columns of "
            r"data.csv: x, y\)",
        ),
        ("x,y\n1,0\n2,1\n", "z", None, r"--target 'z' is not a column of data.csv \(columns: x, y\)"),
        ("x,y\n1,0\n2,1\n", "y", ["x", "q"], r"--features names q, not columns of data.csv"),
        ("x,y\n1,0\n2,1\n", "y", ["y"], r"--features includes the target 'y'; list only the input columns"),
        ("y\n0\n1\n", "y", None, r"data.csv has no feature columns besides the target 'y'"),
        ("x,y\n1,0\nabc,1\n", "y", None, r"feature 'x' of data.csv must hold finite numbers, but line 3 has 'abc'"),
        ("x,y\n1,0\ninf,1\n", "y", None, r"feature 'x' of data.csv must hold finite numbers, but line 3 has"),
        (
            "x,y\n1,0\n,1\n2,\n",
            "y",
            None,
            r"column 'x' of data.csv has 1 missing value\(s\), first on line 3; "
            r"fill or remove those rows",
        ),
        (
            "x,y\n1,1\n2,1\n",
            "y",
            None,
            r"target 'y' of data.csv has only one class \(1\); binary logistic "
            r"regression needs exactly two",
        ),
        ("x,y\n1,a\n2,b\n3,c\n", "y", None, r"target 'y' of data.csv has 3 classes \(a, b, c\)"),
        ("x,y\n1,0\n2,1,5,6\n", "y", None, r"data.csv is not well-formed CSV .*; fix that line and retry"),
    ],
)
def test_bad_files_get_one_line_that_says_what_to_do(tmp_path, text, target, features, message):
    with pytest.raises(DataError, match=message) as info:
        load_csv(write(tmp_path, text), target, features)
    assert "\n" not in str(info.value)


def test_missing_file_names_the_flag(tmp_path):
    with pytest.raises(DataError, match=r"data file .*nope.csv does not exist; check the path given to --data"):
        load_csv(tmp_path / "nope.csv", "y", None)


def test_binary_file_is_not_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage\x00\x9c")
    with pytest.raises(DataError, match=r"is not a text CSV file \(it is not UTF-8\)"):
        load_csv(path, "y", None)


def test_directory_is_unreadable(tmp_path):
    with pytest.raises(DataError, match=r"cannot read .* check the path and its permissions"):
        load_csv(tmp_path, "y", None)
