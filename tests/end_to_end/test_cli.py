"""`python -m training` and `python -m export` as a user meets them: output, exit status, errors."""

import gc
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from paths import PROJECT

import export.writer.build
import training.reading
import training.run
from export.__main__ import main as export_main
from export.artifact import load_artifact
from training.__main__ import main as training_main

SENTINEL = b"the previous artifact"


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """An existing artifact pair that a failing run must leave as it was."""
    out = tmp_path / "model.onnx"
    out.write_bytes(SENTINEL)
    out.with_suffix(".pt").write_bytes(SENTINEL)
    return out


def test_no_arguments_prints_what_the_tutorial_printed(tmp_path, capsys):
    out = tmp_path / "model.onnx"
    assert training_main(["--out", str(out), "--log-every", "250"]) == 0
    printed = capsys.readouterr().out
    card = load_artifact(out).card
    p5 = load_artifact(out).predict([[5.0]]).probabilities[0, 1]
    assert re.findall(r"^epoch +(\d+) +loss", printed, re.M) == ["250", "500", "750", "1000"]
    assert f"w = {card.weights[0, 0]:.6f}\n" in printed and f"b = {card.intercept[0]:.6f}\n" in printed
    assert f"final loss = {card.to_json()['summary']['final_loss']:.6f}\n" in printed
    assert f"P(y = 1 | x = 5) = {p5:.6f}\n" in printed
    assert f"class at threshold 0.5: {int(p5 > 0.5)}\n" in printed
    assert out.with_suffix(".pt").is_file()


