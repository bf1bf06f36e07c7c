"""The checks the card's fields are declared with (``export.card.sections``).

A spec is a function ``check(value, path)`` that returns the first problem as text, or None; the
combinators below build the check of a list, a matrix, an object, from those of their parts.
"""

import math
import reprlib
import sys
from collections.abc import Callable, Iterable

Spec = Callable[[object, str], str | None]
FLOAT64_MAX = int(sys.float_info.max)


# repr of a value from a hostile card, bounded: a list nested 985 deep or an integer of 4,000
# digits must not cost a RecursionError or a ValueError to describe
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict = 2, 4, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 36


def is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) if isinstance(value, float) else abs(value) <= FLOAT64_MAX


def shown(value: object) -> str:
    """A value of a card as a message may quote it: short, whatever it holds."""
    text = _REPR.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def first_problem(problems: Iterable[str | None]) -> str | None:
    """The first problem found; checking stops there (the generator is not run further)."""
    return next((p for p in problems if p), None)


def number(value: object, path: str) -> str | None:
    return None if is_number(value) else f"{path} is {shown(value)}, not a finite number"


def integer(value: object, path: str) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else f"{path} is {shown(value)}, not a count"


def text(value: object, path: str) -> str | None:
    return None if isinstance(value, str) else f"{path} is {shown(value)}, not text"


def boolean(value: object, path: str) -> str | None:
    return None if isinstance(value, bool) else f"{path} is {shown(value)}, not true or false"


def nullable(spec: Spec) -> Spec:
    return lambda value, path: None if value is None else spec(value, path)


def index_below(limit: int) -> Spec:
    def check(value: object, path: str) -> str | None:
        problem = integer(value, path)
        if problem is None and value >= limit:
            return f"{path} is {value}, not a class index below {limit}"
        return problem

    return check


def list_of(spec: Spec, length: int | None = None, at_least: int = 0) -> Spec:
    def check(value: object, path: str) -> str | None:
        if not isinstance(value, list):
            return f"{path} is {shown(value)}, not a list"
        if length is not None and len(value) != length:
            return f"{path} has {len(value)} entries, not {length}"
        if len(value) < at_least:
            return f"{path} has {len(value)} entries, fewer than {at_least}"
        return _first_bad_item(lambda _: spec, value, path)

    return check


def items_each(specs: list[Spec]) -> Spec:
    """A list of one item per spec, item j satisfying ``specs[j]``."""

    def check(value: object, path: str) -> str | None:
        if not isinstance(value, list):
            return f"{path} is {shown(value)}, not a list"
        if len(value) != len(specs):
            return f"{path} has {len(value)} entries, not {len(specs)}"
        return _first_bad_item(specs.__getitem__, value, path)

    return check


def _first_bad_item(spec_of: Callable[[int], Spec], items: list, path: str) -> str | None:
    """The problem of the first item that has one (``spec_of(i)`` checks item i)."""
    # an item's path is written only for the item that fails: one per item cost more than the checks
    bad = next((i for i, item in enumerate(items) if spec_of(i)(item, path) is not None), None)
    return None if bad is None else spec_of(bad)(items[bad], f"{path}[{bad}]")


def matrix(rows: int, columns: int, cell: Spec = number) -> Spec:
    return list_of(list_of(cell, columns), rows)


def record(required: dict[str, Spec], optional: dict[str, Spec] | None = None) -> Spec:
    """A JSON object with these keys (others allowed)."""

    def check(value: object, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{path} is {shown(value)}, not an object"
        missing = [k for k in required if k not in value]
        if missing:
            return f"{path} lacks {', '.join(missing)}"
        specs = [*required.items(), *(optional or {}).items()]
        return first_problem(spec(value[key], f"{path}.{key}") for key, spec in specs if key in value)

    return check


def keyed_by(names: tuple[str, ...], spec: Spec) -> Spec:
    """An object with exactly one entry per name (the features), each satisfying ``spec``."""

    def check(value: object, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{path} is {shown(value)}, not an object"
        if set(value) != set(names):
            return f"{path} names {shown(sorted(value))}, not the features {shown(list(names))}"
        return first_problem(spec(value[name], f"{path}.{name}") for name in names)

    return check


def same_lengths(spec: Spec, keys: tuple[str, ...]) -> Spec:
    """``spec``, and the lists under ``keys`` as long as each other (parallel columns)."""

    def check(value: object, path: str) -> str | None:
        problem = spec(value, path)
        if problem is None and len({len(value[k]) for k in keys if k in value}) > 1:
            return f"{path}: {', '.join(keys)} have different lengths"
        return problem

    return check
