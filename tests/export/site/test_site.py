"""The static site (``python -m export.site``) in headless Chromium, served by Python's plain
http.server on 127.0.0.1: onnxruntime-web's answers against the Python reader's, the form, batch
scoring against the Streamlit page's, and nothing fetched from anywhere else."""

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from paths import PROJECT
from site_visits import Visit, probe_rows, served, upload

from export.artifact import load_artifact
from export.errors import InputError
from export.intervals import NO_INTERVAL
from export.scoring import score_table, scored_csv
from export.site.__main__ import main as site_main
from page.inputs import format_number

pytestmark = pytest.mark.browser
MODELS = {"binary": "cancer.onnx", "multinomial": "iris.onnx", "categorical": "penguins.onnx"}
SHIPPED = sorted(p.name for p in (PROJECT / "artifacts").glob("*.onnx"))


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Iterator[str]:
    """One site per kind of model, under one http.server on 127.0.0.1."""
    root = tmp_path_factory.mktemp("sites")
    for kind, model in MODELS.items():
        assert site_main(["--model", str(PROJECT / "artifacts" / model), "--out", str(root / kind)]) == 0
    for model in SHIPPED:
        assert site_main(["--model", str(PROJECT / "artifacts" / model), "--out", str(root / Path(model).stem)]) == 0
    with served(root) as home:
        yield home


@pytest.mark.parametrize("model", SHIPPED)
def test_the_browser_scores_as_the_python_reader_does(sites, browser, model):
    artifact = load_artifact(PROJECT / "artifacts" / model)
    visit = Visit(browser, f"{sites}/{Path(model).stem}/")
    rows = probe_rows(artifact)
    ours = visit.predict(rows)
    theirs = artifact.predict(pd.DataFrame(rows)).probabilities
    assert len(set(theirs.argmax(axis=1))) == artifact.card.n_classes  # the rows reach every class
    assert ours.shape == theirs.shape == (len(rows), artifact.card.n_classes)
    np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0)
    visit.check_stayed_home(sites)


@pytest.mark.parametrize("model", SHIPPED)
def test_the_browser_serves_the_readers_intervals_and_says_when_there_is_none(sites, browser, model):
    artifact = load_artifact(PROJECT / "artifacts" / model)
    visit = Visit(browser, f"{sites}/{Path(model).stem}/")
    rows = probe_rows(artifact, 100)
    ours = visit.page.evaluate("text => window.logreg.interval(JSON.parse(text))", json.dumps(rows))
    served = artifact.predict(pd.DataFrame(rows))
    note = visit.page.inner_text("#interval")
    if served.probability_low is None:
        assert ours == {"low": None, "high": None} and note == NO_INTERVAL + "."
        return
    np.testing.assert_allclose(ours["low"], served.probability_low, atol=1e-6, rtol=0)
    np.testing.assert_allclose(ours["high"], served.probability_high, atol=1e-6, rtol=0)
    example = artifact.predict({k: [v] for k, v in artifact.card.example.items()})
    header = visit.page.locator("#class-probabilities th").all_inner_texts()
    assert header[:4] == ["class", "P", "95% low", "95% high"]
    cells = visit.page.locator("#class-probabilities tbody tr").first.locator("td").all_inner_texts()
    assert cells[2:4] == [
        format_number(float(example.probability_low[0, 0])),
        format_number(float(example.probability_high[0, 0])),
    ]
    if artifact.card.binary:
        low, high = (format_number(float(b[0, 1])) for b in (example.probability_low, example.probability_high))
        assert note.startswith(
            f"95% interval of P({artifact.card.target_name} = {artifact.card.class_labels[1]}): {low} to {high}"
        )
    visit.check_stayed_home(sites)


