"""The arithmetic a formula may apply to numeric columns (``I(age ** 2)``, ``np.log(lwt)``),
parsed into a small tree, never evaluated as Python.

A formula comes from a user and, stored in a model card, from whoever wrote the file: its text is
parsed with ``ast`` (bounded length and depth) and only these pieces are accepted: column names,
numbers, ``+ - * / **``, unary ``-``/``+``, ``I(...)`` and ``np.log``/``np.exp``/``np.sqrt`` (also
written ``numpy.``, or bare). The same tree is evaluated by numpy (training's design, the reader's
reference) and written as ONNX nodes (the served graph), so the two compute one thing.
"""

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from export.errors import shorten

MAX_TEXT = 1000  # characters of one expression
MAX_DEPTH = 40  # nesting of operations in one expression
FUNCTIONS = {"log": np.log, "exp": np.exp, "sqrt": np.sqrt}
ONNX_FUNCTIONS = {"log": "Log", "exp": "Exp", "sqrt": "Sqrt"}
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
ONNX_OPERATORS = {"+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "**": "Pow"}
NUMPY_OPERATORS: dict[str, Callable] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "**": np.power,
}
MODULES = ("np", "numpy")
# how a row whose inputs leave a term undefined is said (the reader, the page and the static site)
UNDEFINED = "{term} is not defined for {where} ({values}); give values where it is"
UNDEFINED_CELL = "{file}: column {column} {located}, where {term} is not defined; give values where it is"


class Unsupported(ValueError):
    """A piece of an expression outside the supported arithmetic; the message names it."""


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Operation:
    operator: str  # one of OPERATORS' values
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Negation:
    operand: "Node"


@dataclass(frozen=True)
class Function:
    name: str  # one of FUNCTIONS
    argument: "Node"


Node = Column | Number | Operation | Negation | Function


def parse(text: str) -> Node:
    """The tree of ``text``; ``Unsupported`` naming the first piece that is not allowed."""
    if len(text) > MAX_TEXT:
        raise Unsupported(f"{shorten(text)} is longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise Unsupported(f"{shorten(text)} is not an expression") from None
    return _node(tree, 0)


def _node(tree: ast.AST, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise Unsupported(f"an expression nested deeper than {MAX_DEPTH}")
    if isinstance(tree, ast.Name):
        return Column(tree.id)
    if isinstance(tree, ast.Constant) and type(tree.value) in (int, float):
        return Number(float(tree.value))
    if isinstance(tree, ast.BinOp) and type(tree.op) in OPERATORS:
        return Operation(OPERATORS[type(tree.op)], _node(tree.left, depth + 1), _node(tree.right, depth + 1))
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, (ast.USub, ast.UAdd)):
        operand = _node(tree.operand, depth + 1)
        return Negation(operand) if isinstance(tree.op, ast.USub) else operand
    if isinstance(tree, ast.Call) and len(tree.args) == 1 and not tree.keywords:
        name = _function_name(tree.func)
        if name == "I":
            return _node(tree.args[0], depth + 1)
        if name in FUNCTIONS:
            return Function(name, _node(tree.args[0], depth + 1))
    raise Unsupported(f"{shorten(_source(tree))} is not supported")


def _function_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in MODULES:
        return func.attr
    return None


def _source(tree: ast.AST) -> str:
    try:
        return ast.unparse(tree)
    except (ValueError, RecursionError):
        return type(tree).__name__


def to_json(node: Node) -> list:
    """The tree as JSON lists, as the card hands it to the static site (which evaluates it without
    parsing text): ``["column", name]``, ``["number", value]``, ``[operator, left, right]``,
    ``["neg", operand]``, ``[function, argument]``."""
    if isinstance(node, Column):
        return ["column", node.name]
    if isinstance(node, Number):
        return ["number", node.value]
    if isinstance(node, Operation):
        return [node.operator, to_json(node.left), to_json(node.right)]
    if isinstance(node, Negation):
        return ["neg", to_json(node.operand)]
    return [node.name, to_json(node.argument)]


def columns(node: Node) -> list[str]:
    """The columns ``node`` reads, in the order they first appear."""
    if isinstance(node, Column):
        return [node.name]
    if isinstance(node, Operation):
        return list(dict.fromkeys([*columns(node.left), *columns(node.right)]))
    if isinstance(node, (Negation, Function)):
        return columns(node.operand if isinstance(node, Negation) else node.argument)
    return []


def evaluate(node: Node, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """float64 values of ``node`` for columns ``values`` (float64 arrays of one length). Outside
    its domain (log of 0, a negative square root) the result is inf or NaN, as in the graph."""
    with np.errstate(all="ignore"):
        return np.asarray(_evaluate(node, values), dtype=np.float64)


def _evaluate(node: Node, values: Mapping[str, np.ndarray]) -> np.ndarray | float:
    if isinstance(node, Column):
        return values[node.name]
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Operation):
        return NUMPY_OPERATORS[node.operator](_evaluate(node.left, values), _evaluate(node.right, values))
    if isinstance(node, Negation):
        return np.negative(_evaluate(node.operand, values))
    return FUNCTIONS[node.name](_evaluate(node.argument, values))


class OnnxWriter:
    """Writes expressions as ONNX nodes over float64 (batch,) column tensors; names are unique
    within one writer (``prefix`` keeps two writers' names apart)."""

    def __init__(self, prefix: str):
        self.prefix, self.count = prefix, 0
        self.constants: list = []
        self.nodes: list = []

    def name(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count}"

    def write(self, node: Node, inputs: Mapping[str, str]) -> str:
        """The tensor name holding ``node``'s value; ``inputs``: column -> its float64 tensor."""
        # onnx loads here, when a graph is written: reading a table needs the expressions but not
        # onnx, whose import (ml_dtypes' mostly) would delay the read
        from onnx import helper, numpy_helper

        if isinstance(node, Column):
            return inputs[node.name]
        out = self.name()
        if isinstance(node, Number):
            self.constants.append(numpy_helper.from_array(np.array(node.value, dtype=np.float64), out))
        elif isinstance(node, Operation):
            left, right = self.write(node.left, inputs), self.write(node.right, inputs)
            self.nodes.append(helper.make_node(ONNX_OPERATORS[node.operator], [left, right], [out]))
        elif isinstance(node, Negation):
            self.nodes.append(helper.make_node("Neg", [self.write(node.operand, inputs)], [out]))
        else:
            self.nodes.append(helper.make_node(ONNX_FUNCTIONS[node.name], [self.write(node.argument, inputs)], [out]))
        return out
