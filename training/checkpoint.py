"""The torch checkpoint saved next to the ONNX file: state dict plus the card's fields.

Written in one place (``checkpoint_bytes``) and read in one place (``load_checkpoint``), always
with ``weights_only=True``: it holds only tensors and plain Python values, so loading it runs no code.
"""

import io
from pathlib import Path

import torch

from export.errors import ArtifactError
from training.model import LogisticRegression

CHECKPOINT_VERSION = 1


def checkpoint_bytes(model: LogisticRegression, fields: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save({"format_version": CHECKPOINT_VERSION, "state_dict": model.state_dict(), "card": fields}, buffer)
    return buffer.getvalue()


def load_checkpoint(path: Path) -> tuple[LogisticRegression, dict]:
    """Return the model (weights restored) and the card fields stored with it."""
    path = Path(path)
    hint = "train one with `python -m training`"
    try:
        saved = torch.load(path, weights_only=True)
    except FileNotFoundError:
        raise ArtifactError(f"no checkpoint at {path}; {hint}") from None
    except OSError as e:
        raise ArtifactError(f"cannot read {path} ({e.strerror}); {hint}") from None
    except Exception:  # torch.load raises many unrelated types for a file that is not a checkpoint
        raise ArtifactError(f"{path} is not a torch checkpoint (another kind of file, or damaged); {hint}") from None
    if not isinstance(saved, dict) or saved.get("format_version") != CHECKPOINT_VERSION:
        raise ArtifactError(f"{path} is not a checkpoint of this kit (format {CHECKPOINT_VERSION}); {hint}")
    fields = saved["card"]
    model = LogisticRegression(len(fields["feature_names"]), len(fields["class_labels"])).double()
    model.load_state_dict(saved["state_dict"])
    return model, fields
