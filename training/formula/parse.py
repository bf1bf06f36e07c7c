"""``--formula "y ~ ..."`` read before any data: the target, the columns it uses, which of them
``C()`` makes categorical, and every piece checked against what the kit can fit and serve.

formulaic reads the formula's operators (``+ - : * ** ( )``), as patsy and R do; each factor it
finds is then one of: a column, ``C(column)``, arithmetic on columns (``I(...)``, ``np.log``,
``np.exp``, ``np.sqrt``: ``export.formula.expression``), or a spline ``bs(...)``/``cr(...)`` of
such a number. Anything else is refused in one line naming the piece.
"""

import ast
from dataclasses import dataclass
from functools import lru_cache

from export.errors import ConfigError, first_line, shorten
from export.formula import expression

SPLINES = {  # the keywords each spline takes (what the served graph reproduces)
    "bs": ("df", "degree", "knots", "lower_bound", "upper_bound"),
    "cr": ("df", "knots", "lower_bound", "upper_bound", "constraints"),
}
MAX_DEGREE = 5
SUPPORTED = (
    "columns, C(column), I(...) arithmetic (+ - * / ** with numbers), np.log, np.exp, np.sqrt, "
    "bs(x, df=..., degree=...) and cr(x, df=...)"
)


@dataclass(frozen=True)
class FactorSpec:
    """One factor as written: ``label`` (formulaic's text), ``kind`` (number, categories, spline or
    column: a bare column, whose kind its data decides), ``source`` (the column, or the numeric
    expression), and for a spline its ``function`` and keyword ``options``."""

    label: str
    kind: str
    source: str
    function: str = ""
    options: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class FormulaRequest:
    text: str
    target: str
    rhs: str  # the right-hand side as formulaic normalized it
    factors: tuple[FactorSpec, ...]

    @property
    def variables(self) -> list[str]:
        """The columns the right-hand side reads, in the order they first appear."""
        found: list[str] = []
        for factor in self.factors:
            tree = (
                expression.Column(factor.source)
                if factor.kind in ("column", "categories")
                else expression.parse(factor.source)
            )
            found += expression.columns(tree)
        return list(dict.fromkeys(found))

    @property
    def categorical(self) -> tuple[str, ...]:
        """Columns ``C()`` names (read as categories whatever they hold)."""
        return tuple(dict.fromkeys(f.source for f in self.factors if f.kind == "categories"))


@lru_cache(maxsize=8)
def read_formula(text: str) -> FormulaRequest:
    """``text`` checked and read; ``ConfigError`` naming what is wrong."""
    from formulaic import Formula  # a training dependency; the reader and the page never parse formulas
    from formulaic.errors import FormulaicError

    if len(text) > expression.MAX_TEXT:
        raise ConfigError(
            f"--formula is {len(text):,} characters long; a formula of at most {expression.MAX_TEXT} is read"
        )
    try:
        formula = Formula(text)
    except (FormulaicError, SyntaxError, ValueError, RecursionError) as e:
        raise ConfigError(
            f"--formula {shorten(text)!r} cannot be read ({first_line(e, 120)}); write it as y ~ a + b"
        ) from None
    lhs, rhs = getattr(formula, "lhs", None), getattr(formula, "rhs", None)
    if lhs is None or not hasattr(rhs, "__iter__") or type(rhs).__name__ != "SimpleFormula":
        raise ConfigError(
            f"--formula {shorten(text)!r} needs one target on the left of ~ and terms on the right: y ~ a + b"
        )
    target = _target(lhs, text)
    terms = list(rhs)
    if not any(len(t.factors) == 1 and t.factors[0].expr == "1" for t in terms):
        raise ConfigError(
            f"--formula {shorten(text)!r} removes the intercept (- 1 or 0 +); the kit's models always have one: "
            "leave that out"
        )
    labels = dict.fromkeys(f.expr for t in terms for f in t.factors if f.expr != "1")
    if not labels:
        raise ConfigError(f"--formula {shorten(text)!r} has no terms besides the intercept; add at least one column")
    factors = tuple(_factor(label) for label in labels)
    request = FormulaRequest(text, target, str(rhs), factors)
    _check_uses(request)
    return request