def test_your_own_data_is_saved_under_its_own_name_and_a_replacement_is_said(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --out defaults are relative to where the command runs
    (tmp_path / "grades.csv").write_text("x,y\n1,0\n2,1\n3,0\n4,1\n5,1\n")
    assert training_main(["--data", "grades.csv", "--target", "y"]) == 0
    first = capsys.readouterr().out
    assert (tmp_path / "artifacts" / "grades.onnx").is_file() and not (tmp_path / "artifacts" / "model.onnx").exists()
    assert "saved artifacts/grades.onnx (parity" in first
    assert training_main(["--data", "grades.csv", "--target", "y"]) == 0
    assert "saved artifacts/grades.onnx (replacing the file that was there) (parity" in capsys.readouterr().out


def test_export_rebuilds_the_same_bytes_from_the_checkpoint(tmp_path, capsys, tutorial_built):
    out = tmp_path / "model.onnx"
    assert training_main(["--out", str(out)]) == 0
    assert out.read_bytes() == tutorial_built.data
    again = tmp_path / "again.onnx"
    assert export_main(["--checkpoint", str(out.with_suffix(".pt")), "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()
    assert f"saved {again} (parity with torch on" in capsys.readouterr().out


def test_a_model_with_text_features_is_rebuilt_from_its_checkpoint_byte_for_byte(tmp_path):
    data = tmp_path / "shops.csv"
    data.write_text("shop,size,bought\n" + "".join(f"{'abc'[i % 3]},{i % 7},{(i * 5) % 3 == 0}\n" for i in range(60)))
    out = tmp_path / "shops.onnx"
    assert training_main(["--data", str(data), "--target", "bought", "--out", str(out)]) == 0
    assert load_artifact(out).card.terms == ["shop[b]", "shop[c]", "size"]
    again = tmp_path / "again.onnx"
    assert export_main(["--checkpoint", str(out.with_suffix(".pt")), "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()


CSV_ERRORS = [
    ("missing.csv", None, ["--target", "y"], r"data file .*missing.csv does not exist; check the path given to --data"),
    ("", "", ["--target", "y"], r".*data.csv is empty; it needs a header line and data rows"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "z"], r"--target 'z' is not a column of data.csv \(columns: x, y\)"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--features", "x,w"], r"--features names w, not columns of data.csv"),
    ("", "x,y\n1,0\nten,1\n", ["--target", "y"], r"feature 'x' of data.csv must hold finite numbers, but line 3 has"),
    (
        "",
        "x,y\n1,0\n,1\n",
        ["--target", "y"],
        r"1 row\(s\) of data.csv have missing values \(in x; the first on "
        r"line 3\); fill them, or pass --drop-missing",
    ),
    ("", "x,y\n1,0\n2,0\n", ["--target", "y"], r"target 'y' of data.csv has only one class \(0\)"),
    (
        "",
        "x,y\n1,0\n2,1\n3,2\n",
        ["--target", "y", "--penalty", "firth"],
        r"--penalty firth fits binary targets "
        r"only, but 'y' has 3 classes",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n3,0\n",
        ["--target", "y", "--valid-fraction", "0.5"],
        r"class 1 has only 1 row, and a validation split needs at least two rows of every class",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n",
        ["--target", "y", "--valid-fraction", "0.1"],
        r"--valid-fraction 0.1 leaves class 0 \(3 rows\) with no validation rows; use more data or a larger ",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "y", "--valid-fraction", "1"],
        r"--valid-fraction must be at least 0 and "
        r"below 1, got 1.0",
    ),
    (
        "",
        "x,y,w\n1,0,1\n2,1,-3\n",
        ["--target", "y", "--weight-column", "w"],
        r"weight column 'w' of data.csv "
        r"must hold numbers from 0 to 1e\+15, but line 3 has -3",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "y", "--predict", "x=five"],
        r"--predict gives x=five; 'x' is numeric: give a number",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "y", "--predict", "z=5"],
        r"--predict must give every feature once "
        r"\(x\), got z",
    ),
    ("fake.parquet", "x,y\n1,0\n2,1\n", ["--target", "y"], r".*fake.parquet is not a readable Parquet file"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--epochs", "0"], r"--epochs must be a whole number of at least 1"),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "y", "--lr", "-0.5"],
        r"--lr must be a positive number up to 1e\+10, got -0.5",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--epochs", "ten"],
        r"argument --epochs: invalid int value: 'ten' \(see python -m "
        r"training --help\)",
    ),
    (
        "",
        None,
        ["--target", "y"],
        r"--target, --formula, --features, --positive, --weight-column, --categorical, --sep, --decimal, --thousands, "
        r"--encoding and --stream need --data FILE",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "y", "--memory-budget", "lots"],
        r"argument --memory-budget: must be a size from 1 byte to 8 EB, such as 512MB or 4GiB, got 'lots'",
    ),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--memory-budget", "0GB"], r"argument --memory-budget: must be a size"),
    (
        "",
        "x,y\n1,0\n2,1\n3,0\nmany,1\n",
        ["--target", "y", "--stream"],
        r"feature 'x' of data.csv must hold finite numbers, but line 5 has 'many'; fix or remove that row",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n".encode("utf-16"),
        ["--target", "y", "--stream", "--encoding", "utf-16"],
        r"data.csv is utf-16 text, which streaming cannot cut into parts; save it as UTF-8",
    ),
    ("", None, ["--log-every", "-1"], r"argument --log-every: must be 0 or more, got -1"),
    # categorical features (issue 11)
    (
        "",
        "name,x,y\n" + "".join(f"person{i},{i % 7},{i % 2}\n" for i in range(40)),
        ["--target", "y"],
        r"categorical feature 'name' of data.csv has 40 different values in 40 rows, nearly one per row: it looks "
        r"like a name or an ID, which predicts nothing for new rows; leave it out with --features",
    ),
    (
        "",
        "code,y\n" + "".join(f"c{i % 1001},{i % 2}\n" for i in range(3000)),
        ["--target", "y"],
        r"categorical feature 'code' of data.csv has 1,001 levels, more than 1,000: too many to fit a coefficient each",
    ),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--categorical", "z"], r"--categorical names 'z', not a feature column"),
    (
        "",
        "x,y\n1.5,0\n2,1\n",
        ["--target", "y", "--categorical", "x"],
        r"--categorical names 'x' of data.csv, but it holds 1.5, not a whole number",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "y", "--categorical", "x,y"],
        r"--categorical lists the target 'y'; its values are the classes already",
    ),
    (
        "",
        "g,x,y\n" + "".join(f"{'rare' if i == 7 else 'common'},{i % 5},{i % 2}\n" for i in range(40)),
        ["--target", "y", "--valid-fraction", "0.5"],
        r"level 'rare' of feature 'g' occurs only in the validation rows \(1 row\(s\) of data.csv\), so the model "
        r"could not learn it; lower --valid-fraction",
    ),
    (
        "",
        "g,x,y\na,1,0\nb,2,1\na,3,1\nb,4,0\n",
        ["--target", "y", "--predict", "g=c,x=1"],
        r"--predict gives g=c, not a level of 'g' \(a, b\)",
    ),
]


