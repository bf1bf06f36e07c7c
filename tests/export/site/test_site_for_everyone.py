"""The static site for every visitor (issue 19): hostile card text shown as text, fields named by
their feature for screen readers, no serious accessibility findings (axe-core), usable at a phone's
width, window.logreg.predict with the reader's checks, and large files scored a slice at a time
with progress, within the Streamlit page's limits."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hostile_names import CATEGORICAL, CLASSES, LEAK, LEVELS, NUMERIC, hostile_models
from paths import PROJECT
from site_visits import PHONE, Visit, page_width, probe_rows, serious_violations, served, upload

from export.artifact import Artifact, load_artifact
from export.errors import InputError
from export.scoring import MAX_CSV_MB, MAX_ROWS, score_table, scored_csv
from export.site.__main__ import main as site_main
from page.inputs import format_number
from page.models import checked_upload
from page.sections.statistics import comparison_fact

pytestmark = pytest.mark.browser
SHIPPED = {
    "binary": "cancer.onnx",
    "multinomial": "iris.onnx",
    "categorical": "penguins.onnx",
    "default": "default.onnx",
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    """The shipped models by kind, and the two hostile ones (``hostile-binary``, ``hostile-multinomial``)."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {kind: PROJECT / "artifacts" / name for kind, name in SHIPPED.items()}
    for kind, data in hostile_models(folder).items():
        paths[f"hostile-{kind}"] = folder / f"{kind}.onnx"
        paths[f"hostile-{kind}"].write_bytes(data)
    return paths


@pytest.fixture(scope="module")
def home(models, tmp_path_factory) -> Iterator[str]:
    """A site per model, under one http.server on 127.0.0.1."""
    root = tmp_path_factory.mktemp("sites")
    for kind, model in models.items():
        assert site_main(["--model", str(model), "--out", str(root / kind)]) == 0
    with served(root) as home:
        yield home


@pytest.mark.parametrize("kind", ["hostile-binary", "hostile-multinomial"])
def test_hostile_card_text_is_shown_as_written_and_fetches_nothing(home, browser, models, kind):
    artifact = load_artifact(models[kind])
    visit = Visit(browser, f"{home}/{kind}/", viewport=PHONE)
    page = visit.page
    about = page.inner_text("#about")
    for text in [*NUMERIC, CATEGORICAL, artifact.card.target_name, *map(str, artifact.card.class_labels)]:
        assert text in about
    for name in [*NUMERIC, CATEGORICAL]:
        assert page.get_by_label(name, exact=True).count() == 1, name
    options = page.get_by_label(CATEGORICAL, exact=True).locator("option").all_inner_texts()
    assert sorted(o.rsplit(" (", 1)[0] for o in options) == sorted(LEVELS)
    assert page.locator(f'a[href*="{LEAK}"], img[src*="{LEAK}"], b, script:not([src])').count() == 0
    rows = probe_rows(artifact, 60)
    np.testing.assert_allclose(visit.predict(rows), artifact.predict(pd.DataFrame(rows)).probabilities, atol=1e-6)
    if kind == "hostile-multinomial":
        shown = page.locator("#class-probabilities td:first-child").all_inner_texts()
        assert shown == CLASSES
    assert page_width(page) <= PHONE["width"]
    visit.check_stayed_home(home)


