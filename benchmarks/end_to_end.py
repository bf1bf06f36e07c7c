"""What a user waits for, as whole processes: start-up, and training from a file against a
scikit-learn script that reads the same file, standardizes and fits.

Each command runs in a fresh process; its wall time and peak RSS (from ``os.wait4``) are taken, best
of ``repeats``. Ratios are ours / theirs, measured in the same run.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.problems import SEED

# The contender: what a scikit-learn user writes for the same fit (ridge C = 1 / (l2 N) after
# standardizing, default lbfgs), reading the file with pyarrow (Parquet) or pandas (CSV).
SKLEARN = """
import sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
path, l2 = sys.argv[1], float(sys.argv[2])
if path.endswith(".parquet"):
    import pyarrow.parquet as pq
    table = pq.read_table(path)
    y = table.column("y").to_numpy()
    x = np.column_stack([table.column(n).to_numpy() for n in table.column_names if n != "y"])
else:
    import pandas as pd
    frame = pd.read_csv(path)
    y = frame.pop("y").to_numpy()
    x = frame.to_numpy()
x = StandardScaler().fit_transform(x)
LogisticRegression(C=1 / (l2 * len(y)), max_iter=1000).fit(x, y)
"""


def run_process(command: list[str], status: int = 0) -> tuple[float, int]:
    """(wall seconds, peak RSS bytes) of one fresh process, which must exit with ``status``."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, wait_status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(wait_status) != status:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-500:]}")
    process.stderr.close()
    return seconds, usage.ru_maxrss * 1024


def best(command: list[str], repeats: int, status: int = 0) -> dict:
    runs = [run_process(command, status) for _ in range(repeats)]
    return {"seconds": min(r[0] for r in runs), "peak_rss_bytes": max(r[1] for r in runs)}


def benchmark_startup(repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "model.onnx")
        figures = {
            "import torch": best([sys.executable, "-c", "import torch"], repeats),
            "--help": best([sys.executable, "-m", "training", "--help"], repeats),
            "bad flag": best([sys.executable, "-m", "training", "--epochs", "ten"], repeats, status=2),
            "tutorial run": best([sys.executable, "-m", "training", "--out", out], repeats),
        }
    torch_s = figures["import torch"]["seconds"]
    return {
        "figures": figures,
        "ratios": {name: figures[name]["seconds"] / torch_s for name in ("--help", "bad flag", "tutorial run")},
    }


def write_table(rows: int, features: int, folder: Path, kind: str) -> Path:
    """A seeded binary problem as a file: float32 features f0..f{d-1} and an int8 label y."""
    path = folder / f"e2e-{rows}x{features}.{kind}"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    beta = rng.normal(size=features)
    beta *= 2.0 / np.linalg.norm(beta)
    start = 0
    writer = None
    tmp = path.with_suffix(".tmp")
    while start < rows:
        n = min(250_000, rows - start)
        x = rng.standard_normal((n, features), dtype=np.float32)
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(x @ beta)))).astype(np.int8)
        frame = pd.DataFrame(x, columns=[f"f{j}" for j in range(features)]).assign(y=y)
        if kind == "parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer = writer or pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
        else:
            frame.to_csv(tmp, mode="a", header=start == 0, index=False, float_format="%.7g")
        start += n
    if writer:
        writer.close()
    tmp.rename(path)
    return path


# pyarrow's bare multi-threaded parse of the same file, every column as it infers it: where the parser
# itself is the limit on this machine, this shows it
BARE_PARSE = """
import sys
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
path = sys.argv[1]
(pq.read_table if path.endswith(".parquet") else pacsv.read_csv)(path)
"""


def benchmark_race(rows: int, features: int, kind: str, folder: Path, repeats: int) -> dict:
    """Ours against the scikit-learn script, whole processes; our peak memory above our own baseline
    (the same command on the file's first 1,000 rows: imports, the fit's fixed costs), as a multiple
    of the float32 size of the data; and the bare parse's time."""
    data = write_table(rows, features, folder, kind)
    head = write_table(1_000, features, folder, kind)
    l2 = 0.01
    with tempfile.TemporaryDirectory() as out:

        def ours_on(path: Path) -> dict:
            command = [sys.executable, "-m", "training", "--data", str(path), "--target", "y", "--l2", str(l2)]
            return best([*command, "--out", str(Path(out) / "m.onnx")], repeats)

        ours, baseline = ours_on(data), ours_on(head)
    theirs = best([sys.executable, "-c", SKLEARN, str(data), str(l2)], repeats)
    bare = best([sys.executable, "-c", BARE_PARSE, str(data)], repeats)
    used_float32 = rows * (features + 1) * 4
    return {
        "problem": f"{rows:.0e} x {features} {kind}".replace("e+0", "e"),
        "ours": ours,
        "sklearn": theirs,
        "bare_parse": bare,
        "baseline": baseline,
        "ours_vs_sklearn": ours["seconds"] / theirs["seconds"],
        "peak_rss_vs_float32_data": ours["peak_rss_bytes"] / used_float32,
        "peak_above_baseline_vs_float32_data": (ours["peak_rss_bytes"] - baseline["peak_rss_bytes"]) / used_float32,
    }


def table(results: dict) -> list[str]:
    startup = results["startup"]
    torch_s = startup["figures"]["import torch"]["seconds"]
    lines = [f"start-up (best of runs; ratio to `python -c 'import torch'`, {torch_s:.2f} s)"]
    for name, ratio in startup["ratios"].items():
        lines.append(f"    {name:<14} {startup['figures'][name]['seconds']:6.2f} s  {ratio:.2f}x")
    lines.append("end to end, whole processes (ours: python -m training --l2 0.01; theirs: read + scale + fit)")
    for race in results["races"]:
        lines.append(
            f"    {race['problem']:<20} ours {race['ours']['seconds']:6.1f} s, scikit-learn "
            f"{race['sklearn']['seconds']:6.1f} s: {race['ours_vs_sklearn']:.2f}x; bare pyarrow parse "
            f"{race['bare_parse']['seconds']:.1f} s; our peak RSS {race['peak_rss_vs_float32_data']:.1f}x the float32 "
            f"data, {race['peak_above_baseline_vs_float32_data']:.1f}x above our baseline "
            f"(the first 1,000 rows: {race['baseline']['seconds']:.1f} s)"
        )
    return lines
