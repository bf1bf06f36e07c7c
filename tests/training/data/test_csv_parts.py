"""A CSV read whole a run of records at a time (``columnar._read_in_parts``): the same rows, levels
and messages as the file read at once, its numbers parsed straight to float32 past
``FLOAT32_CELLS``, and its peak memory near the matrix's size."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import training.data.columnar
from training.data.columns import Columns
from training.data.tables import load_table


@pytest.fixture(params=[1, 3], ids=["one-parser", "three-parsers"])
def small_runs(monkeypatch, request):
    """Runs of about 4 KB: every read crosses many of them, parsed one at a time or three at once
    (whatever this machine's cores) in a ring of as many buffers and one more."""
    monkeypatch.setattr(training.data.columnar, "MEMORY_PART_BYTES", (4096, 4096))
    monkeypatch.setattr(training.data.columnar, "MEMORY_PARSERS", request.param)
    monkeypatch.setattr(pa, "cpu_count", lambda: 8)


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n).round(4),
            "b": rng.integers(0, 1000, n),
            "g": rng.choice(["red", "green", "blue"], n),
            "note": np.where(np.arange(n) % 9 == 0, 'two\nlines, "quoted"', "one"),
            "y": rng.choice(["no", "yes"], n),
        }
    )


def whole(path, columns: Columns, monkeypatch):
    """The same file read at once: the parts path turned off."""
    with monkeypatch.context() as patch:
        patch.setattr(training.data.columnar, "number_types", lambda *args: {})
        return load_table(path, columns)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["unix", "windows", "old-mac"])
@pytest.mark.parametrize("float32", [False, True])
def test_runs_give_the_rows_levels_and_numbers_the_whole_read_gives(tmp_path, monkeypatch, small_runs, float32, ending):
    """Whatever ends the lines: a run ends at a ``\r`` too, as ``csv_parts`` cuts."""
    rows = frame(3_000)
    rows.to_csv(tmp_path / "t.csv", index=False, lineterminator=ending)
    if float32:
        monkeypatch.setattr(training.data.columnar, "FLOAT32_CELLS", 1_000)
    columns = Columns("y", features=["a", "b", "g"])
    parts, once = load_table(tmp_path / "t.csv", columns), whole(tmp_path / "t.csv", columns, monkeypatch)
    assert parts.x.dtype == (np.float32 if float32 else np.float64) and once.x.dtype == np.float64
    assert parts.x.flags.f_contiguous  # one block, as the fit takes it
    np.testing.assert_array_equal(parts.x, once.x.astype(parts.x.dtype))
    np.testing.assert_array_equal(parts.y, once.y)
    assert parts.design == once.design and parts.class_labels == once.class_labels


def test_rows_shorter_later_on_and_blank_lines_still_land_in_one_block(tmp_path, small_runs):
    long = "".join(f"{i}.123456789,{'x' * 200},{i % 2}\n" for i in range(200))  # the estimate of rows comes from these
    short = "".join(f"{i},s,{i % 2}\n\n" for i in range(3_000))
    (tmp_path / "t.csv").write_text("a,pad,y\n" + long + short)
    data = load_table(tmp_path / "t.csv", Columns("y", features=["a"]))
    assert len(data.y) == 3_200 and data.x.flags.f_contiguous
    np.testing.assert_allclose(data.x[:200, 0], np.arange(200) + 0.123456789)
    np.testing.assert_array_equal(data.x[200:, 0], np.arange(3_000))


