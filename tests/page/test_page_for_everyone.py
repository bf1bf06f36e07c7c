"""The Streamlit page for every visitor (issue 19), in headless Chromium: hostile card text shown as
text (no link, image, LaTeX or request it names), fields whose accessible name is the feature name,
a tab order that follows the layout, no serious accessibility findings (axe-core), and no
sideways scroll at a phone's width."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_names import CATEGORICAL, LEAK, NUMERIC, hostile_models
from paths import PROJECT
from playwright.sync_api import Browser, Page, expect
from site_visits import PHONE, page_width, serious_violations

from export.artifact import load_artifact
from page.inputs import format_number
from page.text import WORD_JOINER

pytestmark = pytest.mark.browser


@pytest.fixture
def artifact_dir(tmp_path: Path) -> Path:
    """The page's folder (``server`` serves it): the hostile multinomial model as the default, the
    hostile binary one, and the penguins."""
    folder = tmp_path / "artifacts"
    folder.mkdir()
    models = hostile_models(tmp_path)
    (folder / "model.onnx").write_bytes(models["multinomial"])
    (folder / "binary.onnx").write_bytes(models["binary"])
    shutil.copyfile(PROJECT / "artifacts" / "penguins.onnx", folder / "penguins.onnx")
    return folder


def opened(browser: Browser, url: str, viewport: dict, requests: list[str]) -> Page:
    page = browser.new_page(viewport=viewport)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    wait_idle(page)
    return page


def wait_idle(page: Page) -> None:
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000
    )
    page.wait_for_timeout(500)  # charts and the field-naming script run after the script finishes


def choose_model(page: Page, name: str) -> None:
    page.get_by_label("Model in artifacts/", exact=True).click()
    page.get_by_role("option", name=name, exact=True).click()
    wait_idle(page)


@pytest.fixture
def visits(browser: Browser) -> Iterator[list[Page]]:
    pages: list[Page] = []
    yield pages
    for page in pages:
        page.close()


@pytest.mark.parametrize("viewport", [{"width": 1300, "height": 1800}, PHONE], ids=["desktop", "phone"])
def test_hostile_card_text_is_text_and_every_field_is_named_by_its_feature(server, browser, visits, viewport):
    requests: list[str] = []
    page = opened(browser, server, viewport, requests)
    visits.append(page)
    for model in ("model.onnx", "binary.onnx"):
        if model != "model.onnx":
            if viewport == PHONE:
                page.get_by_test_id("stExpandSidebarButton").click()
            choose_model(page, model)
        labels = page.get_by_test_id("stMain").get_by_test_id("stWidgetLabel").all_inner_texts()
        shown = {label.replace(WORD_JOINER, "").strip() for label in labels}  # the joiner shows as nothing
        for name in [*NUMERIC, CATEGORICAL]:
            expect(page.get_by_label(name, exact=True)).to_have_count(1)
            assert name in shown
        assert page.locator(f'a[href*="{LEAK}"], img[src*="{LEAK}"], b').count() == 0
        assert all("x2" not in k and "alpha" not in k for k in page.locator(".katex").all_inner_texts())
        assert page.get_by_test_id("stException").count() == 0
        if viewport == PHONE:
            assert page_width(page) <= PHONE["width"]
    assert all(url.startswith(server) for url in requests), [u for u in requests if not u.startswith(server)]


def test_the_page_passes_an_accessibility_scan_and_tabs_row_by_row(server, browser, visits):
    page = opened(browser, server, {"width": 1300, "height": 1800}, [])
    visits.append(page)
    choose_model(page, "penguins.onnx")
    assert serious_violations(page) == []
    features = ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    page.get_by_label(features[0], exact=True).focus()
    order = []
    for _ in features:
        order.append(page.evaluate("document.activeElement.getAttribute('aria-label')"))
        page.keyboard.press("Tab")
    assert order == features  # four to a row, then the next row: as they read, with no Help stops between
    field = page.get_by_label("bill_depth_mm", exact=True)
    field.fill("abc")
    field.press("Enter")
    wait_idle(page)
    expect(page.get_by_text("bill_depth_mm: 'abc' is not a number")).to_be_visible()
    assert serious_violations(page) == []


def test_a_phone_needs_no_sideways_scroll(server, browser, visits):
    page = opened(browser, server, PHONE, [])
    visits.append(page)
    page.get_by_test_id("stExpandSidebarButton").click()
    choose_model(page, "penguins.onnx")
    page.keyboard.press("Escape")
    assert page_width(page) <= PHONE["width"]


def test_curves_per_level_have_a_legend_naming_each_level(server, browser, visits):
    page = opened(browser, server, {"width": 1300, "height": 2400}, [])
    visits.append(page)
    choose_model(page, "penguins.onnx")
    page.get_by_label("One curve per level of", exact=True).click()
    page.get_by_role("option", name="island", exact=True).click()
    wait_idle(page)
    curve = page.get_by_test_id("stVegaLiteChart").nth(2)  # after the class bars and the waterfall
    expect(curve.locator(".role-legend text").first).to_be_visible()
    legend = curve.locator(".role-legend text").evaluate_all("texts => texts.map(t => t.textContent)")
    assert {"island = Biscoe", "island = Dream", "island = Torgersen"} <= set(legend), legend
    assert {"female", "male"} <= set(legend)  # the training rows keep their own legend


def test_the_interval_and_the_waterfall_are_shown_with_the_readers_numbers(server, browser, visits):
    page = opened(browser, server, {"width": 1300, "height": 2400}, [])
    visits.append(page)
    choose_model(page, "penguins.onnx")
    artifact = load_artifact(PROJECT / "artifacts" / "penguins.onnx")
    card = artifact.card
    shown = {n: v if n in card.design.levels else float(format_number(v)) for n, v in card.example.items()}
    served = artifact.predict([shown])
    explained = artifact.explain([shown])
    low, high = (format_number(float(b[0, 1])) for b in (served.probability_low, served.probability_high))
    expect(page.get_by_text(f"95% interval of P(sex = male): {low} to {high}", exact=False)).to_be_visible()
    logit = format_number(float(explained.logit[0]))
    said = f"Logit {logit}, so P(sex = male) = {format_number(float(served.probabilities[0, 1]))}."
    expect(page.get_by_text(said, exact=False)).to_be_visible()
    waterfall = page.get_by_test_id("stVegaLiteChart").nth(1)
    expect(waterfall.locator(".role-legend text").first).to_be_visible()
    legend = waterfall.locator(".role-legend text").evaluate_all("texts => texts.map(t => t.textContent)")
    assert {"base", "logit"} <= set(legend), legend
