"""The model: one linear layer whose output is the logit; the sigmoid lives in the loss and the export."""

import torch
from torch import nn


class LogisticRegression(nn.Module):
    """``logit = x @ w + b``. Built as the tutorial builds it (``nn.Linear(n, 1)`` first), so the
    same seed draws the same initial weights as the tutorial's program."""

    def __init__(self, n_features: int):
        super().__init__()
        self.linear = nn.Linear(n_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (batch, n_features) -> logit (batch,)."""
        return self.linear(x).squeeze(-1)