@pytest.mark.parametrize("model", ["penguins.onnx", "iris.onnx"])
def test_why_this_answer_is_the_readers_explanation_as_a_waterfall(sites, browser, model):
    artifact = load_artifact(PROJECT / "artifacts" / model)
    card = artifact.card
    visit = Visit(browser, f"{sites}/{Path(model).stem}/")
    page = visit.page
    explained = artifact.explain([card.example])
    served = artifact.predict([card.example])
    k = 1 if card.binary else int(served.label[0])
    contributions = explained.contributions[0] if card.binary else explained.contributions[0, :, k]
    rows = page.locator("#contributions tbody tr").all()
    assert [r.locator("td").all_inner_texts() for r in rows] == [
        [name, format_number(float(c))] for name, c in zip(card.feature_names, contributions)
    ]
    logit = explained.logit[0] if card.binary else explained.logit[0, k]
    said = f"Logit {format_number(float(logit))}, so P({card.target_name} = {card.class_labels[k]}) = "
    assert page.inner_text("#why-note").startswith(said + format_number(float(served.probabilities[0, k])))
    assert page.locator("#waterfall svg, #waterfall canvas").count() == 1
    if not card.binary:  # another class's logit, chosen
        page.select_option("#explained-class", label=str(card.class_labels[0]))
        first = format_number(float(explained.contributions[0, 0, 0]))
        page.wait_for_function(
            "t => document.querySelector('#contributions tbody td:nth-child(2)').textContent === t", arg=first
        )
    visit.check_stayed_home(sites)


def test_the_tutorial_is_served_beside_the_optimum_of_its_objective(sites, browser):
    artifact = load_artifact(PROJECT / "artifacts" / "model.onnx")
    visit = Visit(browser, f"{sites}/model/")
    served = float(artifact.predict([[5.0]]).probabilities[0, 1])
    text = visit.page.inner_text("#optimum")
    assert text.startswith(
        "The optimum of the same objective (the exact solver after the run) says P(y = 1) = 0.5: the served "
        f"model's {format_number(served)} is {format_number(abs(served - 0.5))} away."
    )
    legend = visit.page.locator("#curve .role-legend text").evaluate_all("texts => texts.map(t => t.textContent)")
    assert "the optimum of the objective" in legend
    assert visit.page.locator("#optimum").is_hidden() is False
    other = Visit(browser, f"{sites}/default/")  # a converged fit: nothing to show
    assert other.page.locator("#optimum").is_hidden()
    visit.check_stayed_home(sites)


def test_the_form_answers_as_the_reader_and_names_bad_entries(sites, browser):
    artifact = load_artifact(PROJECT / "artifacts" / MODELS["binary"])
    visit = Visit(browser, f"{sites}/binary/")
    page = visit.page
    entry = page.locator('[data-feature="mean_radius"]')
    entry.fill("15")
    entry.press("Enter")
    values = {**artifact.card.example, "mean_radius": 15.0}
    expected = artifact.predict({k: [v] for k, v in values.items()}).probabilities[0, 1]
    page.wait_for_function(
        f"document.querySelector('#probability strong').textContent === '{format_number(float(expected))}'"
    )
    for text, message in [
        ("abc", "mean_radius: 'abc' is not a number; enter one such as 2.5 or 1e3 (with a dot for decimals)."),
        ("nan", "mean_radius: NaN is not a value the model can score; enter a number."),
        ("-inf", "mean_radius: infinity cannot be scored; enter a finite number."),
        ("1e39", "mean_radius: 1e39 is beyond the float32 range the model takes (about ±3.4e38)."),
        ("", "Enter a value for mean_radius."),
    ]:
        entry.fill(text)
        entry.press("Enter")
        page.wait_for_function(
            "m => document.querySelector('[data-error=\"mean_radius\"]').textContent === m", arg=message
        )
    entry.fill("1e30")  # far outside the training range: an answer and the extrapolation warning
    entry.press("Enter")
    page.wait_for_function(
        "document.querySelector('#warnings').textContent.includes('extrapolation: mean_radius = 1e+30')"
    )
    visit.check_stayed_home(sites)


