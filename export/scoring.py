"""Batch scoring: a table with the model's feature columns in, probabilities and labels out.

Shared by the page's "Score a file" and ``python -m export.score``: the same column checks, the
same messages, and the same formula escaping of what is handed back.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from export.artifact import Artifact
from export.card.model_card import ModelCard
from export.csv_input import NUMBER, Dialect, header, locate, numbers, read_csv, sniff, text_numbers
from export.design import codes_of
from export.errors import DataError, InputError, listed, printable, shorten
from export.explain import explain_codes
from export.formula.design import FormulaDesign
from export.formula.expression import UNDEFINED_CELL
from export.limits import FLOAT32_MAX
from export.reader.inputs import known_levels

# OWASP's list for CSV injection: a spreadsheet runs a cell that starts with one of these as a
# formula, also after leading spaces (which some spreadsheets skip)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# said after a message about a missing cell: the page, the site and python -m export.score offer it
COMPLETE_ROWS_HINT = ", or score only the complete rows (--complete-rows; on the pages, the box below the upload)"
# The pages' limits (the Streamlit page and the static site): both hold a scored table in memory and
# show it; bigger files go to python -m export.score. 25 MB is about 100,000 rows of 30 numbers.
MAX_ROWS = 100_000
MAX_CSV_MB = 25


@dataclass(frozen=True)
class Extras:
    """What scoring appends after the probabilities and the label (``python -m export.score``'s
    ``--interval`` and ``--explain``): each probability's 95% interval, and the explanation of the
    logit (``export.explain``: its base, then each feature's contribution)."""

    interval: bool = False
    explain: bool = False


NO_EXTRAS = Extras()


def extra_names(card: ModelCard, extras: Extras) -> list[str]:
    """The columns ``extras`` add, in order."""
    names = []
    if extras.interval:
        names += [f"P({card.target_name} = {c}) 95% {end}" for c in card.class_labels for end in ("low", "high")]
    if extras.explain:
        logits = [""] if card.binary else [f"[{c}]" for c in card.class_labels]
        names += [f"logit{logit} base" for logit in logits]
        to = [f" to logit{logit}" if logit else "" for logit in logits]
        names += [f"contribution of {part}{target}" for part in card.design.parts() for target in to]
    return names


def score_table(
    data: bytes,
    artifact: Artifact,
    name: str = "the file",
    max_rows: int | None = None,
    complete_rows: bool = False,
    extras: Extras = NO_EXTRAS,
) -> tuple[pd.DataFrame, list[str]]:
    """Score every row of a CSV (``data``, its bytes). Returns the table (the file's columns, then one
    probability column per class and the label) and notes for the user; raises ``InputError`` with
    one line otherwise. Every column is read as text and comes back exactly as written (outer
    spaces before a cell removed), numbers read by ``text_numbers``. ``max_rows``: the most rows the
    caller takes (the page's limit)."""
    card = artifact.card
    try:
        dialect = sniff(data, name)
        written = header(data, name, dialect)
        columns = [c.strip() for c in written]
        extra = other_columns(columns, card.feature_names, name)
        table = read_csv(data, name, text_columns=columns, only_empty_missing=True, dialect=dialect)
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

    names, renamed = score_names(card, columns, extras)
    out = scored(table, artifact, name, where, names, dialect, complete_rows, extras)
    out.attrs["written"] = Written(dialect, (*written, *names))
    return out, extra_note(extra) + renamed + unscored_note(int(out[names[card.n_classes]].isna().sum()), name)


def other_columns(columns: list[str], features: tuple[str, ...], name: str) -> list[str]:
    """The columns of a file to score that are not features; ``InputError`` if a feature is missing."""
    missing = [f for f in features if f not in columns]
    if missing:
        raise InputError(
            f"{name} lacks the feature column(s) {', '.join(missing)}; the model needs {', '.join(features)}"
        )
    features = set(features)
    return [c for c in columns if c not in features]


def score_names(card: ModelCard, columns: list[str], extras: Extras = NO_EXTRAS) -> tuple[list[str], list[str]]:
    """The names of the columns scoring appends (``P(target = class)`` per class, ``label``, then
    the ``extras``') and a note if any had to change: where the file already has a column of that
    name, the new one is called ``NAME (scored)`` (``NAME (scored 2)``, ...), so no input column is
    ever overwritten."""
    standard = [*(f"P({card.target_name} = {label})" for label in card.class_labels), "label"]
    standard += extra_names(card, extras)
    taken = set(columns)
    names = []
    for wanted in standard:
        name, n = wanted, 1
        while name in taken:
            name = f"{wanted} (scored{'' if n == 1 else f' {n}'})"
            n += 1
        taken.add(name)
        names.append(name)
    changed = [f"{printable(new, 80)!r}" for new, old in zip(names, standard) if new != old]
    note = f"The file already has columns of the names scoring writes; the scores are in {', '.join(changed)}."
    return names, [note] if changed else []


def scored(
    table: pd.DataFrame,
    artifact: Artifact,
    name: str,
    where: Callable[[int, str], str],
    names: list[str],
    dialect: Dialect | None = None,
    complete_rows: bool = False,
    extras: Extras = NO_EXTRAS,
) -> pd.DataFrame:
    """``table`` with one probability column per class, the label and the ``extras`` appended under
    ``names`` (``score_names``), from its feature columns (a text cell read as ``dialect`` writes
    numbers); ``where(row, feature)`` words the first bad cell of a column for the message. With
    ``complete_rows``, a row with a missing feature cell is not scored: its score cells are empty."""
    card, design = artifact.card, artifact.design
    rows = np.flatnonzero(~_incomplete(table, design.features)) if complete_rows else np.arange(len(table))
    part = table.iloc[rows]

    def located(i: int, feature: str) -> str:
        return where(int(rows[i]), feature)

    codes = np.column_stack(
        [
            _levels(part[f], f, design.levels[f], name, located)
            if f in design.levels
            else _numeric(part[f], f, name, located, dialect)
            for f in design.features
        ]
    ).reshape(len(rows), len(design.features))
    if isinstance(design, FormulaDesign):  # a log or a square root takes only some numbers
        found = design.undefined(codes)
        if found is not None:
            factor, i = found
            column = factor.columns[0]
            said = {"file": name, "column": column, "located": located(i, column), "term": shorten(factor.label)}
            raise InputError(UNDEFINED_CELL.format(**said))
    served = artifact.predict_codes(codes)
    probabilities = np.full((len(table), card.n_classes), np.nan)
    probabilities[rows] = served.probabilities
    labels = np.full(len(table), None, dtype=object)
    labels[rows] = [card.class_labels[i] for i in served.label]
    columns = [probabilities.T, labels[None, :]]
    n = len(table)
    if extras.interval:
        columns.append(_unscored_as_nan(np.stack([served.probability_low, served.probability_high], axis=2), rows, n))
    if extras.explain:
        explanation = explain_codes(card, codes)
        base = np.broadcast_to(explanation.base, (len(rows), np.size(explanation.base)))
        columns += [_unscored_as_nan(base, rows, n), _unscored_as_nan(explanation.contributions, rows, n)]
    scores = dict(zip(names, (column for block in columns for column in block)))
    return pd.concat([table, pd.DataFrame(scores, index=table.index)], axis=1)


def _unscored_as_nan(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """``values`` of the scored ``rows`` (first axis), as columns over all ``n`` rows (NaN where
    unscored), in the order ``extra_names`` writes them (the last axes vary fastest)."""
    flat = np.asarray(values, dtype=np.float64).reshape(len(rows), -1)
    out = np.full((n, flat.shape[1]), np.nan)
    out[rows] = flat
    return out.T


def _incomplete(table: pd.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    """The rows with a missing (empty) cell in a feature column."""
    return table[list(features)].isna().any(axis=1).to_numpy()


def unscored_note(skipped: int, name: str) -> list[str]:
    """The note on the rows left unscored (their label cell is empty: no class label is missing)."""
    if not skipped:
        return []
    return [f"{skipped:,} row(s) of {name} have missing cells: left unscored (their score columns are empty)."]


def extra_note(extra: list) -> list[str]:
    if not extra:
        return []
    return [f"Columns {listed(extra)} are not features of this model: they are carried through unchanged."]


@dataclass(frozen=True)
class Written:
    """How a scored file was written, kept in the scored table's ``attrs`` for its download: the
    file's dialect, and its column names as written followed by the scores'."""

    dialect: Dialect
    header: tuple[str, ...]

    def __deepcopy__(self, memo: dict) -> "Written":
        # pandas deep-copies ``attrs`` into every Series and frame it derives: a copy of 100,000
        # column names per column made scoring a wide file quadratic (16 GB); this is immutable
        return self


def scored_csv(table: pd.DataFrame) -> bytes:
    """The download, made safe for spreadsheets (``spreadsheet_safe``), written as the scored file
    was (``Written``, which ``score_table`` records; a table without it: commas and points)."""
    written = table.attrs.get("written", Written(Dialect(), ()))
    safe = spreadsheet_safe(table)
    if written.header:
        safe.columns = [neutralise(name) for name in written.header]
    return safe.to_csv(index=False, sep=written.dialect.sep, decimal=written.dialect.decimal).encode()


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells (and column names) that a spreadsheet would run as a formula get a leading single
    quote (OWASP's advice); cells that are numbers, such as an ID of -5, stay as they are."""
    columns = list(table.items())
    text = [j for j, (_, column) in enumerate(columns) if not pd.api.types.is_numeric_dtype(column)]
    # one pass over every text cell at once: a column at a time cost a second per thousand columns
    cells = _neutralised(table.iloc[:, text].to_numpy(dtype=object)) if text else None
    parts = {j: column.to_numpy() for j, (_, column) in enumerate(columns)}
    parts.update({j: cells[:, k] for k, j in enumerate(text)})
    safe = pd.DataFrame(parts, index=table.index)
    safe.columns = [neutralise(name) for name, _ in columns]
    return safe


def neutralise(cell: object) -> object:
    """``'=1+2`` for ``=1+2`` and ``' =1+2`` for `` =1+2``; numbers and other text unchanged."""
    if isinstance(cell, str) and cell.lstrip(" ").startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


_neutralised = np.frompyfunc(neutralise, 1, 1)  # ``neutralise`` of every cell of an object array


def _numeric(
    column: pd.Series, feature: str, name: str, where: Callable[[int, str], str], dialect: Dialect | None
) -> np.ndarray:
    text = dialect is not None and not pd.api.types.is_numeric_dtype(column)
    values = text_numbers(column, dialect) if text else numbers(column)
    bad = ~np.isfinite(values) | (np.abs(values) > FLOAT32_MAX)
    if bad.any():
        first = int(np.argmax(bad))
        raise InputError(
            f"{name}: column {feature} {where(first, feature)}, not a finite number within "
            f"float32's range; {int(bad.sum())} row(s) are affected. Fix them and score again"
            + COMPLETE_ROWS_HINT
            * bool(pd.isna(column.iloc[first]))
        )
    return values


def _levels(column: pd.Series, feature: str, levels: tuple[str, ...], name: str, where) -> np.ndarray:
    """A categorical feature's column as its levels' indices (``export.design``'s codes), each cell
    checked to be one of ``levels``."""
    codes = codes_of(column.to_numpy(dtype=object), levels)
    unknown = codes < 0
    if unknown.any():
        first = int(np.argmax(unknown))
        raise InputError(
            f"{name}: column {feature} {where(first, feature)}, not a level the model saw in "
            f"training ({known_levels(levels)}); {int(unknown.sum())} row(s) are affected. Fix them and score again"
            + COMPLETE_ROWS_HINT
            * bool(pd.isna(column.iloc[first]))
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
