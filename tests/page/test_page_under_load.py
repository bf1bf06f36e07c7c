"""Ten browser sessions on one running page, each with its own input, while the model file is
re-exported twice underneath: no error, no answer from another session or a half-written file,
and every session ends on the new model."""

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect

from export.artifact import Artifact
from export.files import write_atomic
from export.writer.build import build_artifact
from export.writer.checkpoint import checkpoint_bytes
from page.inputs import format_number
from training.config import TrainConfig
from training.data.dataset import tutorial_dataset
from training.description.describe import describe
from training.solvers.fit import fit

pytestmark = pytest.mark.browser
SESSIONS = 10
VALUES = [round(-2.0 + 0.7 * i, 1) for i in range(SESSIONS)]


def retrained(config: TrainConfig, checkpoint: Path) -> Artifact:
    """Fit the tutorial data with ``config``, save its checkpoint, and return the artifact it exports."""
    data = tutorial_dataset()
    result = fit(config, data)
    fields = describe(data, None, result)
    write_atomic(checkpoint, checkpoint_bytes(result.model.state_dict(), fields))
    return Artifact.from_bytes(build_artifact(result.model.linear, fields).data)


def answers(artifact: Artifact) -> list[str]:
    return [format_number(float(artifact.predict(np.array([[x]])).probabilities[0, 1])) for x in VALUES]


def enter(page: Page, value: float, spelling: int) -> None:
    field = page.get_by_test_id("stTextInputField").first
    field.fill(f"{value:.{1 + spelling % 2}f}")  # 1.5 / 1.50: the same number, a new entry
    field.press("Enter")


def shown_probability(page: Page) -> str:
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000
    )
    return page.get_by_test_id("stMetricValue").first.inner_text()


def test_ten_sessions_through_two_reexports(server, browser: Browser, artifact_dir, tutorial_built, tmp_path):
    first = Artifact.from_bytes(tutorial_built.data)
    second = retrained(TrainConfig(seed=5, optimizer="adam", lr=0.1, epochs=200), tmp_path / "second.pt")
    third = retrained(TrainConfig(seed=9, optimizer="adam", lr=0.05, epochs=300), tmp_path / "third.pt")
    expected = {name: answers(a) for name, a in (("first", first), ("second", second), ("third", third))}
    assert len({tuple(v) for v in expected.values()}) == 3  # three visibly different models

    pages = [browser.new_context().new_page() for _ in range(SESSIONS)]
    for page in pages:
        page.goto(server)
    for page, value in zip(pages, VALUES):
        enter(page, value, 0)
    for i, page in enumerate(pages):
        expect(page.get_by_test_id("stMetricValue").first).to_have_text(expected["first"][i], timeout=60_000)

    def reexport() -> None:
        for checkpoint in ("second.pt", "third.pt"):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "export",
                    "--checkpoint",
                    str(tmp_path / checkpoint),
                    "--out",
                    str(artifact_dir / "model.onnx"),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )

    exporter = threading.Thread(target=reexport)
    exporter.start()
    rounds = 0
    while exporter.is_alive() or rounds < 2:
        rounds += 1
        for page, value in zip(pages, VALUES):
            enter(page, value, rounds)
        for i, page in enumerate(pages):
            seen = shown_probability(page)
            assert seen in {answers_[i] for answers_ in expected.values()}, (i, seen)
            assert not page.get_by_test_id("stException").count()
    exporter.join()
    for page, value in zip(pages, VALUES):
        enter(page, value, rounds + 1)
    for i, page in enumerate(pages):
        expect(page.get_by_test_id("stMetricValue").first).to_have_text(expected["third"][i], timeout=60_000)
        assert not page.get_by_test_id("stException").count()
    assert rounds >= 2
