"""``training.fit``'s keywords: the command line's options under their flag names in Python form
(``--weight-column`` is ``weight_column``, ``--predict`` is ``predict``), read and checked by the
same code as the flags: a value is given as Python (a list of columns, a dict for ``predict``, a
number) or as the text the flag takes ("a,b", "x=5", "2GB")."""

import argparse
import difflib
from dataclasses import Field
from pathlib import Path
from typing import Any

from export.errors import ConfigError, printable, shorten
from training.config import TrainConfig
from training.options import Option, Request, check_outputs, column_list, count, declared, flag_of, query
from training.streaming.sizes import parse_size

NOT_KEYWORDS = ("data", "target", "formula", "out")  # fit's own arguments; .export(path) writes


def keyword_of(f: Field) -> str:
    return flag_of(f)[2:].replace("-", "_")


def keywords() -> dict[str, tuple[type, Field]]:
    """Every keyword ``training.fit`` takes, with the dataclass whose field it fills."""
    return {
        keyword_of(f): (holder, f)
        for holder in (TrainConfig, Request)
        for f in declared(holder)
        if f.name not in NOT_KEYWORDS
    }


def read_options(
    data: Path | None, target: str | None, formula: str | None, options: dict[str, Any]
) -> tuple[TrainConfig, Request]:
    """The config and request the command line would make of ``--data data --target target
    --formula formula`` and ``options``; ``ConfigError`` naming the keyword otherwise."""
    known = keywords()
    chosen: dict[type, dict[str, Any]] = {TrainConfig: {}, Request: {}}
    for keyword, value in options.items():
        if keyword not in known:
            close = difflib.get_close_matches(keyword, known, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"fit() has no option {shorten(keyword)!r}; {hint}options: {', '.join(sorted(known))}")
        holder, f = known[keyword]
        if value is not None:
            chosen[holder][f.name] = _value(f, keyword, value)
    for keyword, value in (("target", target), ("formula", formula)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{keyword} must be text, got {type(value).__name__}")
    if formula is not None and (target is not None or {"features", "categorical"} & set(chosen[Request])):
        raise ConfigError(
            "formula= names the target and the columns it uses; leave out target, features and categorical"
        )
    config = TrainConfig(**{f.name: _with_data(f) for f in declared(TrainConfig)} | chosen[TrainConfig])
    given = chosen[Request] | {"data": data, "target": target, "formula": formula}
    request = Request(**{f.name: _with_data(f) for f in declared(Request)} | given)
    if formula is not None:
        from training.formula.parse import read_formula

        read_formula(formula)
    return config, request


def _with_data(f: Field) -> Any:
    how: Option = f.metadata["option"]
    return f.default if how.with_data is None else how.with_data


def _value(f: Field, keyword: str, value: Any) -> Any:
    """``value`` as the field takes it: text through the flag's own reader (so are whole numbers,
    for ``memory_budget=2_000_000`` and ``log_every=100``), Python values checked for their kind;
    the config checks ranges when it is made."""
    how: Option = f.metadata["option"]
    whole = isinstance(value, int) and not isinstance(value, bool)
    if how.switch and not isinstance(value, bool):
        raise ConfigError(f"{keyword} must be True or False, got {printable(value)}")
    if how.choices is not None and value not in how.choices:
        raise ConfigError(f"{keyword} must be one of {', '.join(how.choices)}, got {printable(value)}")
    if how.read is column_list and isinstance(value, list | tuple):
        if not value or not all(isinstance(name, str) for name in value):
            raise ConfigError(f"{keyword} must be a list of column names, got {printable(value)}")
        return list(value)
    if how.read is query and isinstance(value, dict):
        return _query(value)
    if how.read is not None:
        if not (isinstance(value, str) or (whole and how.read in (count, parse_size))):
            raise ConfigError(f"{keyword} must be text such as its flag takes, got {type(value).__name__}")
        try:
            return how.read(str(value))
        except (argparse.ArgumentTypeError, ValueError) as e:
            raise ConfigError(f"{keyword}: {e}") from None
    if keyword == "positive" and isinstance(value, int | float | bool):
        return str(value)  # as the flag's text: compared with the classes as the card writes them
    if f.type in (str, str | None) and not isinstance(value, str):
        raise ConfigError(f"{keyword} must be text, got {type(value).__name__}")
    return value


def _query(values: dict) -> dict[str, float | str]:
    """``predict={"x": 5, "group": "b"}``: read as ``--predict x=5,group=b`` reads its text."""
    chosen: dict[str, float | str] = {}
    for name, value in values.items():
        if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(f"predict must map feature names to numbers or levels, got {printable(values)}")
        try:
            chosen.update(query(f"{name}={value}") if not isinstance(value, str) else {name: value})
        except argparse.ArgumentTypeError as e:
            raise ConfigError(f"predict: {e}") from None
    return chosen


def check_paths(out: Path, data: Path | None) -> None:
    """The files ``Model.export`` writes (the model, its checkpoint and card) can be written without
    losing anything, as the command line checks ``--out``."""
    check_outputs(Request(data=data, out=out))
