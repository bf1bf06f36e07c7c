"""Every exception the kit raises for a user to read: one family, so each entry point (the two
command lines, the page) turns any of them into one line.

KitError                 base (a ValueError): one line that says what is wrong and how to fix it
├── DataError            the training data cannot be used as given
│   ├── RowError         ...because of particular rows; under torchrun only the process reading them sees it
│   └── WorkerLost       another process of a torchrun job stopped answering
├── ConfigError          a training or export setting is out of range
├── ArtifactError        a model file is missing, not ONNX, or not one of ours
├── ParityError          the exported graph disagrees with torch beyond tolerance
└── InputError           a value or file given for scoring (the page, python -m export.score) cannot be scored

This module imports nothing of the kit, so every package (training, export, page) can import it.
"""

from collections.abc import Iterable


class KitError(ValueError):
    """Base of every error the kit reports to a user as one line. A ``ValueError``, as Python and
    scikit-learn raise for a bad value: code that calls the kit (``training.fit``, the estimator in a
    scikit-learn search) catches what it already expects."""


class DataError(KitError):
    """The training data cannot be used as given."""


class RowError(DataError):
    """A problem in particular rows of a streamed file: under torchrun only the process reading
    them sees it, so it alone reports it (the others are told a worker was lost)."""


class WorkerLost(DataError):
    """Another process of a distributed job stopped answering (it died or was killed)."""


class ConfigError(KitError):
    """A training or export setting is out of range."""


class ArtifactError(KitError):
    """A model file is missing, is not ONNX, or was not exported by this kit."""


class ParityError(KitError):
    """The exported graph disagrees with the torch reference beyond tolerance."""


class InputError(KitError):
    """What was typed, uploaded or given to score cannot be scored; the message says what to give instead."""


MAX_ECHO = 40  # characters of a bad entry repeated back in a message
MAX_SHOWN = 20  # warnings and notes the pages list; the rest are counted (a card may hold 30,000)


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` as typed, cut to ``limit`` characters so a pasted page does not come back in full."""
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


def printable(value: object, limit: int = MAX_ECHO) -> str:
    """``value`` as text on one line (line breaks and other control characters escaped), cut to
    ``limit``: how a name, a cell or a class label from a user's file is shown."""
    text = str(value)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shorten(text, limit)


def listed(values: Iterable, most: int = 12, limit: int = MAX_ECHO) -> str:
    """Up to ``most`` values, each ``printable``, comma-separated, and how many there are in all."""
    values = list(values)
    shown = ", ".join(printable(v, limit) for v in values[:most])
    return shown + (f", ... ({len(values):,} in all)" if len(values) > most else "")


def first_line(error: BaseException, limit: int = 160) -> str:
    """The first line of a library's error message (cut to ``limit``), for a one-line report."""
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:limit]
