"""Which models the page can serve (the ``.onnx`` files in the artifacts folder), and how large
what a visitor uploads may be."""

import os
from pathlib import Path
from typing import Protocol

from export.errors import ArtifactError, InputError

DEFAULT_MODEL = "model.onnx"
# Uploads are held in memory, per visitor. Our largest shipped model is 74 KB; the card's history
# grows with features x classes (1001 steps of them), so 1,000 features x 10 classes stays under this.
MAX_MODEL_MB = 32
# Uploads up to this many times a limit reach the server, which refuses them with its own message and
# drops the previous file's result; larger ones Streamlit's uploader refuses in the browser, and the
# server never hears of them (the result shown names the file it belongs to).
RECEIVED = 2


def artifacts_dir(page_file: str | None) -> Path:
    """``LOGREG_ARTIFACTS_DIR`` (``logreg-page`` and the tests set it), else ``artifacts/`` beside
    the page script ``page_file`` (a clone's ``streamlit_app.py``), else in the current folder."""
    override = os.environ.get("LOGREG_ARTIFACTS_DIR")
    if override:
        return Path(override)
    return (Path(page_file).resolve().parent if page_file else Path.cwd()) / "artifacts"


def model_files(folder: Path) -> list[str]:
    """Names of the ``.onnx`` files in ``folder``, the model ``LOGREG_MODEL`` names (``logreg-page
    MODEL.onnx``) or else the default model first."""
    names = sorted(p.name for p in folder.glob("*.onnx") if p.is_file()) if folder.is_dir() else []
    first = os.environ.get("LOGREG_MODEL") or DEFAULT_MODEL
    return sorted(names, key=lambda n: n != first)


def file_version(path: Path) -> tuple[int, int, int]:
    """(inode, mtime_ns, size): an atomic re-export (temp file + rename) gives a new inode, so a
    cache keyed on this reloads the model on the next interaction."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def read_model_file(path: Path) -> bytes:
    """The bytes of a model in the artifacts folder; ``FileNotFoundError`` passes through (the page
    says the file disappeared), any other failure is an ``ArtifactError`` naming the file only."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as e:
        raise ArtifactError(f"cannot read {path.name} ({e.strerror}); rebuild it with `python -m training`") from None


class Upload(Protocol):
    size: int

    def getvalue(self) -> bytes: ...


def checked_upload(upload: Upload, max_mb: int, what: str) -> bytes:
    """The uploaded bytes, if within ``max_mb`` megabytes (Streamlit's unit: 2**20 bytes)."""
    if upload.size > max_mb * 2**20:
        raise InputError(f"{what} is {upload.size / 2**20:.1f} MB; the page takes files of at most {max_mb} MB")
    return upload.getvalue()
