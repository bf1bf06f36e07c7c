"""``python -m export.site`` as a command: what it writes, what it refuses, and that it needs no torch."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from no_torch import BLOCK_TORCH
from paths import PROJECT

import export.site.build
from export.artifact import load_artifact
from export.card.model_card import card_to_json
from export.scoring import MAX_ROWS
from export.site.__main__ import main as site_main

MODEL = PROJECT / "artifacts" / "penguins.onnx"


def imported_modules(folder: Path, start: str) -> set[str]:
    """``start`` and every module it imports, directly or not (static ``import ... from "./x.js"``)."""
    found, waiting = set(), [start]
    while waiting:
        name = waiting.pop()
        if name not in found:
            found.add(name)
            waiting += re.findall(r'^import [^;]*? from "\./([\w.-]+\.js)";', (folder / name).read_text(), re.M)
    return found


def test_the_folder_holds_the_page_the_model_its_card_and_only_the_files_it_uses(tmp_path, capsys):
    out = tmp_path / "site"
    assert site_main(["--model", str(MODEL), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    modules = sorted(imported_modules(out, "app.js"))
    assert modules == [
        "app.js", "charts.js", "csv.js", "design.js", "dom.js", "form.js", "formula.js", "model.js", "page.js",
        "rules.js", "text.js",
    ]  # fmt: skip
    assert names == sorted([
        "index.html", "style.css", *modules, "model.onnx", "card.json", "charts.json", "rules.json", "site.json",
        "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm",
        "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
    ])  # fmt: skip
    assert (out / "model.onnx").read_bytes() == MODEL.read_bytes()
    assert (out / "card.json").read_text() == card_to_json(load_artifact(MODEL).card)
    charts = json.loads((out / "charts.json").read_text())
    assert set(charts["curves"]) == {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"}
    assert set(charts["levels"]) == {"species", "island"}
    assert json.loads((out / "rules.json").read_text())["max_rows"] == MAX_ROWS  # the Python pages' limit
    html = (out / "index.html").read_text()
    assert "http" not in html.replace("http-equiv", "")  # nothing fetched from another host
    printed = capsys.readouterr().out
    assert f"wrote {out}: {len(names)} files, " in printed and "onnxruntime-web's wasm: 14.2 MB" in printed
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


def test_a_folder_with_its_own_site_json_is_not_replaced(tmp_path, capsys):
    """The marker is checked by content: somebody's web project with a site.json stays as it is."""
    out = tmp_path / "web"
    out.mkdir()
    (out / "site.json").write_text('{"producer": "logreg-kit", "model": "x.onnx"}')
    (out / "index.html").write_text("my own page")
    assert site_main(["--model", str(MODEL), "--out", str(out)]) == 2
    assert "is not a site this kit built" in capsys.readouterr().err
    assert (out / "index.html").read_text() == "my own page"


@pytest.mark.parametrize("change", ["edit", "add"])
def test_a_built_site_that_was_changed_since_is_not_replaced(tmp_path, capsys, change):
    out = tmp_path / "site"
    assert site_main(["--model", str(MODEL), "--out", str(out)]) == 0
    if change == "edit":
        (out / "index.html").write_text("edited by hand")
    else:
        (out / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert site_main(["--model", str(MODEL), "--out", str(out)]) == 2
    assert "or its files were changed since" in capsys.readouterr().err
    assert (out / "index.html").read_text() == "edited by hand" or (out / "notes.txt").read_text() == "mine"


def test_a_symbolic_link_as_out_and_a_pipe_as_model_get_one_line(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert site_main(["--model", str(MODEL), "--out", str(tmp_path / "link")]) == 2
    assert "is a symbolic link; give the real folder" in capsys.readouterr().err
    os.mkfifo(tmp_path / "pipe.onnx")
    assert site_main(["--model", str(tmp_path / "pipe.onnx"), "--out", str(tmp_path / "site")]) == 2
    err = capsys.readouterr().err
    assert "pipe.onnx is not a file (a folder, a device or a pipe)" in err and err.count("\n") == 1


def test_the_bytes_published_are_the_bytes_checked(tmp_path, monkeypatch):
    """A model file swapped on disk while the site is built does not reach the site unchecked."""
    model = tmp_path / "model.onnx"
    model.write_bytes(MODEL.read_bytes())
    checked = export.site.build.Artifact.from_bytes

    def swapping(data: bytes, source: str):
        model.write_bytes(b"swapped after the check")
        return checked(data, source)

    monkeypatch.setattr(export.site.build.Artifact, "from_bytes", swapping)
    assert site_main(["--model", str(model), "--out", str(tmp_path / "site")]) == 0
    assert (tmp_path / "site" / "model.onnx").read_bytes() == MODEL.read_bytes()
