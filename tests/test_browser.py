"""A person's view: headless Chromium opens the running page, enters x, reads the probability."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from export.artifact import Artifact
from page.inputs import format_number

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = PROJECT / "tests" / "output" / "page.png"

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(artifact_dir: Path, tmp_path: Path) -> Iterator[str]:
    """`streamlit run` on 127.0.0.1 serving ``artifact_dir``; stopped and waited for afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT / "streamlit_app.py"),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "LOGREG_ARTIFACTS_DIR": str(artifact_dir)}
    log = tmp_path / "streamlit.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited early: {log.read_text()[-1000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"streamlit did not answer at {url} within {seconds} s")


@pytest.fixture
def browser_page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `apt-get install -y chromium` (see README)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1300, "height": 1800})
        browser.close()


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
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(3)  # curve, objective, calibration
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
