"""Shared fixtures: the tutorial model trained and exported once per test session."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from paths import PROJECT
from playwright.sync_api import Browser, sync_playwright

from export.card.sections import Description
from export.writer.build import BuiltArtifact, build_artifact
from training.config import TrainConfig
from training.data.dataset import tutorial_dataset
from training.description.describe import describe
from training.solvers.fit import FitResult, fit


@pytest.fixture(scope="session")
def tutorial_fit() -> FitResult:
    return fit(TrainConfig(), tutorial_dataset())


@pytest.fixture(scope="session")
def tutorial_fields(tutorial_fit: FitResult) -> Description:
    return describe(tutorial_dataset(), None, tutorial_fit)


@pytest.fixture(scope="session")
def tutorial_built(tutorial_fit: FitResult, tutorial_fields: Description) -> BuiltArtifact:
    return build_artifact(tutorial_fit.model.linear, tutorial_fields)


@pytest.fixture
def artifact_dir(tmp_path: Path, tutorial_built: BuiltArtifact) -> Path:
    """A fresh artifacts folder holding the tutorial model as model.onnx."""
    folder = tmp_path / "artifacts"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(tutorial_built.data)
    return folder


# --- the running page and a real browser (browser tests) ---

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
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `apt-get install -y chromium` (see README)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
