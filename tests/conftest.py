"""Shared fixtures: the tutorial model trained and exported once per test session."""

from pathlib import Path

import pytest

from export.build import BuiltArtifact, build_artifact
from training.config import TrainConfig
from training.data import tutorial_dataset
from training.describe import describe
from training.fit import FitResult, fit

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tutorial_fit() -> FitResult:
    return fit(TrainConfig(), tutorial_dataset())


@pytest.fixture(scope="session")
def tutorial_fields(tutorial_fit: FitResult) -> dict:
    return describe(TrainConfig(), tutorial_dataset(), None, tutorial_fit)


@pytest.fixture(scope="session")
def tutorial_built(tutorial_fit: FitResult, tutorial_fields: dict) -> BuiltArtifact:
    return build_artifact(tutorial_fit.model, tutorial_fields)


@pytest.fixture
def artifact_dir(tmp_path: Path, tutorial_built: BuiltArtifact) -> Path:
    """A fresh artifacts folder holding the tutorial model as model.onnx."""
    folder = tmp_path / "artifacts"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(tutorial_built.data)
    return folder
