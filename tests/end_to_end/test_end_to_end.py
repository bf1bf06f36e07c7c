"""The whole path the way a user walks it: CSV -> `python -m training` -> `python -m export` -> page."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from paths import PROJECT
from streamlit.testing.v1 import AppTest

from export.artifact import load_artifact
from page.inputs import format_number


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_csv_to_served_page(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(80, 2)) * [10, 2] + [50, 0]
    labels = np.where(0.2 * (rows[:, 0] - 50) + rows[:, 1] + rng.logistic(size=80) > 0, "spam", "ham")
    csv = tmp_path / "mail.csv"
    csv.write_text("length,links,kind\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(rows, labels)))
    out = tmp_path / "models" / "mail.onnx"

    trained = run(
        "training",
        "--data",
        str(csv),
        "--target",
        "kind",
        "--epochs",
        "400",
        "--lr",
        "0.01",
        "--optimizer",
        "adam",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    artifact = load_artifact(out)
    assert artifact.card.class_labels == ("ham", "spam") and artifact.card.feature_names == ("length", "links")
    example = artifact.card.example  # the training means, to six significant digits
    assert example["length"] == pytest.approx(rows[:, 0].mean(), rel=1e-5)
    p_mean = artifact.predict(np.array([[example["length"], example["links"]]])).probabilities[0, 1]
    query = f"length = {example['length']:g}, links = {example['links']:g}"
    assert f"P(kind = spam | {query}) = {p_mean:.6f}" in trained.stdout

    run(
        "export",
        "--checkpoint",
        str(out.with_suffix(".pt")),
        "--out",
        str(tmp_path / "models" / "again.onnx"),
        cwd=tmp_path,
    )
    assert (tmp_path / "models" / "again.onnx").read_bytes() == out.read_bytes()

    monkeypatch.setenv("LOGREG_ARTIFACTS_DIR", str(out.parent))
    at = AppTest.from_file(str(PROJECT / "streamlit_app.py"), default_timeout=30).run()
    at.selectbox(key="model").select("mail.onnx")
    at.text_input(key="x:length").input("62")
    at.text_input(key="x:links").input("1.5").run()
    expected = artifact.predict(np.array([[62.0, 1.5]])).probabilities[0, 1]
    labels = {m.label.replace("\\", ""): m.value for m in at.metric}  # as shown: the page escapes card text
    assert labels["P(kind = spam)"] == format_number(float(expected))


def test_no_argument_run_in_a_new_process_gives_the_same_bytes(tmp_path, tutorial_built):
    run("training", cwd=tmp_path)
    assert (tmp_path / "artifacts" / "model.onnx").read_bytes() == tutorial_built.data
