"""The benchmark's data: seeded synthetic binary problems, written once and read by every contender.

Features are N(0, 1) float32; labels are drawn from a known logistic model with weights of norm 2,
so the optimum is neither trivial nor separable.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 0


@dataclass(frozen=True)
class Problem:
    rows: int
    features: int

    @property
    def name(self) -> str:
        return f"{self.rows:.0e} x {self.features}".replace("e+0", "e")

    @property
    def l2(self) -> float:
        """The same penalty for everyone: scikit-learn's C = 1, i.e. lambda = 1 / N."""
        return 1.0 / self.rows


def write(problem: Problem, folder: Path) -> Path:
    """Generate the problem into ``folder`` (x.npy float32, y.npy int64) and return the folder."""
    target = folder / f"{problem.rows}x{problem.features}"
    if (target / "y.npy").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((problem.rows, problem.features), dtype=np.float32)
    beta = rng.normal(size=problem.features)
    beta *= 2.0 / np.linalg.norm(beta)
    y = (rng.uniform(size=problem.rows) < 1 / (1 + np.exp(-(x @ beta)))).astype(np.int64)
    np.save(target / "x.npy", x)
    np.save(target / "y.npy", y)
    return target


def load(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    return np.load(folder / "x.npy"), np.load(folder / "y.npy")


def objective(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, l2: float) -> float:
    """The shared yardstick, in float64 for everyone: mean log loss + l2/2 |w|^2 (raw features)."""
    z = x.astype(np.float64) @ w + b
    return float((np.logaddexp(0.0, z) - y * z).mean() + 0.5 * l2 * float(w @ w))
