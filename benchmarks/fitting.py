"""Time to the optimum: our trainer against scikit-learn, each run in its own process, interleaved
and repeated; the objective of every result is measured with one float64 yardstick."""

import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks.problems import Problem, load, objective, write

CONTENDERS = ("ours", "sklearn-lbfgs", "sklearn-lbfgs-tight", "sklearn-newton-cholesky")
WITHIN = 1e-6  # relative distance to the reference optimum that counts as "at the optimum"


def run_contender(kind: str, folder: Path, l2: float) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.contender", kind, str(folder), repr(l2)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def benchmark_fit(problem: Problem, data_dir: Path, repeats: int) -> dict:
    folder = write(problem, data_dir)
    runs: dict[str, list[dict]] = {kind: [] for kind in CONTENDERS}
    for _ in range(repeats):
        for kind in CONTENDERS:  # interleaved: a slow moment of the machine hits everyone alike
            runs[kind].append(run_contender(kind, folder, problem.l2))
    x, y = load(folder)
    for kind_runs in runs.values():
        for run in kind_runs:
            run["objective"] = objective(x, y, np.asarray(run.pop("w")), run.pop("b"), problem.l2)
    reference = min(run["objective"] for kind_runs in runs.values() for run in kind_runs)
    summary = {kind: summarize(kind_runs, reference) for kind, kind_runs in runs.items()}
    return {
        "problem": problem.name,
        "rows": problem.rows,
        "features": problem.features,
        "l2": problem.l2,
        "reference_objective": reference,
        "contenders": summary,
        "ours_vs_sklearn_lbfgs": summary["ours"]["median_s"] / summary["sklearn-lbfgs"]["median_s"],
    }


def summarize(runs: list[dict], reference: float) -> dict:
    seconds = [r["seconds"] for r in runs]
    gaps = [(r["objective"] - reference) / abs(reference) for r in runs]
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "evaluations": statistics.median(r["evaluations"] for r in runs),
        "worst_gap": max(gaps),
        "at_optimum": max(gaps) <= WITHIN,
    }