# issue 18: each ended in a traceback (exit 1) or printed more than one line
LATE_BAD_BYTE = b"x,t,y\n" + b"1.5,abc,0\n2.5,abd,1\n" * 4000 + b"3.5,ab\xffc,1\n"
BOM_STRADDLE = b"\xef\xbb\xbfx,t,y\n" + b"1.5,abc,0\n2.5,abd,1\n" * 3275 + b"1.0," + b"a" * 21 + "€".encode() + b",1\n"
assert BOM_STRADDLE.index("€".encode()) == (1 << 16) - 2  # the character straddles the sniffed block's end
CSV_ERRORS += [
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--weight-column", "y"], r"--weight-column 'y' is the target"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--memory-budget", "1e400GB"], r"argument --memory-budget: must be a"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--sep", '"'], r"argument --sep: '\"' cannot separate cells"),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "y", "--encoding", "utf-16"],
        r".*data.csv is not utf-16 text \(UTF-16 stream does not start with BOM\)",
    ),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--predict", "x=nan"], r"argument --predict: 'x=nan': give a finite"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--lr", "1e308"], r"--lr must be a positive number up to 1e\+10"),
    (
        "",
        "x,w,y\n1,1e308,0\n2,1,1\n",
        ["--target", "y", "--weight-column", "w"],
        r"weight column 'w' of data.csv must hold numbers from 0 to 1e\+15, but line 2 has 1e\+308",
    ),
    (
        "",
        "x,y\n1e300,0\n-1e300,1\n",
        ["--target", "y"],
        r"feature 'x' of data.csv has 1e\+300 on line 2, beyond float32's range",
    ),
    (
        "",
        "x,g,y\n1,1,0\n2,9223372036854775808,1\n",
        ["--target", "y", "--categorical", "g"],
        r"--categorical names 'g' of data.csv, but it holds 9.22337e\+18, beyond the whole numbers a code can be",
    ),
    ("", LATE_BAD_BYTE, ["--target", "y"], r"column 't' of data.csv is not UTF-8 text on line 8002"),
    ("", '""\n1\n2\n', ["--target", "y"], r"--target 'y' is not a column of data.csv \(columns: Unnamed: 0\)"),
    (
        "",
        'x,y\n1,0\n2,"1\n3,0\n4,1\n',
        ["--target", "y"],
        r"target 'y' of data.csv has a class written over several lines \('1\\n3,0\\n4,1\\n'\): a quote",
    ),
    (
        "",
        '"x\ny",y\n1,0\n2,1\n',
        ["--target", "y"],
        r".*data.csv's header has a column name with a line break \('x\\ny'\); rename it",
    ),
]

# found by the long fuzzing run: a NUL or a codec of bytes as the encoding
CSV_ERRORS += [
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--encoding", "hex"], r"'hex' is not a text encoding Python knows"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--encoding", "a\x00b"], r"'a\\x00b' is not a text encoding"),
    ("", "x,y\n1,inf\n2,1\n3,0\n", ["--target", "y"], r"target 'y' of data.csv has inf, which cannot be a class"),
    ("", "x,y\n1,0\n2,1\n", ["--target", "y", "--sep", "\ufeff"], r"argument --sep: '\\ufeff' cannot separate cells"),
    (  # a cell beyond Python csv's 128 KiB field limit before the bad one the message names
        "",
        "x,t,y\n1," + "a" * 200_000 + ",0\nfive,b,1\n",
        ["--target", "y", "--features", "x"],
        r"feature 'x' of data.csv must hold finite numbers, but line 3 has 'five'",
    ),
    (
        "",
        "x,y\n1,0\n2,1\n",
        ["--target", "z", "--sep", ":"],
        r"--target 'z' is not a column of data.csv \(columns: x,y\) \(the",
    ),
]


