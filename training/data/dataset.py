"""The training rows in memory: features, class indices and weights, with the names the card needs."""

from dataclasses import dataclass

import numpy as np

from export.design import Design
from export.formula.design import FormulaDesign


@dataclass(frozen=True)
class Dataset:
    """``x``: float64 (n_rows, n_features) raw values; ``y``: int64 (n_rows,) class index, index i
    standing for ``class_labels[i]`` (labels in sorted order); ``weights``: float64 (n_rows,) sample
    weights as given, or None; ``dropped_rows``: rows left out for missing values; ``notes``: what
    the loader did that the user should hear (a saved index column left out). With categorical
    features, ``x`` holds the terms (``feature_names`` names them) that ``design`` makes of the
    file's columns. Rows with categorical features or a formula keep their ``codes`` (n, d: raw
    numbers, a categorical feature's level index: ``export.design``): as read, ``x`` is the codes
    too, until ``coded`` or ``expanded`` makes the terms the fit takes (the codes kept beside them)."""

    x: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    class_labels: tuple
    source: str
    weights: np.ndarray | None = None
    dropped_rows: int = 0
    notes: tuple[str, ...] = ()
    design: "Design | FormulaDesign | None" = None
    codes: np.ndarray | None = None

    @property
    def inputs(self) -> "Design | FormulaDesign":
        """The raw inputs: the design, or the features themselves when all are numeric."""
        return self.design or Design(self.feature_names)

    @property
    def n_classes(self) -> int:
        return len(self.class_labels)

    @property
    def weights_given(self) -> bool:
        return self.weights is not None

    def subset(self, rows: np.ndarray) -> "Dataset":
        weights = None if self.weights is None else self.weights[rows]
        return Dataset(
            self.x[rows],
            self.y[rows],
            self.feature_names,
            self.target_name,
            self.class_labels,
            self.source,
            weights,
            self.dropped_rows,
            self.notes,
            self.design,
            None if self.codes is None else self.codes[rows],
        )


def expanded(rows: Dataset, design: "Design | FormulaDesign") -> Dataset:
    """``rows`` as ``design`` makes their terms from their codes (the codes kept beside them): where
    a fit's data source gets its columns. Numbers keep their precision (float32 stays float32) where
    the design passes them through; a formula's columns are float64."""
    dtype = rows.codes.dtype if isinstance(design, Design) and design.numeric else np.float64
    return Dataset(
        design.expand(rows.codes, dtype),
        rows.y,
        design.terms,
        rows.target_name,
        rows.class_labels,
        rows.source,
        rows.weights,
        rows.dropped_rows,
        rows.notes,
        design,
        rows.codes,
    )


def coded(rows: Dataset, coding: str) -> Dataset:
    """Rows read from a table, their categorical features' levels made terms as ``coding`` says
    (``export.design.CODINGS``: the penalty decides it); rows without levels as they are."""
    if rows.codes is None:
        return rows
    return expanded(rows, Design(rows.inputs.features, rows.inputs.levels, coding))


def tutorial_dataset() -> Dataset:
    """The tutorial's complete program: x = [1, 2, 3, 4], y = [0, 1, 1, 0]."""
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset(x, y, ("x",), "y", (0, 1), "tutorial")
