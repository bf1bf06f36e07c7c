"""The fuzzing suite's long run: ``python -m benchmarks.fuzz [--examples N] [--seed S]``.

Runs the properties of ``tests/fuzz/`` (generated CSV files for training and scoring, broken model
cards and graphs, inputs to ``predict``, command lines) with the ``long`` profile: ``N`` cases per
property (the four that fit a model each time get N / 6), drawn at random from seed ``S`` (a new
one each run unless given), instead of the seeded 60 the README's test command runs. Prints the
cases and outcomes per property as hypothesis counts them, and exits non-zero if any property
failed (the falsifying case is printed, with the way to reproduce it). The default, 12,000 per
property, is about 104,000 cases in all.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CASES = re.compile(r"^\s+- (\d+) passing examples, (\d+) failing examples, (\d+) invalid examples", re.M)
PROPERTY = re.compile(r"^(tests/fuzz/\S+::\S+):$", re.M)
OUTCOME = re.compile(r"^\s+\* ([\d.]+)%, (exit status \d+|refused|read|scored|served)$", re.M)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.splitlines()[0])
    p.add_argument("--examples", type=int, default=12_000, help="cases per property (default: 12000)")
    p.add_argument("--seed", type=int, default=None, help="hypothesis' seed (default: a new one)")
    args = p.parse_args(argv)
    env = {**os.environ, "LOGREG_FUZZ_PROFILE": "long", "LOGREG_FUZZ_EXAMPLES": str(args.examples)}
    command = [sys.executable, "-m", "pytest", "tests/fuzz", "-q", "-p", "no:cacheprovider"]
    command += ["--hypothesis-show-statistics"] + ([f"--hypothesis-seed={args.seed}"] if args.seed is not None else [])
    run = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    total = 0
    for name, block in zip(PROPERTY.findall(run.stdout), PROPERTY.split(run.stdout)[2::2]):
        found = CASES.search(block)
        passing, failing = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
        total += passing + failing
        outcomes = ", ".join(f"{kind} {float(share):.0f}%" for share, kind in OUTCOME.findall(block))
        print(f"{name.removeprefix('tests/fuzz/'):<80} {passing:>7,} passed {failing:>3} failed  ({outcomes})")
    print(f"{total:,} cases in all; pytest: {run.stdout.strip().splitlines()[-1] if run.stdout.strip() else '?'}")
    if run.returncode != 0:
        print(run.stdout[-20_000:], run.stderr[-5_000:], sep="\n")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
