"""The served path: batch throughput against other ways of scoring, and single-row latency."""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.problems import Problem, load, write

SCORERS = ("bandwidth", "served", "onnx-plain", "torch", "numpy", "sklearn")


def model_for(folder: Path) -> Path:
    """An artifact trained on the first 20,000 rows (the weights do not change the scoring cost),
    built afresh every run so that it is always the current export's graph."""
    path = folder / "model.onnx"
    x, y = load(folder)
    csv = folder / "head.csv"
    header = ",".join([*(f"f{i}" for i in range(x.shape[1])), "y"])
    np.savetxt(csv, np.column_stack([x[:20_000], y[:20_000]]), delimiter=",", header=header, comments="", fmt="%.7g")
    subprocess.run(
        [sys.executable, "-m", "training", "--data", str(csv), "--target", "y", "--l2", "0.001", "--out", str(path)],
        capture_output=True,
        check=True,
    )
    return path


def benchmark_scoring(problem: Problem, data_dir: Path, repeats: int) -> tuple[dict, Path]:
    folder = write(problem, data_dir)
    model = model_for(folder)
    results = {}
    for kind in SCORERS:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.scorer", kind, str(folder), str(model), str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    bound = results["bandwidth"]["bytes"] / results["bandwidth"]["best_s"]
    table = {
        kind: {
            "rows_per_s": r["rows"] / r["best_s"],
            "best_s": r["best_s"],
            "median_s": r["median_s"],
            "fraction_of_bound": (r["bytes"] / r["best_s"]) / bound,
        }
        for kind, r in results.items()
        if kind != "bandwidth"
    }
    return {"problem": problem.name, "read_bandwidth_gb_s": bound / 1e9, "scorers": table}, model


def benchmark_latency(problem: Problem, data_dir: Path, model: Path, calls: int) -> dict:
    """Single-row predictions through the artifact reader, p50 and p99 in microseconds, against a
    bare onnxruntime ``MatMul`` + ``Add`` session of the same size called directly."""
    from export.artifact import load_artifact

    artifact = load_artifact(model)
    rows = load(write(problem, data_dir))[0][:1000]
    bare = _bare_session(problem.features)
    served = _timings(artifact.predict, rows, calls)
    matmul = _timings(lambda row: bare.run(None, {"x": row[None, :]}), rows, calls)
    p50 = float(np.percentile(served, 50))
    return {
        "calls": calls,
        "p50_us": p50,
        "p99_us": float(np.percentile(served, 99)),
        "bare_matmul_add_p50_us": float(np.percentile(matmul, 50)),
        "served_vs_bare": p50 / float(np.percentile(matmul, 50)),
    }


def _timings(call, rows: np.ndarray, calls: int) -> np.ndarray:
    for i in range(1000):  # warm
        call(rows[i % 1000])
    timings = np.empty(calls)
    for i in range(calls):
        row = rows[i % 1000]
        start = time.perf_counter_ns()
        call(row)
        timings[i] = (time.perf_counter_ns() - start) / 1000
    return timings


def _bare_session(features: int):
    """x (batch, d) @ w (d,) + b: the least a served logistic regression can cost per call."""
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    constants = [
        numpy_helper.from_array(np.ones(features, np.float32), "w"),
        numpy_helper.from_array(np.float32(0), "b"),
    ]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["z"])],
        "bare",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["n", features])],
        [helper.make_tensor_value_info("z", onnx.TensorProto.FLOAT, ["n"])],
        constants,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
