"""Which models the page can serve: the ``.onnx`` files in the artifacts folder."""

import os
from pathlib import Path

DEFAULT_MODEL = "model.onnx"


def artifacts_dir(page_file: str) -> Path:
    """``artifacts/`` beside the page; ``LOGREG_ARTIFACTS_DIR`` points elsewhere (tests use it)."""
    override = os.environ.get("LOGREG_ARTIFACTS_DIR")
    return Path(override) if override else Path(page_file).resolve().parent / "artifacts"


def model_files(folder: Path) -> list[str]:
    """Names of the ``.onnx`` files in ``folder``, the default model first."""
    names = sorted(p.name for p in folder.glob("*.onnx") if p.is_file()) if folder.is_dir() else []
    return sorted(names, key=lambda n: n != DEFAULT_MODEL)


def file_version(path: Path) -> tuple[int, int, int]:
    """(inode, mtime_ns, size): an atomic re-export (temp file + rename) gives a new inode, so a
    cache keyed on this reloads the model on the next interaction."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
