"""Formula models from a streamed Parquet file and from two torchrun processes with unequal shares:
the knots from the whole column (every process's rows), the same design, optimum, statistics and
term tests as the fit of the table in memory."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from paths import PROJECT
from torchrun_jobs import finished, torchrun

from export.artifact import load_artifact
from training.__main__ import main as training_main

FORMULA = "default ~ student * balance + bs(income, df=4) + np.log(income)"


@pytest.fixture(scope="module")
def default_parquet(tmp_path_factory):
    """ISLR's Default in row groups of 6,000, 1,000 and 3,000 rows: under torchrun rank 0 reads
    9,000 rows, rank 1 1,000."""
    path = tmp_path_factory.mktemp("formula_stream") / "default.parquet"
    data = pd.read_csv(PROJECT / "data" / "default.csv")
    with pq.ParquetWriter(path, pa.Schema.from_pandas(data, preserve_index=False)) as writer:
        for start, stop in [(0, 6_000), (6_000, 7_000), (7_000, 10_000)]:
            writer.write_table(pa.Table.from_pandas(data.iloc[start:stop], preserve_index=False))
    return path


def card_of(path, *args):
    out = path.parent / f"{len(list(path.parent.glob('*.onnx')))}.onnx"
    assert training_main(["--data", str(path), "--formula", FORMULA, "--tol", "1e-10", *args, "--out", str(out)]) == 0
    return load_artifact(out).card


def assert_same_fit(card, reference, rtol):
    assert card.terms == reference.terms
    for ours, theirs in zip(card.formula.factors, reference.formula.factors):
        np.testing.assert_allclose(ours.knots or [], theirs.knots or [], rtol=1e-15)
    assert card.statistics.log_likelihood == pytest.approx(reference.statistics.log_likelihood, rel=1e-8)
    np.testing.assert_allclose(card.weights, reference.weights, rtol=rtol)
    for term, test in reference.statistics.term_tests.items():
        assert card.statistics.term_tests[term].statistic == pytest.approx(test.statistic, rel=1e-5, abs=1e-6)
    assert card.categories.features["student"].shares == pytest.approx(reference.categories.features["student"].shares)
    for name, extent in reference.data.features.items():  # means merged in another order: the last digits
        ours = card.data.features[name]
        assert (ours.min, ours.max) == (extent.min, extent.max) and ours.mean == pytest.approx(extent.mean, rel=1e-12)
    assert card.example == reference.example


def test_a_streamed_formula_fit_is_the_in_memory_one(default_parquet):
    in_memory = card_of(default_parquet)
    streamed = card_of(default_parquet, "--stream")
    assert_same_fit(streamed, in_memory, rtol=1e-6)
    # the stored rows are raw inputs as codes (a sample drawn per row group, so not the same rows)
    data = pd.read_csv(PROJECT / "data" / "default.csv")
    codes = np.column_stack([(data.student == "Yes").astype(float), data.balance, data.income])
    stored = np.asarray(streamed.data.rows.x)
    assert stored.shape == (1000, 3) and all((codes == row).all(axis=1).any() for row in stored[:50])


def test_two_torchrun_processes_with_unequal_shares_fit_the_same_formula_model(default_parquet, tmp_path):
    out = tmp_path / "two.onnx"
    args = ["--data", str(default_parquet), "--formula", FORMULA, "--tol", "1e-10", "--out", str(out)]
    code, _, err = finished(torchrun(args, tmp_path))
    assert code == 0, err[-3000:]
    assert_same_fit(load_artifact(out).card, card_of(default_parquet), rtol=1e-6)