@pytest.mark.parametrize("kind", ["binary", "multinomial", "categorical", "hostile-multinomial"])
def test_fields_are_named_by_their_feature_and_no_serious_accessibility_findings(home, browser, models, kind):
    artifact = load_artifact(models[kind])
    visit = Visit(browser, f"{home}/{kind}/")
    page = visit.page
    for name in artifact.card.feature_names:
        field = page.get_by_label(name, exact=True)
        assert field.count() == 1, name
        described = " ".join(page.inner_text(f"#{i}") for i in field.get_attribute("aria-describedby").split())
        assert "trained on [" in described or "levels" in described
    assert page.get_attribute("#answer", "aria-live") == "polite"
    classes = page.locator("#class-probabilities td:first-child").all_inner_texts()
    assert classes == list(map(str, artifact.card.class_labels))
    assert serious_violations(page) == []
    numeric = artifact.card.design.numeric[0]
    field = page.get_by_label(numeric, exact=True)
    field.fill("abc")
    field.press("Enter")
    page.wait_for_function("n => document.querySelector('[aria-invalid=true]') !== null", arg=numeric)
    assert field.get_attribute("aria-invalid") == "true"
    error = page.inner_text(f"#{field.get_attribute('id')}-error")
    assert error.startswith(f"{numeric}: 'abc' is not a number") and error in page.inner_text("#form")
    assert "No answer" in page.inner_text("#answer")
    assert serious_violations(page) == []
    visit.check_stayed_home(home)


@pytest.mark.parametrize("kind", SHIPPED)
def test_a_phone_needs_no_sideways_scroll_even_with_a_scored_file(home, browser, models, kind):
    artifact = load_artifact(models[kind])
    visit = Visit(browser, f"{home}/{kind}/", viewport=PHONE)
    assert page_width(visit.page) <= PHONE["width"]
    frame = pd.DataFrame(probe_rows(artifact, 150))
    frame.insert(0, "a rather long identifier column", [f"identifier-{i:010d}" for i in range(len(frame))])
    upload(visit.page, "rows.csv", frame.to_csv(index=False).encode())
    visit.page.wait_for_function("window.logreg.scored !== null")
    assert visit.page.inner_text("#batch-preview") == "The first 100 of 150 rows; the download holds them all."
    assert page_width(visit.page) <= PHONE["width"]  # wide tables scroll inside their box
    visit.check_stayed_home(home)


def reader_refusal(artifact: Artifact, rows: object) -> str:
    with pytest.raises(InputError) as refused:
        artifact.predict(rows)
    return str(refused.value)


def test_predict_takes_what_the_reader_takes_and_refuses_the_rest_alike(home, browser, models):
    artifact = load_artifact(models["categorical"])
    visit = Visit(browser, f"{home}/categorical/")
    good = {**artifact.card.example}
    assert visit.refusal("[]") == "scored: []"
    assert visit.predict([good]).shape == (1, 2)
    same = [  # the reader's message, word for word
        {**good, "bill_length_mm": "45"},
        {**good, "bill_length_mm": " 5 "},
        {**good, "bill_length_mm": None},
        {**good, "bill_length_mm": ""},
        {**good, "bill_length_mm": 1e39},
        {**good, "island": "Atlantis"},
        {**good, "island": None},
        {**good, "island": "  "},
    ]
    for row in same:
        assert visit.page.evaluate("r => window.logreg.predict([r]).then(() => 'scored', e => e.message)", row) == (
            reader_refusal(artifact, [row])
        ), row
    missing = {k: v for k, v in good.items() if k != "body_mass_g"}
    assert visit.page.evaluate("r => window.logreg.predict([r]).catch(e => e.message)", missing) == reader_refusal(
        artifact, [missing]
    )
    row = "[{...window.logreg.card.example, %s}]"
    assert visit.refusal(row % "bill_length_mm: [45]") == (
        "feature 'bill_length_mm' takes numbers, but row 1 has a list; give a number"
    )
    assert visit.refusal(row % "bill_length_mm: true") == (
        "feature 'bill_length_mm' takes numbers, but row 1 has true; give a number"
    )
    assert visit.refusal(row % "bill_length_mm: 5n") == (
        "feature 'bill_length_mm' takes numbers, but row 1 has 5n (a BigInt); give a number"
    )
    assert visit.refusal(row % "species: ['Gentoo']").startswith(
        "feature 'species' takes one of its levels as text, but row 1 has a list"
    )
    assert visit.refusal(row % "bill_length_mm: Infinity") == (
        "feature 'bill_length_mm' has inf on row 1, not a finite number within float32's range (±3.4e+38); "
        "give a smaller one"
    )
    assert visit.refusal("'rows'").startswith("cannot read rows from a string; give a list of objects")
    assert visit.refusal("[5]") == "row 1 is 5, not an object keyed by feature name; give one object per row"
    binary = Visit(browser, f"{home}/binary/")
    assert binary.refusal("[]") == "scored: []"  # onnxruntime-web is not asked to score no rows
    visit.check_stayed_home(home)


