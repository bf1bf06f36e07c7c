"""The objective every optimizer minimizes, in standardized coordinates:

    sum_i v_i loss_i / sum_i v_i  +  l2 / 2 * ||W||^2   [ - log det I(theta) / (2 sum_i v_i)  with Firth ]

``loss_i`` is the log loss of row i (binary cross-entropy from the logit, or softmax cross-entropy),
``v_i`` the row weight (sample weight times class weight; 1 without weights), ``W`` the weights on
the standardized features (the intercept is not penalized). With the mean taken over the total
weight, ``l2`` is scikit-learn's ``1 / (C * sum_i v_i)``. Firth's term is Jeffreys' prior: half the
log-determinant of the Fisher information of (intercept, w).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from training.penalty import Penalty
from training.solvers.model import LogisticRegression


@dataclass(frozen=True)
class Problem:
    """Tensors of one fit: ``x`` (n, d) standardized, ``y`` (n,) float 0/1 for binary or int64 class
    index for multinomial, ``weights`` (n,) or None."""

    x: torch.Tensor
    y: torch.Tensor
    weights: torch.Tensor | None
    penalty: Penalty
    identified: list[int] | None = None  # the columns Firth's information uses (None: all; aliased ones left out)

    @property
    def binary(self) -> bool:
        return self.y.dtype != torch.int64


def row_losses(model: LogisticRegression, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits = model(x)
    if y.dtype == torch.int64:
        return F.cross_entropy(logits, y, reduction="none")
    return F.binary_cross_entropy_with_logits(logits, y, reduction="none")


def data_loss(
    model: LogisticRegression, x: torch.Tensor, y: torch.Tensor, weights: torch.Tensor | None
) -> torch.Tensor:
    """Mean (weighted) log loss. Unweighted binary uses torch's own mean, as the tutorial's BCELoss."""
    if weights is None:
        if y.dtype == torch.int64:
            return F.cross_entropy(model(x), y)
        return F.binary_cross_entropy_with_logits(model(x), y)
    return (weights * row_losses(model, x, y)).sum() / weights.sum()


def firth_term(
    model: LogisticRegression, x: torch.Tensor, weights: torch.Tensor | None, identified: list[int] | None = None
) -> torch.Tensor:
    """-log det(X~^T diag(v p (1 - p)) X~) / (2 sum v), X~ = [1, x]: Firth's penalty on the mean
    scale (``identified``: the columns of x in X~; aliased ones would make the determinant 0)."""
    p = torch.sigmoid(model(x))
    v = torch.ones_like(p) if weights is None else weights
    columns = x if identified is None else x[:, identified]
    design = torch.cat([torch.ones_like(x[:, :1]), columns], dim=1)
    information = design.T @ (design * (v * p * (1 - p))[:, None])
    return -torch.logdet(information) / (2 * v.sum())


def objective(model: LogisticRegression, problem: Problem, rows: slice | torch.Tensor = slice(None)) -> torch.Tensor:
    """The objective on ``rows`` (all by default; a minibatch for SGD and Adam)."""
    weights = None if problem.weights is None else problem.weights[rows]
    value = data_loss(model, problem.x[rows], problem.y[rows], weights)
    return value + problem.penalty.term(
        model.linear.weight, lambda: firth_term(model, problem.x[rows], weights, problem.identified)
    )
