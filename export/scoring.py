"""Batch scoring: a table with the model's feature columns in, probabilities and labels out.

Shared by the page's "Score a file" and ``python -m export.score``: the same column checks, the
same messages, and the same formula escaping of what is handed back.
"""

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from export.artifact import Artifact
from export.csv_input import header, locate, numbers, read_csv, sniff
from export.design import codes_of
from export.errors import DataError, InputError, shorten
from export.parity import FLOAT32_MAX
from export.reader.inputs import known_levels

# OWASP's list for CSV injection: a spreadsheet runs a cell that starts with one of these as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def score_table(
    data: bytes, artifact: Artifact, name: str = "the file", max_rows: int | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Score every row of a CSV (``data``, its bytes). Returns the table (the file's columns, then one
    probability column per class and the label) and notes for the user; raises ``InputError`` with
    one line otherwise. Columns that are not features are read as text and come back exactly as
    written. ``max_rows``: the most rows the caller takes (the page's limit)."""
    card = artifact.card
    try:
        dialect = sniff(data, name)
        columns = [c.strip() for c in header(data, name, dialect)]
        extra = other_columns(columns, card.feature_names, name)
        text = [*extra, *card.design.categorical]
        table = read_csv(data, name, text_columns=text, only_empty_missing=True, dialect=dialect)
    except DataError as e:
        raise InputError(str(e)) from None
    if max_rows is not None and len(table) > max_rows:
        raise InputError(
            f"{name} has {len(table):,} rows; the page scores at most {max_rows:,}. For more, use "
            "`python -m export.score --model MODEL.onnx --data FILE`"
        )

    def where(row: int, feature: str) -> str:
        line, cells = locate(data, row, dialect)
        return f"on line {line} has {_shown(cells, columns.index(feature))}"

    return scored(table, artifact, name, where), extra_note(extra)


def other_columns(columns: list[str], features: tuple[str, ...], name: str) -> list[str]:
    """The columns of a file to score that are not features; ``InputError`` if a feature is missing."""
    missing = [f for f in features if f not in columns]
    if missing:
        raise InputError(
            f"{name} lacks the feature column(s) {', '.join(missing)}; the model needs {', '.join(features)}"
        )
    return [c for c in columns if c not in features]


def scored(table: pd.DataFrame, artifact: Artifact, name: str, where: Callable[[int, str], str]) -> pd.DataFrame:
    """``table`` with one probability column per class and the label appended, from its feature
    columns; ``where(row, feature)`` words the first bad cell of a column for the message."""
    card, design = artifact.card, artifact.design
    codes = np.column_stack(
        [
            _levels(table[f], f, design.levels[f], name, where)
            if f in design.levels
            else _numeric(table[f], f, name, where)
            for f in design.features
        ]
    )
    served = artifact.predict_codes(codes)
    out = table.copy()
    for i, label in enumerate(card.class_labels):
        out[f"P({card.target_name} = {label})"] = served.probabilities[:, i].astype(np.float64)
    out["label"] = [card.class_labels[i] for i in served.label]
    return out


def extra_note(extra: list) -> list[str]:
    if not extra:
        return []
    return [f"Columns {', '.join(map(str, extra))} are not features of this model: they are carried through unchanged."]


def scored_csv(table: pd.DataFrame) -> bytes:
    """The download, made safe for spreadsheets (``spreadsheet_safe``)."""
    return spreadsheet_safe(table).to_csv(index=False).encode()


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells (and column names) that a spreadsheet would run as a formula get a leading single
    quote (OWASP's advice); cells that are numbers, such as an ID of -5, stay as they are."""
    safe = table.rename(columns=neutralise).copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise, na_action="ignore")
    return safe


def neutralise(cell: object) -> object:
    """``'=1+2`` for ``=1+2``; numbers and other text unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _numeric(column: pd.Series, feature: str, name: str, where: Callable[[int, str], str]) -> np.ndarray:
    values = numbers(column)
    bad = ~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX)
    if bad.any():
        raise InputError(
            f"{name}: column {feature} {where(int(np.argmax(bad)), feature)}, not a finite number within "
            f"float32's range; {int(bad.sum())} row(s) are affected. Fix them and score again"
        )
    return values


def _levels(column: pd.Series, feature: str, levels: tuple[str, ...], name: str, where) -> np.ndarray:
    """A categorical feature's column as its levels' indices (``export.design``'s codes), each cell
    checked to be one of ``levels``."""
    codes = codes_of(column.to_numpy(dtype=object), levels)
    unknown = codes < 0
    if unknown.any():
        raise InputError(
            f"{name}: column {feature} {where(int(np.argmax(unknown)), feature)}, not a level the model saw in "
            f"training ({known_levels(levels)}); {int(unknown.sum())} row(s) are affected. Fix them and score again"
        )
    return codes


def _shown(cells: list[str], position: int) -> str:
    """The cell as the user wrote it, the way a message should name it."""
    text = cells[position].strip() if position < len(cells) else ""
    if not text:
        return "an empty cell"
    if text.lower().lstrip("+-") == "nan":
        return "NaN"
    return repr(shorten(text))
