"""Batch scoring on the page: the table out, and one clear message for each bad file."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from export.artifact import Artifact
from export.errors import InputError
from export.scoring import MAX_ROWS, neutralise, score_table, scored_csv


def test_scores_every_row_and_keeps_other_columns(tutorial_built):
    artifact = Artifact.from_bytes(tutorial_built.data)
    scored, notes = score_table(b"id,x\na,1\nb,2.5\nc,5\n", artifact, "rows.csv")
    expected = artifact.predict(np.array([[1.0], [2.5], [5.0]]))
    assert list(scored.columns) == ["id", "x", "P(y = 0)", "P(y = 1)", "label"]
    assert scored["P(y = 1)"].to_numpy() == pytest.approx(expected.probabilities[:, 1])
    assert scored["label"].tolist() == expected.label.tolist()
    assert notes == ["Columns id are not features of this model: they are carried through unchanged."]


@pytest.mark.parametrize(
    "data",
    [b"id;x\na;1\nb;2,5\nc;5\n", b"id\tx\na\t1\nb\t2.5\nc\t5\n", b"\xef\xbb\xbfid,x\r\na,1\r\nb,2.5\r\nc,5\r\n"],
    ids=["semicolons and decimal commas", "tabs", "BOM and CRLF"],
)
def test_files_as_spreadsheets_save_them_are_scored_alike(tutorial_built, data):
    artifact = Artifact.from_bytes(tutorial_built.data)
    scored, _ = score_table(data, artifact, "rows.csv")
    written = "2,5" if b";" in data else "2.5"  # every cell comes back as the file wrote it
    assert scored["x"].tolist() == ["1", written, "5"] and scored["id"].tolist() == ["a", "b", "c"]
    assert scored["P(y = 1)"].to_numpy() == pytest.approx(artifact.predict([[1.0], [2.5], [5.0]]).probabilities[:, 1])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"rows.csv is empty; it needs a header line and data rows"),
        (b"x\n", r"rows.csv has a header but no data rows; add rows and retry"),
        (b"z\n1\n", r"rows.csv lacks the feature column\(s\) x; the model needs x"),
        (b"x\n1\nabc\n", r"rows.csv: column x on line 3 has 'abc', not a finite number .*; 1 row\(s\) are affected"),
        (b"id,x\n1,1\n2,\n", r"rows.csv: column x on line 3 has an empty cell, not a finite number"),
        (b"x\n1e39\n", r"rows.csv: column x on line 2 has '1e39', not a finite number within float32's range"),
        (b"x\n1\nnan\n", r"rows.csv: column x on line 3 has NaN, not a finite number"),
        (b"x\n1\n\n\n2\nNaN\n", r"rows.csv: column x on line 6 has NaN"),  # blank lines count
        (b'id,x\n"two\nlines",1\nb,oops\n', r"rows.csv: column x on line 4 has 'oops'"),  # so does a quoted newline
        (b"x\n" + b"9" * 1000 + b"\n", r"has '9{39}… \(1,000 characters\)', not a finite number within float32"),
        (b"x,id,x\n1,a,2\n", r"rows.csv has more than one column named 'x'; rename or remove the copies"),
        (b"x\n1\n2,3,4\n", r"rows.csv is not well-formed CSV"),
        (b"\xff\xfe\x00x", r"rows.csv is not UTF-8 text \(byte 0xff at offset 0\); save it as UTF-8"),
    ],
)
def test_bad_files_get_one_line(tutorial_built, data, message):
    with pytest.raises(InputError, match=message):
        score_table(data, Artifact.from_bytes(tutorial_built.data), "rows.csv")


def test_too_many_rows(tutorial_built):
    data = ("x\n" + "1\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(InputError, match=r"has 100,001 rows; the page scores at most 100,000"):
        score_table(data, Artifact.from_bytes(tutorial_built.data), "rows.csv", max_rows=MAX_ROWS)


def test_download_neutralises_formulas_and_keeps_numbers_and_ids_as_written(tutorial_built):
    artifact = Artifact.from_bytes(tutorial_built.data)
    upload = (
        b"id,x,note\n"
        b"=1+2,1,@SUM(1)\n"
        b"+cmd|' /C calc'!A0,2,=HYPERLINK(\"http://example.com\")\n"
        b"-5,3,-2.5e3\n"
        b'007,4,"\ttab"\n'
    )
    scored, _ = score_table(upload, artifact, "rows.csv")
    assert scored["id"].tolist() == ["=1+2", "+cmd|' /C calc'!A0", "-5", "007"]  # the table shows what was sent
    back = pd.read_csv(io.BytesIO(scored_csv(scored)), dtype=str, keep_default_na=False)
    assert back["id"].tolist() == ["'=1+2", "'+cmd|' /C calc'!A0", "-5", "007"]
    assert back["note"].tolist() == ["'@SUM(1)", '\'=HYPERLINK("http://example.com")', "-2.5e3", "'\ttab"]
    assert back["x"].tolist() == ["1", "2", "3", "4"]


def test_a_formula_in_a_column_name_or_class_label_is_neutralised_too():
    table = pd.DataFrame({"=cmd": ["a"], "label": ["=evil"], "P": [0.5]})
    back = pd.read_csv(io.BytesIO(scored_csv(table)), dtype=str)
    assert list(back.columns) == ["'=cmd", "label", "P"] and back["label"].tolist() == ["'=evil"]


@pytest.mark.parametrize(
    ("cell", "safe"), [("=1", "'=1"), ("-5", "-5"), ("+3.5", "+3.5"), ("-1+2", "'-1+2"), ("a=1", "a=1")]
)
def test_neutralise(cell, safe):
    assert neutralise(cell) == safe


DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "artifacts" / "default.onnx"


def test_text_columns_are_scored_and_an_unseen_level_or_empty_cell_names_its_line():
    artifact = Artifact.from_bytes(DEFAULT_MODEL.read_bytes())
    scored, _ = score_table(b"student,balance,income\nYes,1500,20000\n No ,800,40000\n", artifact, "rows.csv")
    expected = artifact.predict({"student": ["Yes", "No"], "balance": [1500, 800], "income": [20000, 40000]})
    assert scored["P(default = Yes)"].to_numpy() == pytest.approx(expected.probabilities[:, 1].astype(float))
    for cell, shown in (("Maybe", "'Maybe'"), ("", "an empty cell")):
        message = (
            rf"rows.csv: column student on line 3 has {shown}, not a level the model saw in training "
            r"\(it knows: No, Yes\); 1 row\(s\) are affected"
        )
        with pytest.raises(InputError, match=message):
            score_table(f"student,balance,income\nYes,1,2\n{cell},1,2\n".encode(), artifact, "rows.csv")


def test_a_cell_beyond_128_kib_is_carried_through(tutorial_built):
    """Python's csv module stops at 128 KiB a field unless told: the page's scoring read it fine but
    named lines with it, and failed."""
    artifact = Artifact.from_bytes(tutorial_built.data)
    long = "a" * 200_000
    scored, _ = score_table(f"note,x\n{long},1\nb,2\n".encode(), artifact, "rows.csv")
    assert scored["note"].tolist() == [long, "b"]
    with pytest.raises(InputError, match=r"column x on line 3 has 'five'"):
        score_table(f"note,x\n{long},1\nb,five\n".encode(), artifact, "rows.csv")
