"""Writing a user's files safely: atomically (a reader sees the old file or the new one, never half
of either), all of a run's files or none, and never over the run's own inputs or over anything
that is not a regular file."""

import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from export.errors import ConfigError, printable

ONNX_SUFFIX = ".onnx"
PARQUET_SUFFIXES = (".parquet", ".pq")  # a data file with another name is read as CSV
PATH_ECHO = 400  # characters of a path repeated in a message


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


def card_path(onnx_path: Path) -> Path:
    """``model.onnx`` -> ``model.model_card.md``, beside it."""
    return onnx_path.with_name(f"{onnx_path.stem}.model_card.md")


def check_model_path(path: Path, flag: str) -> None:
    """The ONNX file a command writes ends in ``.onnx``: its checkpoint (``.pt``) and card
    (``.model_card.md``) are named after it, so any other name could make one replace another,
    or the model replace a file of another kind (``--out m.pt`` replaced a checkpoint)."""
    if path.suffix.lower() != ONNX_SUFFIX:
        raise ConfigError(
            f"{flag} must name an .onnx file, got {printable(path, PATH_ECHO)}; e.g. {flag} artifacts/model.onnx "
            "(the checkpoint and model card are written beside it)"
        )


def check_writable(path: Path, flag: str, inputs: Sequence[Path | None] = ()) -> None:
    """Refuse to write ``path`` (``ConfigError``) when it is one of the run's ``inputs`` (its data,
    its model), or exists and is not a regular file (a folder, a device such as /dev/null, a pipe),
    or its folder is a file. Writing would lose the input or replace the device with a file."""
    shown = printable(path, PATH_ECHO)
    status = _status(path, flag)
    if status is not None and not stat.S_ISREG(status.st_mode):
        kind = "a folder" if stat.S_ISDIR(status.st_mode) else "not a regular file (a device, a pipe or a socket)"
        raise ConfigError(f"{flag} {shown} is {kind}; give the path of a file to write")
    for source in inputs:
        if status is not None and source is not None and _status(source, flag) and os.path.samefile(path, source):
            raise ConfigError(
                f"{flag} {shown} is the file this run reads ({printable(source, PATH_ECHO)}); writing it would "
                "lose it: choose another path"
            )
    parent = _status(path.parent, flag) if str(path.parent) else None
    if parent is not None and not stat.S_ISDIR(parent.st_mode):
        raise ConfigError(
            f"{flag} {shown}: {printable(path.parent, PATH_ECHO)} is not a folder; give a path in a folder"
        )


def _status(path: Path, flag: str) -> os.stat_result | None:
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise ConfigError(f"{flag} {printable(path, PATH_ECHO)} cannot be used ({e.strerror or e})") from None


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file in the same folder, renamed onto
    ``path`` when the block ends without an exception, removed otherwise.

    The rename is atomic on POSIX, so a page that reloads the file while it is being re-exported
    reads either the previous bytes or the new ones, and a failed run leaves the old file as it was.
    """
    path = Path(path)
    fd, tmp = _created(path)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (``atomic_file``)."""
    write_together({Path(path): data})


def write_together(files: dict[Path, bytes]) -> None:
    """Write every file or none: each to a temporary file beside it first (where a full disk or a
    folder without write permission shows), then all renamed into place, so a model is not left
    without its checkpoint and card, nor a checkpoint beside another model. ``ConfigError`` (one
    line, nothing written) when a file cannot be written."""
    written: list[tuple[str, Path]] = []
    path = None
    try:
        for path, data in files.items():
            fd, tmp = _created(path)
            written.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException as e:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise ConfigError(
                f"cannot write {printable(path, PATH_ECHO)} ({e.strerror or e}); nothing was written: check the "
                "folder's permissions and free space"
            ) from None
        raise


def _created(path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o644)
    return fd, tmp
