"""Turn what a person typed into a feature value, or a one-line message saying what to type."""

import math

from export.errors import InputError, shorten
from export.parity import FLOAT32_MAX


def parse_feature_value(text: str | None, name: str) -> float:
    """Parse ``text`` as a finite number that fits the model's float32 input."""
    text = (text or "").strip()
    if not text:
        raise InputError(f"Enter a value for {name}.")
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{name}: {shorten(text)!r} is not a number; enter one such as 2.5 or 1e3 (with a dot for decimals)."
        ) from None
    if math.isnan(value):
        raise InputError(f"{name}: NaN is not a value the model can score; enter a number.")
    if math.isinf(value) and text.lstrip("+-").lower() in ("inf", "infinity"):
        raise InputError(f"{name}: infinity cannot be scored; enter a finite number.")
    if abs(value) > FLOAT32_MAX:  # 1e39, or a thousand 9s (which Python reads as infinity)
        raise InputError(f"{name}: {shorten(text)} is beyond the float32 range the model takes (about ±3.4e38).")
    return value


def format_number(value: float) -> str:
    """Six significant digits, the way the CLI prints: 0.441982, 1e-25, -3.4e+38."""
    return f"{value:.6g}"
