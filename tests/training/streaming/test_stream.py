"""Out-of-core training: a Parquet file read a batch at a time reaches the in-memory fit and card."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import training.streaming.stream
from export.artifact import load_artifact
from training.__main__ import main as training_main
from training.config import TrainConfig
from training.data.columns import Columns
from training.data.tables import load_table
from training.solvers.fit import fit
from training.streaming.reduce import LOCAL
from training.streaming.streamed import open_streamed

SENTINEL = b"the previous artifact"


def synthetic_frame(n: int, d: int, classes: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    scale, shift = np.linspace(1, 5, d), np.linspace(-3, 3, d)
    x = rng.normal(size=(n, d)) * scale + shift
    logits = ((x - shift) / scale) @ rng.normal(size=(d, classes))
    u = rng.uniform(size=(n, 1))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    y = (np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1) < u).sum(axis=1)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(d)])
    frame["label"] = np.array(["cat", "dog", "eel", "fox"])[y]
    frame["w"] = rng.integers(0, 4, size=n).astype(float)
    return frame


def write_parquet(frame: pd.DataFrame, path: Path, row_group_size: int) -> Path:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=row_group_size)
    return path


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches smaller than row groups: every pass crosses many batch and row-group boundaries."""
    monkeypatch.setattr(training.streaming.stream, "BATCH_ROWS", 1000)


@pytest.mark.parametrize(
    ("classes", "extra"),
    [
        (2, []),
        (2, ["--weight-column", "w", "--class-weight", "balanced"]),
        (3, ["--l2", "0.001"]),
    ],
)
def test_streamed_fit_matches_the_in_memory_fit_and_card(tmp_path, classes, extra):
    data = write_parquet(synthetic_frame(20_000, 6, classes), tmp_path / "data.parquet", row_group_size=3_000)
    common = ["--data", str(data), "--target", "label", *extra]
    assert training_main([*common, "--out", str(tmp_path / "memory.onnx")]) == 0
    assert training_main([*common, "--stream", "--out", str(tmp_path / "stream.onnx")]) == 0
    cards = [load_artifact(tmp_path / f"{n}.onnx").card for n in ("memory", "stream")]
    memory, stream = (card.to_json() for card in cards)
    a, b = memory["summary"], stream["summary"]
    assert a["converged"] and b["converged"]
    assert abs(a["objective"] - b["objective"]) <= 1e-6 * abs(a["objective"])
    np.testing.assert_allclose(cards[1].weights, cards[0].weights, rtol=1e-6, atol=1e-8)
    for part in ("log_likelihood", "null_log_likelihood"):
        assert stream["statistics"][part] == pytest.approx(memory["statistics"][part], rel=1e-9)
    if "coefficients" in memory["statistics"]:
        ours, theirs = stream["statistics"]["coefficients"], memory["statistics"]["coefficients"]
        np.testing.assert_allclose(ours["std_error"], theirs["std_error"], rtol=1e-6)
    assert stream["metrics"]["train"]["confusion_matrix"] == memory["metrics"]["train"]["confusion_matrix"]
    for key in ("log_loss", "accuracy", "roc_auc", "brier"):
        assert stream["metrics"]["train"][key] == pytest.approx(memory["metrics"]["train"][key], rel=1e-9)
    for key in ("n_rows", "class_counts", "dropped_rows"):
        assert stream["data"][key] == memory["data"][key]
    for name, extent in memory["data"]["features"].items():
        assert stream["data"]["features"][name] == pytest.approx(extent, rel=1e-12)
    assert len(stream["data"]["rows"]["y"]) == 1000  # the seeded plotting sample