def _target(lhs, text: str) -> str:
    parts = [f for t in lhs for f in t.factors] if type(lhs).__name__ == "SimpleFormula" else []
    if len(parts) != 1 or parts[0].eval_method.value != "lookup":
        raise ConfigError(
            f"--formula {shorten(text)!r}: the left of ~ must be the one column to predict, as written in the file"
        )
    return parts[0].expr


def _factor(label: str) -> FactorSpec:
    try:
        tree = ast.parse(label, mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        raise ConfigError(f"--formula: {shorten(label)!r} is not supported ({SUPPORTED})") from None
    if isinstance(tree, ast.Name):
        return FactorSpec(label, "column", tree.id)
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
        if tree.func.id == "C":
            if len(tree.args) != 1 or tree.keywords or not isinstance(tree.args[0], ast.Name):
                raise ConfigError(f"--formula: {shorten(label)!r}: write C(column), with one column and no contrasts")
            return FactorSpec(label, "categories", tree.args[0].id)
        if tree.func.id in SPLINES:
            return _spline(label, tree)
    try:
        tree = expression.parse(label)
    except expression.Unsupported as e:
        raise ConfigError(f"--formula: {e} ({SUPPORTED})") from None
    if not expression.columns(tree):
        raise ConfigError(f"--formula: {shorten(label)} reads no column; the intercept is the model's constant")
    return FactorSpec(label, "number", label)


def _spline(label: str, tree: ast.Call) -> FactorSpec:
    function = tree.func.id
    if len(tree.args) != 1:
        raise ConfigError(f"--formula: {shorten(label)!r}: {function}() takes one column or expression, then keywords")
    inner = ast.unparse(tree.args[0])
    try:
        columns = expression.columns(expression.parse(inner))
    except expression.Unsupported as e:
        raise ConfigError(f"--formula: in {shorten(label)!r}, {e} ({SUPPORTED})") from None
    if not columns:
        raise ConfigError(f"--formula: {shorten(label)} reads no column; give it one")
    options = []
    for keyword in tree.keywords:
        if keyword.arg not in SPLINES[function]:
            raise ConfigError(
                f"--formula: {shorten(label)!r}: {function}() does not take {keyword.arg or '**'}= here "
                f"(it takes {', '.join(SPLINES[function])})"
            )
        try:
            value = ast.literal_eval(keyword.value)
        except (ValueError, SyntaxError, RecursionError):
            raise ConfigError(f"--formula: {shorten(label)!r}: {keyword.arg}= must be a literal") from None
        options.append((keyword.arg, _option(label, keyword.arg, value)))
    return FactorSpec(label, "spline", inner, function, tuple(options))


def _option(label: str, name: str, value: object) -> object:
    whole = isinstance(value, int) and not isinstance(value, bool)
    if name == "df" and not (whole and 1 <= value <= 100):
        raise ConfigError(f"--formula: {shorten(label)!r}: df= must be a whole number from 1 to 100")
    if name == "degree" and not (whole and 1 <= value <= MAX_DEGREE):
        raise ConfigError(f"--formula: {shorten(label)!r}: degree= must be a whole number from 1 to {MAX_DEGREE}")
    if name == "constraints" and value != "center":
        raise ConfigError(f"--formula: {shorten(label)!r}: constraints= may only be 'center'")
    number = (int, float)
    if name in ("lower_bound", "upper_bound") and not (isinstance(value, number) and not isinstance(value, bool)):
        raise ConfigError(f"--formula: {shorten(label)!r}: {name}= must be a number")
    if name == "knots" and not (
        isinstance(value, (list, tuple)) and all(isinstance(v, number) and not isinstance(v, bool) for v in value)
    ):
        raise ConfigError(f"--formula: {shorten(label)!r}: knots= must be a list of numbers")
    return list(value) if name == "knots" else value


def _check_uses(request: FormulaRequest) -> None:
    """A column is either categories (``C(x)``) or a number (``x`` in arithmetic or a spline), not
    both; the target is not also an input."""
    categorical = set(request.categorical)
    for factor in request.factors:
        if factor.kind in ("number", "spline"):
            both = categorical & set(expression.columns(expression.parse(factor.source)))
            if both:
                name = sorted(both)[0]
                raise ConfigError(
                    f"--formula uses {name!r} both as categories (C({name})) and as a number "
                    f"({shorten(factor.label)}); use one"
                )
    if request.target in request.variables:
        raise ConfigError(f"--formula uses the target {request.target!r} on the right of ~ too; leave it out there")
