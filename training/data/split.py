"""A stratified, seeded split into training and validation rows."""

import numpy as np

from export.errors import DataError
from training.data.tables import Dataset


def stratified_split(data: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset | None]:
    """Hold out ``round(fraction * n_c)`` rows of each class c (chosen with ``seed``); each class
    must keep at least one row on both sides. ``fraction == 0`` keeps every row for training."""
    if fraction == 0:
        return data, None
    rng = np.random.default_rng(seed)
    valid = []
    for cls, label in enumerate(data.class_labels):
        rows = np.flatnonzero(data.y == cls)
        if len(rows) < 2:
            raise DataError(
                f"class {label!r} has only {len(rows)} row, and a validation split needs at least two "
                "rows of every class; add rows or leave out --valid-fraction"
            )
        held = int(np.floor(fraction * len(rows) + 0.5))
        if held == 0 or held == len(rows):
            side = "validation" if held == 0 else "training"
            raise DataError(
                f"--valid-fraction {fraction:g} leaves class {label!r} ({len(rows)} rows) with no "
                f"{side} rows; use more data or a {'larger' if held == 0 else 'smaller'} "
                "--valid-fraction"
            )
        valid.append(rng.permutation(rows)[:held])
    mask = np.zeros(len(data.y), dtype=bool)
    mask[np.concatenate(valid)] = True
    return data.subset(np.flatnonzero(~mask)), data.subset(np.flatnonzero(mask))
