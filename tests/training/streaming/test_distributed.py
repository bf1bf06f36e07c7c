"""torchrun with two processes on this machine: each reads its own row groups, sums are all-reduced,
rank 0 alone writes, and the result is the single-process fit."""

import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from torchrun_jobs import finished, torchrun

from export.artifact import load_artifact
from training.__main__ import main as training_main

SENTINEL = b"the previous artifact"


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)) * [1, 2, 3, 4] + [0, 10, -5, 1]
    z = 0.8 * x[:, 0] - 0.3 * x[:, 1] + 0.2 * x[:, 2] - 0.1 * x[:, 3] + 2
    y = np.where(rng.uniform(size=n) < 1 / (1 + np.exp(-z)), "yes", "no")
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "d": x[:, 3], "y": y, "w": rng.uniform(0, 2, n)})


def write_row_groups(path: Path, sizes: list[int]) -> Path:
    """One row group per size, so the two ranks get very different shares."""
    tables = [pa.Table.from_pandas(frame(n, seed), preserve_index=False) for seed, n in enumerate(sizes)]
    with pq.ParquetWriter(path, tables[0].schema) as writer:
        for table in tables:
            writer.write_table(table, row_group_size=len(table))
    return path


def test_a_level_that_one_process_never_reads_is_coded_as_in_one_process(tmp_path):
    parts = [frame(n, seed) for seed, n in enumerate([3_000, 1_000, 2_000])]
    for k, part in enumerate(parts):  # rank 0 reads row groups 0 and 2, rank 1 row group 1: only it sees "rare"
        part["group"] = np.where(np.arange(len(part)) % 3 == 0, "plain", "fancy")
        if k == 1:
            part.loc[part.index[:50], "group"] = "rare"
    tables = [pa.Table.from_pandas(part, preserve_index=False) for part in parts]
    data = tmp_path / "data.parquet"
    with pq.ParquetWriter(data, tables[0].schema) as writer:
        for table in tables:
            writer.write_table(table, row_group_size=len(table))
    args = ["--data", str(data), "--target", "y", "--features", "a,b,group"]
    code, _, err = finished(torchrun([*args, "--out", str(tmp_path / "two.onnx")], tmp_path))
    assert code == 0, err[-3000:]
    assert training_main([*args, "--out", str(tmp_path / "memory.onnx")]) == 0
    two, memory = (load_artifact(tmp_path / f"{n}.onnx").card for n in ("two", "memory"))
    assert two.terms == memory.terms == ["a", "b", "group[plain]", "group[rare]"]
    assert two.summary.objective == pytest.approx(memory.summary.objective, rel=1e-6)
    np.testing.assert_allclose(two.weights, memory.weights, rtol=1e-5)
    assert two.statistics.feature_tests["group"].statistic == pytest.approx(
        memory.statistics.feature_tests["group"].statistic, rel=1e-5
    )


def test_two_processes_with_unequal_shards_match_one_process(tmp_path):
    data = write_row_groups(tmp_path / "data.parquet", [9_000, 1_000, 4_000, 500, 2_000])  # ranks: 15,000 and 1,500
    args = ["--data", str(data), "--target", "y", "--weight-column", "w", "--valid-fraction", "0.2"]
    code, out, err = finished(torchrun([*args, "--out", str(tmp_path / "two.onnx")], tmp_path))
    assert code == 0, err[-3000:]
    assert out.count("saved ") == 1  # rank 0 alone reports and writes
    assert training_main([*args, "--stream", "--out", str(tmp_path / "one.onnx")]) == 0
    two, one = (load_artifact(tmp_path / f"{n}.onnx").card.to_json() for n in ("two", "one"))
    assert two["summary"]["converged"] and one["summary"]["converged"]
    assert abs(two["summary"]["objective"] - one["summary"]["objective"]) <= 1e-6 * one["summary"]["objective"]
    np.testing.assert_allclose(
        two["statistics"]["coefficients"]["estimate"], one["statistics"]["coefficients"]["estimate"], rtol=1e-6
    )
    np.testing.assert_allclose(
        two["statistics"]["coefficients"]["std_error"], one["statistics"]["coefficients"]["std_error"], rtol=1e-6
    )
    for part in ("train", "valid"):
        assert two["metrics"][part]["confusion_matrix"] == one["metrics"][part]["confusion_matrix"]
        assert two["metrics"][part]["roc_auc"] == pytest.approx(one["metrics"][part]["roc_auc"], rel=1e-12)
    assert two["data"]["n_rows"] == one["data"]["n_rows"] and two["data"]["n_valid_rows"] == one["data"]["n_valid_rows"]
    assert two["data"]["rows"] == one["data"]["rows"]  # the same plotting sample, whoever read the rows
    # and the in-memory fit of all 16,500 rows (its validation split differs, so fit without one)
    memory_args = ["--data", str(data), "--target", "y", "--weight-column", "w"]
    code, _, err = finished(torchrun([*memory_args, "--out", str(tmp_path / "two_all.onnx")], tmp_path))
    assert code == 0, err[-3000:]
    assert training_main([*memory_args, "--out", str(tmp_path / "memory.onnx")]) == 0
    two_all, memory = (load_artifact(tmp_path / f"{n}.onnx").card.to_json() for n in ("two_all", "memory"))
    assert (
        abs(two_all["summary"]["objective"] - memory["summary"]["objective"]) <= 1e-6 * memory["summary"]["objective"]
    )


