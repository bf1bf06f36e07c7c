"""``predict`` checks whatever it is handed, the same way for numeric and categorical models:
a result, or ``InputError`` in one line naming the feature and row (issue 18)."""

import numpy as np
import pandas as pd
import pytest
from paths import PROJECT

from export.artifact import load_artifact
from export.errors import InputError

CANCER = load_artifact(PROJECT / "artifacts" / "cancer.onnx")
PENGUINS = load_artifact(PROJECT / "artifacts" / "penguins.onnx")
FEATURES = list(CANCER.card.feature_names)
ROW = dict(zip(FEATURES, [14.0, 19.0, 0.1, 0.05]))
PENGUIN = {
    "species": "Gentoo",
    "island": "Biscoe",
    "bill_length_mm": 45.0,
    "bill_depth_mm": 15.0,
    "flipper_length_mm": 215.0,
    "body_mass_g": 5000.0,
}


def one_line(model, rows, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        model.predict(rows)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "rows, message",
    [
        (None, r"^cannot read rows from None"),
        ([None] * 4, r"^feature 'mean_radius' has no value on row 1; give a number"),
        ([np.nan] * 4, r"^feature 'mean_radius' has no value on row 1"),
        (
            [1.0, 2.0, 1e300, 4.0],
            r"^feature 'mean_smoothness' has 1e\+300 on row 1, not a finite number within float32",
        ),
        (np.zeros((2, 5)), r"^expected rows of 4 feature\(s\) \(mean_radius, .*\), got shape \(2, 5\)"),
        (np.zeros((2, 2, 4)), r"got shape \(2, 2, 4\)"),
        ([[1, 2], [3]], r"got rows of different lengths"),
        (np.ones(4, dtype=bool), r"^feature 'mean_radius' takes numbers, but row 1 has True; give a number"),
        (np.ones(4, dtype=complex), r"^feature 'mean_radius' takes numbers, not complex numbers"),
        (np.array(["2020-01-01"] * 4, dtype="datetime64[D]"), r"takes numbers, not dates"),
        (["45", "1", "2", "3"], r"^feature 'mean_radius' takes numbers, not text"),
        ("abc", r"^cannot read rows from a str"),
        ([{"mean_radius": 1.0}], r"^row 1 has no value for feature\(s\) mean_texture"),
        ({**ROW, "mean_texture": ["19"]}, r"^feature 'mean_texture' takes numbers, but row 1 has '19'"),
        ({**ROW, "mean_texture": [[1.0, 2.0]]}, r"^feature 'mean_texture' must be given one value per row"),
        (
            pd.DataFrame([[1.0] * 5], columns=[*FEATURES, FEATURES[0]]),
            r"^the rows have two columns named 'mean_radius'",
        ),
    ],
)
def test_a_numeric_model_refuses_what_is_not_rows_of_numbers(rows, message):
    one_line(CANCER, rows, message)


@pytest.mark.parametrize(
    "rows",
    [
        [ROW, ROW],  # a list of mappings, one per row
        {name: [value] * 2 for name, value in ROW.items()},
        pd.DataFrame([ROW, ROW]),
        np.array([list(ROW.values())] * 2),
    ],
)
def test_every_way_of_giving_rows_scores_the_same(rows):
    expected = CANCER.predict(np.array([list(ROW.values())], dtype=np.float32)).probabilities
    assert np.allclose(CANCER.predict(rows).probabilities, np.repeat(expected, 2, axis=0), rtol=0, atol=1e-7)


def test_no_rows_give_no_predictions():
    assert CANCER.predict([]).probabilities.shape == (0, 2)
    assert CANCER.predict(np.zeros((0, 4))).label.shape == (0,)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"bill_length_mm": None}, r"^feature 'bill_length_mm' has no value on row 1; give a number"),
        ({"bill_length_mm": float("nan")}, r"^feature 'bill_length_mm' has no value on row 1"),
        ({"bill_length_mm": "45"}, r"^feature 'bill_length_mm' takes numbers, but row 1 has '45'"),
        ({"bill_length_mm": True}, r"^feature 'bill_length_mm' takes numbers, but row 1 has True; give a number"),
        ({"body_mass_g": 1e39}, r"^feature 'body_mass_g' has 1e\+39 on row 1, not a finite number within float32"),
        ({"species": None}, r"^feature 'species' has no value on row 1"),
        ({"species": "Emperor"}, r"^feature 'species' has 'Emperor' on row 1, a level the model never saw"),
    ],
)
def test_a_categorical_model_refuses_the_same_things_in_the_same_words(change, message):
    one_line(PENGUINS, [{**PENGUIN, **change}], message)
    one_line(PENGUINS, pd.DataFrame([{**PENGUIN, **change}]), message)


def test_a_categorical_model_takes_a_list_of_rows():
    by_rows = PENGUINS.predict([PENGUIN, {**PENGUIN, "species": "Adelie"}]).probabilities
    by_columns = PENGUINS.predict({k: [v, "Adelie" if k == "species" else v] for k, v in PENGUIN.items()})
    assert np.array_equal(by_rows, by_columns.probabilities)


def test_a_boolean_among_numbers_is_refused_not_read_as_one():
    # found by tests/fuzz/test_fuzz_site_predict.py: numpy made [True, 0.5] [1.0, 0.5] and the reader scored it
    rows = [{**PENGUIN, "bill_length_mm": True}, {**PENGUIN, "bill_length_mm": 40.5}]
    one_line(PENGUINS, rows, r"^feature 'bill_length_mm' takes numbers, but row 1 has True; give a number")