def test_a_file_chosen_before_the_model_loads_is_scored_once_it_has(home, browser, models):
    artifact = load_artifact(models["categorical"])
    visit = Visit(browser, f"{home}/categorical/", wait=False)
    held = []
    visit.page.route("**/ort-wasm-simd-threaded.wasm", lambda route: held.append(route))  # the runtime, held back
    visit.page.goto(f"{home}/categorical/")
    visit.page.wait_for_selector("#form select")  # the card's content is shown before the runtime is there
    assert "Predict" in visit.page.inner_text("#predict") and visit.page.locator("#coefficient-table td").count() > 0
    data = pd.DataFrame(probe_rows(artifact, 20)).to_csv(index=False).encode()
    upload(visit.page, "early.csv", data)
    visit.page.wait_for_function("document.querySelector('#batch-progress-text').textContent.includes('as soon')")
    assert visit.page.inner_text("#batch-progress-text") == "early.csv is scored as soon as the model has loaded."
    assert held, "the runtime was fetched before the test held it back"
    held[0].continue_()
    visit.wait_ready()
    visit.page.wait_for_function("window.logreg.scored !== null")
    scored = pd.read_csv(pd.io.common.StringIO(visit.page.evaluate("window.logreg.scored")))
    theirs, _ = score_table(data, artifact, "early.csv")
    np.testing.assert_allclose(scored["P(sex = male)"], theirs["P(sex = male)"].astype(float), atol=1e-6)


def test_a_large_file_is_scored_a_slice_at_a_time_with_progress(home, browser, models):
    artifact = load_artifact(models["categorical"])
    rows = 60_000
    frame = pd.DataFrame(probe_rows(artifact, rows))
    visit = Visit(browser, f"{home}/categorical/")
    page = visit.page
    page.evaluate(
        """() => {
             const text = document.querySelector('#batch-progress-text');
             window.seen = [];
             new MutationObserver(() => window.seen.push(text.textContent))
               .observe(text, { childList: true, characterData: true, subtree: true });
           }"""
    )
    upload(page, "many.csv", frame.to_csv(index=False).encode())
    page.wait_for_function("window.logreg.scored !== null", timeout=120_000)
    seen = page.evaluate("window.seen")
    scoring = sorted({text for text in seen if text.startswith("Scoring: ")})
    assert len(scoring) >= 10, seen  # 4,096 rows at a time, the page told between slices
    assert any(text.startswith("Reading the file: ") for text in seen)
    assert page.inner_text("#batch-progress-text") == f"Scored {rows:,} row(s) of many.csv."
    assert page.inner_text("#batch-preview") == f"The first 100 of {rows:,} rows; the download holds them all."
    header = page.locator("#batch-table th").all_inner_texts()
    column = header.index("P(sex = male)")
    preview = [r.locator("td").nth(column).inner_text() for r in page.locator("#batch-table tbody tr").all()[:5]]
    download = pd.read_csv(pd.io.common.StringIO(page.evaluate("window.logreg.scored")))
    assert preview == [format_number(p) for p in download["P(sex = male)"][:5]]  # six digits, as the page
    assert len(download) == rows
    visit.check_stayed_home(home)


class Sized:
    """What page.models.checked_upload reads of an upload."""

    def __init__(self, data: bytes):
        self.size, self.data = len(data), data

    def getvalue(self) -> bytes:
        return self.data


