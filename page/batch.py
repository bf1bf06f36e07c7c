"""Batch scoring on the page: a CSV with the model's feature columns in, probabilities and labels out."""

import io

import numpy as np
import pandas as pd

from export.artifact import Artifact
from export.csv_input import read_csv
from export.errors import DataError
from page.inputs import FLOAT32_MAX, InputError

MAX_ROWS = 100_000  # the page holds the table in memory and renders it; bigger files belong in a script


def score_table(data: bytes, artifact: Artifact, name: str = "the file") -> tuple[pd.DataFrame, list[str]]:
    """Score every row of a CSV. Returns the table (the file's columns, then one probability column
    per class and the label) and notes for the user; raises ``InputError`` with one line otherwise."""
    card = artifact.card
    table = _read(data, name)
    missing = [f for f in card.feature_names if f not in table.columns]
    if missing:
        raise InputError(
            f"{name} lacks the feature column(s) {', '.join(missing)}; the model needs {', '.join(card.feature_names)}"
        )
    if len(table) > MAX_ROWS:
        raise InputError(
            f"{name} has {len(table):,} rows; the page scores at most {MAX_ROWS:,}. For more, use "
            "export.artifact.load_artifact(...).predict in Python"
        )
    x = np.column_stack([_numeric(table[f], f, name) for f in card.feature_names])
    served = artifact.predict(x)
    out = table.copy()
    for i, label in enumerate(card.class_labels):
        out[f"P({card.target_name} = {label})"] = served.probabilities[:, i].astype(np.float64)
    out["label"] = [card.class_labels[i] for i in served.label]
    extra = [c for c in table.columns if c not in card.feature_names]
    notes = (
        [f"Columns {', '.join(map(str, extra))} are not features of this model: they are carried through unchanged."]
        if extra
        else []
    )
    return out, notes


def _read(data: bytes, name: str) -> pd.DataFrame:
    try:
        return read_csv(io.BytesIO(data), name)
    except DataError as e:
        raise InputError(str(e)) from None


def _numeric(column: pd.Series, feature: str, name: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX)
    if bad.any():
        row = int(np.argmax(bad))
        shown = "an empty cell" if pd.isna(column.iloc[row]) else repr(str(column.iloc[row]))
        raise InputError(
            f"{name}: column {feature} on line {row + 2} has {shown}, not a finite number; "
            f"{int(bad.sum())} row(s) are affected. Fix them and upload again"
        )
    return values
