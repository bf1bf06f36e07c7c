"""The example models in artifacts/ are what their documented commands build today."""

from pathlib import Path

import pytest

from export.artifact import load_artifact
from training.__main__ import main as train
from training.examples import EXAMPLES, PROJECT, arguments, command


def card_without_versions(path: Path) -> dict:
    return {k: v for k, v in load_artifact(path).card.raw.items() if k != "versions"}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_shipped_example_is_what_its_command_builds(name, tmp_path, capsys):
    assert train(arguments(name, out=tmp_path / name)) == 0
    assert card_without_versions(tmp_path / name) == card_without_versions(PROJECT / "artifacts" / name)
    shipped_card = (PROJECT / "artifacts" / name).with_name(f"{Path(name).stem}.model_card.md")
    assert shipped_card.read_text() == (tmp_path / f"{Path(name).stem}.model_card.md").read_text()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_readme_documents_each_command(name):
    assert command(name) in (PROJECT / "README.md").read_text()
