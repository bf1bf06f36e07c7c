"""Nothing a run was given is lost (issue 18): outputs never replace an input, a folder or a device,
the model, checkpoint and card are written all together or not at all, and scoring never writes
over a column of the file it scores."""

import os
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from paths import PROJECT

import export.files
from export.__main__ import main as export_main
from export.score import main as score_main
from training.__main__ import main as training_main

DATA = "x,y\n1,0\n2,1\n3,0\n4,1\n5,1\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return path


def refused(argv: list[str], capsys, message: str, main=training_main) -> None:
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"error: {message}"), err


@pytest.mark.parametrize(
    "out, message",
    [
        ("data.csv", "--out must name an .onnx file, got "),
        ("model.pt", "--out must name an .onnx file, got "),
        ("folder.onnx", "--out {tmp}/folder.onnx is a folder; give the path of a file to write"),
        ("data.csv/model.onnx", "--out {tmp}/data.csv/model.onnx: {tmp}/data.csv is not a folder"),
        ("link.onnx", "--out {tmp}/link.onnx is the file this run reads ({tmp}/data.csv); writing it would lose it"),
    ],
)
def test_training_refuses_an_output_that_would_lose_something(tmp_path, data, capsys, out, message):
    (tmp_path / "folder.onnx").mkdir()
    (tmp_path / "link.onnx").symlink_to(data)
    refused(["--data", str(data), "--target", "y", "--out", str(tmp_path / out)], capsys, message.format(tmp=tmp_path))
    assert data.read_text() == DATA and (tmp_path / "folder.onnx").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "folder.onnx", "link.onnx"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root could replace /dev/null; others are refused by the system")
def test_a_device_is_never_replaced_by_a_file(capsys):
    refused(["--out", "/dev/null"], capsys, "--out must name an .onnx file")
    device = Path("/dev/null.onnx")
    assert not device.exists()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_checkpoint_is_never_written_without_its_model(tmp_path, data, capsys, monkeypatch):
    """The disk fills while the third file (the card) is written: neither the checkpoint nor the
    model written before it may appear."""
    created = export.files._created

    def filling(path: Path) -> tuple[int, str]:
        if path.name.endswith(".model_card.md"):
            raise OSError(28, "No space left on device")
        return created(path)

    monkeypatch.setattr(export.files, "_created", filling)
    refused(
        ["--data", str(data), "--target", "y", "--out", str(tmp_path / "m.onnx")],
        capsys,
        f"cannot write {tmp_path / 'm.model_card.md'} (No space left on device); nothing was written",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_all_three_files_appear_together(tmp_path, data):
    assert training_main(["--data", str(data), "--target", "y", "--out", str(tmp_path / "m.onnx")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "m.model_card.md", "m.onnx", "m.pt"]


def test_export_refuses_to_write_over_its_checkpoint(tmp_path, capsys):
    checkpoint = tmp_path / "model.pt"
    checkpoint.write_bytes((PROJECT / "artifacts" / "model.pt").read_bytes())
    refused(
        ["--checkpoint", str(checkpoint), "--out", str(checkpoint)],
        capsys,
        "--out must name an .onnx file",
        export_main,
    )
    assert checkpoint.read_bytes() == (PROJECT / "artifacts" / "model.pt").read_bytes()


@pytest.mark.parametrize("out", ["data.csv", "model.onnx"])
def test_scoring_refuses_to_write_over_its_inputs(tmp_path, data, capsys, out):
    model = tmp_path / "model.onnx"
    model.write_bytes((PROJECT / "artifacts" / "model.onnx").read_bytes())
    before = {p.name: p.read_bytes() for p in (data, model)}
    refused(
        ["--model", str(model), "--data", str(data), "--out", str(tmp_path / out)],
        capsys,
        f"--out {tmp_path / out} is the file this run reads",
        score_main,
    )
    assert {p.name: p.read_bytes() for p in (data, model)} == before


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_scores_never_overwrite_a_column_of_the_file(tmp_path, capsys, kind):
    frame = pd.DataFrame({"x": [1.0, 5.0], "label": ["mine", "ours"], "P(y = 1)": ["a", "b"]})
    data = tmp_path / f"data.{kind}"
    frame.to_csv(data, index=False) if kind == "csv" else frame.to_parquet(data, index=False)
    out = tmp_path / "scored.csv"
    model = PROJECT / "artifacts" / "model.onnx"
    assert score_main(["--model", str(model), "--data", str(data), "--out", str(out)]) == 0
    scored = pd.read_csv(out)
    assert list(scored.columns) == ["x", "label", "P(y = 1)", "P(y = 0)", "P(y = 1) (scored)", "label (scored)"]
    assert list(scored["label"]) == ["mine", "ours"] and list(scored["P(y = 1)"]) == ["a", "b"]
    assert "the scores are in 'P(y = 1) (scored)', 'label (scored)'" in capsys.readouterr().out


def test_a_parquet_list_column_is_named_not_a_traceback(tmp_path, capsys):
    data = tmp_path / "data.parquet"
    pq.write_table(pa.table({"x": [1.0, 2.0, 3.0], "tags": [[1, 2], [3], []], "y": [0, 1, 0]}), data)
    refused(
        ["--data", str(data), "--target", "y", "--out", str(tmp_path / "m.onnx")],
        capsys,
        "column 'tags' of data.parquet holds list<element: int64> values, neither numbers nor text",
    )


def test_a_scored_file_keeps_its_delimiter_decimal_comma_and_header(tmp_path):
    data = tmp_path / "eu.csv"
    data.write_text("Id ;x\na;1,5\nb;2,5\n")  # a semicolon file with decimal commas, as spreadsheets save it
    out = tmp_path / "scored.csv"
    assert (
        score_main(["--model", str(PROJECT / "artifacts" / "model.onnx"), "--data", str(data), "--out", str(out)]) == 0
    )
    lines = out.read_text().splitlines()
    assert lines[0] == "Id ;x;P(y = 0);P(y = 1);label"
    assert lines[1].startswith("a;1,5;0,") and lines[2].startswith("b;2,5;0,")


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_the_complete_rows_alone_are_scored_when_asked(tmp_path, capsys, kind):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, None, 3.0]})
    data = tmp_path / f"holes.{kind}"
    frame.to_csv(data, index=False) if kind == "csv" else frame.to_parquet(data, index=False)
    out, model = tmp_path / "scored.csv", PROJECT / "artifacts" / "model.onnx"
    argv = ["--model", str(model), "--data", str(data), "--out", str(out)]
    if kind == "csv":  # a Parquet file is scored a batch at a time: its first missing cell stops it the same way
        refused(argv, capsys, "holes.csv: column x on line 3 has an empty cell", score_main)
    assert score_main([*argv, "--complete-rows"]) == 0
    scored = pd.read_csv(out)
    assert scored["label"].isna().tolist() == [False, True, False] and scored["P(y = 1)"].notna().sum() == 2
    assert f"1 row(s) of holes.{kind} have missing cells: left unscored" in capsys.readouterr().out
