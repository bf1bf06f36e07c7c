"""Wide inputs cost memory and time in proportion to their size (issue 18): a 6-row CSV with 1,000
features peaked at 6.6 GB (the parity grid had 201·d rows of d columns) and 3,000 ran the machine
out of memory; a file with 60,000 extra columns took 83 s to score (a list lookup per column)."""

import resource
import subprocess
import sys

import numpy as np
import pytest
from paths import PROJECT

from export.artifact import load_artifact
from export.scoring import score_table
from export.writer.build import MAX_GRID_CELLS, parity_inputs

FEATURES = 10_000
ROWS = 6


@pytest.fixture(scope="module")
def wide_model(tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("wide")
    x = np.random.default_rng(0).normal(size=(ROWS, FEATURES))
    data = folder / "wide.csv"
    header = ",".join(f"f{j}" for j in range(FEATURES)) + ",y\n"
    data.write_text(header + "".join(",".join(f"{v:.4f}" for v in row) + f",{i % 2}\n" for i, row in enumerate(x)))
    out = folder / "wide.onnx"
    run = subprocess.run(
        [sys.executable, "-m", "training", "--data", str(data), "--target", "y", "--l2", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=PROJECT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest child so far
    return out, x, peak


def test_a_wide_fit_stays_within_a_few_copies_of_its_square(wide_model):
    """The fit's own d x d matrices (Gram, information) are 800 MB at 10,000 features; the parity
    grid no longer adds d x d x 201 cells on top (measured here: 1.4 GB in all with --l2)."""
    _, _, peak = wide_model
    assert peak < 4 * FEATURES**2 * 8 + (1 << 30)


def test_the_parity_grid_grows_no_faster_than_the_features(wide_model):
    card = load_artifact(wide_model[0]).card
    groups = parity_inputs(card.data, card.design, seed=0)
    cells = sum(g.size for g in groups)
    stored = ROWS * FEATURES
    assert cells <= 2 * MAX_GRID_CELLS + stored
    assert sum(len(g) for g in groups) >= 300  # and still a grid: lines, a box, the limits


def test_a_wide_model_loads_predicts_and_scores(wide_model):
    path, x, _ = wide_model
    model = load_artifact(path)
    by_array = model.predict(x).probabilities
    by_rows = model.predict([dict(zip(model.card.feature_names, row)) for row in x]).probabilities
    assert np.array_equal(by_array, by_rows)
    text = ",".join(model.card.feature_names) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in x)
    table, notes = score_table(text.encode(), model, "wide.csv")
    assert np.allclose(table["P(y = 1)"], by_array[:, 1], rtol=0, atol=1e-6) and notes == []


WIDE_SCORING = """
import resource, sys
from export.artifact import load_artifact
from export.scoring import score_table, scored_csv
model = load_artifact(sys.argv[1])
extra = [f"c{i}" for i in range(100_000)]
text = ",".join(["x", *extra]) + "\\n" + ",".join(["5", *("=1" for _ in extra)]) + "\\n"
table, notes = score_table(text.encode(), model, "wide.csv")
written = scored_csv(table).decode().splitlines()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(table.shape, notes, written[1][:20], len(written[1].split(",")), peak)
"""


def test_a_file_of_100000_columns_is_scored_whole_in_bounded_memory():
    """Measured in a process of its own: pandas copies a frame's ``attrs`` into every column it
    derives, and a list of 100,000 names kept there made scoring quadratic (16 GB and rising)."""
    run = subprocess.run(
        [sys.executable, "-c", WIDE_SCORING, str(PROJECT / "artifacts" / "model.onnx")],
        capture_output=True, text=True, timeout=600, cwd=PROJECT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    printed = run.stdout.strip()
    assert printed.startswith(
        "(1, 100004) ['Columns c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, ... (100,000 in all)"
    )
    assert "5,'=1,'=1," in printed and " 100004 " in printed  # x, the others, P(y = 0), P(y = 1), label
    assert int(printed.split()[-1]) < 3 * 1024 * 1024  # KB: 1.0 GB measured here