def test_a_level_chosen_in_the_form_is_scored_and_unknown_levels_are_refused(sites, browser):
    artifact = load_artifact(PROJECT / "artifacts" / MODELS["categorical"])
    visit = Visit(browser, f"{sites}/categorical/")
    page = visit.page
    options = page.locator('[data-feature="species"] option').all_inner_texts()
    assert options == [
        "Adelie (43.8% of training rows)",
        "Chinstrap (20.4% of training rows)",
        "Gentoo (35.7% of training rows)",
    ]
    page.select_option('[data-feature="species"]', label="Gentoo (35.7% of training rows)")
    values = {**artifact.card.example, "species": "Gentoo"}
    expected = artifact.predict({k: [v] for k, v in values.items()}).probabilities[0, 1]
    page.wait_for_function(
        f"document.querySelector('#probability strong').textContent === '{format_number(float(expected))}'"
    )
    spaced = visit.predict([{**values, "species": " Gentoo "}])  # a level as the reader writes it: outer spaces off
    np.testing.assert_allclose(spaced[0, 1], expected, atol=1e-6)
    error = page.evaluate(
        "row => window.logreg.predict([row]).then(() => 'scored', e => e.message)", {**values, "island": "Atlantis"}
    )
    assert error == (
        "feature 'island' has 'Atlantis' on row 1, a level the model never saw in training "
        "(it knows: Biscoe, Dream, Torgersen); give one of those"
    )
    visit.check_stayed_home(sites)


@pytest.mark.parametrize(("kind", "sep", "decimal"), [("categorical", ",", "."), ("multinomial", ";", ",")])
def test_batch_scoring_in_the_browser_equals_the_pages(sites, browser, kind, sep, decimal):
    artifact = load_artifact(PROJECT / "artifacts" / MODELS[kind])
    frame = pd.DataFrame(probe_rows(artifact, 120))
    frame.insert(0, "id", [f"=cmd{i}" if i % 7 == 0 else f"row{i}" for i in range(len(frame))])
    frame["label"] = "mine"  # a column of the name scoring writes: kept, and the scores' column renamed
    data = frame.to_csv(index=False, sep=sep, decimal=decimal).encode()  # as spreadsheets save them, too
    visit = Visit(browser, f"{sites}/{kind}/")
    upload(visit.page, "new.csv", data)
    visit.page.wait_for_function("window.logreg.scored !== null")
    written = visit.page.evaluate("window.logreg.scored")
    theirs, notes = score_table(data, artifact, "new.csv")
    assert written.splitlines()[0] == scored_csv(theirs).decode().splitlines()[0]  # the file's own delimiter
    ours = pd.read_csv(io.StringIO(written), dtype={"id": str}, sep=sep, decimal=decimal)
    assert list(ours.columns) == list(theirs.columns)
    assert ours["id"].tolist() == ["'" + v if v.startswith("=") else v for v in frame["id"]]  # formulas neutralised
    probabilities = [c for c in theirs.columns if c.startswith("P(")]
    np.testing.assert_allclose(ours[probabilities].to_numpy(), theirs[probabilities].to_numpy(dtype=float), atol=1e-6)
    assert ours["label"].tolist() == ["mine"] * len(frame)
    assert ours["label (scored)"].astype(str).tolist() == theirs["label (scored)"].astype(str).tolist()
    assert [line for line in visit.page.inner_text("#batch-message").splitlines() if line] == notes
    visit.check_stayed_home(sites)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("species,island\nAdelie,Dream\n", "bad.csv lacks the feature column(s) bill_length_mm"),
        (
            "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n"
            "Adelie,Dream,40,18,190,3800\nAdelie,Atlantis,40,18,190,3800\n",
            "bad.csv: column island on line 3 has 'Atlantis', not a level the model saw in training "
            "(it knows: Biscoe, Dream, Torgersen); 1 row(s) are affected. Fix them and score again",
        ),
        (
            "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\nAdelie,Dream,abc,18,190,3800\n",
            "bad.csv: column bill_length_mm on line 2 has 'abc', not a finite number within float32's range; "
            "1 row(s) are affected. Fix them and score again",
        ),
    ],
)
def test_a_bad_file_gets_the_pages_message(sites, browser, text, message):
    artifact = load_artifact(PROJECT / "artifacts" / MODELS["categorical"])
    with pytest.raises(Exception) as python_side:
        score_table(text.encode(), artifact, "bad.csv")
    assert str(python_side.value).startswith(message)
    visit = Visit(browser, f"{sites}/categorical/")
    upload(visit.page, "bad.csv", text.encode())
    visit.page.wait_for_selector("#batch-message .error")
    assert visit.page.inner_text("#batch-message .error").startswith(message)


