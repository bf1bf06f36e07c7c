"""The torch checkpoint saved next to the ONNX file: the fitted module's state dict plus training's
description of the fit (the card without what export adds).

Written in one place (``checkpoint_bytes``) and read in one place (``load_checkpoint``), always
with ``weights_only=True``: it holds only tensors and plain Python values, so loading it runs no code.
The state dict is the training module's own (``training.solvers.model.LogisticRegression``): its
one linear layer under ``linear.weight`` (L, d) and ``linear.bias`` (L,). Export reads it back as
that ``nn.Linear``, so it needs nothing from ``training``.
"""

import io
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from export.card.sections import Description
from export.errors import ArtifactError

CHECKPOINT_VERSION = 1
LAYER = "linear."  # the prefix of the linear layer's entries in the state dict


def checkpoint_bytes(state_dict: Mapping[str, torch.Tensor], description: Description) -> bytes:
    buffer = io.BytesIO()
    card = description.to_json()  # plain JSON values, so that loading needs no code of ours
    torch.save({"format_version": CHECKPOINT_VERSION, "state_dict": state_dict, "card": card}, buffer)
    return buffer.getvalue()


def load_checkpoint(path: Path) -> tuple[nn.Linear, Description]:
    """Return the fitted linear layer (float64, weights restored) and training's description of it."""
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
    description = Description.from_json(saved["card"])
    n_classes = len(description.class_labels)
    terms = description.terms or description.feature_names  # the coefficients' columns
    layer = nn.Linear(len(terms), 1 if n_classes == 2 else n_classes).double()
    layer.load_state_dict({k.removeprefix(LAYER): v for k, v in saved["state_dict"].items()})
    return layer, description
