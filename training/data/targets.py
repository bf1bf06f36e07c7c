"""The target column as class indices: its distinct values, sorted, are the classes."""

import numpy as np

from export.errors import DataError, printable
from training.data.checks import check_class_count


def encode_target(values: np.ndarray, name: str, file: str) -> tuple[np.ndarray, tuple]:
    """(y int64 class indices, class labels as plain Python values, in sorted order)."""
    try:
        labels, y = np.unique(values, return_inverse=True)
    except TypeError:  # mixed types, e.g. numbers and text: compare them as text
        labels, y = np.unique(values.astype(str), return_inverse=True)
    infinite = next((v for v in labels if isinstance(v, float | np.floating) and not np.isfinite(v)), None)
    if infinite is not None:
        raise DataError(
            f"target '{printable(name)}' of {file} has {infinite}, which cannot be a class (a card stores classes as "
            "JSON values); fix or remove the rows that hold it"
        )
    broken = next((label for label in labels if isinstance(label, str) and ("\n" in label or "\r" in label)), None)
    if broken is not None:
        raise DataError(
            f"target '{printable(name)}' of {file} has a class written over several lines ('{printable(broken)}'): "
            'a quote (") that is never closed makes the rest of the file one cell; close or remove it'
        )
    check_class_count(labels, name, file)
    return y.astype(np.int64), tuple(v.item() if hasattr(v, "item") else v for v in labels)
