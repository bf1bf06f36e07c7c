"""Generated CSV files, read for training and for scoring: a table, or our one-line error."""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from fuzz_inputs import MODELS, SLOW, csv_bytes
from hypothesis import event, given
from hypothesis import strategies as st

import training.data.csv_parts
from export.artifact import Artifact
from export.errors import KitError
from export.scoring import score_table, scored_csv
from training.config import TrainConfig
from training.data.columns import Columns
from training.data.tables import load_table
from training.streaming.reduce import LOCAL
from training.streaming.streamed import open_streamed

FOLDER = Path(tempfile.mkdtemp(prefix="fuzz-files-"))
SERVED = {name: Artifact.from_bytes(data, source=name) for name, data in MODELS.items()}
TARGETS = ["y", "species", "sex", "diagnosis", "default", "x", "w", ""]


def one_line(error: KitError) -> None:
    text = str(error)
    assert text and "\n" not in text and "\r" not in text and len(text) < 2500, text


@given(
    table=csv_bytes(),
    other=st.sampled_from(TARGETS),
    drop=st.booleans(),
    weight=st.sampled_from([None, None, None, None, "w", "x"]),
)
def test_a_csv_to_train_on_is_read_or_refused_in_one_line(table, other, drop, weight):
    data, target = table
    target = other if other and weight == "x" else target  # now and then a column it lacks, or the weights
    path = FOLDER / "data.csv"
    path.write_bytes(data)
    try:
        read = load_table(path, Columns(target, weight=weight, drop_missing=drop))
    except KitError as e:
        event("refused")
        one_line(e)
    else:
        event("read")
        assert len(read.x) == len(read.y) > 0 and np.isfinite(read.x).all()
        assert len(read.class_labels) >= 2
    assert path.read_bytes() == data


@given(table=csv_bytes(), drop=st.booleans())
def test_a_csv_streamed_is_read_or_refused_as_the_whole_read_does(table, drop):
    """The stream (parts of 1 KB: the seed tables cut in up to a dozen) takes the rows the whole read
    takes, or refuses the file as it does, in one line (it found a hex number, lines ended by a
    carriage return alone and blank lines before the header read otherwise). Not smaller parts: the
    stream decides which features are categorical on its first part (``csv_source``), so that part
    needs rows enough to decide as the whole file does."""
    data, target = table
    path = FOLDER / "streamed.csv"
    path.write_bytes(data)
    columns = Columns(target, drop_missing=drop)

    def whole() -> int:
        return len(load_table(path, columns).y)

    def streamed() -> int:
        return open_streamed(path, columns, TrainConfig(), LOCAL, None).summary.rows

    outcomes, said = [], []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training.data.csv_parts, "MIN_PART_BYTES", 1024)
        for read in (whole, streamed):
            try:
                outcomes.append(("read", read()))
            except KitError as e:
                one_line(e)
                outcomes.append(("refused", None))
                said.append(str(e))
    event(outcomes[0][0])
    if outcomes[0][0] == "read" and said and "so --drop-missing leaves none" in said[0]:
        event("a class whose every row is left out: fitted without it whole, refused streamed")
        return  # the stream fixed its classes on a pass before any row was left out: it says so
    assert outcomes[0] == outcomes[1]
    assert path.read_bytes() == data


@given(table=csv_bytes(), model=st.sampled_from(sorted(SERVED)))
def test_a_csv_to_score_is_scored_or_refused_in_one_line(table, model):
    data, artifact = table[0], SERVED[model]
    try:
        table, notes = score_table(data, artifact, "upload.csv", max_rows=100_000)
    except KitError as e:
        event("refused")
        one_line(e)
    else:
        event("scored")
        probabilities = table.iloc[:, -1 - artifact.card.n_classes : -1].to_numpy(dtype=float)
        assert np.isfinite(probabilities).all() and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
        assert all("\n" not in note for note in notes)
        assert scored_csv(table)


@SLOW
@given(table=csv_bytes())
def test_a_csv_trained_on_end_to_end_gives_a_model_or_one_line(table, capsys):
    from training.__main__ import main

    data, target = table
    path, out = FOLDER / "whole.csv", FOLDER / "whole.onnx"
    path.write_bytes(data)
    code = main(["--data", str(path), "--target", target, "--max-iter", "50", "--out", str(out)])
    err = capsys.readouterr().err
    event(f"exit status {code}")
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err
    assert path.read_bytes() == data
