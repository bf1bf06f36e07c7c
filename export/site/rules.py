"""The rules the static site shares with the Python pages, written into each site as ``rules.json``:
the limits on a file to score, how a file's dialect is told (delimiters, the sniffed bytes), the
patterns that say what a cell or an entry holds (a number, digits grouped in threes, a whole number
as a level, a formula), a boolean level's spellings, and the messages and their fixed parts. The
site's JavaScript takes them from there, so a rule changed here changes on both pages."""

from export.charts import WATERFALL_FEATURES
from export.csv_input import (
    BLANK,
    DECIMAL_COMMA,
    DECIMAL_POINT,
    DELIMITERS,
    ENCODING_ADVICE,
    GROUPED,
    LINE_END,
    NUMBER,
    SNIFF_BYTES,
)
from export.design import BOOLEAN_SPELLINGS, WHOLE_NUMBER
from export.entry import ENTRY_MESSAGES
from export.errors import MAX_ECHO, MAX_SHOWN
from export.extrapolation import EXTRAPOLATION
from export.formula.expression import UNDEFINED, UNDEFINED_CELL
from export.intervals import NO_INTERVAL
from export.reader.inputs import SHOWN_LEVELS
from export.scoring import COMPLETE_ROWS_HINT, FORMULA_START, MAX_CSV_MB, MAX_ROWS

RULES_FILE = "rules.json"


def site_rules() -> dict:
    """The rules as JSON values; patterns are Python's, which JavaScript reads alike (``\\s``, ``\\d``,
    classes and groups only), anchored by the site."""
    return {
        "max_rows": MAX_ROWS,
        "max_csv_mb": MAX_CSV_MB,
        "formula_start": list(FORMULA_START),
        "number": NUMBER.pattern,
        "decimal_comma": DECIMAL_COMMA.pattern,
        "decimal_point": DECIMAL_POINT.pattern,
        "grouped": {decimal: pattern.pattern for decimal, pattern in GROUPED.items()},
        "complete_rows_hint": COMPLETE_ROWS_HINT,
        "encoding_advice": ENCODING_ADVICE,
        "max_echo": MAX_ECHO,
        "max_shown": MAX_SHOWN,
        "shown_levels": SHOWN_LEVELS,
        "delimiters": list(DELIMITERS),
        "sniff_bytes": SNIFF_BYTES,
        "line_end": LINE_END.pattern,
        "blank": BLANK,
        "whole_number": WHOLE_NUMBER,
        "boolean_spellings": BOOLEAN_SPELLINGS,
        "entry_messages": ENTRY_MESSAGES,
        "no_interval": NO_INTERVAL,
        "waterfall_features": WATERFALL_FEATURES,
        "undefined_term": UNDEFINED,
        "undefined_cell": UNDEFINED_CELL,
        "extrapolation": EXTRAPOLATION,
    }
