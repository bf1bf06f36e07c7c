"""Numbers as the page writes them."""


def format_number(value: float) -> str:
    """Six significant digits, the way the CLI prints: 0.441982, 1e-25, -3.4e+38."""
    return f"{value:.6g}"
