"""A formula's design learned from the training rows: formulaic builds the model matrix (R's and
patsy's coding rules, spline knots from the training column), and this module turns what it
decided into an ``export.formula.design.FormulaDesign``, then checks that the design rebuilds
formulaic's matrix, column names and values, before anything is fitted on it.
"""

import copy
from typing import TYPE_CHECKING

import numpy as np

from export.design import Design
from export.errors import DataError, first_line, shorten
from export.formula import expression
from export.formula.design import Factor, FormulaDesign, Term
from export.formula.pieces import MAX_BREAKS, fit_pieces
from training.data.dataset import Dataset, expanded
from training.formula.parse import FactorSpec, FormulaRequest

if TYPE_CHECKING:  # pandas (as formulaic) is imported when a formula is fitted: a plain fit does without it
    import pandas as pd

REBUILD_TOLERANCE = 1e-9  # ours against formulaic's matrix, relative to each column's largest value


def formula_frame(codes: np.ndarray, inputs: Design) -> "pd.DataFrame":
    """The rows as formulaic reads them: numbers as float64, a categorical column as a pandas
    Categorical of its levels in the kit's order (so the reference level is the kit's)."""
    import pandas as pd

    columns = {}
    for j, name in enumerate(inputs.features):
        if name in inputs.levels:
            columns[name] = pd.Categorical.from_codes(
                codes[:, j].astype(np.int64), categories=list(inputs.levels[name])
            )
        else:
            columns[name] = codes[:, j].astype(np.float64)
    return pd.DataFrame(columns)


def learn_design(
    request: FormulaRequest, codes: np.ndarray, inputs: Design, source: str, states: dict | None = None
) -> FormulaDesign:
    """The design of ``request`` on training rows of ``codes`` (``inputs``: their features and
    levels). ``states``: the splines' states (knots) found on all the training rows, where
    ``codes`` are a sample of them (a streamed file: ``spline_states``)."""
    from formulaic import model_matrix

    _check_kinds(request, inputs, source)
    frame = formula_frame(codes, inputs)
    try:
        matrix = model_matrix(request.rhs, frame)
        if states:
            spec = matrix.model_spec.update(transform_state={**matrix.model_spec.transform_state, **states})
            matrix = spec.get_model_matrix(frame)
    except Exception as e:  # formulaic's own errors and numpy's, on a formula that read well: say it in one line
        raise DataError(f"--formula cannot be built on {source}: {first_line(e, 160)}") from None
    spec = matrix.model_spec
    specs = {f.label: f for f in request.factors}
    order = list(dict.fromkeys(f.factor.expr for s in spec.structure for t in s.scoped_terms for f in t.factors))
    factors = tuple(_factor(specs[label], spec, inputs) for label in order)
    index = {label: i for i, label in enumerate(order)}
    terms = []
    for structure in spec.structure:
        if list(structure.columns) == ["Intercept"]:
            continue
        products = tuple(
            tuple((index[f.factor.expr], bool(f.reduced)) for f in t.factors) for t in structure.scoped_terms
        )
        terms.append(Term(str(structure.term), products))
    design = FormulaDesign(request.text, inputs, factors, tuple(terms))
    _check_rebuilt(design, matrix, codes)
    return design


def spline_values(request: FormulaRequest, codes: np.ndarray, inputs: Design) -> dict[str, np.ndarray]:
    """Each spline's argument on rows of ``codes``: what its knots are found from."""
    numbers = {f: codes[:, j].astype(np.float64) for j, f in enumerate(inputs.features) if f not in inputs.levels}
    return {
        f.label: expression.evaluate(expression.parse(f.source), numbers) for f in request.factors if f.kind == "spline"
    }


