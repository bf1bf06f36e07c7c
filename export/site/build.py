"""Write the static site: the page (``web/``), the JavaScript it runs (from npm's ``node_modules``),
the model and its card, the charts' Vega-Lite templates (``export.charts``) and the rules it shares
with the Python pages (``export.site.rules``).

The folder is built beside ``out`` and renamed into place, so a failed build leaves any previous
site as it was. An existing folder is replaced only if it holds a site this kit built, verified by
content: its ``site.json`` lists every file with the digest of the bytes written, and the folder
holds exactly those, unchanged (a file merely named ``site.json`` proves nothing). The model file
is read once: the bytes validated are the bytes published.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from export.artifact import Artifact, load_bytes
from export.card.model_card import PRODUCER, card_to_json
from export.charts import chart_templates
from export.errors import ConfigError, printable
from export.files import PATH_ECHO
from export.site.rules import RULES_FILE, site_rules

WEB = Path(__file__).resolve().parent / "web"
PROJECT = Path(__file__).resolve().parents[2]
# what the page loads from npm's packages: onnxruntime-web's wasm-only build (not the default
# ort.min.mjs, which pulls the 28 MB WebGPU build), and vega-embed with the vega it needs
NPM_FILES = {
    "ort.wasm.min.mjs": "onnxruntime-web/dist/ort.wasm.min.mjs",
    "ort-wasm-simd-threaded.mjs": "onnxruntime-web/dist/ort-wasm-simd-threaded.mjs",
    "ort-wasm-simd-threaded.wasm": "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
}
MARKER = "site.json"


def page_files() -> list[Path]:
    """The page itself: index.html, style.css and its ES modules (app.js imports the others)."""
    return sorted(p for p in WEB.iterdir() if p.suffix in (".html", ".css", ".js"))


def node_modules() -> Path:
    """npm's packages: ``LOGREG_NODE_MODULES``, else the project's ``node_modules`` (after ``npm ci``;
    for an installed copy of the kit, the one in the current folder)."""
    default = PROJECT / "node_modules" if (PROJECT / "package.json").is_file() else Path.cwd() / "node_modules"
    folder = Path(os.environ.get("LOGREG_NODE_MODULES", default))
    missing = [name for name, source in NPM_FILES.items() if not (folder / source).is_file()]
    if missing:
        raise ConfigError(
            f"the site's JavaScript is not installed ({missing[0]} is missing from {folder}); run `npm ci` in "
            f"{PROJECT} once (Node.js 20), or point LOGREG_NODE_MODULES at a node_modules folder"
        )
    return folder


def build_site(model: Path, out: Path) -> dict[str, int]:
    """Write the site for ``model`` into ``out``; returns each file's size in bytes."""
    data = load_bytes(model)  # read once: the bytes checked are the bytes published
    artifact = Artifact.from_bytes(data, source=str(model))  # not one of ours: refused before anything is written
    packages = node_modules()
    out = Path(out)
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        for page_file in page_files():
            shutil.copyfile(page_file, staging / page_file.name)
        for name, source in NPM_FILES.items():
            shutil.copyfile(packages / source, staging / name)
        (staging / "model.onnx").write_bytes(data)
        (staging / "card.json").write_text(card_to_json(artifact.card))
        (staging / "charts.json").write_text(json.dumps(chart_templates(artifact.card), sort_keys=True))
        (staging / RULES_FILE).write_text(json.dumps(site_rules(), sort_keys=True))
        files = {p.name: _digest(p) for p in sorted(staging.iterdir())}
        marker = {"producer": PRODUCER, "model": model.name, "files": files}
        (staging / MARKER).write_text(json.dumps(marker, sort_keys=True))
        os.chmod(staging, 0o755)
        check_replaceable(out)  # again, just before: the folder may have changed while the site was built
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {p.name: p.stat().st_size for p in sorted(out.iterdir())}


def check_replaceable(out: Path) -> None:
    """``out`` may be written: it does not exist, is an empty folder, or is a site this kit built and
    nobody changed since (its marker lists exactly the files in it, each with the digest of the
    bytes written). Anything else is somebody's folder: ``ConfigError``, nothing touched."""
    shown = printable(out, PATH_ECHO)
    if out.is_symlink():
        raise ConfigError(f"--out {shown} is a symbolic link; give the real folder, or a new one")
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"--out {shown} exists and is not a folder; choose a new or empty folder")
    entries = list(out.iterdir())
    if entries and not _built_here(out, entries):
        raise ConfigError(
            f"{shown} exists and is not a site this kit built (or its files were changed since); choose a new or "
            "empty folder for --out"
        )


def _built_here(out: Path, entries: list[Path]) -> bool:
    try:
        marker = json.loads((out / MARKER).read_text())
        files = marker["files"]
        listed = set(files) | {MARKER}
        return (
            marker["producer"] == PRODUCER
            and {p.name for p in entries} == listed
            and all(p.is_file() and not p.is_symlink() for p in entries)
            and all(_digest(out / name) == digest for name, digest in files.items())
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # no marker, not JSON, not ours
        return False


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
