"""The command line's options, declared once, where their values land.

Each option is a field of ``TrainConfig`` (how to fit; saved in the card) or of ``Request`` (where
the data comes from and where the artifact goes), declared with ``option(...)``: its default,
help, group and how to read its text. ``build_parser`` makes the argparse parser from those fields
and ``values`` reads a parsed namespace back into them, so adding an option is adding one field
(and, for ``TrainConfig``, its range check there).

This module imports neither torch nor the fitting code: ``--help`` and a bad flag answer at once.
"""

import argparse
import typing
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

from export.cli import OneLineParser
from export.errors import shorten
from export.files import card_path, check_model_path, check_writable
from export.limits import FLOAT32_MAX
from training.data.columns import Columns
from training.streaming.sizes import parse_size

GROUPS = ("data", "fitting", "decision and output")
THOUSANDS_MARKS = (".", ",", "'", " ")
NOT_DELIMITERS = ('"', "\n", "\r", " ", "\x00")
DEFAULT_OUT = Path("artifacts/model.onnx")


@dataclass(frozen=True)
class Option:
    """How one field appears on the command line. ``read`` turns the flag's text into the value
    (argparse reports its ``ValueError`` or ``ArgumentTypeError`` in one line); ``with_data`` is
    the default when ``--data`` is given (the field's own default is the tutorial's);
    ``needs_data`` options make sense only with ``--data``."""

    help: str
    group: str
    flag: str | None = None  # default: --field-name
    metavar: str | None = None
    read: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    switch: bool = False  # a flag without a value; with ``with_data`` it gets a --no- form
    with_data: Any = None
    needs_data: bool = False


def option(default: Any, help: str, group: str, **how: Any) -> Any:
    """A dataclass field that is also a command-line option; ``help`` may say ``{default}``."""
    assert group in GROUPS, group
    return field(default=default, metadata={"option": Option(help.format(default=default), group, **how)})


def declared(holder: type) -> list[Field]:
    """The fields of the dataclass ``holder`` that are command-line options."""
    return [f for f in fields(holder) if "option" in f.metadata]


def flag_of(f: Field) -> str:
    return f.metadata["option"].flag or "--" + f.name.replace("_", "-")


def build_parser(*holders: type) -> OneLineParser:
    """The parser of every option declared on the dataclasses ``holders``, in groups."""
    parser = OneLineParser(
        prog="python -m training",
        description="Train logistic regression with PyTorch and export it "
        "to ONNX. With no arguments: the tutorial's program on its four points.",
    )
    groups = {name: parser.add_argument_group(name) for name in GROUPS}
    options = [f for holder in holders for f in declared(holder)]
    for f in sorted(options, key=lambda f: GROUPS.index(f.metadata["option"].group)):
        how: Option = f.metadata["option"]
        kwargs: dict[str, Any] = {"dest": f.name, "help": how.help, "default": None}
        if how.switch:
            kwargs["action"] = argparse.BooleanOptionalAction if how.with_data is not None else "store_true"
        else:
            kwargs.update(type=how.read or _reader(f), metavar=how.metavar, choices=how.choices)
        groups[how.group].add_argument(flag_of(f), **kwargs)
    return parser


def values(holder: type, parsed: argparse.Namespace, with_data: bool) -> dict[str, Any]:
    """The field values of ``holder`` from ``parsed``: what was given, else the default (the
    ``with_data`` default when ``--data`` was given)."""
    chosen = {}
    for f in declared(holder):
        value = getattr(parsed, f.name)
        chosen[f.name] = _default(f, with_data) if value is None else value
    return chosen


def needing_data(holder: type) -> list[Field]:
    """The option fields of ``holder`` that make sense only with ``--data``."""
    return [f for f in declared(holder) if f.metadata["option"].needs_data]


def _default(f: Field, with_data: bool) -> Any:
    how: Option = f.metadata["option"]
    return how.with_data if with_data and how.with_data is not None else f.default


