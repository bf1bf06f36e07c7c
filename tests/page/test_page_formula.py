"""The page on a formula model (the shipped ``default_formula.onnx``): the same form of raw inputs,
the formula and its term tests shown, curves that follow the spline, one explanation bar per
formula term, and out-of-domain input said in one line."""

import numpy as np
import pytest
from paths import PAGE, PROJECT
from streamlit.testing.v1 import AppTest
from test_page import chart_rows, unescaped

from export.artifact import load_artifact
from export.charts import CURVES
from page.inputs import format_number

FORMULA_MODEL = PROJECT / "artifacts" / "default_formula.onnx"


@pytest.fixture
def formula_page(artifact_dir, monkeypatch) -> AppTest:
    (artifact_dir / "model.onnx").unlink()
    (artifact_dir / "default_formula.onnx").write_bytes(FORMULA_MODEL.read_bytes())
    monkeypatch.setenv("LOGREG_ARTIFACTS_DIR", str(artifact_dir))
    return AppTest.from_file(str(PAGE), default_timeout=60).run()


def test_a_formula_model_gets_one_field_per_raw_column_and_shows_its_formula(formula_page):
    at = formula_page
    assert not at.exception and not at.error
    assert {w.key for w in at.text_input} >= {"x:balance", "x:income"} and at.selectbox(key="x:student")
    captions = [unescaped(c.value) for c in at.caption]
    assert "The model: default ~ student * balance + bs(income, df=4)" in captions
    said = "\n".join(unescaped(m.value) for m in at.markdown)
    assert "bs(income, df=4) (leaving out its 4 column(s), as R's drop1 does): chi-squared 4.149" in said
    assert "student:balance (leaving out its 1 column(s), as R's drop1 does)" in said


def test_the_explanation_has_one_contribution_per_formula_term(formula_page):
    at = formula_page
    table = next(d.value for d in at.dataframe if "contribution to the logit" in d.value.columns)
    assert list(table["term"]) == ["student", "balance", "bs(income, df=4)", "student:balance"]
    artifact = load_artifact(FORMULA_MODEL)
    card = artifact.card
    # the fields show the example to six digits, and the page reads them back
    shown = {n: v if n in card.design.levels else float(format_number(v)) for n, v in card.example.items()}
    np.testing.assert_allclose(
        table["contribution to the logit"], artifact.explain([shown]).contributions[0], rtol=1e-12
    )


def test_the_curve_along_a_spline_column_follows_the_served_model(formula_page):
    at = formula_page.selectbox(key="along").select("income").run()
    assert not at.exception and not at.error
    chart = next(c for c in at.get("vega_lite_chart") if '"curves"' in c.proto.spec)
    served = [row for row in chart_rows(chart) if row.get("curve") == CURVES[0]]
    assert len(served) > 100
    artifact = load_artifact(FORMULA_MODEL)
    example = artifact.card.example
    rows = [{**example, "income": row["value"], "balance": float(format_number(example["balance"]))} for row in served]
    prediction = artifact.predict(rows)
    np.testing.assert_allclose([row["P"] for row in served], prediction.probabilities[:, 1], rtol=1e-6)
    slopes = np.diff(prediction.logit) / np.diff([row["value"] for row in served])
    assert np.ptp(slopes) > 0.1 * np.abs(slopes).max()  # the spline bends: not a straight line in the logit


def test_an_income_beyond_the_spline_knots_is_said_beside_the_answer(formula_page):
    at = formula_page.text_input(key="x:income").input("90000").run()
    warnings = [unescaped(w.value) for w in at.warning]
    assert any("income = 90000 in bs(income, df=4) (boundary knots [771.968, 73554.2])" in w for w in warnings)
