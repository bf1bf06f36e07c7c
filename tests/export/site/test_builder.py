"""``python -m export.site`` as a command: what it writes, what it refuses, and that it needs no torch."""

import json
import os
import subprocess
import sys

import pytest
from no_torch import BLOCK_TORCH
from paths import PROJECT

from export.artifact import load_artifact
from export.card.model_card import card_to_json
from export.site.__main__ import main as site_main

MODEL = PROJECT / "artifacts" / "penguins.onnx"


def test_the_folder_holds_the_page_the_model_its_card_and_only_the_files_it_uses(tmp_path, capsys):
    out = tmp_path / "site"
    assert site_main(["--model", str(MODEL), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([
        "index.html", "app.js", "style.css", "model.onnx", "card.json", "charts.json", "site.json",
        "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm",
        "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
    ])  # fmt: skip
    assert (out / "model.onnx").read_bytes() == MODEL.read_bytes()
    assert (out / "card.json").read_text() == card_to_json(load_artifact(MODEL).card)
    charts = json.loads((out / "charts.json").read_text())
    assert set(charts["curves"]) == {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}
    assert set(charts["levels"]) == {"species", "island"}
    html = (out / "index.html").read_text()
    assert "http" not in html.replace("http-equiv", "")  # nothing fetched from another host
    printed = capsys.readouterr().out
    assert f"wrote {out}: 13 files, " in printed and "onnxruntime-web's wasm: 14.2 MB" in printed
    assert site_main(["--model", str(MODEL), "--out", str(out)]) == 0  # a built site is replaced


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda tmp: (tmp / "notes").mkdir() or (tmp / "notes" / "mine.txt").write_text("keep"),
            "is not a site this kit built",
        ),
        (lambda tmp: (tmp / "fake.onnx").write_bytes(b"not onnx"), "is not a loadable ONNX model"),
    ],
)
def test_what_it_refuses_gets_one_line_and_nothing_is_touched(tmp_path, capsys, setup, message):
    setup(tmp_path)
    model = tmp_path / "fake.onnx" if (tmp_path / "fake.onnx").exists() else MODEL
    out = tmp_path / "notes"
    assert site_main(["--model", str(model), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    if (out / "mine.txt").exists():
        assert (out / "mine.txt").read_text() == "keep"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".notes.")]  # no staging folder left


def test_without_npm_packages_it_says_to_run_npm_ci(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LOGREG_NODE_MODULES", str(tmp_path / "nothing"))
    assert site_main(["--model", str(MODEL), "--out", str(tmp_path / "site")]) == 2
    assert "run `npm ci` in" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


WITHOUT_TORCH = (
    BLOCK_TORCH
    + """
from export.site.__main__ import main
sys.exit(main(sys.argv[1:]))
"""
)


def test_the_builder_needs_no_torch(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_TORCH, "--model", str(MODEL), "--out", str(tmp_path / "site")],
        capture_output=True, text=True, timeout=120, env={**os.environ},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "site" / "index.html").exists()
