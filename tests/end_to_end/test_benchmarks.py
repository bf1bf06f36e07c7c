"""The benchmark runs end to end in its quick form (CI's), and its numbers are self-consistent.

No speed is asserted here: speed targets live in ``python -m benchmarks`` and the README's table.
"""

import json
import subprocess
import sys


def test_quick_benchmark_runs_and_every_contender_reaches_the_optimum(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out), "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    for fit in results["fit"]:
        ours = fit["contenders"]["ours"]
        assert ours["at_optimum"] and ours["worst_gap"] <= 1e-6
        assert fit["contenders"]["sklearn-lbfgs-tight"]["worst_gap"] <= 1e-6
    assert set(results["scoring"]["scorers"]) == {"served", "onnx-plain", "torch", "numpy", "sklearn"}
    assert all(s["rows_per_s"] > 0 for s in results["scoring"]["scorers"].values())
    assert 0 < results["latency"]["p50_us"] <= results["latency"]["p99_us"]
    streaming = results["streaming"]
    assert streaming["read_rows_per_s"] > 0 and streaming["pass_rows_per_s"] > 0
    assert streaming["in_memory_objective_gap"] <= 1e-6 and streaming["torchrun_objective_gap"] <= 1e-6
    assert set(streaming["fit"]) == {"50000", "500000"}
    streaming_csv = results["streaming_csv"]
    assert set(streaming_csv["fit"]) == {"10000", "40000"} and streaming_csv["in_memory_objective_gap"] <= 1e-6
    assert "streaming a CSV of 1e4 and 4e4 rows" in done.stdout
    end_to_end = results["end_to_end"]
    assert set(end_to_end["startup"]["ratios"]) == {"--help", "bad flag", "tutorial run"}
    assert [race["problem"] for race in end_to_end["races"]] == ["2e4 x 10 parquet", "2e4 x 10 csv"]
    assert all(race["ours"]["peak_rss_bytes"] > 0 and race["ours_vs_sklearn"] > 0 for race in end_to_end["races"])
    assert "time to the optimum" in done.stdout and "end to end, whole processes" in done.stdout