def spline_states(request: FormulaRequest, values: dict[str, np.ndarray], source: str) -> dict[str, dict]:
    """Each spline's state (its knots and bounds) from its argument's ``values`` over all the
    training rows, as formulaic finds it from a whole column."""
    from formulaic.transforms import TRANSFORMS

    states = {}
    for factor in request.factors:
        if factor.kind == "spline":
            state: dict = {}
            try:
                TRANSFORMS[factor.function](values[factor.label], **dict(factor.options), _state=state)
            except Exception as e:  # as in learn_design: formulaic's or numpy's error, in one line
                raise DataError(f"--formula cannot be built on {source}: {first_line(e, 160)}") from None
            states[factor.label] = state
    return states


def _check_kinds(request: FormulaRequest, inputs: Design, source: str) -> None:
    """Arithmetic and splines take numeric columns."""
    for factor in request.factors:
        if factor.kind not in ("number", "spline"):
            continue
        for name in expression.columns(expression.parse(factor.source)):
            if name in inputs.levels:
                raise DataError(
                    f"--formula: {shorten(factor.label)} needs numbers, but {name!r} of {source} is categorical "
                    f"(levels {', '.join(inputs.levels[name][:5])}); use it as C({name}) or a column of numbers"
                )


def _factor(spec: FactorSpec, model_spec, inputs: Design) -> Factor:
    if spec.kind in ("column", "categories") and spec.source in inputs.levels:
        return Factor(spec.label, "categories", spec.source)
    if spec.kind != "spline":
        return Factor(spec.label, "number", spec.source)
    from formulaic.transforms import TRANSFORMS

    state = model_spec.transform_state[spec.label]
    options = dict(spec.options)

    def basis(points: np.ndarray) -> np.ndarray:
        values = TRANSFORMS[spec.function](points, **options, extrapolation="extend", _state=copy.deepcopy(state))
        return np.column_stack([np.asarray(v, dtype=np.float64) for v in values.values()])

    knots = np.asarray(state["knots"], dtype=np.float64)
    breaks = np.unique(knots)
    if len(breaks) < 2 or len(breaks) > MAX_BREAKS:
        raise DataError(
            f"--formula: {shorten(spec.label)} has {len(breaks)} distinct knots; it needs 2 to {MAX_BREAKS}"
        )
    order = options.get("degree", 3) + 1
    return Factor(spec.label, "spline", spec.source, tuple(knots.tolist()), fit_pieces(basis, breaks, order))


def _check_rebuilt(design: FormulaDesign, matrix, codes: np.ndarray) -> None:
    """The design is what formulaic built: the same columns in the same order (named as patsy
    names them: a spline's columns from 0), the same values."""
    theirs = [c for c in matrix.columns if c != "Intercept"]
    splines = {f.label for f in design.factors if f.kind == "spline"}
    if list(design.terms) != [_patsy_name(name, splines) for name in theirs]:
        raise RuntimeError(f"formula design columns {list(design.terms)[:6]} differ from formulaic's {theirs[:6]}")
    expected = np.asarray(matrix[theirs], dtype=np.float64)
    ours = design.expand(codes)
    scale = np.maximum(np.abs(expected).max(axis=0), 1.0)
    worst = float((np.abs(ours - expected) / scale).max()) if expected.size else 0.0
    if not worst <= REBUILD_TOLERANCE:
        raise RuntimeError(f"formula design differs from formulaic's matrix by {worst:.2e} (relative)")


def _patsy_name(column: str, splines: set[str]) -> str:
    """formulaic's column name with each spline's column counted from 0, as patsy counts."""
    parts = column.split(":")
    for j, part in enumerate(parts):
        label, _, rest = part.rpartition("[")
        if label in splines and rest[:-1].isdigit():
            parts[j] = f"{label}[{int(rest[:-1]) - 1}]"
    return ":".join(parts)


def formula_rows(request: FormulaRequest, train: Dataset, valid: Dataset | None) -> tuple[Dataset, Dataset | None]:
    """The training and validation rows (codes) as the design learned on the training rows makes them."""
    design = learn_design(request, train.codes, train.inputs, train.source)
    return expanded(train, design), None if valid is None else expanded(valid, design)
