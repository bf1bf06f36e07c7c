"""Run the benchmarks: ``python -m benchmarks [--quick] [--out FILE]``.

Full run (about 15 minutes here): time to the optimum at 1e4 x 10, 1e5 x 50 and 1e6 x 100, five
interleaved repeats; batch scoring of 1e6 x 100; single-row latency; streaming (Parquet, and a CSV
at 1e6 and 4e6 rows); start-up; and whole-process races against scikit-learn from a 2e6 x 100
Parquet file and a 1e6 x 50 CSV. Writes ``benchmarks/results.json`` and prints the table the README
shows. ``--quick`` runs small sizes once (a minute or two) for CI and writes
``benchmarks/results-quick.json``.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from benchmarks.end_to_end import benchmark_race, benchmark_startup
from benchmarks.end_to_end import table as end_to_end_table
from benchmarks.fitting import CONTENDERS, benchmark_fit
from benchmarks.problems import Problem
from benchmarks.serving import benchmark_latency, benchmark_scoring
from benchmarks.streaming import benchmark_streaming, benchmark_streaming_csv, csv_table
from benchmarks.streaming import table as streaming_table
from export.files import write_atomic

HERE = Path(__file__).resolve().parent
FULL = {
    "fit": [Problem(10_000, 10), Problem(100_000, 50), Problem(1_000_000, 100)],
    "fit_repeats": 5,
    "score": Problem(1_000_000, 100),
    "score_repeats": 7,
    "latency_calls": 20_000,
    "stream": (1_000_000, 10_000_000),
    "stream_csv": (1_000_000, 4_000_000),
    "startup_repeats": 3,
    "races": [(2_000_000, 100, "parquet"), (1_000_000, 50, "csv")],
    "race_repeats": 1,
}
QUICK = {
    "fit": [Problem(10_000, 10), Problem(100_000, 20)],
    "fit_repeats": 1,
    "score": Problem(100_000, 100),
    "score_repeats": 3,
    "latency_calls": 5_000,
    "stream": (50_000, 500_000),
    "stream_csv": (10_000, 40_000),
    "startup_repeats": 1,
    "races": [(20_000, 10, "parquet"), (20_000, 10, "csv")],
    "race_repeats": 1,
}


def run(plan: dict, data_dir: Path) -> dict:
    fits = []
    for problem in plan["fit"]:
        print(f"fitting {problem.name} ...", file=sys.stderr, flush=True)
        fits.append(benchmark_fit(problem, data_dir, plan["fit_repeats"]))
    print(f"scoring {plan['score'].name} ...", file=sys.stderr, flush=True)
    scoring, model = benchmark_scoring(plan["score"], data_dir, plan["score_repeats"])
    latency = benchmark_latency(plan["score"], data_dir, model, plan["latency_calls"])
    print(f"streaming {plan['stream'][0]:.0e} and {plan['stream'][1]:.0e} rows ...", file=sys.stderr, flush=True)
    streaming = benchmark_streaming(plan["stream"], data_dir)
    print(
        f"streaming a CSV of {plan['stream_csv'][0]:.0e} and {plan['stream_csv'][1]:.0e} rows ...",
        file=sys.stderr,
        flush=True,
    )
    streaming_csv = benchmark_streaming_csv(plan["stream_csv"], data_dir)
    print("start-up and end-to-end races ...", file=sys.stderr, flush=True)
    startup = benchmark_startup(plan["startup_repeats"])
    races = [benchmark_race(*race, data_dir, plan["race_repeats"]) for race in plan["races"]]
    return {
        "fit": fits,
        "scoring": scoring,
        "latency": latency,
        "streaming": streaming,
        "streaming_csv": streaming_csv,
        "end_to_end": {"startup": startup, "races": races},
    }


def table(results: dict) -> list[str]:
    lines = ["time to the optimum (median of runs, min-max; evaluations; worst gap to the reference optimum)"]
    for fit in results["fit"]:
        lines.append(f"  {fit['problem']}: ours / scikit-learn lbfgs = {fit['ours_vs_sklearn_lbfgs']:.2f}")
        for kind in CONTENDERS:
            c = fit["contenders"][kind]
            lines.append(
                f"    {kind:<24} {c['median_s'] * 1e3:8.1f} ms ({c['min_s'] * 1e3:.1f}-{c['max_s'] * 1e3:.1f})"
                f"  {c['evaluations']:>5} evaluations  gap {c['worst_gap']:.1e}"
                f"{'' if c['at_optimum'] else '  NOT at the optimum'}"
            )
    scoring = results["scoring"]
    lines.append(f"batch scoring {scoring['problem']} (read bandwidth {scoring['read_bandwidth_gb_s']:.1f} GB/s)")
    for kind, s in scoring["scorers"].items():
        lines.append(f"    {kind:<12} {s['rows_per_s'] / 1e6:8.1f} M rows/s  {s['fraction_of_bound']:.2f} of the bound")
    latency = results["latency"]
    served_vs_numpy = scoring["scorers"]["served"]["rows_per_s"] / scoring["scorers"]["numpy"]["rows_per_s"]
    lines.append(f"    served / numpy x @ w + sigmoid: {served_vs_numpy:.2f}x the throughput")
    lines.append(
        f"single-row latency (served): p50 {latency['p50_us']:.1f} us, p99 {latency['p99_us']:.1f} us; bare "
        f"onnxruntime MatMul + Add p50 {latency['bare_matmul_add_p50_us']:.1f} us: {latency['served_vs_bare']:.2f}x"
    )
    streamed = streaming_table(results["streaming"]) + csv_table(results["streaming_csv"])
    return lines + streamed + end_to_end_table(results["end_to_end"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat: the CI form")
    parser.add_argument(
        "--out", type=Path, help="results file (default: benchmarks/results.json, or results-quick.json with --quick)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "logreg-kit-benchmarks",
        help="where the generated data is cached (default: a folder in the system's temp dir)",
    )
    args = parser.parse_args(argv)
    results = run(QUICK if args.quick else FULL, args.data_dir)
    out = args.out or HERE / ("results-quick.json" if args.quick else "results.json")
    write_atomic(out, (json.dumps(results, indent=1) + "\n").encode())
    print("\n".join(table(results)))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