def exit_status(argv: list[str]) -> int:
    """What the shell sees: argparse's own errors leave through SystemExit, ours through the return."""
    try:
        return training_main(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize(("name", "text", "args", "message"), CSV_ERRORS)
def test_bad_input_exits_2_with_one_line_and_keeps_the_artifact(tmp_path, capsys, previous, name, text, args, message):
    data = tmp_path / (name or "data.csv")
    if text is not None:
        data.write_bytes(text if isinstance(text, bytes) else text.encode())
    data_args = ["--data", str(data)] if text is not None or name else []
    assert exit_status([*data_args, *args, "--out", str(previous)]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(f"error: {message}.*\n", err), err
    assert previous.read_bytes() == SENTINEL and previous.with_suffix(".pt").read_bytes() == SENTINEL


def test_a_character_across_the_end_of_the_sniffed_block_is_read(tmp_path, capsys):
    """The dialect is told from the first 64 KiB; a UTF-8 character cut there (after a byte-order
    mark, which shifted the check by 3 bytes) is not an encoding error."""
    data = tmp_path / "data.csv"
    data.write_bytes(BOM_STRADDLE)
    assert (
        training_main(["--data", str(data), "--target", "y", "--features", "x", "--out", str(tmp_path / "m.onnx")]) == 0
    )
    assert "6551 training rows" in capsys.readouterr().out


def test_an_integer_beyond_2_53_is_read_as_the_nearest_float(tmp_path):
    """Found by the long fuzzing run: pyarrow refused to convert 2222222222222222222 to float64."""
    data = tmp_path / "data.csv"
    data.write_text("x,z,y\n1,2222222222222222222,0\n2,1,1\n3,5,1\n4,2,0\n")
    assert training_main(["--data", str(data), "--target", "y", "--l2", "1", "--out", str(tmp_path / "m.onnx")]) == 0
    assert load_artifact(tmp_path / "m.onnx").card.data.features["z"].max == float(2222222222222222222)


def test_unreadable_data_path(tmp_path, capsys, previous):
    assert training_main(["--data", str(tmp_path), "--target", "y", "--out", str(previous)]) == 2
    assert re.fullmatch(
        r"error: cannot read .* \(Is a directory\); check the path and its permissions\n", capsys.readouterr().err
    )


def test_a_parity_failure_writes_nothing(monkeypatch, capsys, previous):
    real = export.writer.build.reference_logit
    monkeypatch.setattr(export.writer.build, "reference_logit", lambda model, x: real(model, x) * 1.01)
    assert training_main(["--epochs", "3", "--out", str(previous)]) == 2
    assert capsys.readouterr().err.startswith("error: logit differs from torch by")
    assert previous.read_bytes() == SENTINEL and previous.with_suffix(".pt").read_bytes() == SENTINEL


def test_export_of_a_missing_checkpoint(tmp_path, capsys):
    assert export_main(["--checkpoint", str(tmp_path / "none.pt")]) == 2
    assert re.fullmatch(
        r"error: no checkpoint at .*none.pt; train one with `python -m training`\n", capsys.readouterr().err
    )


def test_a_data_error_exits_2_while_torch_is_still_importing(tmp_path):
    """The table is read while torch imports in another thread; a process that exited with the
    import still running aborted now and then ("terminate called without an active exception",
    exit status 134). The error is said, then the thread is waited for."""
    data = tmp_path / "data.csv"
    data.write_text("x,y\n1,0\nfive,1\n")
    for _ in range(3):
        run = subprocess.run(
            [sys.executable, "-m", "training", "--data", str(data), "--target", "y", "--out", str(tmp_path / "m.onnx")],
            capture_output=True, text=True, timeout=120, cwd=PROJECT,
        )  # fmt: skip
        assert run.returncode == 2 and run.stderr.startswith("error: feature 'x' of data.csv"), run.stderr
        assert run.stderr.count("\n") == 1


@pytest.mark.parametrize("rows, code", [("x,y\n1,0\n2,1\n3,0\n4,1\n", 0), ("x,y\n1,0\nfive,1\n", 2)])
def test_the_garbage_collector_is_left_as_the_run_found_it(tmp_path, monkeypatch, rows, code):
    """Collections pause while torch imports beside the read, and the fit's skip what was made by
    then; a run that ends, or fails, gives the collector back whole (tests and ``training.fit``
    callers share the process)."""
    states = {}
    read, train = training.reading.read_whole, training.run.train

    def reading(*args):
        states["read"] = gc.isenabled()
        return read(*args)

    def fitting(*args):
        states["fit"] = gc.get_freeze_count()
        return train(*args)

    monkeypatch.setattr(training.reading, "read_whole", reading)
    monkeypatch.setattr(training.run, "train", fitting)
    data = tmp_path / "data.csv"
    data.write_text(rows)
    assert training_main(["--data", str(data), "--target", "y", "--out", str(tmp_path / "m.onnx")]) == code
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert states["read"] is False
    assert (states["fit"] > 0) if code == 0 else ("fit" not in states)


@pytest.mark.parametrize("stream", [False, True])
def test_positive_names_the_class_that_p_is_about(tmp_path, capsys, stream):
    rows = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7], "y": ["no", "yes", "no", "yes", "yes", "no", "yes"]})
    data = tmp_path / ("data.parquet" if stream else "data.csv")
    rows.to_parquet(data, index=False) if stream else rows.to_csv(data, index=False)
    args = ["--data", str(data), "--target", "y", *(["--stream"] * stream)]
    assert training_main([*args, "--out", str(tmp_path / "yes.onnx")]) == 0
    assert training_main([*args, "--positive", "no", "--out", str(tmp_path / "no.onnx")]) == 0
    assert "P(y = no | x = 4) = " in capsys.readouterr().out
    usual, flipped = load_artifact(tmp_path / "yes.onnx"), load_artifact(tmp_path / "no.onnx")
    assert usual.card.class_labels == ("no", "yes") and flipped.card.class_labels == ("yes", "no")
    grid = np.linspace(-5, 15, 41)[:, None]
    p_yes, p_no = usual.predict(grid).probabilities[:, 1], flipped.predict(grid).probabilities[:, 1]
    np.testing.assert_allclose(p_no, 1 - p_yes, atol=1e-6)
    assert flipped.card.weights[0, 0] == pytest.approx(-usual.card.weights[0, 0], rel=1e-6)


