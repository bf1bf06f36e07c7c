"""The target column as class indices: its distinct values, sorted, are the classes."""

from collections.abc import Sequence

import numpy as np

from export.design import level_text
from export.errors import DataError, listed, printable
from training.data.checks import check_class_count


def encode_target(values: np.ndarray, name: str, file: str, positive: str | None = None) -> tuple[np.ndarray, tuple]:
    """(y int64 class indices, class labels as plain Python values, in sorted order, or as
    ``order_classes`` puts them for ``positive``)."""
    try:
        labels, y = np.unique(values, return_inverse=True)
    except TypeError:  # mixed types, e.g. numbers and text: compare them as text
        labels, y = np.unique(values.astype(str), return_inverse=True)
    check_labels(labels, name, file)
    labels = tuple(v.item() if hasattr(v, "item") else v for v in labels)
    ordered = order_classes(labels, positive, name, file)
    return (y if ordered == labels else 1 - y).astype(np.int64), ordered


def check_labels(labels: Sequence, name: str, file: str) -> None:
    """The target's distinct values (sorted) can be classes: 2 to ``MAX_CLASSES`` of them, none
    infinite (a card stores classes as JSON values), none written over several lines."""
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


def order_classes(labels: tuple, positive: str | None, name: str, file: str) -> tuple:
    """The classes in index order: sorted; with ``--positive LEVEL`` (a binary target), the other
    class first and LEVEL second, so that P(class 1), the threshold and the binary metrics are about
    LEVEL. ``DataError`` if the target is not binary or has no such class."""
    if positive is None:
        return labels
    if len(labels) != 2:
        raise DataError(
            f"--positive names the class that P is about in a binary target, but target '{printable(name)}' of "
            f"{file} has {len(labels)} classes; leave --positive out"
        )
    chosen = [label for label in labels if level_text(label) == level_text(positive)]
    if not chosen:
        raise DataError(
            f"--positive {printable(positive)!r} is not a class of target '{printable(name)}' of {file} "
            f"(classes: {listed(labels)}); give one of them"
        )
    return (labels[1], labels[0]) if chosen[0] == labels[0] else labels
