"""The kit's exceptions: one family, so every entry point can turn any of them into one line.

KitError
├── DataError      the training data cannot be used as given
├── ConfigError    a training or export setting is out of range
├── ArtifactError  a model file is missing, not ONNX, or not one of ours
└── ParityError    the exported graph disagrees with torch beyond tolerance

Each message says what is wrong and how to fix it, in one line.
"""


class KitError(Exception):
    """Base of every error the kit reports to a user as one line."""


class DataError(KitError):
    """The training data cannot be used as given."""


class ConfigError(KitError):
    """A training or export setting is out of range."""


class ArtifactError(KitError):
    """A model file is missing, is not ONNX, or was not exported by this kit."""


class ParityError(KitError):
    """The exported graph disagrees with the torch reference beyond tolerance."""


def first_line(error: BaseException, limit: int = 160) -> str:
    """The first line of a library's error message (cut to ``limit``), for a one-line report."""
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:limit]