def test_the_pages_limits_are_said_up_front_and_kept(home, browser, models):
    artifact = load_artifact(models["default"])
    visit = Visit(browser, f"{home}/default/")
    page = visit.page
    assert comparison_fact(artifact.card.statistics) in page.inner_text("#facts")  # the same sentence as the page
    assert page.inner_text("#batch-limits").startswith(f"At most {MAX_CSV_MB} MB and {MAX_ROWS:,} rows")
    big = b"student,balance,income\n" + b"No,100.000000,20000.000000\n" * (MAX_CSV_MB * 2**20 // 27 + 10)
    upload(page, "big.csv", big)
    page.wait_for_selector("#batch-message .error")
    with pytest.raises(InputError) as refused:
        checked_upload(Sized(big), MAX_CSV_MB, "big.csv")
    assert page.inner_text("#batch-message .error") == str(refused.value)
    many = b"student,balance,income\n" + b"No,1,2\n" * (MAX_ROWS + 1)
    upload(page, "many.csv", many)
    page.wait_for_function("document.querySelector('#batch-message .error')?.textContent.includes('rows;')")
    with pytest.raises(InputError) as refused:
        score_table(many, artifact, "many.csv", max_rows=MAX_ROWS)
    assert page.inner_text("#batch-message .error") == str(refused.value)
    visit.check_stayed_home(home)


PENGUIN_HEADER = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g"
PENGUIN = "Adelie,Dream,40.5,18,190,3800"
SAME_FILES = {
    "latin-1": f"{PENGUIN_HEADER},note\n{PENGUIN},café\n".encode("latin-1"),
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "utf-16": f"{PENGUIN_HEADER}\n{PENGUIN}\n".encode("utf-16"),
    "a bad byte after 70,000": (f"{PENGUIN_HEADER},note\n" + f"{PENGUIN},ok\n" * 2500).encode()
    + b"Adelie,Dream,1,2,3,4,\xff\n",
    "BOM, CRLF and spaces after delimiters": (
        f"\ufeff{PENGUIN_HEADER}\r\n Adelie, Dream, 40.5, 18,190,3800\r\n".encode()
    ),
    "formulas after spaces": (
        f'id,{PENGUIN_HEADER}\n" =1+1",{PENGUIN}\n =2,{PENGUIN}\n"\t=3",{PENGUIN}\n-5,{PENGUIN}\n@x,{PENGUIN}\n'
    ).encode(),
    "thousands marks": (
        b"species;island;bill_length_mm;bill_depth_mm;flipper_length_mm;body_mass_g\n"
        b"Adelie;Dream;40,5;18;190;3.800\nGentoo;Biscoe;47,5;15;1.215,5;5.000\n"
    ),
    "a grouped number on line 3": (
        b"species;island;bill_length_mm;bill_depth_mm;flipper_length_mm;body_mass_g\n"
        b"Adelie;Dream;40,5;18;190;800,5\nGentoo;Biscoe;47,5;15;215;1.200,5\n"
    ),
    "a quoted line break and a level with spaces": (
        f'id,{PENGUIN_HEADER}\n"two\nlines", Gentoo ,Biscoe,47,15,215,5000\nb,Adelie,Atlantis,40,18,190,3800\n'
    ).encode(),
    "a quote never closed": f'{PENGUIN_HEADER}\n{PENGUIN}\n"Adelie,Dream,1,2,3,4\n'.encode(),
    "a line with too many cells": f"{PENGUIN_HEADER}\n{PENGUIN}\n{PENGUIN},7\n".encode(),
    "a line with too few cells": f"{PENGUIN_HEADER}\n{PENGUIN}\nAdelie,Dream,40\n".encode(),
    "a header alone": f"{PENGUIN_HEADER}\n".encode(),
    "blank lines only": b"\n \n\n",
    "blank lines before a header of semicolons": (
        b"\n \r\n\t \nspecies;island;bill_length_mm;bill_depth_mm;flipper_length_mm;body_mass_g\n"
        b"\t\nAdelie;Dream;40,5;18;190;3800\n"
    ),
    "a form feed line before the header (pandas reads it as the header)": (
        f"\x0c\n{PENGUIN_HEADER}\n{PENGUIN}\n".encode()
    ),
    "a column twice": f"{PENGUIN_HEADER},species\n{PENGUIN},Gentoo\n".encode(),
    "a feature missing": b"species,island\nAdelie,Dream\n",
    "nan, inf and a huge number": f"{PENGUIN_HEADER}\n{PENGUIN}\nAdelie,Dream,nan,18,inf,1e39\n".encode(),
    "digits of another script": f"{PENGUIN_HEADER}\nAdelie,Dream,\u0664\u0665,18,190,3800\n".encode(),
    "a name with markdown and the score columns taken": (
        f"[x](http://{LEAK}/),P(sex = male),label,{PENGUIN_HEADER}\n=a,0.5,mine,{PENGUIN}\n"
    ).encode(),
    "an empty cell": f"{PENGUIN_HEADER}\nAdelie,,40,18,190,3800\n".encode(),
    "true and false levels, and NA kept as written": f"id,{PENGUIN_HEADER}\nNA,Adelie,Dream,40,18,190,3800\n".encode(),
}


def download_cells(text: str, sep: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]


@pytest.mark.parametrize("case", SAME_FILES)
def test_the_same_file_gets_the_same_message_or_download_on_both_pages(home, browser, models, case):
    """The Streamlit page scores with export.scoring.score_table and offers scored_csv; the site must
    refuse with the same words, or write the same file (probabilities within float32 rounding)."""
    data = SAME_FILES[case]
    artifact = load_artifact(models["categorical"])
    visit = Visit(browser, f"{home}/categorical/")
    upload(visit.page, "same.csv", data)
    visit.page.wait_for_function("window.logreg.scored !== null || document.querySelector('#batch-message .error')")
    ours = visit.page.evaluate("window.logreg.scored")
    try:
        table, notes = score_table(data, artifact, "same.csv", max_rows=MAX_ROWS)
    except InputError as refused:
        assert ours is None, f"the site scored what the page refuses: {refused}"
        assert visit.page.inner_text("#batch-message .error") == str(refused)
        return
    assert ours is not None, visit.page.inner_text("#batch-message")
    sep = table.attrs["written"].dialect.sep
    theirs = download_cells(scored_csv(table).decode(), sep)
    mine = download_cells(ours, sep)
    assert mine[0] == theirs[0] and len(mine) == len(theirs)
    probabilities = [j for j, name in enumerate(theirs[0]) if name.startswith("P(sex = ") and j >= len(theirs[0]) - 3]
    for a, b in zip(mine[1:], theirs[1:]):
        assert [c for j, c in enumerate(a) if j not in probabilities] == [
            c for j, c in enumerate(b) if j not in probabilities
        ]
        for j in probabilities:
            assert float(a[j].replace(",", ".")) == pytest.approx(float(b[j].replace(",", ".")), abs=1e-6)
    assert [line for line in visit.page.inner_text("#batch-message").splitlines() if line] == notes


def test_the_same_file_chosen_again_is_scored_again(home, browser, models):
    artifact = load_artifact(models["categorical"])
    visit = Visit(browser, f"{home}/categorical/")
    data = pd.DataFrame(probe_rows(artifact, 5)).to_csv(index=False).encode()
    for _ in range(2):  # an edited file is often chosen under its old name
        visit.page.evaluate("window.logreg.scored = 'not yet'")
        upload(visit.page, "again.csv", data)
        visit.page.wait_for_function("window.logreg.scored !== 'not yet' && window.logreg.scored !== null")
        assert visit.page.inner_text("#batch-progress-text") == "Scored 5 row(s) of again.csv."
    visit.check_stayed_home(home)