def _reader(f: Field) -> Callable[[str], Any]:
    """The field's own type (``int``, ``float``, ``str``, ``Path``; None aside) reads its text."""
    kinds = [kind for kind in typing.get_args(f.type) or (f.type,) if kind is not type(None)]
    return kinds[0]


# Readers of the options whose text is not a plain number.


def column_list(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


def delimiter(text: str) -> str:
    """One character; ``\\t`` (as a shell passes it) or ``tab`` means a tab."""
    text = "\t" if text in ("\\t", "tab") else text
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"must be one character, got {shorten(text)!r}; e.g. --sep ';' or --sep '\\t'")
    if text in NOT_DELIMITERS or text.isalnum() or text in ".-+" or not (text.isprintable() or text == "\t"):
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot separate cells (it quotes them, ends lines or is part of numbers); e.g. --sep ';'"
        )
    return text


def thousands_mark(text: str) -> str:
    """One of the marks that group digits; ``none`` (or an empty text) says there is none: ``""``."""
    if text.lower() in ("none", ""):
        return ""
    if text not in THOUSANDS_MARKS:
        raise argparse.ArgumentTypeError(f"must be one of . , ' or a space, or none; got {shorten(text)!r}")
    return text


def count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def query(text: str) -> dict[str, float | str]:
    """``x=5,y=2,group=b`` -> {"x": 5.0, "y": 2.0, "group": "b"}: numbers, and text for a
    categorical feature's level (checked against the features once they are known)."""
    chosen: dict[str, float | str] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise argparse.ArgumentTypeError(f"{part!r} is not NAME=VALUE; write e.g. --predict x=5")
        try:
            number = float(value)
        except ValueError:
            chosen[name.strip()] = value.strip()
            continue
        if not abs(number) <= FLOAT32_MAX:
            raise argparse.ArgumentTypeError(
                f"{shorten(part)!r}: give a finite number within float32's range (±{FLOAT32_MAX:.3g}), "
                "e.g. --predict x=5"
            )
        chosen[name.strip()] = number
    return chosen


