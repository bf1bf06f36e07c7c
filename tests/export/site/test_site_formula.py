"""The static site on formula models, in headless Chromium: the graph's terms computed by
onnxruntime-web from raw inputs, the formula and its term tests shown, one explanation bar per
formula term (the site's own design from the card's expression trees and spline pieces), a log of
a number at most 0 said under its field, and a value beyond a spline's knots warned."""

import io
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from paths import PROJECT
from site_visits import Visit, probe_rows, served, upload

from export.artifact import load_artifact
from export.errors import InputError
from export.scoring import score_table
from export.site.__main__ import main as site_main
from page.inputs import format_number
from training.__main__ import main as training_main

pytestmark = pytest.mark.browser
SHIPPED = PROJECT / "artifacts" / "default_formula.onnx"
LOGS = "y ~ np.log(x) * g + bs(z, df=3) + I(z ** 2)"


@pytest.fixture(scope="module")
def formula_sites(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The shipped formula example's site, and one of a model with a log (trained here)."""
    root = tmp_path_factory.mktemp("formula_sites")
    rng = np.random.default_rng(5)
    rows = pd.DataFrame({"x": rng.uniform(0.5, 20, 300), "z": rng.normal(0, 2, 300), "g": rng.choice(["u", "v"], 300)})
    rows["y"] = (rng.random(300) < 1 / (1 + np.exp(1 - 0.8 * np.log(rows.x) - np.sin(rows.z)))).astype(int)
    rows.to_csv(root / "rows.csv", index=False)
    logs = root / "logs.onnx"
    assert training_main(["--data", str(root / "rows.csv"), "--formula", LOGS, "--out", str(logs)]) == 0
    assert site_main(["--model", str(SHIPPED), "--out", str(root / "shipped")]) == 0
    assert site_main(["--model", str(logs), "--out", str(root / "logs")]) == 0
    with served(root) as home:
        yield home, load_artifact(logs)


def test_the_site_serves_a_formula_model_as_the_reader_does(formula_sites, browser):
    home, logs = formula_sites
    visit = Visit(browser, f"{home}/logs/")
    rows = [row for row in probe_rows(logs) if row["x"] > 0]  # where every term is defined
    np.testing.assert_allclose(visit.predict(rows), logs.predict(pd.DataFrame(rows)).probabilities, atol=1e-6)
    assert visit.page.inner_text("#about").endswith(f"The model: {LOGS}")
    visit.check_stayed_home(home)


def test_the_explanation_has_one_bar_per_formula_term_as_the_reader_gives_it(formula_sites, browser):
    home, _ = formula_sites
    artifact = load_artifact(SHIPPED)
    card = artifact.card
    visit = Visit(browser, f"{home}/shipped/")
    explained = artifact.explain([card.example])
    rows = visit.page.locator("#contributions tbody tr").all()
    assert [r.locator("td").all_inner_texts() for r in rows] == [
        [name, format_number(float(c))] for name, c in zip(explained.feature_names, explained.contributions[0])
    ]
    assert explained.feature_names == ("student", "balance", "bs(income, df=4)", "student:balance")
    facts = visit.page.inner_text("#facts")
    test = card.statistics.term_tests["bs(income, df=4)"]
    assert (
        f"bs(income, df=4) (leaving out its 4 column(s), as R's drop1 does): chi-squared "
        f"{format_number(test.statistic)}, p = {format_number(test.p_value)}" in facts
    )
    visit.check_stayed_home(home)


def test_a_log_of_a_number_at_most_zero_is_said_under_its_field(formula_sites, browser):
    home, _ = formula_sites
    page = Visit(browser, f"{home}/logs/").page
    entry = page.locator('[data-feature="x"]')
    entry.fill("-2")
    entry.press("Enter")
    message = "np.log(x) is not defined for the entered values (x = -2); give values where it is"
    page.wait_for_function("m => document.querySelector('[data-error=\"x\"]').textContent === m", arg=message)
    assert page.inner_text("#answer").startswith("No answer")


def test_a_value_beyond_the_spline_knots_is_warned_in_the_pages_words(formula_sites, browser):
    home, _ = formula_sites
    card = load_artifact(SHIPPED).card
    low, high = card.design.factors[2].pieces.breaks[[0, -1]]
    page = Visit(browser, f"{home}/shipped/").page
    entry = page.locator('[data-feature="income"]')
    entry.fill("90000")
    entry.press("Enter")
    said = (
        f"lies outside the training range, where the data says nothing about the curve: the model continues its "
        f"formula. income = 90000 in bs(income, df=4) (boundary knots [{format_number(low)}, {format_number(high)}])"
    )
    page.wait_for_function("t => document.querySelector('#warnings').textContent.includes(t)", arg=said)


def test_a_file_with_a_row_the_formula_cannot_score_is_refused_in_the_python_pages_words(formula_sites, browser):
    home, logs = formula_sites
    data = b"x,g,z\n2.5,u,0.5\n-1,v,0\n"
    with pytest.raises(InputError) as python:
        score_table(data, logs, "bad.csv")
    assert (
        str(python.value)
        == "bad.csv: column x on line 3 has '-1', where np.log(x) is not defined; give values where it is"
    )
    page = Visit(browser, f"{home}/logs/").page
    upload(page, "bad.csv", data)
    page.wait_for_selector("#batch-message .error")
    assert page.inner_text("#batch-message .error").startswith(str(python.value))
    good = b"x,g,z\n2.5,u,0.5\n7,v,-1\n"
    upload(page, "good.csv", good)
    page.wait_for_function("window.logreg.scored !== null")
    ours = pd.read_csv(io.StringIO(page.evaluate("window.logreg.scored")))
    theirs, _ = score_table(good, logs, "good.csv")
    np.testing.assert_allclose(ours.iloc[:, 3:5].to_numpy(), theirs.iloc[:, 3:5].to_numpy(dtype=float), atol=1e-6)
