"""Turn what a person typed into a feature value, or a one-line message saying what to type. The
static site's form follows the same rules (``parseEntry`` in its app.js)."""

from export.csv_input import NUMBER
from export.errors import InputError, shorten
from export.parity import FLOAT32_MAX


def parse_feature_value(text: str | None, name: str) -> float:
    """Parse ``text`` as a finite number that fits the model's float32 input: digits with a dot for
    decimals and an optional exponent (``NUMBER``; not 1_000 or other scripts' digits, which
    Python's float() would take and the site's JavaScript would not)."""
    text = (text or "").strip()
    if not text:
        raise InputError(f"Enter a value for {name}.")
    word = text.lower()[1:] if text[0] in "+-" else text.lower()  # one sign, as float() takes
    if word == "nan":
        raise InputError(f"{name}: NaN is not a value the model can score; enter a number.")
    if word in ("inf", "infinity"):
        raise InputError(f"{name}: infinity cannot be scored; enter a finite number.")
    if not NUMBER.fullmatch(text):
        raise InputError(
            f"{name}: {shorten(text)!r} is not a number; enter one such as 2.5 or 1e3 (with a dot for decimals)."
        )
    value = float(text)
    if abs(value) > FLOAT32_MAX:  # 1e39, or a thousand 9s (which Python reads as infinity)
        raise InputError(f"{name}: {shorten(text)} is beyond the float32 range the model takes (about ±3.4e38).")
    return value


def format_number(value: float) -> str:
    """Six significant digits, the way the CLI prints: 0.441982, 1e-25, -3.4e+38."""
    return f"{value:.6g}"
