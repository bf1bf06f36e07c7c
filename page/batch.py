"""Batch scoring on the page: a CSV with the model's feature columns in, probabilities and labels out."""

import re

import numpy as np
import pandas as pd

from export.artifact import Artifact
from export.csv_input import delimiter_hint, header, locate, numbers, read_csv
from export.errors import DataError, InputError
from export.parity import FLOAT32_MAX
from page.inputs import shorten

MAX_ROWS = 100_000  # the page holds the table in memory and renders it; bigger files belong in a script
MAX_CSV_MB = 25  # about 100,000 rows of 30 numeric columns; the parsed table takes a few times this
# OWASP's list for CSV injection: a spreadsheet runs a cell that starts with one of these as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def score_table(data: bytes, artifact: Artifact, name: str = "the file") -> tuple[pd.DataFrame, list[str]]:
    """Score every row of a CSV. Returns the table (the file's columns, then one probability column
    per class and the label) and notes for the user; raises ``InputError`` with one line otherwise.
    Columns that are not features are read as text and come back exactly as written."""
    card = artifact.card
    try:
        columns = [c.strip() for c in header(data, name)]
        missing = [f for f in card.feature_names if f not in columns]
        if missing:
            raise InputError(
                f"{name} lacks the feature column(s) {', '.join(missing)}; the model needs "
                f"{', '.join(card.feature_names)}" + delimiter_hint(columns)
            )
        extra = [c for c in columns if c not in card.feature_names]
        table = read_csv(data, name, text_columns=extra, only_empty_missing=True)
    except DataError as e:
        raise InputError(str(e)) from None
    if len(table) > MAX_ROWS:
        raise InputError(
            f"{name} has {len(table):,} rows; the page scores at most {MAX_ROWS:,}. For more, use "
            "export.artifact.load_artifact(...).predict in Python"
        )
    x = np.column_stack([_numeric(table[f], f, columns.index(f), name, data) for f in card.feature_names])
    served = artifact.predict(x)
    out = table.copy()
    for i, label in enumerate(card.class_labels):
        out[f"P({card.target_name} = {label})"] = served.probabilities[:, i].astype(np.float64)
    out["label"] = [card.class_labels[i] for i in served.label]
    notes = (
        [f"Columns {', '.join(map(str, extra))} are not features of this model: they are carried through unchanged."]
        if extra
        else []
    )
    return out, notes


def scored_csv(table: pd.DataFrame) -> bytes:
    """The download: text cells (and column names) that a spreadsheet would run as a formula get a
    leading single quote (OWASP's advice); cells that are numbers, such as an ID of -5, stay as they are."""
    safe = table.rename(columns=neutralise).copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise, na_action="ignore")
    return safe.to_csv(index=False).encode()


def neutralise(cell: object) -> object:
    """``'=1+2`` for ``=1+2``; numbers and other text unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _numeric(column: pd.Series, feature: str, position: int, name: str, data: bytes) -> np.ndarray:
    values = numbers(column)
    bad = ~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX)
    if bad.any():
        line, cells = locate(data, int(np.argmax(bad)))
        raise InputError(
            f"{name}: column {feature} on line {line} has {_shown(cells, position)}, not a finite number within "
            f"float32's range; {int(bad.sum())} row(s) are affected. Fix them and upload again"
        )
    return values


def _shown(cells: list[str], position: int) -> str:
    """The cell as the user wrote it, the way a message should name it."""
    text = cells[position].strip() if position < len(cells) else ""
    if not text:
        return "an empty cell"
    if text.lower().lstrip("+-") == "nan":
        return "NaN"
    return repr(shorten(text))
