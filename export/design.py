"""How a model's raw inputs become the columns its coefficients multiply (its terms).

A numeric feature is one term. A categorical feature with levels ``l_0 < l_1 < ...`` (sorted,
written as text) is one 0/1 indicator term per level, named ``feature[level]``:
- ``treatment`` coding (fits without an L2 penalty) leaves out the first level, the reference, as
  R's and statsmodels' default contrasts do: each coefficient is that level's difference from it;
- ``one-hot`` coding (``--l2``) keeps every level, so the penalty treats the levels alike (scikit-
  learn's ``OneHotEncoder``); the intercept and the levels are then determined by the penalty.

Rows are handed around in "codes": a float array (n, d) of the raw inputs in feature order, a
categorical feature's column holding its level's index. The file readers keep a table so, the card
stores its training rows so, and ``expand`` turns codes into the design matrix (n, terms) where a
fit takes its columns (``training.data.dataset.coded``: the penalty chooses the coding) and where
the reader checks a graph. Numbers only: training, export and the reader share it. A formula
model's design (``export.formula.design``) answers the same questions.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

CODINGS = ("treatment", "one-hot")
MAX_LEVELS = 1000  # a categorical feature with more levels is refused (a name, an ID, a measurement)
# a whole number written as text ("2", "+2", "2.0"): the level is its digits ("2"); codes with
# leading zeros ("02134") are not numbers but codes, and stay as written
WHOLE_NUMBER = r"^\+?(-?)(0|[1-9][0-9]*)(?:\.0*)?$"
# a boolean feature's levels, and the other spellings of each that CSV files write
BOOLEAN_SPELLINGS = {"True": ("true", "TRUE"), "False": ("false", "FALSE")}


@dataclass(frozen=True)
class Design:
    """``features``: the raw inputs in order; ``levels``: each categorical feature's levels (text,
    sorted); ``coding``: one of ``CODINGS``."""

    features: tuple[str, ...]
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    coding: str = "treatment"

    @property
    def categorical(self) -> tuple[str, ...]:
        return tuple(f for f in self.features if f in self.levels)

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(f for f in self.features if f not in self.levels)

    @property
    def has_categories(self) -> bool:
        return bool(self.levels)

    def level_terms(self, feature: str) -> tuple[str, ...]:
        """The levels of ``feature`` that have a term of their own (all but the reference for
        treatment coding)."""
        levels = self.levels[feature]
        return levels[1:] if self.coding == "treatment" else levels

    def feature_terms(self, feature: str) -> tuple[str, ...]:
        if feature not in self.levels:
            return (feature,)
        return tuple(term_name(feature, level) for level in self.level_terms(feature))

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t for f in self.features for t in self.feature_terms(f))

    def parts(self) -> dict[str, tuple[int, ...]]:
        """What an explanation gives a contribution each (``export.explain``): each feature, with
        the positions of its terms."""
        return {f: tuple(self.term_indices(f)) for f in self.features}

    def tested_groups(self) -> dict[str, tuple[int, ...]]:
        """Each categorical feature's terms, left out together by its likelihood-ratio test."""
        return {f: tuple(self.term_indices(f)) for f in self.categorical}

    def indicator_terms(self) -> list[int]:
        """Positions of the categorical features' terms among ``terms``."""
        return [t for f in self.categorical for t in self.term_indices(f)]

    def term_indices(self, feature: str) -> list[int]:
        """Positions of ``feature``'s terms among ``terms``."""
        start = 0
        for f in self.features:
            width = len(self.feature_terms(f))
            if f == feature:
                return list(range(start, start + width))
            start += width
        raise KeyError(feature)

    def expand(self, codes: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        """Codes (n, d) -> the design matrix (n, terms) in ``dtype``, column-major (the fit's
        layout), written in place a term at a time (no wider temporary than one column). A code
        that is not a level's index (a level unknown to the model, -1) gives NaN in every term of
        its feature."""
        codes = np.asarray(codes).reshape(-1, len(self.features))
        if not self.levels:
            return np.asarray(codes, dtype=dtype)
        out = np.empty((len(codes), len(self.terms)), dtype=dtype, order="F")
        first = 1 if self.coding == "treatment" else 0
        for j, feature in enumerate(self.features):
            column, terms = codes[:, j], self.term_indices(feature)
            if feature not in self.levels:
                out[:, terms[0]] = column
                continue
            for k, term in enumerate(terms):
                out[:, term] = column == first + k
            unknown = ~np.isin(column, np.arange(len(self.levels[feature])))
            if terms and unknown.any():
                out[np.ix_(unknown, terms)] = np.nan
        return out

    def codes_row(self, values: Mapping[str, float | str]) -> np.ndarray:
        """One row of codes (d,) from a value per feature (a number, or a categorical feature's level)."""
        return np.array(
            [codes_of([values[f]], self.levels[f])[0] if f in self.levels else values[f] for f in self.features],
            dtype=np.float64,
        )

    def cycled(self, n: int) -> np.ndarray:
        """Codes (n, d): zeros, but the categorical columns run through their levels (probe and
        parity rows that reach every level)."""
        batch = np.zeros((n, len(self.features)))
        for j, feature in enumerate(self.features):
            if feature in self.levels:
                batch[:, j] = np.arange(n) % len(self.levels[feature])
        return batch

    def level_contributions(self, weights: np.ndarray, feature: str) -> np.ndarray:
        """(levels, L): what each level of ``feature`` adds to the logits, from ``weights`` (L, terms)
        in raw units (0 for a treatment-coded reference level)."""
        part = np.asarray(weights, dtype=np.float64)[:, self.term_indices(feature)].T
        if self.coding == "treatment":
            part = np.concatenate([np.zeros((1, part.shape[1])), part])
        return part


def term_name(feature: str, level: str) -> str:
    return f"{feature}[{level}]"


def level_text(value: object) -> str:
    """A raw value as a level: text as written (outer spaces removed), a whole number without a
    decimal point or sign (1, not 1.0 or +1; as a number or as text; 007 stays 007), a boolean as
    ``True``/``False`` (pandas' spelling)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    whole = re.match(WHOLE_NUMBER, text)
    return whole.group(1) + whole.group(2) if whole else text


def level_keys(levels: Sequence[str]) -> dict[str, int]:
    """The texts that name each level, to its index: the level itself, and for a boolean feature's
    ``True``/``False`` also ``true``/``TRUE``/``false``/``FALSE`` (as CSV files write them)."""
    keys = {}
    for i, level in enumerate(levels):
        keys[level] = i
        keys.update(dict.fromkeys(BOOLEAN_SPELLINGS.get(level, ()), i))
    return keys


def codes_of(values: Sequence, levels: Sequence[str]) -> np.ndarray:
    """Level indices of raw ``values`` (int64; -1 where a value is not one of ``levels``)."""
    index = level_keys(levels)
    return np.array([index.get(level_text(v), -1) for v in values], dtype=np.int64)