def test_a_word_far_into_a_number_column_is_named_with_its_line(tmp_path, small_runs):
    rows = frame(3_000)
    rows["a"] = rows["a"].astype(object)
    rows.loc[2_500, "a"] = "many"
    rows.to_csv(tmp_path / "t.csv", index=False)
    text = (tmp_path / "t.csv").read_text()  # the line as an editor counts it, the notes' line breaks too
    line = text[: text.index("many")].count("\n") + 1
    with pytest.raises(
        training.data.columnar.DataError,
        match=f"feature 'a' of t.csv must hold finite numbers, but line {line} has 'many'",
    ):
        load_table(tmp_path / "t.csv", Columns("y", features=["a", "b"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(2, 1_500),
    quoted=st.tuples(st.integers(0, 1_499), st.integers(0, 600)),
    breaks=st.integers(0, 3),
    long_cell=st.integers(0, 1_499),
    stray=st.integers(0, 1_499),
)
def test_runs_with_and_without_quotes_read_as_the_whole_file(
    tmp_path, monkeypatch, small_runs, rows, quoted, breaks, long_cell, stray
):
    """Runs without a quote are parsed the fast way (no cell can hold a line break), runs with one
    follow the quotes; a quoted cell longer than a run grows the buffer; a quote inside a cell
    (``5"``) is text, and the runs after it are cut as before it. Whatever the mix (a stretch of
    rows with quoted, multi-line notes, plain rows around it), the rows are the whole read's."""
    first, count = quoted
    notes = ["plain"] * rows
    for i in range(first, min(rows, first + count)):
        notes[i] = '"' + "line\n" * breaks + ("x" * 9_000 if i == long_cell else "") + 'a ""quote"""'
    if stray < rows and not notes[stray].startswith('"'):
        notes[stray] = '5" wide'
    lines = [f"{i * 0.5},{notes[i]},{i % 2}\n" for i in range(rows)]
    (tmp_path / "t.csv").write_text("a,note,y\n" + "".join(lines))
    columns = Columns("y", features=["a"])
    once = whole(tmp_path / "t.csv", columns, monkeypatch)
    sizes = []
    record_runs = training.data.columnar._record_runs

    def runs(*args):
        for run in record_runs(*args):
            sizes.append(run.size)
            yield run

    with monkeypatch.context() as patch:  # the runs' own read, not the whole read it falls back to
        patch.setattr(training.data.columnar, "_read_csv", lambda *args: pytest.fail("the runs fell back"))
        patch.setattr(training.data.columnar, "_record_runs", runs)
        parts = load_table(tmp_path / "t.csv", columns)
    assert len(parts.y) == rows
    assert max(sizes) <= 4 * 4096 + 9_100  # runs of about 4 KB (and the long cell): never the rest of the file
    np.testing.assert_array_equal(parts.x, once.x)
    np.testing.assert_array_equal(parts.x[:, 0], np.arange(rows) * 0.5)
    np.testing.assert_array_equal(parts.y, once.y)


MEASURE = """
import json, sys
from pathlib import Path
from training.data.columns import Columns
from training.data.tables import load_table
import training.data.columnar, numpy, pyarrow

def peak():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) * 1024

training.data.columnar.FLOAT32_CELLS = 1_000_000  # float32 here as past 1e7 cells
load_table(Path(sys.argv[2]), Columns("y"))  # the baseline: the same read of the file's first rows
before = peak()
data = load_table(Path(sys.argv[1]), Columns("y"))
print(json.dumps({"before": before, "after": peak(), "dtype": str(data.x.dtype), "rows": len(data.y)}))
"""


def test_the_peak_of_a_large_read_stays_near_the_float32_matrix(tmp_path):
    n, d = 250_000, 40  # wide, as the benchmark's 1e6 x 50: per-row arrays (target, positions) stay small beside it
    rng = np.random.default_rng(0)
    table = pa.table({**{f"f{j}": rng.normal(size=n).astype(np.float32) for j in range(d)}, "y": rng.integers(0, 2, n)})
    pacsv.write_csv(table, tmp_path / "big.csv")
    pacsv.write_csv(table.slice(0, 1_000), tmp_path / "head.csv")
    files = [str(tmp_path / "big.csv"), str(tmp_path / "head.csv")]
    out = subprocess.run([sys.executable, "-c", MEASURE, *files], capture_output=True, text=True)
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    assert measured["dtype"] == "float32" and measured["rows"] == n
    float32_size = n * (d + 1) * 4
    assert (measured["after"] - measured["before"]) / float32_size < 2.5  # the bound
