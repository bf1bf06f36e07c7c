"""A spline basis as piecewise polynomials: how the card stores ``bs(...)`` and ``cr(...)`` and how
the graph and the reader evaluate them.

Between consecutive knots every column of a B-spline or natural cubic spline basis is a polynomial
of the spline's degree. Storing each piece's coefficients (in the local coordinate
u = (s - piece start) / piece width, which keeps them well conditioned) makes one evaluation serve
every kind of spline: find the piece, take the powers of u, one product. Beyond the boundary knots
the edge pieces continue (a value there is extrapolation, and said so: ``FormulaDesign.beyond``);
the fit stores the continuation its formula library uses, as two more pieces.

Pieces, for breaks B_0 < ... < B_m: 0 below B_0, j in 1..m on [B_{j-1}, B_j) (the last closed),
m + 1 above B_m; the piece index is #{k < m: s >= B_k} + [s > B_m].
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MAX_BREAKS = 1000  # distinct knots of one spline


@dataclass(frozen=True)
class Pieces:
    """``breaks`` (m + 1,) increasing; ``coefficients`` (m + 2, columns, order): piece, basis
    column, power of u."""

    breaks: np.ndarray
    coefficients: np.ndarray

    @property
    def columns(self) -> int:
        return self.coefficients.shape[1]

    def origins_and_widths(self) -> tuple[np.ndarray, np.ndarray]:
        b = self.breaks
        widths = np.diff(b)
        origins = np.concatenate([b[:1], b[:-1], b[-1:]])
        return origins, np.concatenate([widths[:1], widths, widths[-1:]])

    def index(self, s: np.ndarray) -> np.ndarray:
        b = self.breaks
        return (s[:, None] >= b[None, :-1]).sum(axis=1) + (s > b[-1])

    def evaluate(self, s: np.ndarray) -> np.ndarray:
        """(n, columns) float64 basis values at ``s`` (n,) (NaN where ``s`` is NaN)."""
        s = np.asarray(s, dtype=np.float64)
        piece = self.index(s)
        origins, widths = self.origins_and_widths()
        u = (s - origins[piece]) / widths[piece]
        powers = u[:, None] ** np.arange(self.coefficients.shape[2])
        return np.einsum("ncp,np->nc", self.coefficients[piece], powers)

    def onnx(self, s: str, out: str) -> tuple[list, list]:
        """Constants and nodes from the float64 (batch,) tensor ``s`` to ``out`` (batch, columns)."""
        from onnx import helper, numpy_helper  # loaded when a graph is written (``expression.OnnxWriter``)

        origins, widths = self.origins_and_widths()
        name = {part: f"{out}_{part}" for part in ("inner", "last", "origins", "widths", "table", "powers")}
        constants = [
            numpy_helper.from_array(self.breaks[:-1].astype(np.float64), name["inner"]),
            numpy_helper.from_array(self.breaks[-1:].astype(np.float64), name["last"]),
            numpy_helper.from_array(origins.astype(np.float64), name["origins"]),
            numpy_helper.from_array(widths.astype(np.float64), name["widths"]),
            numpy_helper.from_array(self.coefficients.astype(np.float64), name["table"]),
            numpy_helper.from_array(np.arange(self.coefficients.shape[2], dtype=np.float64), name["powers"]),
            numpy_helper.from_array(np.array([1], dtype=np.int64), f"{out}_axis1"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), f"{out}_axis2"),
        ]
        t = f"{out}_"
        nodes = [
            helper.make_node("Unsqueeze", [s, f"{out}_axis1"], [t + "column"]),
            helper.make_node("GreaterOrEqual", [t + "column", name["inner"]], [t + "past"]),
            helper.make_node("Cast", [t + "past"], [t + "past_count"], to=7),
            helper.make_node("ReduceSum", [t + "past_count", f"{out}_axis1"], [t + "below_last"], keepdims=0),
            helper.make_node("Greater", [s, name["last"]], [t + "beyond"]),
            helper.make_node("Cast", [t + "beyond"], [t + "beyond_count"], to=7),
            helper.make_node("Add", [t + "below_last", t + "beyond_count"], [t + "piece"]),
            helper.make_node("Gather", [name["origins"], t + "piece"], [t + "origin"], axis=0),
            helper.make_node("Gather", [name["widths"], t + "piece"], [t + "width"], axis=0),
            helper.make_node("Sub", [s, t + "origin"], [t + "offset"]),
            helper.make_node("Div", [t + "offset", t + "width"], [t + "u"]),
            helper.make_node("Unsqueeze", [t + "u", f"{out}_axis1"], [t + "u_column"]),
            helper.make_node("Pow", [t + "u_column", name["powers"]], [t + "u_powers"]),
            helper.make_node("Unsqueeze", [t + "u_powers", f"{out}_axis1"], [t + "u_row"]),
            helper.make_node("Gather", [name["table"], t + "piece"], [t + "pieces"], axis=0),
            helper.make_node("Mul", [t + "pieces", t + "u_row"], [t + "products"]),
            helper.make_node("ReduceSum", [t + "products", f"{out}_axis2"], [out], keepdims=0),
        ]
        return constants, nodes


def fit_pieces(basis: Callable[[np.ndarray], np.ndarray], breaks: np.ndarray, order: int) -> Pieces:
    """The pieces of ``basis`` (points (n,) -> values (n, columns)), a spline of ``order`` - 1
    degree with the distinct knots ``breaks``: each piece's polynomial solved from the basis at
    ``order`` Chebyshev points inside it (outside the boundary: within one edge width of it)."""
    breaks = np.asarray(breaks, dtype=np.float64)
    nodes = 0.5 - 0.5 * np.cos((2 * np.arange(order) + 1) * np.pi / (2 * order))  # in (0, 1)
    pieces = Pieces(breaks, np.zeros((len(breaks) + 1, 0, order)))
    origins, widths = pieces.origins_and_widths()
    solved = []
    for p, (origin, width) in enumerate(zip(origins, widths)):
        u = -nodes[::-1] if p == 0 else nodes
        values = basis(origin + u * width)  # (order, columns)
        solved.append(np.linalg.solve(u[:, None] ** np.arange(order), values).T)  # (columns, order)
    return Pieces(breaks, np.stack(solved))