@pytest.mark.parametrize(
    ("text", "sep", "decimal"),
    [
        # what a German spreadsheet saves: thousands points, decimal commas (issue 18's 4.663,24; issue 19's
        # 800,5 then 1.200,5, where the page blamed the valid line)
        (
            "id;mean_radius;mean_texture;mean_smoothness;mean_concave_points\na;800,5;19;0,1;0,05\n"
            "b;1.200,5;18,5;0,09;0,04\nc;4.663,24;20;0,11;0,06\n",
            ";",
            ",",
        ),
        (
            'id,mean_radius,mean_texture,mean_smoothness,mean_concave_points\na,"1,200.5",19,0.1,0.05\n'
            "b,14.2,18.5,0.09,0.04\n",
            ",",
            ".",
        ),
    ],
)
def test_thousands_marks_are_read_alike_by_both_pages(sites, browser, text, sep, decimal):
    artifact = load_artifact(PROJECT / "artifacts" / MODELS["binary"])
    theirs, _ = score_table(text.encode(), artifact, "grouped.csv")
    read = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, thousands="." if decimal == "," else ",")
    assert read["mean_radius"].tolist()[:2] in ([800.5, 1200.5], [1200.5, 14.2])
    expected = artifact.predict(read).probabilities  # the cells read as numbers, as pandas reads them
    np.testing.assert_allclose(theirs[[c for c in theirs.columns if c.startswith("P(")]], expected, atol=1e-6)
    visit = Visit(browser, f"{sites}/binary/")
    upload(visit.page, "grouped.csv", text.encode())
    visit.page.wait_for_function("window.logreg.scored !== null")
    ours = pd.read_csv(io.StringIO(visit.page.evaluate("window.logreg.scored")), sep=sep, decimal=decimal)
    probabilities = [c for c in theirs.columns if c.startswith("P(")]
    np.testing.assert_allclose(ours[probabilities].to_numpy(), theirs[probabilities].to_numpy(dtype=float), atol=1e-6)
    visit.check_stayed_home(sites)


def test_the_complete_rows_alone_are_scored_when_asked_on_both_pages(sites, browser):
    artifact = load_artifact(PROJECT / "artifacts" / MODELS["categorical"])
    text = (
        b"id,species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n"
        b"a,Adelie,Dream,40,18,190,3800\nb,Adelie,,41,18,190,3800\nc,Gentoo,Biscoe,,15,215,5000\nd,Gentoo,Biscoe,45,15,215,5000\n"
    )
    with pytest.raises(InputError) as refused:
        score_table(text, artifact, "holes.csv")
    assert str(refused.value).endswith(
        "or score only the complete rows (--complete-rows; on the pages, the box below the upload)"
    )
    visit = Visit(browser, f"{sites}/categorical/")
    upload(visit.page, "holes.csv", text)
    visit.page.wait_for_selector("#batch-message .error")
    assert visit.page.inner_text("#batch-message .error") == str(refused.value)
    visit.page.check("#batch-complete")
    visit.page.wait_for_function("window.logreg.scored !== null")
    ours = pd.read_csv(io.StringIO(visit.page.evaluate("window.logreg.scored")))
    theirs, notes = score_table(text, artifact, "holes.csv", complete_rows=True)
    assert ours["label"].isna().tolist() == theirs["label"].isna().tolist() == [False, True, True, False]
    probabilities = [c for c in theirs.columns if c.startswith("P(")]
    np.testing.assert_allclose(ours[probabilities].to_numpy(), theirs[probabilities].to_numpy(dtype=float), atol=1e-6)
    assert [line for line in visit.page.inner_text("#batch-message").splitlines() if line] == notes
    visit.check_stayed_home(sites)
