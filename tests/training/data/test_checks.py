"""One row check for rows in memory and streamed batches (training/data/checks.py)."""

import numpy as np
import pytest

from export.errors import DataError, RowError
from training.data.checks import RowChecks, RowNamer

POSITIONS = np.array([10, 11, 12])


@pytest.mark.parametrize(("partial", "kind"), [(False, DataError), (True, RowError)])
def test_a_bad_feature_value_is_named_by_its_row_and_column(partial, kind):
    checks = RowChecks("f.parquet", RowNamer(None), drop_missing=False, partial=partial)
    x = np.array([[1.0, 2.0], [3.0, np.inf], [np.inf, 4.0]])
    with pytest.raises(kind, match=r"^feature 'b' of f.parquet must hold finite numbers, but row 12 has inf; ") as e:
        checks.features(x, ["a", "b"], POSITIONS, None)
    assert type(e.value) is kind


def test_missing_values_stop_or_are_dropped():
    missing = np.array([False, True, True])
    whole = RowChecks("f.parquet", RowNamer(None), drop_missing=False)
    with pytest.raises(DataError, match=r"^2 row\(s\) of f.parquet have missing values \(in a; the first on row 12\)"):
        whole.usable(missing, POSITIONS, ["a"])
    batch = RowChecks("f.parquet", RowNamer(None), drop_missing=False, partial=True)
    with pytest.raises(RowError, match=r"^f.parquet has rows with missing values \(the first on row 12\)"):
        batch.usable(missing, POSITIONS)
    dropping = RowChecks("f.parquet", RowNamer(None), drop_missing=True)
    assert dropping.usable(missing, POSITIONS).tolist() == [True, False, False]


def test_a_weight_is_shown_as_the_user_wrote_it():
    checks = RowChecks("d.parquet", RowNamer(None), drop_missing=False)
    written = ["1", "-1", "2"]
    with pytest.raises(DataError, match=r"from 0 to 1e\+15, but row 12 has '-1'; fix that weight"):
        checks.weights(np.array([1.0, -1.0, 2.0]), "w", POSITIONS, lambda row, _: repr(written[row]))
