"""One streaming measurement in a fresh process (so its peak memory is its own); prints JSON.

``python -m benchmarks.stream_child read FILE``: pyarrow reading every batch of the file, nothing else.
``python -m benchmarks.stream_child pass FILE``: one streamed objective-and-gradient pass.
``python -m benchmarks.stream_child fit FILE OUT [--stream | --memory-budget 1TB]``: the whole
``python -m training`` run, with its peak resident memory.
"""

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from training.streaming.stream import BATCH_ROWS


def read(path: Path) -> dict:
    """Every batch of every row group, read the way the stream reads them and nothing else done."""
    start = time.perf_counter()
    file = pq.ParquetFile(path)
    rows = 0
    for group in range(file.metadata.num_row_groups):
        rows += sum(batch.num_rows for batch in file.iter_batches(batch_size=BATCH_ROWS, row_groups=[group]))
    return {"rows": rows, "seconds": time.perf_counter() - start}


def one_pass(path: Path) -> dict:
    from training.config import TrainConfig
    from training.data.columns import Columns
    from training.solvers.sources import ChunkSource
    from training.streaming.reduce import LOCAL
    from training.streaming.streamed import open_streamed

    streamed = open_streamed(path, Columns("y"), TrainConfig(optimizer="lbfgs", standardize=True), LOCAL, None)
    source = ChunkSource(streamed.train, None, LOCAL)
    d = len(streamed.train.feature_names)
    start = time.perf_counter()
    source.sums(np.zeros((1, d)), np.zeros(1), streamed.summary.standardizer())
    return {"rows": streamed.summary.rows, "seconds": time.perf_counter() - start}


def fit(path: Path, out: Path, extra: list[str]) -> dict:
    from export.artifact import load_artifact
    from training.__main__ import main

    start = time.perf_counter()
    code = main(["--data", str(path), "--target", "y", "--out", str(out), *extra])
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(code)
    summary = load_artifact(out).card.summary
    return {
        "seconds": seconds,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "evaluations": summary.evaluations,
        "objective": summary.objective,
    }


if __name__ == "__main__":
    kind, path = sys.argv[1], Path(sys.argv[2])
    result = {"read": lambda: read(path), "pass": lambda: one_pass(path)}.get(kind)
    result = result() if result else fit(path, Path(sys.argv[3]), sys.argv[4:])
    print(json.dumps(result))
