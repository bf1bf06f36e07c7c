"""The four jobs and the page as commands on the PATH (``[project.scripts]``), run from a folder
that is not the project's: the same programs as the ``python -m`` forms and ``streamlit_app.py``."""

import shutil
import socket
import subprocess
import time
import urllib.request

import pandas as pd
import pytest
from paths import PROJECT

COMMANDS = {
    "logreg-fit": "usage: logreg-fit",  # the command's own name, not the ``python -m`` form
    "logreg-export": "usage: logreg-export",
    "logreg-score": "usage: logreg-score",
    "logreg-site": "usage: logreg-site",
    "logreg-page": "usage: logreg-page",
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


def test_the_page_command_serves_a_model_file_from_any_folder(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    for name in ("iris.onnx", "default.onnx"):
        shutil.copy(PROJECT / "artifacts" / name, models / name)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    flags = ["--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port)]
    command = [shutil.which("logreg-page"), "models/iris.onnx", *flags, "--browser.gatherUsageStats", "false"]
    with (tmp_path / "page.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, healthy = time.monotonic() + 60, False
        while time.monotonic() < deadline and not healthy and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    healthy = answer.status == 200
            except OSError:
                time.sleep(0.2)
        assert healthy, (tmp_path / "page.log").read_text()[-1000:]
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.parametrize(("argument", "message"), [("nothing.onnx", "does not exist"), ("rows.csv", "is not an .onnx")])
def test_the_page_command_refuses_what_is_not_a_model_in_one_line(argument, message, tmp_path):
    (tmp_path / "rows.csv").write_text("x,y\n1,0\n")
    done = run("logreg-page", argument, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1


def test_a_commands_one_line_error_names_the_command_typed(tmp_path):
    done = run("logreg-fit", "--l2", "lots", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.endswith("(see logreg-fit --help)\n")
