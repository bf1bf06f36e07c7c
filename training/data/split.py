"""The validation split: which rows are held out, and the rule every split must keep.

In memory the split is exact and stratified: ``round(fraction * n_c)`` rows of each class c, chosen
with the seed. A streamed file holds rows out one at a time (``streaming.parquet``); both must
leave every class rows on both sides (``check_sides``).
"""

import numpy as np

from export.errors import DataError
from training.data.dataset import Dataset
from training.data.randomness import split_generator


def check_sides(fraction: float, label: object, kept: int, held: int) -> None:
    """Class ``label`` keeps ``kept`` training rows and ``held`` validation rows: both must be some."""
    if kept == 0 or held == 0:
        side = "validation" if held == 0 else "training"
        raise DataError(
            f"--valid-fraction {fraction:g} leaves class {label!r} ({int(kept + held)} rows) with no "
            f"{side} rows; use more data or a {'larger' if held == 0 else 'smaller'} --valid-fraction"
        )


def stratified_split(data: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset | None]:
    """Hold out ``round(fraction * n_c)`` rows of each class c (chosen with ``seed``); each class
    must keep at least one row on both sides. ``fraction == 0`` keeps every row for training."""
    if fraction == 0:
        return data, None
    rng = split_generator(seed)
    valid = []
    for cls, label in enumerate(data.class_labels):
        rows = np.flatnonzero(data.y == cls)
        if len(rows) < 2:
            raise DataError(
                f"class {label!r} has only {len(rows)} row, and a validation split needs at least two "
                "rows of every class; add rows or leave out --valid-fraction"
            )
        held = int(np.floor(fraction * len(rows) + 0.5))
        check_sides(fraction, label, len(rows) - held, held)
        valid.append(rng.permutation(rows)[:held])
    mask = np.zeros(len(data.y), dtype=bool)
    mask[np.concatenate(valid)] = True
    return data.subset(np.flatnonzero(~mask)), data.subset(np.flatnonzero(mask))
