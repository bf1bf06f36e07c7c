"""Which columns of a table a fit uses: the target, the features and the weight column."""

from collections.abc import Iterable
from dataclasses import dataclass

from export.csv_input import Dialect, delimiter_hint
from export.errors import DataError


@dataclass(frozen=True)
class Columns:
    """Which columns of a table to use, and how a CSV's text is written (None: told from the file,
    ``export.csv_input.sniff``): the I/O half of the command line's data flags."""

    target: str | None
    features: list[str] | None = None
    weight: str | None = None
    drop_missing: bool = False
    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    categorical: tuple[str, ...] = ()  # integer columns to read as categories (text ones are anyway)
    positive: str | None = None  # the class P(class 1) is about (binary); None: the second in sorted order
    thousands: str | None = None  # a CSV's thousands mark; "": none; None: told from the file
    keep_codes: bool = False  # a formula's columns: rows kept as codes, for its design to expand

    def used(self, features: list[str]) -> list[str]:
        """The columns read: features, target and the weight column, in that order."""
        return [*features, self.target, *([self.weight] if self.weight else [])]


def pick_columns(names: list[str], columns: Columns, name: str, dialect: Dialect | None = None) -> list[str]:
    """Check that the target (and the weight column) are among ``names``; return the feature columns:
    as listed, or every column but the target and the weight column. ``dialect``: a CSV's, so that
    a header that did not split says which delimiter it seems to use."""
    if columns.target is None:
        raise DataError(
            f"--data needs --target COLUMN to name the column to predict (columns of {name}: {names_text(names)})"
        )
    if columns.target not in names:
        flag = "--formula's target" if columns.keep_codes else "--target"
        raise DataError(
            f"{flag} {columns.target!r} is not a column of {name} (columns: {names_text(names)})"
            + (delimiter_hint(names, dialect) if dialect else "")
        )
    if columns.weight is not None and columns.weight == columns.target:
        raise DataError(f"--weight-column {columns.weight!r} is the target; name the column of sample weights")
    if columns.weight is not None and columns.weight not in names:
        raise DataError(f"--weight-column {columns.weight!r} is not a column of {name} (columns: {names_text(names)})")
    target = columns.target
    features = columns.features
    if features is None:
        features = [c for c in names if c not in (target, columns.weight)]
    unknown = [f for f in features if f not in names]
    if unknown:
        flag = "--formula" if columns.keep_codes else "--features"
        raise DataError(f"{flag} names {names_text(unknown)}, not columns of {name} (columns: {names_text(names)})")
    if target in features:
        raise DataError(f"--features includes the target {target!r}; list only the input columns")
    if columns.weight in features:
        raise DataError(f"--features includes the weight column {columns.weight!r}; list only the input columns")
    if not features:
        raise DataError(f"{name} has no feature columns besides the target {target!r}; add at least one")
    if len(set(features)) != len(features):
        raise DataError(f"--features lists a column twice ({names_text(features)}); list each once")
    return list(features)


def names_text(items: Iterable) -> str:
    return ", ".join(str(i) for i in items)
