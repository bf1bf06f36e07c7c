from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from export.errors import DataError
from training.config import TrainConfig
from training.data.columns import Columns
from training.data.dataset import tutorial_dataset
from training.data.tables import load_table
from training.streaming.reduce import LOCAL
from training.streaming.streamed import open_streamed


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tutorial_data_is_the_complete_program():
    data = tutorial_dataset()
    assert data.x[:, 0].tolist() == [1, 2, 3, 4]
    assert data.y.tolist() == [0, 1, 1, 0]


def test_two_string_classes_map_in_sorted_order(tmp_path):
    data = load_table(write(tmp_path, "a,b,outcome\n1,2,yes\n3,4,no\n5,6,yes\n"), Columns("outcome"))
    assert data.class_labels == ("no", "yes")
    assert data.y.tolist() == [1, 0, 1]
    assert data.feature_names == ("a", "b")
    assert data.x.dtype == np.float64


def test_features_pick_and_order_columns(tmp_path):
    data = load_table(write(tmp_path, "a,b,c,y\n1,2,3,0\n4,5,6,1\n"), Columns("y", ["c", "a"]))
    assert data.feature_names == ("c", "a")
    assert data.x.tolist() == [[3, 1], [6, 4]]


@pytest.mark.parametrize(
    ("text", "target", "features", "message"),
    [
        ("", "y", None, r"data.csv is empty; it needs a header line and data rows"),
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
            r"2 row\(s\) of data.csv have missing values \(in x, y; the first on line 3\); fill them, or pass "
            r"--drop-missing to leave those rows out",
        ),
        (
            "x,y\n1,1\n2,1\n",
            "y",
            None,
            r"target 'y' of data.csv has only one class \(1\); logistic regression needs at least two",
        ),
        (
            "x,y\n" + "".join(f"{i},{i}.5\n" for i in range(101)),
            "y",
            None,
            r"target 'y' of data.csv has 101 distinct values, more than 100 classes; it looks like a measurement",
        ),
        (
            "x,y,w\n1,0,1\n2,1,-1\n",
            "y",
            None,
            r"weight column 'w' of data.csv must hold numbers from 0 to "
            r"1e\+15, but line 3 has -1",
        ),
        ("x,y,w\n1,0,0\n2,1,0\n", "y", None, r"weight column 'w' of data.csv is all zeros"),
        (
            "x,y,w\n1,0,1\n2,1,inf\n",
            "y",
            None,
            r"weight column 'w' of data.csv must hold numbers from 0 to 1e\+15, but line 3 has inf",
        ),
        ("x,y\n1,0\n2,1,5,6\n", "y", None, r"data.csv is not well-formed CSV .*; fix that line and retry"),
        ("x,y\n\n1,0\n\n\nabc,1\n", "y", None, r"but line 6 has 'abc'"),  # blank lines count, as in an editor
        ('x,y,n\n1,0,"a\nb"\nabc,1,c\n', "y", ["x"], r"but line 4 has 'abc'"),  # so do quoted line breaks
        ("x,y,x\n1,0,2\n", "y", None, r"data.csv has more than one column named 'x'; rename or remove the copies"),
    ],
)
def test_bad_files_get_one_line_that_says_what_to_do(tmp_path, text, target, features, message):
    weight = "w" if text.startswith("x,y,w") else None
    with pytest.raises(DataError, match=message) as info:
        load_table(write(tmp_path, text), Columns(target, features, weight))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("euro.csv", "x;w;y\n1,5;2;0\n2,5;1;1\n-0,5;1;0\n4;1;1\n"),  # what European spreadsheets save
        ("tabs.tsv", "x\tw\ty\n1.5\t2\t0\n2.5\t1\t1\n-0.5\t1\t0\n4\t1\t1\n"),
        ("bom.csv", "\ufeffx,w,y\r\n1.5,2,0\r\n2.5,1,1\r\n-0.5,1,0\r\n4,1,1\r\n"),
        ("indexed.csv", ",x,w,y\n0,1.5,2,0\n1,2.5,1,1\n2,-0.5,1,0\n3,4,1,1\n"),  # pandas' to_csv with its index
    ],
)
def test_dialects_and_a_saved_index_read_as_the_same_table(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    data = load_table(path, Columns("y", weight="w"))
    assert data.feature_names == ("x",) and data.x[:, 0].tolist() == [1.5, 2.5, -0.5, 4.0]
    assert data.weights.tolist() == [2.0, 1.0, 1.0, 1.0] and data.y.tolist() == [0, 1, 0, 1]
    assert bool(data.notes) == (name == "indexed.csv")


def test_any_nameless_first_column_is_a_saved_index(tmp_path):
    """Issue 18: pandas writes any index (dates, IDs, a filtered frame's 5, 3, ...) as a nameless first column."""
    data = load_table(write(tmp_path, ",x,y\n5,1,0\n3,2,1\n"), Columns("y"))
    assert data.feature_names == ("x",)
    assert data.notes == (
        "the first column of data.csv has no name: a saved row index (as pandas writes it); left out",
    )
    named = load_table(write(tmp_path, ",x,y\n5,1,0\n3,2,1\n"), Columns("y", ["Unnamed: 0", "x"]))
    assert named.feature_names == ("Unnamed: 0", "x") and not named.notes


@pytest.mark.parametrize("stream", [False, True])
def test_a_parquet_files_saved_index_is_left_out(tmp_path, stream):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 1, 0]}, index=pd.Index([7, 3, 9, 1], name="id"))
    frame.to_parquet(tmp_path / "named.parquet")
    frame.reset_index(drop=True).iloc[[3, 1, 0, 2]].to_parquet(tmp_path / "level.parquet")  # __index_level_0__
    for name, column in (("named", "id"), ("level", "__index_level_0__")):
        path = tmp_path / f"{name}.parquet"
        if stream:
            rows = open_streamed(path, Columns("y"), TrainConfig(), LOCAL, None).train
            features, notes = rows.inputs.features, rows.notes
        else:
            data = load_table(path, Columns("y"))
            features, notes = data.feature_names, data.notes
        assert tuple(features) == ("x",)
        assert notes == (f"{column} of {name}.parquet: pandas' saved row index; left out",)


