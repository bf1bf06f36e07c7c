"""``python -m export.score``: a file scored on the served path, as the page scores an upload."""

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from no_torch import BLOCK_TORCH
from paths import PROJECT

import export.score
from export.artifact import Artifact
from export.score import main as score_main

MODEL = PROJECT / "artifacts" / "model.onnx"


def rows() -> pd.DataFrame:
    return pd.DataFrame({"id": ["a", "=1+2", "c", "-5"], "x": [1.0, 2.5, 5.0, -3.0]})


def expected() -> np.ndarray:
    return Artifact.from_bytes(MODEL.read_bytes()).predict(rows()[["x"]].to_numpy()).probabilities[:, 1]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_file_is_scored_with_its_columns_kept_and_formulas_escaped(tmp_path, monkeypatch, capsys, kind):
    monkeypatch.setattr(export.score, "BATCH_ROWS", 3)  # a Parquet file of two batches: one header
    data = tmp_path / f"new.{kind}"
    if kind == "csv":
        rows().to_csv(data, index=False)
    else:
        rows().to_parquet(data)
    assert score_main(["--model", str(MODEL), "--data", str(data)]) == 0
    scored = pd.read_csv(tmp_path / "new.scored.csv", dtype={"id": str})
    assert list(scored.columns) == ["id", "x", "P(y = 0)", "P(y = 1)", "label"]
    assert scored["id"].tolist() == ["a", "'=1+2", "c", "-5"]
    np.testing.assert_allclose(scored["P(y = 1)"], expected(), rtol=1e-7)
    assert "scored 4 rows of new." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kind", "table", "message"),
    [
        ("csv", "id,z\na,1\n", r"error: new.csv lacks the feature column\(s\) x; the model needs x\n"),
        ("csv", "x\n1\nabc\n", r"error: new.csv: column x on line 3 has 'abc', not a finite number"),
        ("parquet", pd.DataFrame({"x": [1.0, None]}), r"error: new.parquet: column x on row 2 has a missing value"),
        ("parquet", pd.DataFrame({"z": [1.0]}), r"error: new.parquet lacks the feature column\(s\) x"),
    ],
)
def test_bad_files_get_one_line_and_nothing_is_written(tmp_path, capsys, kind, table, message):
    data = tmp_path / f"new.{kind}"
    if kind == "csv":
        data.write_text(table)
    else:
        table.to_parquet(data)
    assert score_main(["--model", str(MODEL), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.match(message, err)
    assert not (tmp_path / "new.scored.csv").exists()


def test_scoring_needs_no_torch(tmp_path):
    data = tmp_path / "new.csv"
    rows().to_csv(data, index=False)
    code = (
        BLOCK_TORCH + "from export.score import main\n"
        f"sys.exit(main(['--model', {str(MODEL)!r}, '--data', {str(data)!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "new.scored.csv").is_file()


PENGUINS = PROJECT / "artifacts" / "penguins.onnx"


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_text_columns_are_scored_as_the_reader_scores_them_and_an_unseen_level_names_its_line(tmp_path, capsys, kind):
    frame = pd.read_csv(PROJECT / "data" / "penguins.csv").dropna().head(30)
    data = tmp_path / f"new.{kind}"
    write = (lambda f, path: f.to_csv(path, index=False)) if kind == "csv" else (lambda f, path: f.to_parquet(path))
    write(frame, data)
    assert score_main(["--model", str(PENGUINS), "--data", str(data)]) == 0
    scored = pd.read_csv(tmp_path / "new.scored.csv")
    expected = Artifact.from_bytes(PENGUINS.read_bytes()).predict(frame).probabilities[:, 1]
    np.testing.assert_allclose(scored["P(sex = male)"], expected, rtol=1e-7)
    frame.loc[frame.index[4], "island"] = "Atlantis"
    write(frame, data)
    assert score_main(["--model", str(PENGUINS), "--data", str(data), "--out", str(tmp_path / "other.csv")]) == 2
    where = "line 6" if kind == "csv" else "row 5"
    assert re.fullmatch(
        rf"error: new.{kind}: column island on {where} has 'Atlantis', not a level the model saw in training "
        r"\(it knows: Biscoe, Dream, Torgersen\); 1 row\(s\) are affected. Fix them and score again\n",
        capsys.readouterr().err,
    )
    assert not (tmp_path / "other.csv").exists()
