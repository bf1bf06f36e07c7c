"""Batch scoring on the page: the table out, and one clear message for each bad file."""

import numpy as np
import pytest

from export.artifact import Artifact
from page.batch import MAX_ROWS, score_table
from page.inputs import InputError


def test_scores_every_row_and_keeps_other_columns(tutorial_built):
    artifact = Artifact.from_bytes(tutorial_built.data)
    scored, notes = score_table(b"id,x\na,1\nb,2.5\nc,5\n", artifact, "rows.csv")
    expected = artifact.predict(np.array([[1.0], [2.5], [5.0]]))
    assert list(scored.columns) == ["id", "x", "P(y = 0)", "P(y = 1)", "label"]
    assert scored["P(y = 1)"].to_numpy() == pytest.approx(expected.probabilities[:, 1])
    assert scored["label"].tolist() == expected.label.tolist()
    assert notes == ["Columns id are not features of this model: they are carried through unchanged."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"rows.csv is empty; it needs a header line and data rows"),
        (b"x\n", r"rows.csv has a header but no data rows; add rows and retry"),
        (b"z\n1\n", r"rows.csv lacks the feature column\(s\) x; the model needs x"),
        (b"x\n1\nabc\n", r"rows.csv: column x on line 3 has 'abc', not a finite number; 1 row\(s\) are affected"),
        (b"id,x\n1,1\n2,\n", r"rows.csv: column x on line 3 has an empty cell, not a finite number"),
        (b"x\n1e39\n", r"rows.csv: column x on line 2 has '1e\+39', not a finite number"),
        (b"x\n1\n2,3,4\n", r"rows.csv is not well-formed CSV"),
        (b"\xff\xfe\x00x", r"rows.csv is not a text CSV file"),
    ],
)
def test_bad_files_get_one_line(tutorial_built, data, message):
    with pytest.raises(InputError, match=message):
        score_table(data, Artifact.from_bytes(tutorial_built.data), "rows.csv")


def test_too_many_rows(tutorial_built):
    data = ("x\n" + "1\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(InputError, match=r"has 100,001 rows; the page scores at most 100,000"):
        score_table(data, Artifact.from_bytes(tutorial_built.data), "rows.csv")