def test_streamed_validation_rows_are_held_out_row_by_row(tmp_path):
    data = write_parquet(synthetic_frame(20_000, 3), tmp_path / "data.parquet", row_group_size=4_000)
    out = tmp_path / "stream.onnx"
    args = ["--data", str(data), "--target", "label", "--stream", "--valid-fraction", "0.25"]
    assert training_main([*args, "--choose-threshold", "balanced_accuracy", "--out", str(out)]) == 0
    card = load_artifact(out).card.to_json()
    held = card["data"]["n_valid_rows"]
    assert abs(held - 5_000) < 4 * np.sqrt(20_000 * 0.25 * 0.75)  # Bernoulli(0.25) per row
    assert card["data"]["n_rows"] + held == 20_000
    assert card["metrics"]["valid"]["rows"] == held
    assert 0 < card["threshold"] < 1
    # the same seed holds out the same rows: the same card again
    again = tmp_path / "again.onnx"
    assert training_main([*args, "--choose-threshold", "balanced_accuracy", "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()


def test_missing_values_are_dropped_as_in_memory(tmp_path):
    frame = synthetic_frame(5_000, 3)
    frame.loc[[10, 2_500, 4_999], "f1"] = np.nan
    frame.loc[77, "label"] = None
    data = write_parquet(frame, tmp_path / "data.parquet", row_group_size=1_500)
    columns = Columns("label", drop_missing=True)
    config = TrainConfig(optimizer="lbfgs", standardize=True)
    streamed = open_streamed(data, columns, config, LOCAL, None)
    assert streamed.train.dropped_rows == 4 and streamed.summary.rows == 4_996
    in_memory = load_table(data, columns)
    assert in_memory.dropped_rows == 4
    ours = fit(config, streamed.train, summary=streamed.summary)
    theirs = fit(config, in_memory)
    assert ours.convergence.objective == pytest.approx(theirs.convergence.objective, rel=1e-9)


def test_an_aliased_column_is_found_and_held_at_zero_when_streamed(tmp_path):
    frame = synthetic_frame(5_000, 2)
    frame = frame[frame["label"].isin(["cat", "dog"])].copy()
    frame["f2"] = 3 * frame["f0"] - frame["f1"]
    data = write_parquet(frame.drop(columns="w"), tmp_path / "data.parquet", row_group_size=900)
    config = TrainConfig(optimizer="lbfgs", standardize=True)
    streamed = open_streamed(data, Columns("label"), config, LOCAL, None)
    ours = fit(config, streamed.train, summary=streamed.summary)
    theirs = fit(config, load_table(data, Columns("label")))
    assert ours.rank.aliased == theirs.rank.aliased == {2: (0, 1)}
    assert ours.model.linear.weight[0, 2].item() == 0.0
    assert ours.convergence.objective == pytest.approx(theirs.convergence.objective, rel=1e-9)


def categorical_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Two numbers, a text column (with a rare level and some gaps), a boolean and integer codes."""
    rng = np.random.default_rng(seed)
    frame = synthetic_frame(n, 2, seed=seed)
    frame["shop"] = rng.choice([" north", "south", "east", "west"], size=n, p=[0.4, 0.3, 0.29, 0.01])
    frame.loc[rng.choice(n, 20, replace=False), "shop"] = None
    frame["member"] = rng.random(n) < 0.3
    frame["grade"] = rng.integers(1, 4, size=n)
    shift = frame["shop"].map({" north": 0.0, "south": 0.8, "east": -0.6, "west": 1.5}).fillna(0) + frame["member"]
    frame["label"] = np.where(rng.logistic(size=n) < shift + 0.3 * frame["grade"] - 0.8, "dog", "cat")
    return frame.drop(columns="w")


@pytest.mark.parametrize("extra", [[], ["--l2", "0.01"]])
def test_categorical_features_stream_to_the_in_memory_fit_levels_and_tests(tmp_path, extra):
    data = write_parquet(categorical_frame(12_000), tmp_path / "data.parquet", row_group_size=2_500)
    common = ["--data", str(data), "--target", "label", "--categorical", "grade", "--drop-missing", *extra]
    assert training_main([*common, "--out", str(tmp_path / "memory.onnx")]) == 0
    assert training_main([*common, "--stream", "--out", str(tmp_path / "stream.onnx")]) == 0
    memory, stream = (load_artifact(tmp_path / f"{n}.onnx").card for n in ("memory", "stream"))
    assert stream.terms == memory.terms and stream.categories.coding == memory.categories.coding
    for name, feature in memory.categories.features.items():
        assert stream.categories.features[name].levels == feature.levels
        assert stream.categories.features[name].shares == pytest.approx(feature.shares, rel=1e-12)
    assert stream.categories.features["shop"].levels == ["east", "north", "south", "west"]
    assert stream.summary.objective == pytest.approx(memory.summary.objective, rel=1e-9)
    np.testing.assert_allclose(stream.weights, memory.weights, rtol=1e-6, atol=1e-8)
    assert stream.data.dropped_rows == memory.data.dropped_rows == 20
    if not extra:
        for feature, test in memory.statistics.feature_tests.items():
            assert stream.statistics.feature_tests[feature].statistic == pytest.approx(test.statistic, rel=1e-6)


def test_full_batch_sgd_streams_the_tutorials_steps(tmp_path):
    frame = synthetic_frame(3_000, 2)
    data = write_parquet(frame, tmp_path / "data.parquet", row_group_size=700)
    config = TrainConfig(optimizer="sgd", lr=0.1, epochs=50, standardize=True)
    streamed = open_streamed(data, Columns("label"), config, LOCAL, None)
    ours = fit(config, streamed.train, summary=streamed.summary)
    theirs = fit(config, load_table(data, Columns("label")))
    np.testing.assert_allclose(ours.history.loss, theirs.history.loss, rtol=1e-5)
    np.testing.assert_allclose(ours.history.weights[-1], theirs.history.weights[-1], rtol=1e-5)


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 0.5), ("adam", 0.05)])
def test_minibatch_steps_stream_and_lower_the_objective(tmp_path, optimizer, lr):
    data = write_parquet(synthetic_frame(6_000, 3), tmp_path / "data.parquet", row_group_size=2_000)
    config = TrainConfig(optimizer=optimizer, lr=lr, epochs=5, batch_size=100, standardize=True)
    streamed = open_streamed(data, Columns("label"), config, LOCAL, None)
    result = fit(config, streamed.train, summary=streamed.summary)
    assert result.convergence.evaluations == 5 * 60  # 60 minibatches of 100 rows per epoch
    assert result.history.loss[-1] < 0.9 * result.history.loss[0]
    optimum = fit(TrainConfig(optimizer="lbfgs", standardize=True), streamed.train, summary=streamed.summary)
    assert result.history.loss[-1] < optimum.convergence.objective + 0.01


def test_a_parquet_file_larger_than_the_memory_budget_is_streamed(tmp_path, capsys):
    data = write_parquet(synthetic_frame(2_000, 3), tmp_path / "data.parquet", row_group_size=500)
    out = tmp_path / "model.onnx"
    assert training_main(["--data", str(data), "--target", "label", "--memory-budget", "50kB", "--out", str(out)]) == 0
    assert re.search(
        r"data.parquet would take about .* more than the budget of 50.0 KB .*: streaming it", capsys.readouterr().err
    )
    assert load_artifact(out).card.to_json()["data"]["n_rows"] == 2_000


def stream_error(tmp_path: Path, capsys, frame_or_table, args: list[str], row_group_size: int = 1_000) -> str:
    out = tmp_path / "model.onnx"
    out.write_bytes(SENTINEL)
    data = tmp_path / "data.parquet"
    table = frame_or_table if isinstance(frame_or_table, pa.Table) else pa.Table.from_pandas(frame_or_table)
    pq.write_table(table, data, row_group_size=row_group_size)
    assert training_main(["--data", str(data), "--stream", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert out.read_bytes() == SENTINEL and len(err.splitlines()) == 1, err
    return err


def test_bad_streamed_input_gets_one_line_and_keeps_the_artifact(tmp_path, capsys):
    empty = pa.table({"x": pa.array([], pa.float64()), "label": pa.array([], pa.string())})
    assert "data.parquet has no usable row groups (1 row group(s), all empty)" in stream_error(
        tmp_path, capsys, empty, ["--target", "label"]
    )
    frame = synthetic_frame(3_000, 2)
    frame.loc[2_222, "f1"] = np.nan
    assert re.search(
        r"data.parquet has rows with missing values \(the first on row 2223\); fill them, or pass --drop-missing",
        stream_error(tmp_path, capsys, frame, ["--target", "label"]),
    )
    frame.loc[2_222, "f1"] = np.inf
    assert "feature 'f1' of data.parquet must hold finite numbers, but row 2223 has inf" in stream_error(
        tmp_path, capsys, frame, ["--target", "label"]
    )
    frame.loc[2_222, "f1"] = 0.0
    frame.loc[1_001, "w"] = -1.0
    assert "weight column 'w' of data.parquet must hold numbers from 0 to 1e+15, but row 1002 has -1.0" in (
        stream_error(tmp_path, capsys, frame, ["--target", "label", "--weight-column", "w"])
    )
    frame["f0"] = frame["f0"].astype(str)
    assert (
        "feature 'f0' of data.parquet is stored as text but holds mostly numbers, and streaming reads"
        in stream_error(tmp_path, capsys, frame, ["--target", "label", "--features", "f0,f1"])
    )
    assert "--penalty firth needs the whole table in memory" in stream_error(
        tmp_path, capsys, synthetic_frame(100, 2), ["--target", "label", "--penalty", "firth"]
    )
    one_class = synthetic_frame(100, 2).assign(label="cat")
    assert "target 'label' of data.parquet has only one class (cat)" in stream_error(
        tmp_path, capsys, one_class, ["--target", "label"]
    )


PEAK_RSS = """
import resource, sys
from training.__main__ import main
code = main(["--data", sys.argv[1], "--target", "label", "--stream", "--out", sys.argv[2], "--max-iter", "3"])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


def peak_rss_kib(data: Path, out: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(data), str(out)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1])


def test_peak_memory_does_not_grow_with_the_rows(tmp_path):
    small = write_parquet(synthetic_frame(100_000, 10), tmp_path / "small.parquet", row_group_size=50_000)
    large = tmp_path / "large.parquet"
    with pq.ParquetWriter(large, pa.Table.from_pandas(synthetic_frame(10, 10), preserve_index=False).schema) as w:
        for part in range(10):  # 1e6 rows, written a part at a time
            w.write_table(pa.Table.from_pandas(synthetic_frame(100_000, 10, seed=part), preserve_index=False), 50_000)
    assert pq.ParquetFile(large).metadata.num_rows == 1_000_000
    rss = [peak_rss_kib(path, tmp_path / f"{path.stem}.onnx") for path in (small, large)]
    assert rss[1] < 1.10 * rss[0], rss


def test_the_progress_bar_shows_rows_per_second_on_a_terminal(tmp_path):
    """In a pseudo-terminal 160 columns wide (tqdm draws nothing when the width is 0 or there is no terminal)."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    data = write_parquet(synthetic_frame(300_000, 3), tmp_path / "data.parquet", row_group_size=50_000)
    command = [sys.executable, "-m", "training", "--data", str(data), "--target", "label", "--stream"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of known size, then the command
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        os.chdir(tmp_path)
        os.execv(sys.executable, [*command, "--out", str(tmp_path / "model.onnx")])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output.decode(errors="replace")[-2000:]
    frames = re.findall(r"training: [^\r\n]*?row/s[^\r\n]*", output.decode(errors="replace"))
    assert frames, output.decode(errors="replace")[-2000:]
    assert any(re.search(r"\d+(\.\d+)?[kM]?row/s, iteration \d+ loss \d\.\d+", frame) for frame in frames), frames