def keeps_previous(out: Path) -> None:
    assert out.read_bytes() == SENTINEL and out.with_suffix(".pt").read_bytes() == SENTINEL
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []  # no temp files left


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    out = tmp_path / "out" / "model.onnx"
    out.parent.mkdir()
    out.write_bytes(SENTINEL)
    out.with_suffix(".pt").write_bytes(SENTINEL)
    return out


def test_a_rank_with_no_row_groups_stops_the_job_with_one_line(tmp_path, previous):
    data = write_row_groups(tmp_path / "data.parquet", [1_000])
    code, _, err = finished(torchrun(["--data", str(data), "--target", "y", "--out", str(previous)], tmp_path))
    assert code != 0
    ours = [line for line in err.splitlines() if line.startswith("error: ")]
    assert ours == [
        "error: 2 processes share data.parquet, but it has only 1 non-empty row group(s) and each process reads "
        "whole row groups, so rank 1 would have no rows; start at most 1 processes, or rewrite the file with "
        "more row groups (pyarrow.parquet.write_table(..., row_group_size=N))"
    ]
    keeps_previous(previous)


def test_a_bad_row_in_one_shard_is_named_by_the_rank_that_read_it(tmp_path, previous):
    data = tmp_path / "data.parquet"
    rows = frame(2_000, 0)
    rows.loc[1_500, "b"] = np.inf  # row group 1, read by rank 1
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), data, row_group_size=1_000)
    code, _, err = finished(torchrun(["--data", str(data), "--target", "y", "--out", str(previous)], tmp_path))
    assert code != 0
    assert "error: feature 'b' of data.parquet must hold finite numbers, but row 1501 has inf" in err
    keeps_previous(previous)


def worker_pids(parent: int) -> dict[int, int]:
    """{rank: pid} of the processes torchrun started under ``parent``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        rank = [v for v in environ if v.startswith(b"RANK=")]
        if rank and (ppid == parent or ppid in found.values()):
            found[int(rank[0][5:])] = int(entry.name)
    return found


def test_a_worker_that_dies_fails_the_job_and_keeps_the_previous_artifact(tmp_path, previous):
    data = write_row_groups(tmp_path / "data.parquet", [200_000, 200_000])
    args = ["--data", str(data), "--target", "y", "--log-every", "1", "--out", str(previous)]
    process = torchrun(args, tmp_path, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = process.stdout.readline()  # rank 0 prints each iteration: the fit is under way
    assert line.startswith("iteration"), line + process.stderr.read()[-3000:]
    workers = {}
    deadline = time.monotonic() + 30
    while 1 not in workers and time.monotonic() < deadline:
        workers = worker_pids(process.pid)
    os.kill(workers[1], signal.SIGKILL)
    code, _, err = finished(process)
    assert code != 0
    ours = [line for line in err.splitlines() if line.startswith("error: rank 0 of 2 ")]
    assert len(ours) == 1, err[-3000:]
    assert "lost contact with the other workers" in ours[0] or "was stopped by torchrun" in ours[0]
    assert ours[0].endswith("the previous artifact is kept")
    keeps_previous(previous)