@pytest.mark.parametrize(
    ("target", "positive", "message"),
    [
        ("y", "maybe", r"--positive 'maybe' is not a class of target 'y' of data.csv \(classes: 0, 1\)"),
        ("g", "a", r"--positive names the class that P is about in a binary target, but target 'g' of data.csv has 3"),
    ],
)
def test_positive_that_cannot_be_is_one_line(tmp_path, capsys, target, positive, message):
    data = tmp_path / "data.csv"
    data.write_text("x,g,y\n1,a,0\n2,b,1\n3,c,0\n4,a,1\n5,b,1\n6,c,0\n")
    assert training_main(["--data", str(data), "--target", target, "--positive", positive, "--features", "x",
                          "--out", str(tmp_path / "m.onnx")]) == 2  # fmt: skip
    assert re.match(f"error: {message}", capsys.readouterr().err)


def test_a_reader_that_stops_reading_ends_the_run_quietly_with_the_files_written(tmp_path):
    """``python -m training | head -1``: the report's reader goes away; the artifact is already
    written, and the run ends with the shell's status for a broken pipe, not an internal error."""
    out = tmp_path / "model.onnx"
    with subprocess.Popen(
        [sys.executable, "-m", "training", "--out", str(out)],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as run:  # fmt: skip
        run.stdout.close()  # as head does once it has its lines, here before the report is printed
        said = run.stderr.read()
        assert run.wait(timeout=300) == 141
    assert said == ""
    assert load_artifact(out).card.target_name == "y"


def test_a_command_ends_with_its_output_flushed_and_its_exit_handlers_run(tmp_path):
    """``exit_now`` skips the interpreter's teardown, not the output buffered for a pipe nor the
    exit handlers (the export's check helper is waited for in one)."""
    script = (
        "import atexit, sys; from export.cli import exit_now; "
        "atexit.register(lambda: open(sys.argv[1], 'w').write('ran')); "
        "print('report', end=''); sys.stderr.write('note'); exit_now(3)"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "ran")], capture_output=True, text=True, timeout=60, cwd=PROJECT
    )
    assert (run.returncode, run.stdout, run.stderr) == (3, "report", "note")
    assert (tmp_path / "ran").read_text() == "ran"
