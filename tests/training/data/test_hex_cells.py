"""Whole numbers written in hex (0x1F): pyarrow reads them as numbers, the scorer and pandas as
text. Training reads them as text on every path (the file whole, a run at a time, streamed), so
the same one-line message names the cell that the served model would refuse."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import training.data.columnar
import training.data.hex_cells
from export.errors import DataError
from training.__main__ import main as training_main
from training.data.columns import Columns
from training.data.hex_cells import file_may_hold_hex, may_hold_hex
from training.data.tables import load_table

ENCODINGS = ["utf-8", "latin-1", "utf-16", "utf-16-le", "utf-32"]
TEXT = st.text(st.sampled_from("0123456789xX,.\n -ab\u00e9\u4e2d"), max_size=60)


@given(text=TEXT, encoding=st.sampled_from(ENCODINGS))
@example(text="0x", encoding="utf-32")
def test_a_zero_before_an_x_is_never_missed_in_any_encoding(text, encoding):
    data = text.encode(encoding, "replace")
    if "0x" in text.lower():
        assert may_hold_hex(data)
    if "x" not in text.lower():
        assert not may_hold_hex(data)


@given(data=st.binary(max_size=200), slice_bytes=st.integers(1, 16))
def test_a_file_searched_a_slice_at_a_time_is_searched_as_one(tmp_path_factory, data, slice_bytes):
    path = tmp_path_factory.mktemp("hex") / "f.csv"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training.data.hex_cells, "SCAN_BYTES", slice_bytes)
        assert file_may_hold_hex(path) == may_hold_hex(data)


def rows(n: int, hex_at: int, column: str) -> str:
    """``n`` rows of a float feature ``a``, a whole-number feature ``b`` and a 0/1 target ``y``,
    one cell of ``column`` written in hex at row ``hex_at``."""
    cells = {
        "a": [f"{i * 0.25}" for i in range(n)],
        "b": [str(i % 7) for i in range(n)],
        "y": [str(i % 2) for i in range(n)],
    }
    cells[column][hex_at] = "0x1F"
    return "a,b,y\n" + "".join(f"{a},{b},{y}\n" for a, b, y in zip(cells["a"], cells["b"], cells["y"]))


@pytest.mark.parametrize("where", ["small-file", "first-run", "later-run"])
def test_a_hex_number_in_a_whole_number_column_is_named_with_its_line(tmp_path, monkeypatch, where):
    """In a later run, after the first has the column as whole numbers, the file is read again
    whole (``columnar._read_csv``), which searches the file for hex."""
    if where != "small-file":  # runs of about 4 KB, the hex cell in the first or a later one
        monkeypatch.setattr(training.data.columnar, "MEMORY_PART_BYTES", (4096, 4096))
    n = 20 if where == "small-file" else 3_000
    at = {"small-file": 5, "first-run": 3, "later-run": 2_500}[where]
    (tmp_path / "t.csv").write_text(rows(n, at, "b"))
    message = f"feature 'b' of t.csv must hold finite numbers, but line {at + 2} has '0x1F'"
    with pytest.raises(DataError, match=message):
        load_table(tmp_path / "t.csv", Columns("y"))
    streamed = ["--data", str(tmp_path / "t.csv"), "--target", "y", "--stream", "--out", str(tmp_path / "m.onnx")]
    assert training_main(streamed) == 2


def test_a_hex_label_is_a_label_of_its_own(tmp_path):
    (tmp_path / "t.csv").write_text(rows(20, 4, "y"))
    data = load_table(tmp_path / "t.csv", Columns("y"))
    assert data.class_labels == ("0", "0x1F", "1")  # as pandas reads the column: text, three labels
    np.testing.assert_array_equal(data.x[:, 1], np.arange(20) % 7)  # the other columns stay numbers


def test_a_text_column_with_xs_and_no_hex_reads_once(tmp_path, monkeypatch):
    """An x in the text is not a hex number: the whole-number columns stay numbers, parsed once."""
    (tmp_path / "t.csv").write_text("b,name,y\n" + "".join(f"{i},box {i % 9 + 1}x,{i % 2}\n" for i in range(1, 40)))
    parsed = []
    real = training.data.columnar._parsed_csv

    def parse(*args):
        parsed.append(args[5])  # the types asked for
        return real(*args)

    monkeypatch.setattr(training.data.columnar, "_parsed_csv", parse)
    data = load_table(tmp_path / "t.csv", Columns("y", features=["b"]))
    np.testing.assert_array_equal(data.x[:, 0], np.arange(1, 40))
    assert not any(kind == training.data.columnar.pa.string() for types in parsed for kind in types.values())
