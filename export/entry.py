"""What a person types into a feature's field -> a number, or a one-line message saying what to type.
The Streamlit page parses its fields here; the static site's form takes the pattern and the messages
from ``rules.json`` (``export.site.rules``), so both say the same words."""

from export.csv_input import NUMBER
from export.errors import InputError, shorten
from export.limits import FLOAT32_MAX

# {name}: the feature's name; {text}: the entry as typed (shortened)
ENTRY_MESSAGES = {
    "empty": "Enter a value for {name}.",
    "nan": "{name}: NaN is not a value the model can score; enter a number.",
    "infinite": "{name}: infinity cannot be scored; enter a finite number.",
    "not_number": "{name}: '{text}' is not a number; enter one such as 2.5 or 1e3 (with a dot for decimals).",
    "beyond": "{name}: {text} is beyond the float32 range the model takes (about ±3.4e38).",
}


def parse_entry(text: str | None, name: str) -> float:
    """Parse ``text`` as a finite number that fits the model's float32 input: digits with a dot for
    decimals and an optional exponent (``NUMBER``; not 1_000 or other scripts' digits, which
    Python's float() would take and the site's JavaScript would not)."""
    text = (text or "").strip()

    def refused(kind: str) -> InputError:
        return InputError(ENTRY_MESSAGES[kind].format(name=name, text=shorten(text)))

    if not text:
        raise refused("empty")
    word = text.lower()[1:] if text[0] in "+-" else text.lower()  # one sign, as float() takes
    if word == "nan":
        raise refused("nan")
    if word in ("inf", "infinity"):
        raise refused("infinite")
    if not NUMBER.fullmatch(text):
        raise refused("not_number")
    value = float(text)
    if abs(value) > FLOAT32_MAX:  # 1e39, or a thousand 9s (which Python reads as infinity)
        raise refused("beyond")
    return value
