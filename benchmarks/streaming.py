"""Out-of-core and distributed training on a Parquet file: a streamed pass against reading the file
alone, peak memory at two sizes ten times apart, the streamed fit against the in-memory one, and
torchrun with two processes against one; and a streamed CSV's peak memory at two sizes four times
apart, its fit against the in-memory one. Every figure comes from its own process."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from export.artifact import load_artifact

FEATURES = 10
PART_ROWS = 1_000_000
ROW_GROUP_ROWS = 250_000


def write_parquet(rows: int, data_dir: Path) -> Path:
    """Seeded N(0, 1) float32 features and int8 labels from a logistic model with weights of norm 2,
    written a million rows at a time (cached: the same file for the same size)."""
    path = data_dir / f"stream-{rows}x{FEATURES}.parquet"
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    beta = np.random.default_rng(0).normal(size=FEATURES)
    beta *= 2.0 / np.linalg.norm(beta)
    fields = [*(pa.field(f"f{i}", pa.float32()) for i in range(FEATURES)), pa.field("y", pa.int8())]
    partial = path.with_suffix(".partial")
    with pq.ParquetWriter(partial, pa.schema(fields)) as writer:
        for start in range(0, rows, PART_ROWS):
            rng = np.random.default_rng([0, start // PART_ROWS])
            n = min(PART_ROWS, rows - start)
            x = rng.standard_normal((n, FEATURES), dtype=np.float32)
            y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(x @ beta)))).astype(np.int8)
            columns = {f"f{i}": x[:, i] for i in range(FEATURES)} | {"y": y}
            writer.write_table(pa.table(columns), row_group_size=ROW_GROUP_ROWS)
    partial.replace(path)
    return path


def write_csv(rows: int, data_dir: Path) -> Path:
    """The Parquet file of ``rows`` rows (``write_parquet``) written as CSV, a row group at a time
    (cached)."""
    path = data_dir / f"stream-{rows}x{FEATURES}.csv"
    if path.exists():
        return path
    source = pq.ParquetFile(write_parquet(rows, data_dir))
    partial = path.with_suffix(".partial")
    with pacsv.CSVWriter(partial, source.schema_arrow) as writer:
        for group in range(source.metadata.num_row_groups):
            writer.write_table(source.read_row_group(group))
    partial.replace(path)
    return path


def child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.stream_child", *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def torchrun_fit(path: Path, out: Path, processes: int) -> dict:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # what torchrun sets anyway, said explicitly
    start = time.perf_counter()
    subprocess.run(
        [*command, "-m", "training", "--data", str(path), "--target", "y", "--out", str(out)],
        capture_output=True,
        check=True,
        env=env,
    )
    summary = load_artifact(out).card.summary
    return {"seconds": time.perf_counter() - start, "objective": summary.objective}


def benchmark_streaming(sizes: tuple[int, int], data_dir: Path) -> dict:
    small, large = (write_parquet(rows, data_dir) for rows in sizes)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "model.onnx"
        read = child("read", str(large))
        one_pass = child("pass", str(large))
        fits = {rows: child("fit", str(path), str(out), "--stream") for rows, path in zip(sizes, (small, large))}
        in_memory = child("fit", str(small), str(out), "--memory-budget", "1TB")
        one, two = (torchrun_fit(large, out, n) for n in (1, 2))
    read_rate, pass_rate = read["rows"] / read["seconds"], one_pass["rows"] / one_pass["seconds"]
    streamed_small = fits[sizes[0]]
    return {
        "features": FEATURES,
        "file_bytes": large.stat().st_size,
        "rows": sizes[1],
        "read_rows_per_s": read_rate,
        "pass_rows_per_s": pass_rate,
        "pass_vs_read": pass_rate / read_rate,
        "fit": {str(rows): fit for rows, fit in fits.items()},
        "peak_rss_growth": fits[sizes[1]]["peak_rss_bytes"] / streamed_small["peak_rss_bytes"] - 1,
        "in_memory_rows": sizes[0],
        "in_memory_objective_gap": abs(streamed_small["objective"] - in_memory["objective"]) / in_memory["objective"],
        "torchrun": {"1": one, "2": two, "speedup": one["seconds"] / two["seconds"]},
        "torchrun_objective_gap": abs(two["objective"] - one["objective"]) / one["objective"],
    }


def benchmark_streaming_csv(sizes: tuple[int, int], data_dir: Path) -> dict:
    """A CSV streamed (``--stream``) at two sizes: its peak memory must not grow with the rows; and
    the smaller one's optimum against the same file's in-memory fit."""
    paths = [write_csv(rows, data_dir) for rows in sizes]
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "model.onnx"
        fits = {rows: child("fit", str(path), str(out), "--stream") for rows, path in zip(sizes, paths)}
        in_memory = child("fit", str(paths[0]), str(out), "--memory-budget", "1TB")
    small, large = fits[sizes[0]], fits[sizes[1]]
    return {
        "features": FEATURES,
        "file_bytes": paths[1].stat().st_size,
        "rows": list(sizes),
        "fit": {str(rows): fit for rows, fit in fits.items()},
        "peak_rss_growth": large["peak_rss_bytes"] / small["peak_rss_bytes"] - 1,
        "in_memory_objective_gap": abs(small["objective"] - in_memory["objective"]) / in_memory["objective"],
    }


def table(results: dict) -> list[str]:
    rows = results["rows"]
    name = f"{rows:.0e} x {results['features']}".replace("e+0", "e")
    small, large = results["fit"].values()
    mb = 1e6
    return [
        f"streaming {name} from Parquet ({results['file_bytes'] / mb:.0f} MB)",
        f"    reading the file alone      {results['read_rows_per_s'] / 1e6:6.2f} M rows/s",
        f"    one streamed gradient pass  {results['pass_rows_per_s'] / 1e6:6.2f} M rows/s"
        f"  ({results['pass_vs_read']:.2f} of reading)",
        f"    streamed fit                {large['seconds']:6.1f} s, {large['evaluations']} evaluations",
        f"    peak RSS {results['in_memory_rows']:.0e} rows {small['peak_rss_bytes'] / mb:.0f} MB, "
        f"{rows:.0e} rows {large['peak_rss_bytes'] / mb:.0f} MB ({results['peak_rss_growth']:+.1%})",
        f"    streamed vs in-memory objective ({results['in_memory_rows']:.0e} rows): "
        f"{results['in_memory_objective_gap']:.1e} relative",
        f"    torchrun 2 processes {results['torchrun']['2']['seconds']:.1f} s vs 1 process "
        f"{results['torchrun']['1']['seconds']:.1f} s ({results['torchrun']['speedup']:.2f}x), objective gap "
        f"{results['torchrun_objective_gap']:.1e}",
    ]


def csv_table(results: dict) -> list[str]:
    small_rows, rows = (f"{n:.0e}".replace("e+0", "e") for n in results["rows"])
    small, large = results["fit"].values()
    mb = 1e6
    return [
        f"streaming a CSV of {small_rows} and {rows} rows x {results['features']} "
        f"({results['file_bytes'] / mb:.0f} MB)",
        f"    streamed fit ({rows} rows) {large['seconds']:.1f} s, {large['evaluations']} evaluations",
        f"    peak RSS {small['peak_rss_bytes'] / mb:.0f} MB, {large['peak_rss_bytes'] / mb:.0f} MB "
        f"({results['peak_rss_growth']:+.1%})",
        f"    streamed vs in-memory objective ({small_rows} rows): {results['in_memory_objective_gap']:.1e} relative",
    ]