def test_another_encoding_is_named_and_can_be_given(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("région,x,y\nÎle,1,0\nÎle,2,1\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.csv is not UTF-8 text \(byte 0xe9 at offset 1\); .*--encoding latin-1"):
        load_table(path, Columns("y", ["x"]))
    assert load_table(path, Columns("y", ["x"], encoding="latin-1")).x[:, 0].tolist() == [1.0, 2.0]


def test_a_given_delimiter_that_does_not_split_the_header_gets_a_hint(tmp_path):
    with pytest.raises(DataError, match=r"looks separated by semicolons, not commas: give --sep ';'"):
        load_table(write(tmp_path, "x;y\n1;0\n"), Columns("y", sep=","))


def test_missing_file_names_the_flag(tmp_path):
    with pytest.raises(DataError, match=r"data file .*nope.csv does not exist; check the path given to --data"):
        load_table(tmp_path / "nope.csv", Columns("y"))


def test_binary_file_is_not_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage\x00\x9c")
    with pytest.raises(DataError, match=r"data.csv is not UTF-8 text \(byte 0xff at offset 0\); save it as UTF-8"):
        load_table(path, Columns("y"))


def test_directory_is_unreadable(tmp_path):
    with pytest.raises(DataError, match=r"cannot read .* check the path and its permissions"):
        load_table(tmp_path, Columns("y"))


def test_three_or_more_classes_are_multinomial_in_sorted_order(tmp_path):
    data = load_table(write(tmp_path, "x,kind\n1,b\n2,c\n3,a\n4,b\n"), Columns("kind"))
    assert data.class_labels == ("a", "b", "c") and data.y.tolist() == [1, 2, 0, 1]


def test_drop_missing_counts_what_it_left_out(tmp_path):
    data = load_table(
        write(tmp_path, "x,z,y\n1,,0\n2,5,1\n,6,0\n4,7,1\n3,8,0\n"), Columns("y", ["x"], drop_missing=True)
    )
    assert data.dropped_rows == 1 and data.x[:, 0].tolist() == [1, 2, 4, 3]  # z's gap does not count: unused


def test_weight_column_is_read_and_not_a_feature(tmp_path):
    data = load_table(write(tmp_path, "x,w,y\n1,2,0\n2,0.5,1\n"), Columns("y", weight="w"))
    assert data.feature_names == ("x",) and data.weights.tolist() == [2.0, 0.5]


def test_parquet_is_read_and_a_fake_one_is_refused(tmp_path):
    import pandas as pd

    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "a"]}).to_parquet(tmp_path / "d.parquet")
    data = load_table(tmp_path / "d.parquet", Columns("y"))
    assert data.class_labels == ("a", "b") and data.x[:, 0].tolist() == [1, 2, 3]
    (tmp_path / "fake.parquet").write_text("x,y\n1,0\n")
    with pytest.raises(DataError, match=r"fake.parquet is not a readable Parquet file \(.*\); write it with "):
        load_table(tmp_path / "fake.parquet", Columns("y"))


def test_parquet_rows_are_named_as_rows(tmp_path):
    import pandas as pd

    pd.DataFrame({"x": [1.0, None, 3.0], "y": [0, 1, 0]}).to_parquet(tmp_path / "d.parquet")
    with pytest.raises(DataError, match=r"1 row\(s\) of d.parquet have missing values \(in x; the first on row 2\)"):
        load_table(tmp_path / "d.parquet", Columns("y"))