@dataclass(frozen=True)
class Request:
    """Where the data comes from and where the artifact goes: the I/O half of the command line."""

    data: Path | None = option(
        None, "CSV or Parquet (.parquet) file to train on (default: the tutorial's four points)", "data", metavar="FILE"
    )
    target: str | None = option(
        None, "column to predict: two classes or more (required with --data)", "data", metavar="COL", needs_data=True
    )
    formula: str | None = option(
        None,
        "the model as a formula, target on the left: 'low ~ age * smoke + C(race) + bs(lwt, df=4)' (interactions, "
        "C(), I() arithmetic, np.log/exp/sqrt, bs() and cr() splines; replaces --target, --features and "
        "--categorical) (default: none, every feature enters as itself)",
        "data",
        metavar="'Y ~ ...'",
        needs_data=True,
    )
    features: list[str] | None = option(
        None,
        "input columns (default: every column but the target and the weight column)",
        "data",
        metavar="A,B,...",
        read=column_list,
        needs_data=True,
    )
    positive: str | None = option(
        None,
        "binary: the class that P is about (its probability is P(class 1), the threshold and the binary "
        "metrics' positive class) (default: the second class in sorted order, e.g. 1 of 0/1, yes of no/yes)",
        "data",
        metavar="LEVEL",
        needs_data=True,
    )
    weight_column: str | None = option(
        None,
        "column of sample weights, finite and >= 0 (default: none, every row weighs 1)",
        "data",
        metavar="COL",
        needs_data=True,
    )
    categorical: list[str] | None = option(
        None,
        "integer-coded columns to treat as categories, e.g. race=1,2,3 (text and true/false columns always are)",
        "data",
        metavar="A,B,...",
        read=column_list,
        needs_data=True,
    )
    drop_missing: bool = option(
        False,
        "leave out rows with a missing value in a used column (default: stop and say how many)",
        "data",
        switch=True,
    )
    sep: str | None = option(
        None,
        "a CSV's delimiter, e.g. ';' or '\\t' (default: told from the header: comma, semicolon, tab or |)",
        "data",
        metavar="CHAR",
        read=delimiter,
        needs_data=True,
    )
    decimal: str | None = option(
        None,
        "a CSV's decimal mark, '.' or ',' (default: ',' when a semicolon- or tab-separated file writes 1,5)",
        "data",
        metavar="CHAR",
        choices=(".", ","),
        needs_data=True,
    )
    thousands: str | None = option(
        None,
        "a CSV's thousands mark, '.' (4.663,24), ',' (4,663.24), \"'\" or ' ', or none (default: told from the "
        "file: the other of point and comma when cells group digits in threes with it)",
        "data",
        metavar="CHAR",
        read=thousands_mark,
        needs_data=True,
    )
    encoding: str | None = option(
        None, "a CSV's text encoding, e.g. latin-1 or cp1252 (default: UTF-8)", "data", metavar="NAME", needs_data=True
    )
    stream: bool = option(
        False,
        "read the file (CSV or Parquet) a batch at a time, so memory does not grow with its rows "
        "(default: only when it would not fit in --memory-budget; always under torchrun)",
        "data",
        switch=True,
        needs_data=True,
    )
    # None: half the memory available at start
    memory_budget: int | None = option(
        None,
        "stream a file that would take more than SIZE in memory, e.g. 2GB, 512MiB (default: half the memory available)",
        "data",
        metavar="SIZE",
        read=parse_size,
    )
    query: dict[str, float | str] | None = option(
        None,
        "the input to report P for (default: the tutorial's x = 5, else the training means)",
        "decision and output",
        flag="--predict",
        metavar="A=1,B=text",
        read=query,
    )
    # None: ``default_out``, so that training on your own file never replaces the tutorial's model
    out: Path | None = option(
        None,
        "ONNX file to write; the checkpoint (.pt) and model card (.model_card.md) go beside it (default: "
        f"{DEFAULT_OUT} for the tutorial, {DEFAULT_OUT.parent}/NAME.onnx for --data NAME.csv or NAME.parquet)",
        "decision and output",
        metavar="PATH",
    )
    profile: bool = option(
        True,
        "compute each coefficient's profile-likelihood interval (R's confint; logistf's for Firth), a few refits per "
        "coefficient; --no-profile skips them, and the card says so (default: on, for models of up to 50 "
        "coefficients with their rows in memory)",
        "decision and output",
        switch=True,
        with_data=True,
    )
    log_every: int = option(
        0,
        "print the loss every N epochs or iterations, as the tutorial did (default: 0, a progress bar only)",
        "decision and output",
        metavar="N",
        read=count,
    )

    @property
    def artifact(self) -> Path:
        """The ONNX file to write: ``--out``, else ``default_out``."""
        return self.out or default_out(self.data)

    @property
    def columns(self) -> Columns:
        """The columns to read; with ``--formula``, the ones it names (``training.formula``), kept as codes."""
        target, features, categorical = self.target, self.features, tuple(self.categorical or ())
        if self.formula is not None:
            from training.formula.parse import read_formula

            formula = read_formula(self.formula)
            target, features, categorical = formula.target, formula.variables, formula.categorical
        return Columns(
            target,
            features,
            self.weight_column,
            self.drop_missing,
            self.sep,
            self.decimal,
            self.encoding,
            categorical,
            positive=self.positive,
            thousands=self.thousands,
            keep_codes=self.formula is not None,
        )


def check_outputs(request: Request) -> None:
    """The files a run writes (the model, its checkpoint and card) can be written without losing
    anything: ``export.files`` checks each; run before the data is read, and again before writing."""
    out = request.artifact
    check_model_path(out, "--out")
    for path in (out, out.with_suffix(".pt"), card_path(out)):
        check_writable(path, "--out", inputs=[request.data])


def default_out(data: Path | None) -> Path:
    """``artifacts/model.onnx`` for the tutorial, ``artifacts/<data file's stem>.onnx`` otherwise."""
    return DEFAULT_OUT if data is None else DEFAULT_OUT.with_name(f"{data.stem}.onnx")
