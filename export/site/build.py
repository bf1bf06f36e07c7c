"""Write the static site: the page (``web/``), the JavaScript it runs (from npm's ``node_modules``),
the model and its card, and the charts' Vega-Lite templates (``export.charts``).

The folder is built beside ``out`` and renamed into place, so a failed build leaves any previous
site as it was; an existing folder is replaced only if it holds a site this kit built (its
``site.json``), never another folder.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

from export.artifact import load_artifact
from export.card.model_card import card_to_json
from export.charts import chart_templates
from export.errors import ConfigError

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
    artifact = load_artifact(model)  # a file that is not one of ours is refused before anything is written
    packages = node_modules()
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise ConfigError(f"{out} exists and is not a site this kit built; choose a new or empty folder for --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        for page_file in ("index.html", "app.js", "style.css"):
            shutil.copyfile(WEB / page_file, staging / page_file)
        for name, source in NPM_FILES.items():
            shutil.copyfile(packages / source, staging / name)
        shutil.copyfile(model, staging / "model.onnx")
        (staging / "card.json").write_text(card_to_json(artifact.card))
        (staging / "charts.json").write_text(json.dumps(chart_templates(artifact.card), sort_keys=True))
        (staging / MARKER).write_text(json.dumps({"producer": "logreg-kit", "model": model.name}))
        os.chmod(staging, 0o755)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {p.name: p.stat().st_size for p in sorted(out.iterdir())}
