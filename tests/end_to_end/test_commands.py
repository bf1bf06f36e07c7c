"""The four jobs as commands on the PATH (``[project.scripts]``), run from a folder that is not the
project's: the same programs as the ``python -m`` forms."""

import shutil
import subprocess

import pandas as pd
import pytest

COMMANDS = {
    "logreg-fit": "usage: python -m training",
    "logreg-export": "usage: python -m export",
    "logreg-score": "usage: python -m export.score",
    "logreg-site": "usage: python -m export.site",
}


def run(*args: str, cwd) -> subprocess.CompletedProcess:
    command = shutil.which(args[0])
    assert command, f"{args[0]} is not on the PATH: install the kit (the README's commands do)"
    return subprocess.run([command, *args[1:]], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("command", "usage"), COMMANDS.items())
def test_each_command_is_on_the_path_and_answers_help(command, usage, tmp_path):
    done = run(command, "--help", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith(usage)


def test_fit_then_score_from_any_folder(tmp_path):
    rows = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "y": [0, 0, 1, 0, 1, 1]})
    rows.to_csv(tmp_path / "rows.csv", index=False)
    fitted = run("logreg-fit", "--data", "rows.csv", "--target", "y", "--out", "model.onnx", cwd=tmp_path)
    assert fitted.returncode == 0, fitted.stderr
    scored = run("logreg-score", "--model", "model.onnx", "--data", "rows.csv", "--out", "scored.csv", cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    assert list(pd.read_csv(tmp_path / "scored.csv").columns) == ["x", "y", "P(y = 0)", "P(y = 1)", "label"]
