"""A formula design to and from the card's ``formula`` section, checked whole when read: a file
names its expressions, factors and pieces, and none of it is trusted until it makes a design whose
columns are the card's ``terms``."""

from collections.abc import Mapping

import numpy as np

from export.card.sections import Formula, FormulaFactor, FormulaTerm
from export.design import Design
from export.formula import expression
from export.formula.design import Factor, FormulaDesign, Term
from export.formula.pieces import MAX_BREAKS, Pieces

MAX_ORDER = 6  # a spline of degree 5 at most (``training.formula.parse.MAX_DEGREE``)
MAX_FACTORS_PER_PRODUCT = 8


def formula_section(design: FormulaDesign, means: np.ndarray) -> Formula:
    """The card's section for ``design``, with its columns' training ``means``."""
    factors = [
        FormulaFactor(label=f.label, kind=f.kind, source=f.source)
        if f.kind == "categories"
        else FormulaFactor(
            label=f.label,
            kind=f.kind,
            source=f.source,
            tree=expression.to_json(f.tree),
            **(
                {}
                if f.pieces is None
                else {
                    "knots": list(f.knots),
                    "breaks": f.pieces.breaks.tolist(),
                    "pieces": f.pieces.coefficients.tolist(),
                }
            ),
        )
        for f in design.factors
    ]
    terms = [
        FormulaTerm(label=t.label, products=[[[i, r] for i, r in product] for product in t.products])
        for t in design.formula_terms
    ]
    return Formula(text=design.formula, factors=factors, terms=terms, means=np.asarray(means, dtype=float).tolist())


def design_of(section: Formula, features: tuple[str, ...], levels: Mapping[str, tuple[str, ...]]) -> FormulaDesign:
    """The design the card's ``formula`` section describes; ``ValueError`` saying what does not fit."""
    inputs = Design(tuple(features), dict(levels))
    factors = tuple(_factor(f, inputs, k) for k, f in enumerate(section.factors))
    terms = []
    for t, term in enumerate(section.terms):
        products = []
        for product in term.products:
            if len(product) > MAX_FACTORS_PER_PRODUCT:
                raise ValueError(f"formula.terms[{t}] multiplies more than {MAX_FACTORS_PER_PRODUCT} factors")
            for index, reduced in product:
                if not 0 <= index < len(factors):
                    raise ValueError(f"formula.terms[{t}] names factor {index}, which does not exist")
                if reduced and factors[index].kind != "categories":
                    raise ValueError(f"formula.terms[{t}] reduces factor {index}, which has no levels")
            products.append(tuple((int(i), bool(r)) for i, r in product))
        terms.append(Term(term.label, tuple(products)))
    design = FormulaDesign(section.text, inputs, factors, tuple(terms))
    if len(section.means) != len(design.terms):
        raise ValueError(f"formula.means holds {len(section.means)} numbers for {len(design.terms)} columns")
    return design


def _factor(factor: FormulaFactor, inputs: Design, k: int) -> Factor:
    where = f"formula.factors[{k}]"
    if factor.kind == "categories":
        if factor.source not in inputs.levels:
            raise ValueError(f"{where} takes the levels of {factor.source!r}, not a categorical feature")
        return Factor(factor.label, factor.kind, factor.source)
    try:
        tree = expression.parse(factor.source)
    except expression.Unsupported as e:
        raise ValueError(f"{where}: {e}") from None
    if factor.tree != expression.to_json(tree):
        raise ValueError(f"{where}.tree is not the expression {factor.source!r}")
    read = expression.columns(tree)
    unknown = [c for c in read if c not in inputs.numeric]
    if unknown or not read:
        raise ValueError(
            f"{where} reads {unknown[0]!r}, not a numeric feature" if unknown else f"{where} reads no column"
        )
    if factor.kind == "number":
        return Factor(factor.label, factor.kind, factor.source)
    return Factor(factor.label, factor.kind, factor.source, tuple(factor.knots or ()), _pieces(factor, where))


def _pieces(factor: FormulaFactor, where: str) -> Pieces:
    if factor.breaks is None or factor.pieces is None:
        raise ValueError(f"{where} is a spline without its breaks and pieces")
    breaks = np.asarray(factor.breaks, dtype=np.float64)
    if len(breaks) > MAX_BREAKS or not (np.isfinite(breaks).all() and (np.diff(breaks) > 0).all()):
        raise ValueError(f"{where}.breaks are not at most {MAX_BREAKS} increasing finite numbers")
    shapes = {(len(piece), len(row)) for piece in factor.pieces for row in piece}
    if len(factor.pieces) != len(breaks) + 1 or len(shapes) != 1:
        raise ValueError(f"{where}.pieces are not one table per piece of its breaks")
    columns, order = shapes.pop()
    if not (columns >= 1 and 1 <= order <= MAX_ORDER):
        raise ValueError(f"{where}.pieces hold {columns} columns of order {order}")
    coefficients = np.asarray(factor.pieces, dtype=np.float64)
    if not np.isfinite(coefficients).all():
        raise ValueError(f"{where}.pieces are not finite")
    return Pieces(breaks, coefficients)
