"""A formula model's design: how its raw inputs become the columns its coefficients multiply.

Training decides it once (``training.formula`` reads the formula with formulaic and checks that
this object rebuilds formulaic's matrix); the card stores it (``export.formula.card``); the reader,
the page and the graph writer use it. It is made of:
- factors, each giving one or more columns from the raw inputs: a number (a column or arithmetic
  on columns: ``export.formula.expression``), a categorical column's levels (an indicator per level;
  "reduced" leaves the first level out, as R's treatment contrasts do), or a spline basis of a
  number (``export.formula.pieces``);
- terms, each the product of its factors' columns (R's and patsy's ``a:b``; the first factor's
  columns vary fastest), a term of a formula being one or more such products (formulaic's scoped
  terms: ``a:b`` without ``a`` is ``b`` + ``a-:b``, each factor reduced or not as marginality says).

Rows come in as codes (``export.design``): raw numbers, a categorical feature's level index.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from export.design import Design
from export.formula import expression
from export.formula.pieces import Pieces

KINDS = ("number", "categories", "spline")


@dataclass(frozen=True)
class Factor:
    """``label`` as the formula writes it (``age``, ``C(race)``, ``bs(lwt, df=4)``); ``source``
    the numeric expression (a number, or a spline's argument) or the categorical column; ``knots``
    and ``pieces`` for a spline (its knots as the formula library chose them, and its basis)."""

    label: str
    kind: str
    source: str
    knots: tuple[float, ...] = ()
    pieces: Pieces | None = None

    @cached_property
    def tree(self) -> expression.Node:
        return expression.parse(self.source) if self.kind != "categories" else expression.Column(self.source)

    @property
    def columns(self) -> list[str]:
        """The raw columns the factor reads."""
        return expression.columns(self.tree)


@dataclass(frozen=True)
class Term:
    """A formula term: ``label`` (``age:smoke``) and its products, each a tuple of (factor index,
    reduced)."""

    label: str
    products: tuple[tuple[tuple[int, bool], ...], ...]

    @property
    def factors(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(f for product in self.products for f, _ in product))


@dataclass(frozen=True)
class FormulaDesign:
    """``formula`` as written; ``inputs`` the raw columns (``export.design.Design``: features in
    order, categorical ones' levels); ``factors`` and ``terms`` as the module docstring says."""

    formula: str
    inputs: Design
    factors: tuple[Factor, ...]
    formula_terms: tuple[Term, ...]

    coding = "treatment"

    @property
    def features(self) -> tuple[str, ...]:
        return self.inputs.features

    @property
    def levels(self) -> Mapping[str, tuple[str, ...]]:
        return self.inputs.levels

    @property
    def categorical(self) -> tuple[str, ...]:
        return self.inputs.categorical

    @property
    def numeric(self) -> tuple[str, ...]:
        return self.inputs.numeric

    @property
    def has_categories(self) -> bool:
        return self.inputs.has_categories

    def factor_names(self, index: int) -> tuple[str, ...]:
        """The names of a factor's columns when ``reduced`` is False, and when it is True."""
        factor = self.factors[index]
        if factor.kind == "number":
            return (factor.label,)
        if factor.kind == "spline":
            # numbered from 0, as patsy and statsmodels print them (formulaic counts from 1)
            return tuple(f"{factor.label}[{i}]" for i in range(factor.pieces.columns))
        return tuple(f"{factor.label}[{level}]" for level in self.levels[factor.source])

    def _names(self, index: int, reduced: bool) -> tuple[str, ...]:
        factor = self.factors[index]
        if reduced:
            return tuple(f"{factor.label}[T.{level}]" for level in self.levels[factor.source][1:])
        return self.factor_names(index)

    def product_names(self, product: tuple[tuple[int, bool], ...]) -> list[str]:
        """A product's column names, ``a[x]:b[p]``, the first factor's columns varying fastest."""
        names = [""]
        for index, reduced in product:
            names = [f"{old}:{new}" if old else new for new in self._names(index, reduced) for old in names]
        return names

    @cached_property
    def terms(self) -> tuple[str, ...]:
        """The coefficients' columns, named as statsmodels prints them (patsy's names)."""
        return tuple(n for term in self.formula_terms for product in term.products for n in self.product_names(product))

    @cached_property
    def term_columns(self) -> tuple[tuple[int, ...], ...]:
        """Per formula term, the positions of its columns among ``terms``."""
        spans, start = [], 0
        for term in self.formula_terms:
            width = sum(len(self.product_names(product)) for product in term.products)
            spans.append(tuple(range(start, start + width)))
            start += width
        return tuple(spans)

    @property
    def term_labels(self) -> tuple[str, ...]:
        return tuple(term.label for term in self.formula_terms)

    def parts(self) -> dict[str, tuple[int, ...]]:
        """What an explanation gives a contribution each (``export.explain``): each formula term,
        with the positions of its columns."""
        return dict(zip(self.term_labels, self.term_columns))

    @property
    def tested_terms(self) -> tuple[str, ...]:
        """The terms R's ``drop1`` tests: those not inside a larger term (a main effect inside an
        interaction stays, as marginality asks)."""
        sets = [set(t.factors) for t in self.formula_terms]
        return tuple(t.label for t, own in zip(self.formula_terms, sets) if not any(own < other for other in sets))

    def tested_groups(self) -> dict[str, tuple[int, ...]]:
        """Each tested term's columns (left out together by its likelihood-ratio test)."""
        columns = self.parts()
        return {label: columns[label] for label in self.tested_terms}

    def indicator_terms(self) -> list[int]:
        """Every column is standardized (a formula's columns are products and bases, not 0/1 levels
        alone)."""
        return []

    def numbers(self, codes: np.ndarray) -> dict[str, np.ndarray]:
        codes = np.asarray(codes, dtype=np.float64).reshape(-1, len(self.features))
        return {f: codes[:, j] for j, f in enumerate(self.features) if f not in self.levels}

    def factor_values(self, index: int, codes: np.ndarray, numbers: Mapping[str, np.ndarray]) -> np.ndarray:
        """(n, columns) of factor ``index`` unreduced: NaN in a row whose level is unknown."""
        factor = self.factors[index]
        if factor.kind == "categories":
            count = len(self.levels[factor.source])
            level = codes[:, self.features.index(factor.source)]
            known = np.isin(level, np.arange(count))
            return indicator_table(count)[np.where(known, level, count).astype(np.int64)]
        values = expression.evaluate(factor.tree, numbers)
        return values[:, None] if factor.kind == "number" else factor.pieces.evaluate(values)

    def expand(self, codes: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        """Codes (n, d) -> the design matrix (n, terms), computed in float64."""
        codes = np.asarray(codes, dtype=np.float64).reshape(-1, len(self.features))
        numbers = self.numbers(codes)
        blocks = {i: self.factor_values(i, codes, numbers) for i in range(len(self.factors))}
        out = np.empty((len(codes), len(self.terms)), dtype=dtype, order="F")
        column = 0
        for term in self.formula_terms:
            for product in term.products:
                values = np.ones((len(codes), 1))
                for index, reduced in product:
                    block = blocks[index][:, 1:] if reduced else blocks[index]
                    width = values.shape[1] * block.shape[1]  # explicit: a batch may have no rows
                    values = np.einsum("nc,nb->nbc", values, block).reshape(len(codes), width)
                out[:, column : column + values.shape[1]] = values
                column += values.shape[1]
        return out

    def codes_row(self, values: Mapping[str, float | str]) -> np.ndarray:
        return self.inputs.codes_row(values)

    def cycled(self, n: int) -> np.ndarray:
        return self.inputs.cycled(n)

    def undefined(self, codes: np.ndarray) -> tuple[Factor, int] | None:
        """The first numeric factor (or spline argument) that is not a finite number on rows whose
        numeric inputs are, and that row; None if there is none."""
        codes = np.asarray(codes, dtype=np.float64).reshape(-1, len(self.features))
        numbers = self.numbers(codes)
        finite = np.isfinite(codes[:, [self.features.index(f) for f in self.numeric]]).all(axis=1)
        for factor in self.factors:
            if factor.kind == "categories":
                continue
            bad = ~np.isfinite(expression.evaluate(factor.tree, numbers)) & finite
            if bad.any():
                return factor, int(np.argmax(bad))
        return None

    def beyond(self, codes: np.ndarray) -> list[str]:
        """The splines whose argument lies outside their boundary knots on some row: each as
        ``argument = value in label (boundary knots [low, high])`` for the first such row."""
        numbers = self.numbers(codes)
        said = []
        for factor in self.factors:
            if factor.kind != "spline":
                continue
            low, high = factor.pieces.breaks[0], factor.pieces.breaks[-1]
            values = expression.evaluate(factor.tree, numbers)
            outside = (values < low) | (values > high)
            if outside.any():
                value = values[np.argmax(outside)]
                said.append(f"{factor.source} = {value:g} in {factor.label} (boundary knots [{low:g}, {high:g}])")
        return said


def indicator_table(count: int) -> np.ndarray:
    """A categorical factor's columns by level index: a row of the identity per level, then a row
    of NaN that an unknown level (index -1 in the graph, ``count`` here) reads."""
    return np.concatenate([np.eye(count), np.full((1, count), np.nan)])