def test_a_bad_row_after_dropped_ones_is_named_by_its_own_line(tmp_path):
    path = write(tmp_path, "x,y\n,0\n1,1\n2,0\n,1\nabc,1\n")
    with pytest.raises(DataError, match=r"but line 6 has 'abc'"):
        load_table(path, Columns("y", drop_missing=True))


def test_float32_parquet_stays_float32_and_reaches_the_float64_optimum(tmp_path):
    from training.config import TrainConfig
    from training.solvers.fit import fit

    rng = np.random.default_rng(3)
    x = rng.normal(size=(5_000, 4)).astype(np.float32)
    y = (rng.random(5_000) < 1 / (1 + np.exp(-(x @ [1.0, -2.0, 0.5, 0.0])))).astype(np.int8)
    frame = pd.DataFrame(x, columns=list("abcd")).assign(y=y)
    frame.to_parquet(tmp_path / "f32.parquet")
    frame.astype({c: np.float64 for c in "abcd"}).to_parquet(tmp_path / "f64.parquet")
    narrow, wide = (load_table(tmp_path / f"{n}.parquet", Columns("y")) for n in ("f32", "f64"))
    assert narrow.x.dtype == np.float32 and wide.x.dtype == np.float64
    np.testing.assert_array_equal(narrow.x, wide.x)
    config = TrainConfig(optimizer="lbfgs", standardize=True, l2=0.01)
    a, b = fit(config, narrow), fit(config, wide)
    assert a.convergence.converged and b.convergence.converged
    assert abs(a.convergence.objective - b.convergence.objective) <= 1e-6 * abs(b.convergence.objective)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (["1", "abc", "2"], r"feature 'x' of t.parquet must hold finite numbers, but row 2 has 'abc'"),
        ([1.0, np.inf, 2.0], r"feature 'x' of t.parquet must hold finite numbers, but row 2 has inf"),
        ([1.0, None, 2.0], r"1 row\(s\) of t.parquet have missing values \(in x; the first on row 2\)"),
    ],
)
def test_a_bad_parquet_cell_is_named_by_its_row(tmp_path, column, message):
    pd.DataFrame({"x": column, "y": [0, 1, 0]}).to_parquet(tmp_path / "t.parquet")
    with pytest.raises(DataError, match=message):
        load_table(tmp_path / "t.parquet", Columns("y"))


class ProgressRecorder:
    def __init__(self):
        self.expected, self.read, self.calls = None, 0.0, 0

    def start(self, rows: float) -> None:
        self.expected = rows

    def advance(self, rows: float) -> None:
        self.read += rows
        self.calls += 1


def test_reading_reports_rows_as_it_goes(tmp_path):
    """What the progress bar shows: Parquet counts rows' worth of columns read (exact), a CSV rows'
    worth of bytes (estimated from its first megabyte, so close but not exact)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60_000), "b": rng.normal(size=60_000), "y": rng.integers(0, 2, 60_000)})
    frame.to_parquet(tmp_path / "t.parquet", row_group_size=10_000)
    frame.to_csv(tmp_path / "t.csv", index=False)
    for name, tolerance in (("t.parquet", 1e-12), ("t.csv", 0.05)):
        progress = ProgressRecorder()
        data = load_table(tmp_path / name, Columns("y"), progress)
        assert len(data.y) == 60_000
        assert progress.expected == pytest.approx(60_000, rel=tolerance)
        assert progress.read == pytest.approx(progress.expected, rel=1e-9) and progress.calls >= 3


@pytest.mark.parametrize(
    ("text", "thousands", "x"),
    [
        ("x;y\n4.663,24;0\n1.200,5;1\n800,5;0\n12;1\n", None, [4663.24, 1200.5, 800.5, 12.0]),  # sniffed
        ('x,y\n"4,663.24",0\n"1,200",1\n800.5,0\n12,1\n', None, [4663.24, 1200.0, 800.5, 12.0]),
        ("x;y\n4 663,24;0\n1 200,5;1\n800,5;0\n12;1\n", " ", [4663.24, 1200.5, 800.5, 12.0]),  # given
    ],
)
def test_thousands_marks_are_told_from_the_file_or_given(tmp_path, text, thousands, x):
    data = load_table(write(tmp_path, text), Columns("y", thousands=thousands))
    assert data.x[:, 0].tolist() == x and data.class_labels == (0, 1)


def test_a_bad_cell_among_grouped_numbers_is_the_one_named(tmp_path):
    with pytest.raises(DataError, match=r"feature 'x' of data.csv must hold finite numbers, but line 3 has '1.2x0,5'"):
        load_table(write(tmp_path, "x;y\n4.663,24;0\n1.2x0,5;1\n800,5;0\n"), Columns("y"))
