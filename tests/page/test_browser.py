"""A person's view: headless Chromium opens the running page, enters x, reads the probability."""

from collections.abc import Iterator
from pathlib import Path

import hostile_models
import numpy as np
import pytest
from paths import PROJECT
from playwright.sync_api import Browser, Page, expect

from export.artifact import Artifact
from export.scoring import MAX_CSV_MB
from page.inputs import format_number

SCREENSHOT = PROJECT / "tests" / "output" / "page.png"

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1300, "height": 1800})
    yield page
    page.close()


def wait_idle(page: Page) -> None:
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=30_000
    )


def test_enter_x_read_probability_and_screenshot(server, browser_page, tutorial_built, tmp_path):
    artifact = Artifact.from_bytes(tutorial_built.data)
    expected = {x: format_number(float(artifact.predict(np.array([[x]])).probabilities[0, 1])) for x in (5.0, 2.5)}
    page = browser_page
    page.goto(server)
    wait_idle(page)
    probability = page.get_by_test_id("stMetricValue").first
    expect(probability).to_have_text(expected[5.0], timeout=30_000)
    field = page.get_by_test_id("stTextInputField").first
    field.fill("2.5")
    field.press("Enter")
    expect(probability).to_have_text(expected[2.5], timeout=30_000)
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(5)  # classes, waterfall, curve, objective, calibration
    page.wait_for_timeout(1000)  # the charts draw after the script finishes
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert SCREENSHOT.stat().st_size > 20_000

    bad = tmp_path / "notes.onnx"
    bad.write_text("not a model")
    page.get_by_test_id("stSidebar").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(bad)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("the uploaded file is not a loadable ONNX model")).to_be_visible(timeout=30_000)
    expect(probability).to_have_text(expected[2.5])  # the chosen model is still served

    rows = tmp_path / "rows.csv"
    rows.write_text("id,x\nfirst,1\nsecond,2.5\n")
    page.get_by_test_id("stMain").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(rows)
    expect(page.get_by_test_id("stDownloadButton")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Columns id are not features of this model")).to_be_visible()

    holes = tmp_path / "holes.csv"  # a missing cell: refused, with the way out; the box scores the rest
    holes.write_text("id,x\na,1\nb,\nc,3\n")
    page.get_by_test_id("stMain").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(holes)
    expect(page.get_by_text("or score only the complete rows (--complete-rows")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stCheckbox").get_by_text("Score only the complete rows").click()
    expect(page.get_by_text("1 row(s) of holes.csv have missing cells: left unscored")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("The scores of holes.csv (3 rows):")).to_be_visible()

    big = tmp_path / "big.csv"  # over the page's limit: its own message, and the last file's result is gone
    big.write_bytes(b"id,x\n" + b"row,1.000000000\n" * (MAX_CSV_MB * 2**20 // 16 + 1000))
    page.get_by_test_id("stMain").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(big)
    shown = f"big.csv is {big.stat().st_size / 2**20:.1f} MB; the page takes files of at most {MAX_CSV_MB} MB"
    expect(page.get_by_text(shown)).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(0)
    expect(page.get_by_text("The scores of holes.csv")).to_have_count(0)


def test_uploads_in_the_browser_refused_model_kept_picker_and_a_safe_download(
    server, browser_page, tutorial_built, tmp_path
):
    page = browser_page
    page.goto(server)
    wait_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    hostile = tmp_path / "constant.onnx"
    hostile.write_bytes(hostile_models.constant_graph(tutorial_built.data))
    sidebar.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(hostile)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("The uploaded model was refused, so model.onnx from artifacts/ is served")).to_be_visible(
        timeout=30_000
    )
    expect(main.get_by_text("its graph does not compute what its card says").first).to_be_visible()

    good = tmp_path / "good.onnx"
    good.write_bytes(tutorial_built.data)
    sidebar.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(good)
    expect(page.get_by_text("Serving the uploaded file with onnxruntime")).to_be_visible(timeout=30_000)
    expect(sidebar.get_by_test_id("stSelectbox")).to_be_visible()  # the way back to artifacts/ stays
    sidebar.get_by_text("the model picked above").click()
    expect(page.get_by_text("Serving model.onnx with onnxruntime")).to_be_visible(timeout=30_000)

    rows = tmp_path / "rows.csv"
    rows.write_text("id,x,note\n=1+2,1,@SUM(1)\n-5,2,+cmd|' /C calc'!A0\n")
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(rows)
    button = page.get_by_test_id("stDownloadButton")
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        button.click()
    text = Path(download.value.path()).read_text()
    lines = text.splitlines()
    assert lines[0] == "id,x,note,P(y = 0),P(y = 1),label"
    assert lines[1].startswith("'=1+2,1,'@SUM(1),") and lines[2].startswith("-5,2,'+cmd|' /C calc'!A0,")
